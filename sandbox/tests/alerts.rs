//! Alerts on `/graphql` over HTTP: CQL filters against a full listing, parts walked with
//! `alertsServicePoll`, resolution updates seen by the next search, per-tenant isolation,
//! determinism, a 10,000-tenant sandbox, parse errors naming the position.

mod common;

use common::Api;

use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const FIELDS: &str = "fragment A on Alert2 { id tenant_id status resolution_reason
  metadata { severity title created_at { seconds nanos } engine { name } }
  resolution_history { reason status } investigation_ids { id } entities { entities } }";

fn search_doc() -> String {
    format!(
        "query s($in: SearchRequestInput) {{ alertsServiceSearch(in: $in) {{ search_id status
          alerts {{ total_results total_parts part next_offset list {{ ...A }} }} }} }} {FIELDS}"
    )
}

fn poll_doc() -> String {
    format!(
        "query p($in: PollRequestInput) {{ alertsServicePoll(in: $in) {{ search_id
          alerts {{ total_results total_parts part list {{ ...A }} }} }} }} {FIELDS}"
    )
}

impl Api {
    /// Every alert a search returns, walking its parts; checks the parts' bookkeeping.
    async fn search(&self, tenant: &str, cql: &str, part_size: u64) -> (Value, Vec<Value>) {
        let input = json!({"cql_query": cql, "limit": 10000, "offset": 0,
            "metadata": {"callerName": "test", "sandboxPartSize": part_size}});
        let first = self.data(tenant, &search_doc(), json!({"in": input})).await;
        let first = first["alertsServiceSearch"].clone();
        assert_eq!(first["status"], "OK");
        let parts = first["alerts"]["total_parts"].as_u64().unwrap();
        let mut all: Vec<Value> = first["alerts"]["list"].as_array().unwrap().clone();
        for part in 2..=parts {
            let vars = json!({"in": {"search_id": first["search_id"], "part_id": part}});
            let page = self.data(tenant, &poll_doc(), vars).await;
            let alerts = &page["alertsServicePoll"]["alerts"];
            assert_eq!(alerts["part"], part);
            assert_eq!(alerts["total_parts"], parts);
            let list = alerts["list"].as_array().unwrap();
            assert!(part == parts || list.len() as u64 == part_size);
            all.extend(list.iter().cloned());
        }
        (first, all)
    }
}

