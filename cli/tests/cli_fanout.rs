//! `taegis` fan-out (`--each-tenant`, `--tenant-*`, `--tenants-file`, `--rerun-failures`)
//! against a sandbox with 1,000 child tenants: each tenant exactly once under a 429 storm and
//! 503 bursts, one token per run, the report matching what happened, re-runs of failures only,
//! mutations whose outcome is unknown left alone, exit statuses, the TENANT column and
//! `tenant_id`, tenants files with bad lines, and Ctrl-C.

mod cli_common;

use cli_common::{short, World};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::time::{Duration, Instant};
use taegis_sandbox::{FaultKind, FaultTarget};

/// A sandbox with the partner (10000) and 1,000 children (10001..=11000).
fn world() -> World {
    World::start(1001)
}

/// One query per tenant, counted by the sandbox under its name.
const PER_TENANT_QUERY: &[u8] = b"query perTenant { clients(page: 1, perPage: 1) { id } }\n";

fn children(n: u64) -> Vec<String> {
    (10_001..10_001 + n).map(|id| id.to_string()).collect()
}

fn tenants_file(w: &World, name: &str, ids: &[String]) -> String {
    let text: String = ids.iter().map(|id| format!("{id}\n")).collect();
    w.write(name, text.as_bytes()).display().to_string()
}

fn read_report(w: &World, name: &str) -> Value {
    let text = std::fs::read_to_string(w.home.path().join(name)).expect("the report exists");
    serde_json::from_str(&text).expect("the report is JSON")
}

/// The report's status of every tenant, asserting that none is listed twice.
fn statuses(report: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in report["tenants"].as_array().expect("tenants") {
        let tenant = entry["tenant_id"].as_str().unwrap().to_owned();
        let status = entry["status"].as_str().unwrap().to_owned();
        assert!(
            out.insert(tenant.clone(), status).is_none(),
            "{tenant} twice in the report"
        );
    }
    out
}

/// The `tenant_id` of every JSONL line, asserting that none comes twice.
fn jsonl_tenants(stdout: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for line in stdout.lines() {
        let row: Value = serde_json::from_str(line).expect("a JSON line");
        let tenant = row["tenant_id"].as_str().expect("tenant_id").to_owned();
        assert!(seen.insert(tenant.clone()), "{tenant} printed twice");
    }
    seen
}

fn count(statuses: &BTreeMap<String, String>, status: &str) -> usize {
    statuses.values().filter(|s| *s == status).count()
}

#[test]
fn every_tenant_exactly_once_under_a_429_storm_and_503_bursts_with_one_token() {
    let w = world();
    let doc = w.write("q.graphql", PER_TENANT_QUERY);
    let ids = children(1000);
    let file = tenants_file(&w, "tenants.txt", &ids);
    w.sb.set_retry_after(Duration::from_secs(1));
    // A storm: 12 of the first 16 requests are refused; then one in twenty answers 503.
    w.sb.fail_next(FaultTarget::GraphQl, FaultKind::RateLimited, 12);
    w.sb.set_unavailable_rate(0.05);
    let doc = doc.to_str().unwrap();
    let run = w.run(&[
        "--tenants-file",
        &file,
        "--report-file",
        "report.json",
        "--jsonl",
        "query",
        doc,
    ]);
    let stats = w.sb.stats();
    assert_eq!(stats.token_requests, 1, "one token for the whole run");
    assert_eq!(stats.rate_limited, 12, "the storm happened");
    assert!(stats.unavailable > 0, "503 bursts happened");
    let report = read_report(&w, "report.json");
    let statuses = statuses(&report);
    assert_eq!(
        statuses.keys().cloned().collect::<BTreeSet<_>>(),
        ids.iter().cloned().collect(),
        "every tenant in the report once"
    );
    let ok: BTreeSet<String> = statuses
        .iter()
        .filter(|(_, s)| *s == "ok")
        .map(|(t, _)| t.clone())
        .collect();
    // A read is never "unknown"; a tenant whose retries all met a 503 is "failed".
    assert_eq!(ok.len() + count(&statuses, "failed"), 1000, "{statuses:?}");
    assert_eq!(
        jsonl_tenants(&run.stdout),
        ok,
        "one line per tenant that succeeded"
    );
    assert_eq!(
        stats.operation("perTenant"),
        ok.len() as u64,
        "each query ran once on the server (faults come before execution)"
    );
    assert_eq!(report["ok"], ok.len());
    run.assert_code(if ok.len() == 1000 { 0 } else { 5 }, "storm");

    // Whatever failed is run again, and only that: then every tenant has run exactly once.
    w.sb.clear_faults();
    w.sb.reset_stats();
    let rerun = w.run(&[
        "--rerun-failures",
        "report.json",
        "--report-file",
        "rerun.json",
        "--jsonl",
        "query",
        doc,
    ]);
    rerun.assert_code(0, "rerun");
    assert_eq!(
        w.sb.stats().operation("perTenant"),
        1000 - ok.len() as u64,
        "only the failures ran again"
    );
    assert!(jsonl_tenants(&rerun.stdout).is_disjoint(&ok));
}

