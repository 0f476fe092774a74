//! The SOC workflows from the `taegis` binary against a sandbox over real HTTP and WebSocket:
//! events search, alerts search/get/resolve, an investigation's life, and bad arguments.
#![cfg(feature = "sandbox")]

mod cli_common;

use cli_common::World;
use serde_json::Value;
use std::collections::HashSet;

fn jsonl(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

#[test]
fn events_search_streams_jsonl_rows_to_max_rows() {
    let world = World::start(2);
    let run = world.run(&[
        "--jsonl",
        "events",
        "search",
        "FROM process EARLIEST=-2h",
        "--max-rows",
        "2500",
        "--page-size",
        "400",
    ]);
    run.assert_code(0, "events search");
    let rows = jsonl(&run.stdout);
    assert_eq!(rows.len(), 2500);
    let ids: HashSet<&str> = rows
        .iter()
        .map(|r| r["resource_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2500, "no row twice");
    assert!(
        world.sb.stats().operation("eventPage") >= 6,
        "pages followed"
    );

    let table = world.run(&["events", "search", "FROM process EARLIEST=-1h | head 4"]);
    table.assert_code(0, "events table");
    assert_eq!(
        table.stdout.lines().count(),
        5,
        "header and 4 rows: {}",
        table.stdout
    );
    assert!(table.stdout.starts_with(" TIME") || table.stdout.starts_with("TIME"));
    assert!(table.stderr.contains("4 events"));
}

#[test]
fn events_search_refuses_bad_arguments_and_reports_bad_queries() {
    let world = World::start(1);
    world
        .run(&["events", "search", "FROM process", "--page-size", "0"])
        .assert_code(2, "page size 0");
    world
        .run(&["events", "search", "  "])
        .assert_code(2, "empty query");
    let bad = world.run(&["events", "search", "FROM process WHERE ("]);
    bad.assert_code(1, "a query the server refuses");
    assert!(
        bad.stderr.to_lowercase().contains("error"),
        "{}",
        bad.stderr
    );
}

#[test]
fn alerts_search_get_and_resolve() {
    let world = World::start(2);
    let cql = "FROM alert WHERE severity >= 0.5 AND status = 'OPEN' EARLIEST=-7d";
    let run = world.run(&["--jsonl", "alerts", "search", cql]);
    run.assert_code(0, "alerts search");
    let alerts = jsonl(&run.stdout);
    assert!(!alerts.is_empty());
    assert!(alerts
        .iter()
        .all(|a| a["metadata"]["severity"].as_f64().unwrap() >= 0.5 && a["status"] == "OPEN"));
    let ids: Vec<&str> = alerts
        .iter()
        .take(2)
        .map(|a| a["id"].as_str().unwrap())
        .collect();

    let get = world.run(&["--json", "alerts", "get", ids[0], ids[1]]);
    get.assert_code(0, "alerts get");
    let got: Vec<Value> = serde_json::from_str(&get.stdout).unwrap();
    assert_eq!(got.len(), 2);

    world
        .run(&[
            "alerts",
            "resolve",
            ids[0],
            ids[1],
            "--status",
            "false-positive",
            "--reason",
            "tuned",
        ])
        .assert_code(0, "alerts resolve");
    assert_eq!(
        world
            .sb
            .stats()
            .operation("alertsServiceUpdateResolutionInfo"),
        1,
        "one request for both"
    );
    let again = world.run(&["--jsonl", "alerts", "search", cql]);
    let left: HashSet<String> = jsonl(&again.stdout)
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(left.len(), alerts.len() - 2);
    assert!(!left.contains(ids[0]) && !left.contains(ids[1]));

    let missing = world.run(&["alerts", "get", "alert://priv:nope:1:2"]);
    missing.assert_code(1, "unknown alert");
    assert!(missing.stderr.contains("not found"), "{}", missing.stderr);
    world
        .run(&[
            "alerts", "resolve", ids[0], "--status", "maybe", "--reason", "x",
        ])
        .assert_code(2, "unknown resolution");
}

#[test]
fn an_investigation_from_the_command_line() {
    let world = World::start(2);
    let run = world.run(&[
        "--jsonl",
        "alerts",
        "search",
        "FROM alert WHERE status = 'OPEN' EARLIEST=-7d",
        "--max",
        "3",
    ]);
    run.assert_code(0, "alerts for evidence");
    let alerts: Vec<String> = jsonl(&run.stdout)
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(alerts.len(), 3);

    let created = world.run(&[
        "--json",
        "investigations",
        "create",
        "--title",
        "Suspicious logins",
        "--priority",
        "2",
        "--alert",
        &alerts[0],
        "--alert",
        &alerts[1],
    ]);
    created.assert_code(0, "create");
    let created: Value = serde_json::from_str(&created.stdout).unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["alertsEvidenceCount"], 2);

    world
        .run(&[
            "investigations",
            "update",
            &id,
            "--title",
            "Credential stuffing",
        ])
        .assert_code(0, "update");
    world
        .run(&["investigations", "add-alerts", &id, &alerts[2]])
        .assert_code(0, "add alerts");
    world
        .run(&["investigations", "comment", &id, "escalated"])
        .assert_code(0, "comment");
    let got = world.run(&["--json", "investigations", "get", &id]);
    got.assert_code(0, "get");
    let got: Value = serde_json::from_str(&got.stdout).unwrap();
    assert_eq!(got["title"], "Credential stuffing");
    assert_eq!(got["alertsEvidenceCount"], 3);

    let closed = world.run(&[
        "--json",
        "investigations",
        "close",
        &id,
        "--status",
        "false-positive-alert",
        "--reason",
        "benign scanner",
        "--alerts-resolution",
        "false-positive",
    ]);
    closed.assert_code(0, "close");
    let closed: Value = serde_json::from_str(&closed.stdout).unwrap();
    assert_eq!(closed["status"], "CLOSED_FALSE_POSITIVE_ALERT");

    let open = world.run(&["--jsonl", "investigations", "search", "status = 'OPEN'"]);
    open.assert_code(0, "search");
    let open = jsonl(&open.stdout);
    assert!(open.iter().all(|i| i["status"] == "OPEN"));
    assert!(!open.iter().any(|i| i["id"] == id.as_str()));

    world
        .run(&["investigations", "update", &id])
        .assert_code(2, "nothing to change");
    world
        .run(&[
            "investigations",
            "close",
            &id,
            "--status",
            "done",
            "--reason",
            "x",
        ])
        .assert_code(2, "unknown close status");
}

#[test]
fn alerts_and_investigations_searches_run_once_per_tenant() {
    let world = World::start(12);
    let run = world.run(&[
        "--each-tenant",
        "--jsonl",
        "alerts",
        "search",
        "FROM alert WHERE severity >= 0.9 EARLIEST=-8d",
    ]);
    run.assert_code(0, "alerts search in every tenant");
    let rows = jsonl(&run.stdout);
    assert!(!rows.is_empty());
    let tenants: HashSet<&str> = rows
        .iter()
        .map(|r| r["tenant_id"].as_str().unwrap())
        .collect();
    assert!(tenants.len() > 1, "rows from several tenants: {tenants:?}");
    for row in &rows {
        let alert = &row["result"];
        let alert = if alert.is_null() { row } else { alert };
        assert!(
            alert["metadata"]["severity"].as_f64().unwrap() >= 0.9,
            "{row}"
        );
        assert_eq!(
            alert["tenant_id"], row["tenant_id"],
            "each alert is its tenant's: {row}"
        );
    }
    assert_eq!(
        world.sb.stats().tokens_issued,
        1,
        "one token for every tenant"
    );

    let table = world.run(&[
        "--each-tenant",
        "investigations",
        "search",
        "status = 'OPEN'",
    ]);
    table.assert_code(0, "investigations search in every tenant");
    assert!(
        table.stdout.lines().next().unwrap().contains("TENANT"),
        "{}",
        table.stdout
    );
}