fn ids(alerts: &[Value]) -> Vec<String> {
    alerts
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

fn now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn cql_filters_return_exactly_the_matching_alerts() {
    let api = Api::start(3, 11).await;
    let tenant = api.sb.tenant_id().to_owned();
    let (first, all) = api.search(&tenant, "FROM alert", 1000).await;
    assert!(all.len() >= 40, "{}", all.len());
    assert_eq!(first["alerts"]["total_results"], all.len());
    let (_, blank) = api.search(&tenant, "", 1000).await;
    assert_eq!(ids(&blank), ids(&all), "blank text is every alert");
    let created = |a: &Value| a["metadata"]["created_at"]["seconds"].as_i64().unwrap();
    let times: Vec<i64> = all.iter().map(created).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let sev = |a: &Value| a["metadata"]["severity"].as_f64().unwrap();
    let status = |a: &Value| a["status"].as_str().unwrap().to_owned();
    let title = |a: &Value| a["metadata"]["title"].as_str().unwrap().to_lowercase();
    let engine = |a: &Value| a["metadata"]["engine"]["name"].as_str().unwrap().to_owned();
    let day_ago = now_s() - 86_400;
    type Check = Box<dyn Fn(&Value) -> bool>;
    let cases: Vec<(&str, Check)> = vec![
        (
            "FROM alert WHERE severity >= 0.6 AND status = 'OPEN' EARLIEST=-1d",
            Box::new(move |a| sev(a) >= 0.6 && status(a) == "OPEN" && created(a) >= day_ago),
        ),
        (
            "from alert where metadata.title contains 'brute' or severity < 0.1",
            Box::new(move |a| title(a).contains("brute") || sev(a) < 0.1),
        ),
        (
            "FROM alert WHERE status IN ('FALSE_POSITIVE', 'SUPPRESSED') AND NOT detector = 'app:detect:watchlist'",
            Box::new(move |a| {
                ["FALSE_POSITIVE", "SUPPRESSED"].contains(&status(a).as_str())
                    && engine(a) != "app:detect:watchlist"
            }),
        ),
        (
            "FROM alert WHERE (severity > 0.3 AND severity <= 0.5) OR title MATCHES_REGEX '^possible'",
            Box::new(move |a| (sev(a) > 0.3 && sev(a) <= 0.5) || title(a).starts_with("possible")),
        ),
    ];
    for (cql, check) in cases {
        let (first, got) = api.search(&tenant, cql, 1000).await;
        let want: Vec<Value> = all.iter().filter(|a| check(a)).cloned().collect();
        assert!(!want.is_empty(), "{cql}: the seed should give some matches");
        assert!(
            want.len() < all.len(),
            "{cql}: the seed should leave some out"
        );
        assert_eq!(ids(&got), ids(&want), "{cql}");
        assert_eq!(first["alerts"]["total_results"], want.len(), "{cql}");
    }
    let (first, head) = api.search(&tenant, "FROM alert | head 5", 1000).await;
    assert_eq!(ids(&head), ids(&all[..5]));
    assert_eq!(first["alerts"]["total_results"], 5);
    let (_, tail) = api.search(&tenant, "FROM alert | tail 3", 1000).await;
    assert_eq!(ids(&tail), ids(&all[all.len() - 3..]));
}

#[tokio::test]
async fn parts_walked_by_poll_give_each_alert_once() {
    let api = Api::start(2, 3).await;
    let tenant = api.sb.tenant_id().to_owned();
    let (_, all) = api.search(&tenant, "FROM alert", 1000).await;
    let (first, parts) = api.search(&tenant, "FROM alert", 7).await;
    let n = all.len() as u64;
    assert_eq!(first["alerts"]["total_parts"], n.div_ceil(7));
    assert_eq!(first["alerts"]["total_results"], n);
    assert_eq!(ids(&parts), ids(&all), "each alert exactly once, in order");
    let unique: HashSet<String> = ids(&parts).into_iter().collect();
    assert_eq!(unique.len() as u64, n);

    // limit and offset choose the window the parts cover; the total counts every match.
    let input = json!({"cql_query": "FROM alert", "offset": 5, "limit": 10,
        "metadata": {"sandboxPartSize": 4}});
    let page = api.data(&tenant, &search_doc(), json!({"in": input})).await;
    let alerts = &page["alertsServiceSearch"]["alerts"];
    assert_eq!(alerts["total_results"], n);
    assert_eq!(alerts["total_parts"], 3);
    assert_eq!(ids(alerts["list"].as_array().unwrap()), ids(&all[5..9]));

    // Unknown searches and parts say "not found", as the Python helper expects.
    let search_id = first["search_id"].clone();
    let last = n.div_ceil(7);
    for (id, part) in [
        (search_id.clone(), last + 1),
        (search_id.clone(), 0),
        (json!("no-such-search"), 2),
    ] {
        let vars = json!({"in": {"search_id": id, "part_id": part}});
        let message = api.error(&tenant, &poll_doc(), vars).await;
        assert!(message.contains("not found"), "{message}");
    }
    // A search belongs to its tenant.
    let vars = json!({"in": {"search_id": search_id, "part_id": 2}});
    let message = api.error(&api.child(1), &poll_doc(), vars).await;
    assert!(message.contains("not found"), "{message}");
}

const RESOLVE: &str = "mutation r($in: UpdateResolutionRequestInput) {
  alertsServiceUpdateResolutionInfo(in: $in) { reason resolution_status } }";

fn by_ids_doc() -> String {
    format!(
        "query g($in: GetByIDRequestInput) {{ alertsServiceRetrieveAlertsById(in: $in) {{
          status alerts {{ total_results list {{ ...A }} }} }} }} {FIELDS}"
    )
}