#[test]
fn failing_tenants_do_not_stop_the_others_and_reruns_retry_only_them() {
    let w = world();
    let doc = w.write("q.graphql", PER_TENANT_QUERY);
    let doc = doc.to_str().unwrap();
    let mut ids = children(40);
    // Outside the bootstrap client's hierarchy: the API refuses them (403).
    ids.insert(5, "9000".into());
    ids.push("9001".into());
    let file = tenants_file(&w, "tenants.txt", &ids);
    let args = |extra: &[&'static str]| {
        let mut args = vec!["--tenants-file", file.as_str(), "--report-file", "r.json"];
        args.extend_from_slice(extra);
        args.extend(["--jsonl", "query", doc]);
        args
    };
    let run = w.run(&args(&["--concurrency", "4"]));
    run.assert_code(5, "partial failure");
    assert!(
        run.stderr.contains("42 tenants: 40 ok, 2 failed"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("9000 failed"), "{}", run.stderr);
    let report = read_report(&w, "r.json");
    let first = statuses(&report);
    assert_eq!(first.len(), 42);
    assert_eq!(first["9000"], "failed");
    assert_eq!(first["9001"], "failed");
    assert_eq!(count(&first, "ok"), 40);
    let why = report["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["tenant_id"] == "9000")
        .unwrap()["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(why.contains("403"), "the report says why: {why}");
    assert_eq!(jsonl_tenants(&run.stdout).len(), 40);
    assert_eq!(w.sb.stats().operation("perTenant"), 40);

    // --allow-partial accepts it.
    w.run(&args(&["--allow-partial"]))
        .assert_code(0, "--allow-partial");

    // A re-run from the report runs only the two failures (which fail again).
    w.sb.reset_stats();
    let rerun = w.run(&[
        "--rerun-failures",
        "r.json",
        "--report-file",
        "r2.json",
        "query",
        doc,
    ]);
    rerun.assert_code(5, "rerun of failures that fail again");
    assert!(
        rerun.stderr.contains("2 tenants: 0 ok, 2 failed"),
        "{}",
        rerun.stderr
    );
    assert_eq!(
        w.sb.stats().operation("perTenant"),
        0,
        "403 before execution"
    );
    assert_eq!(statuses(&read_report(&w, "r2.json")).len(), 2);
    // A report of another command is refused.
    let wrong = w.run(&["--rerun-failures", "r.json", "clients", "list"]);
    wrong.assert_code(2, "report of another command");
    assert!(wrong.stderr.contains("is of `query`"), "{}", wrong.stderr);
    // All succeeded: 0.
    let good = tenants_file(&w, "good.txt", &children(5));
    w.run(&["--tenants-file", &good, "query", doc])
        .assert_code(0, "all ok");
}

#[test]
fn selection_filters_tables_json_and_jsonl_carry_the_tenant() {
    let w = world();
    // The partner's 1,000 children through the tenants API, as JSONL.
    let run = w.run(&["--tenant-is-partner", "false", "--jsonl", "clients", "list"]);
    run.assert_code(0, "children");
    let tenants = jsonl_tenants(&run.stdout);
    assert_eq!(tenants.len(), 1000);
    assert!(!tenants.contains("10000"), "not the partner");
    assert!(
        run.stderr.contains("1000 tenants: 1000 ok"),
        "{}",
        run.stderr
    );
    assert_eq!(w.sb.stats().token_requests, 1);

    // A table gets a TENANT column.
    let table = w.run(&[
        "--tenant-id",
        "10001",
        "--tenant-id",
        "10002",
        "clients",
        "list",
    ]);
    table.assert_code(0, "table");
    let mut lines = table.stdout.lines();
    let header = lines.next().unwrap();
    assert!(header.trim_start().starts_with("TENANT"), "{header}");
    let rows: BTreeSet<String> = lines
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .collect();
    assert_eq!(rows, BTreeSet::from(["10001".into(), "10002".into()]));

    // JSON: one object per tenant; `{}` stands for each tenant in `tenants get`.
    let json = w.run(&[
        "--tenant-name",
        "%",
        "--tenant-label",
        "tier=gold",
        "--tenant-label",
        "industry",
        "--json",
        "tenants",
        "get",
        "{}",
    ]);
    json.assert_code(0, "json");
    let array: Value = serde_json::from_str(&json.stdout).expect("one JSON document");
    let array = array.as_array().expect("an array");
    assert!(!array.is_empty());
    for object in array {
        assert_eq!(object["tenant_id"], object["result"]["id"], "{object}");
        let labels = object["result"]["labels"].as_array().unwrap();
        assert!(labels
            .iter()
            .any(|l| l["name"] == "tier" && l["value"] == "gold"));
        assert!(labels.iter().any(|l| l["name"] == "industry"));
    }

    // Fan-out settings without a fan-out, --tenant with one, and commands without one.
    w.run(&["--concurrency", "4", "clients", "list"])
        .assert_code(2, "--concurrency alone");
    w.run(&["--each-tenant", "--tenant", "10001", "clients", "list"])
        .assert_code(2, "--tenant with a fan-out");
    w.run(&["--each-tenant", "sso", "list"])
        .assert_code(2, "a command without a per-tenant form");
}

#[test]
fn a_tenants_file_with_a_bad_line_runs_nothing_and_names_the_line() {
    let w = world();
    let file = w.write(
        "t.txt",
        b"# children\n10001\n\n10002 # second\n10 003\n10004\n",
    );
    let run = w.run(&["--tenants-file", file.to_str().unwrap(), "clients", "list"]);
    run.assert_code(2, "bad line");
    assert!(run.stderr.contains("line 5"), "{}", run.stderr);
    assert_eq!(w.sb.stats().graphql_requests, 0, "nothing ran");
    // From standard input.
    let run = w.run_stdin(
        &["--tenants-file", "-", "--jsonl", "clients", "list"],
        b"10001\n# x\n10002\n".to_vec(),
    );
    run.assert_code(0, "stdin");
    assert_eq!(jsonl_tenants(&run.stdout).len(), 2);
}

#[test]
fn a_mutation_whose_outcome_is_unknown_is_not_rerun_without_rerun_unknown() {
    let w = world();
    let file = tenants_file(&w, "t.txt", &children(20));
    // The first three createClient requests get a 503: sent, no answer; maybe applied.
    w.sb.fail_next(FaultTarget::GraphQl, FaultKind::Unavailable, 3);
    let run = w.run(&[
        "--tenants-file",
        &file,
        "--concurrency",
        "4",
        "--report-file",
        "r.json",
        "--jsonl",
        "clients",
        "create",
        "fanout-ci",
    ]);
    run.assert_code(5, "unknown outcomes");
    assert!(
        run.stderr.contains("20 tenants: 17 ok, 3 outcome unknown"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--rerun-unknown"), "{}", run.stderr);
    assert_eq!(w.sb.stats().operation("createClient"), 17);
    assert_eq!(w.sb.stats().token_requests, 1);
    let report_text = std::fs::read_to_string(w.home.path().join("r.json")).unwrap();
    let report: Value = serde_json::from_str(&report_text).unwrap();
    assert_eq!(count(&statuses(&report), "unknown"), 3);
    // The secrets printed on standard output are nowhere in the report.
    for line in run.stdout.lines() {
        let row: Value = serde_json::from_str(line).unwrap();
        let secret = row["clientSecret"].as_str().expect("a secret");
        assert!(!report_text.contains(secret), "a secret in the report");
    }
    assert!(!report_text.contains("clientSecret"));

    // Re-running failures leaves the unknown ones alone: nothing to run.
    let rerun = w.run(&[
        "--rerun-failures",
        "r.json",
        "clients",
        "create",
        "fanout-ci",
    ]);
    rerun.assert_code(0, "nothing failed");
    assert!(rerun.stderr.contains("0 tenants"), "{}", rerun.stderr);
    assert_eq!(w.sb.stats().operation("createClient"), 17);
    // With --rerun-unknown they run (here they had not been applied: they succeed).
    let rerun = w.run(&[
        "--rerun-failures",
        "r.json",
        "--rerun-unknown",
        "--jsonl",
        "clients",
        "create",
        "fanout-ci",
    ]);
    rerun.assert_code(0, "--rerun-unknown");
    assert_eq!(jsonl_tenants(&rerun.stdout).len(), 3);
    assert_eq!(w.sb.stats().operation("createClient"), 20);
}

/// `taegis --tenants-file FILE --concurrency 2 --report-file r.json --jsonl query DOC`, with pipes.
#[cfg(unix)]
fn spawn(w: &World, file: &str, doc: &std::path::Path) -> std::process::Child {
    w.std_command()
        .args(["--tenants-file", file, "--concurrency", "2"])
        .args(["--report-file", "r.json", "--jsonl", "query"])
        .arg(doc)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("taegis starts")
}

/// Sends SIGINT to `child`.
#[cfg(unix)]
fn interrupt(child: &std::process::Child) {
    // SAFETY: kill(2) on our own child's PID.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) },
        0
    );
}

/// Waits at most 30 s for `child` to exit.
#[cfg(unix)]
fn wait(child: &mut std::process::Child) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("taegis did not stop after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_dispatching_lets_running_tenants_finish_and_writes_the_report() {
    let w = world();
    let doc = w.write("q.graphql", PER_TENANT_QUERY);
    let file = tenants_file(&w, "t.txt", &children(1000));
    w.sb.set_latency(Duration::from_millis(40));
    let mut child = spawn(&w, &file, &doc);
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    let mut line = String::new();
    while lines.len() < 10 {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "output ended early"
        );
        lines.push(line.clone());
    }
    interrupt(&child);
    for rest in stdout.lines() {
        lines.push(rest.unwrap());
    }
    let status = wait(&mut child);
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(5), "stderr: {}", short(&stderr));
    assert!(stderr.contains("interrupted"), "{stderr}");
    let report = read_report(&w, "r.json");
    assert_eq!(report["interrupted"], true);
    let statuses = statuses(&report);
    assert_eq!(statuses.len(), 1000, "every tenant listed");
    let ok = count(&statuses, "ok");
    let not_started = count(&statuses, "not_started");
    assert_eq!(ok + not_started, 1000, "only ok and not started");
    assert!(not_started >= 900, "dispatching stopped: {ok} ran");
    assert_eq!(lines.len(), ok, "one line per tenant that ran");
    assert_eq!(w.sb.stats().operation("perTenant"), ok as u64);
}

#[cfg(unix)]
#[test]
fn a_second_ctrl_c_aborts_and_still_writes_the_report() {
    let w = world();
    let doc = w.write("q.graphql", PER_TENANT_QUERY);
    let file = tenants_file(&w, "t.txt", &children(100));
    w.sb.set_latency(Duration::from_millis(600));
    let mut child = spawn(&w, &file, &doc);
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    assert!(stdout.read_line(&mut line).unwrap() > 0, "a first tenant");
    interrupt(&child);
    // Once the first Ctrl-C is acknowledged, the second aborts the running tenants.
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    while !said.contains("Ctrl-C again to abort") {
        let mut next = String::new();
        assert!(
            stderr.read_line(&mut next).unwrap() > 0,
            "stderr ended: {said}"
        );
        said.push_str(&next);
    }
    interrupt(&child);
    let status = wait(&mut child);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(status.code(), Some(130), "{said}{rest}");
    let report = read_report(&w, "r.json");
    let statuses = statuses(&report);
    assert_eq!(statuses.len(), 100, "every tenant listed");
    let aborted: Vec<&Value> = report["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["error"].as_str().is_some_and(|e| e.contains("aborted")))
        .collect();
    assert!(!aborted.is_empty() && aborted.len() <= 2, "{report}");
    // A read cut off is safe to run again: failed, not unknown.
    assert!(aborted.iter().all(|e| e["status"] == "failed"));
    assert_eq!(count(&statuses, "unknown"), 0);
    assert!(count(&statuses, "not_started") >= 90);
}