#[tokio::test]
async fn a_resolution_update_shows_in_the_next_search() {
    let api = Api::start(2, 5).await;
    let tenant = api.sb.tenant_id().to_owned();
    let open = "FROM alert WHERE status = 'OPEN'";
    let (_, before) = api.search(&tenant, open, 1000).await;
    let chosen: Vec<String> = ids(&before).into_iter().take(3).collect();
    assert_eq!(chosen.len(), 3);
    let input = json!({"alert_ids": chosen, "resolution_status": "FALSE_POSITIVE",
        "reason": "benign scanner"});
    let answer = api.data(&tenant, RESOLVE, json!({"in": input})).await;
    assert_eq!(
        answer["alertsServiceUpdateResolutionInfo"]["resolution_status"],
        "SUCCESS"
    );
    let (_, after) = api.search(&tenant, open, 1000).await;
    assert_eq!(after.len(), before.len() - 3);
    assert!(ids(&after).iter().all(|id| !chosen.contains(id)));
    let (_, fp) = api
        .search(
            &tenant,
            "FROM alert WHERE resolution_reason = 'benign scanner'",
            1000,
        )
        .await;
    assert_eq!(ids(&fp).len(), 3);
    let got = api
        .data(&tenant, &by_ids_doc(), json!({"in": {"iDs": chosen}}))
        .await;
    let list = got["alertsServiceRetrieveAlertsById"]["alerts"]["list"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(ids(&list), chosen, "by ID, in the order asked");
    for alert in &list {
        assert_eq!(alert["status"], "FALSE_POSITIVE");
        let history = alert["resolution_history"].as_array().unwrap();
        assert_eq!(history.last().unwrap()["reason"], "benign scanner");
    }

    // One unknown ID: an error, and nothing changes.
    let input = json!({"alert_ids": [ids(&after)[0], "alert://priv:nope:1:2"],
        "resolution_status": "DISMISSED"});
    let message = api.error(&tenant, RESOLVE, json!({"in": input})).await;
    assert!(message.contains("not found"), "{message}");
    let (_, again) = api.search(&tenant, open, 1000).await;
    assert_eq!(ids(&again), ids(&after));
}

#[tokio::test]
async fn tenants_see_only_their_own_alerts() {
    let api = Api::start(3, 9).await;
    let (a, b) = (api.child(1), api.child(2));
    let (_, alerts_a) = api.search(&a, "FROM alert", 1000).await;
    let (_, alerts_b) = api.search(&b, "FROM alert", 1000).await;
    let set_a: HashSet<String> = ids(&alerts_a).into_iter().collect();
    assert!(ids(&alerts_b).iter().all(|id| !set_a.contains(id)));
    assert!(alerts_a.iter().all(|x| x["tenant_id"] == a.as_str()));
    assert!(alerts_b.iter().all(|x| x["tenant_id"] == b.as_str()));
    // B cannot read or change A's alerts.
    let got = api
        .data(&b, &by_ids_doc(), json!({"in": {"iDs": ids(&alerts_a)}}))
        .await;
    assert_eq!(
        got["alertsServiceRetrieveAlertsById"]["alerts"]["total_results"],
        0
    );
    let input = json!({"alert_ids": [ids(&alerts_a)[0]], "resolution_status": "OTHER"});
    let message = api.error(&b, RESOLVE, json!({"in": input})).await;
    assert!(message.contains("not found"), "{message}");
    // A tenant outside the caller's hierarchy: refused in the header and in the input.
    let response = api
        .http
        .post(format!("{}/graphql", api.sb.base_url()))
        .bearer_auth(&api.token)
        .header("X-Tenant-Context", "9000")
        .json(&json!({"query": search_doc(), "variables": {"in": {"cql_query": "FROM alert"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::FORBIDDEN);
    let input = json!({"alert_ids": ["x"], "resolution_status": "OTHER", "tenant": "9000"});
    let message = api.error(&a, RESOLVE, json!({"in": input})).await;
    assert!(message.contains("tenant 9000 not found"), "{message}");
}

#[tokio::test]
async fn the_same_seed_gives_the_same_alerts() {
    let strip = |alerts: Vec<Value>| -> Vec<Value> {
        alerts
            .into_iter()
            .map(|mut a| {
                // Times follow the start hour; everything else follows the seed.
                a["metadata"]["created_at"] = Value::Null;
                a
            })
            .collect()
    };
    let one = Api::start(4, 21).await;
    let two = Api::start(4, 21).await;
    let other = Api::start(4, 22).await;
    for n in [0, 3] {
        let (_, x) = one.search(&one.child(n), "FROM alert", 1000).await;
        let (_, y) = two.search(&two.child(n), "FROM alert", 1000).await;
        let (_, z) = other.search(&other.child(n), "FROM alert", 1000).await;
        assert_eq!(ids(&x), ids(&y));
        assert_eq!(strip(x.clone()), strip(y));
        assert_ne!(ids(&x), ids(&z));
    }
}

#[tokio::test]
async fn a_ten_thousand_tenant_sandbox_answers_for_its_last_tenant_quickly() {
    let started = Instant::now();
    let api = Api::start(10_000, 1).await;
    let start_time = started.elapsed();
    let last = api.child(9_999);
    let asked = Instant::now();
    let (first, all) = api
        .search(&last, "FROM alert WHERE severity >= 0.5", 1000)
        .await;
    let took = asked.elapsed();
    assert!(!all.is_empty());
    assert_eq!(first["alerts"]["total_results"], all.len());
    assert!(all.iter().all(|a| a["tenant_id"] == last.as_str()));
    assert!(took < Duration::from_secs(2), "search took {took:?}");
    assert!(
        start_time < Duration::from_secs(10),
        "start took {start_time:?}"
    );
}

#[tokio::test]
async fn bad_cql_is_an_error_naming_the_position() {
    let api = Api::start(1, 1).await;
    let tenant = api.sb.tenant_id().to_owned();
    for (cql, needle) in [
        ("FROM alert WHERE severity >= ", "position 29"),
        ("FROM alert WHERE status = OPEN", "position 26"),
        ("FROM process WHERE x = 1", "FROM alert"),
    ] {
        let vars = json!({"in": {"cql_query": cql}});
        let message = api.error(&tenant, &search_doc(), vars).await;
        assert!(message.contains(needle), "{cql}: {message}");
    }
}

#[tokio::test]
async fn an_auditor_reads_alerts_and_investigations_but_changes_neither() {
    let api = Api::start(2, 2).await;
    let tenant = api.sb.tenant_id().to_owned();
    let created = api
        .data(
            &tenant,
            "mutation c($r: [ID!]) { createClient(name: \"auditor\", roles: $r) { client { client_id } client_secret } }",
            json!({"r": [taegis_platform::roles::AUDITOR.id]}),
        )
        .await;
    let out = &created["createClient"];
    let (id, secret) = (
        out["client"]["client_id"].as_str().unwrap(),
        out["client_secret"].as_str().unwrap(),
    );
    let auditor = Api {
        token: common::get_token(&api.http, &api.sb, id, secret).await,
        sb: api.sb,
        http: api.http,
    };
    let (_, all) = auditor.search(&tenant, "FROM alert", 1000).await;
    assert!(!all.is_empty());
    let input = json!({"alert_ids": [ids(&all)[0]], "resolution_status": "OTHER"});
    let message = auditor.error(&tenant, RESOLVE, json!({"in": input})).await;
    assert!(message.contains("Permission denied"), "{message}");
    let listed = auditor
        .data(
            &tenant,
            "{ investigationsV2(arguments: {perPage: 1}) { totalCount } }",
            json!({}),
        )
        .await;
    assert!(listed["investigationsV2"]["totalCount"].as_u64().unwrap() > 0);
    let message = auditor
        .error(
            &tenant,
            "mutation { createInvestigationV2(input: {title: \"no\"}) { id } }",
            json!({}),
        )
        .await;
    assert!(message.contains("Permission denied"), "{message}");
}
