//! Investigations v2 on `/graphql` over HTTP: paging walks that agree with `totalCount`, CQL
//! filters, create/update/close/archive/evidence/comment round trips, alert links that agree
//! both ways, per-tenant isolation and parse errors naming the position.

mod common;

use common::Api;

use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

const INV: &str = "fragment I on InvestigationV2 { id shortId title status type priority tags
  tenantId createdAt updatedAt archivedAt alerts events searchQueries alertsEvidenceCount
  alertsEvidence { alertId investigationId } commentsCount { total } }";

fn search_doc() -> String {
    format!(
        "query s($a: InvestigationsV2Arguments!) {{ investigationsV2(arguments: $a) {{
          totalCount investigations {{ ...I }} }} }} {INV}"
    )
}

fn get_doc() -> String {
    format!("query g($a: InvestigationV2Arguments!) {{ investigationV2(arguments: $a) {{ ...I }} }} {INV}")
}

fn mutation_doc(field: &str, input: &str) -> String {
    format!("mutation m($i: {input}!) {{ {field}(input: $i) {{ ...I }} }} {INV}")
}

const ALERTS: &str = "query s($in: SearchRequestInput) { alertsServiceSearch(in: $in) {
  alerts { total_results total_parts list { id investigation_ids { id } } } } }";

impl Api {
    async fn page(&self, tenant: &str, args: Value) -> (u64, Vec<Value>) {
        let d = self.data(tenant, &search_doc(), json!({"a": args})).await;
        let r = &d["investigationsV2"];
        (
            r["totalCount"].as_u64().unwrap(),
            r["investigations"].as_array().unwrap().clone(),
        )
    }

    /// Walks every page of `cql` at `per_page`, checking each page's total agrees.
    async fn walk(&self, tenant: &str, cql: &str, per_page: u64) -> (u64, Vec<Value>) {
        let mut all = Vec::new();
        let mut total = 0;
        for page in 1.. {
            let (t, items) = self
                .page(
                    tenant,
                    json!({"cql": cql, "page": page, "perPage": per_page}),
                )
                .await;
            if page == 1 {
                total = t;
            }
            assert_eq!(t, total, "totalCount is stable while paging");
            if items.is_empty() {
                break;
            }
            assert!(items.len() as u64 <= per_page);
            all.extend(items);
        }
        (total, all)
    }

    async fn alert_links(&self, tenant: &str) -> HashMap<String, HashSet<String>> {
        let vars =
            json!({"in": {"cql_query": "FROM alert", "metadata": {"sandboxPartSize": 10000}}});
        let d = self.data(tenant, ALERTS, vars).await;
        assert_eq!(d["alertsServiceSearch"]["alerts"]["total_parts"], 1);
        d["alertsServiceSearch"]["alerts"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let invs = a["investigation_ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].as_str().unwrap().to_owned())
                    .collect();
                (a["id"].as_str().unwrap().to_owned(), invs)
            })
            .collect()
    }

    /// Every alert lists exactly the investigations that list it.
    async fn assert_links_agree(&self, tenant: &str) {
        let (_, invs) = self.walk(tenant, "", 1000).await;
        let alerts = self.alert_links(tenant).await;
        let mut from_investigations: HashMap<String, HashSet<String>> = HashMap::new();
        for inv in &invs {
            let id = inv["id"].as_str().unwrap();
            let listed = strings(&inv["alerts"]);
            assert_eq!(inv["alertsEvidenceCount"], listed.len());
            for alert in listed {
                from_investigations
                    .entry(alert)
                    .or_default()
                    .insert(id.to_owned());
            }
        }
        for (alert, invs) in &alerts {
            let expected = from_investigations.remove(alert).unwrap_or_default();
            assert_eq!(invs, &expected, "links of {alert}");
        }
        assert!(
            from_investigations.is_empty(),
            "investigations name unknown alerts"
        );
    }
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn paging_walks_match_total_count_with_no_gaps_or_repeats() {
    let api = Api::start(3, 4).await;
    let tenant = api.child(1);
    let (total, all) = api.walk(&tenant, "", 1000).await;
    assert!(total >= 5);
    assert_eq!(all.len() as u64, total);
    let times: Vec<String> = all
        .iter()
        .map(|i| i["createdAt"].as_str().unwrap().to_owned())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    for per_page in [1, 3, 7] {
        let (t, walked) = api.walk(&tenant, "", per_page).await;
        assert_eq!(t, total);
        assert_eq!(ids(&walked), ids(&all), "perPage {per_page}");
    }
    let (_, asc) = api
        .page(&tenant, json!({"perPage": 1000, "orderBy": "ASCENDING"}))
        .await;
    let mut reversed = ids(&all);
    reversed.reverse();
    assert_eq!(ids(&asc), reversed);

    // taegis-magic's loop: 100 a page, the last page asked with a smaller perPage, stops
    // once the sum reaches totalCount.
    let (total_open, open) = api.walk(&tenant, "status = 'OPEN'", 2).await;
    let want: Vec<String> = all
        .iter()
        .filter(|i| i["status"] == "OPEN")
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!want.is_empty() && want.len() < all.len());
    assert_eq!(total_open as usize, want.len());
    assert_eq!(ids(&open), want);

    for (cql, check) in [
        (
            "priority >= 3 AND NOT status IN ('OPEN', 'ACTIVE')",
            Box::new(|i: &Value| {
                i["priority"].as_i64().unwrap() >= 3
                    && !["OPEN", "ACTIVE"].contains(&i["status"].as_str().unwrap())
            }) as Box<dyn Fn(&Value) -> bool>,
        ),
        (
            "FROM investigation WHERE title CONTAINS 'credential' OR archivedAt != null",
            Box::new(|i: &Value| {
                i["title"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .contains("credential")
                    || !i["archivedAt"].is_null()
            }),
        ),
    ] {
        let (t, got) = api.walk(&tenant, cql, 4).await;
        let want: Vec<Value> = all.iter().filter(|i| check(i)).cloned().collect();
        assert_eq!(ids(&got), ids(&want), "{cql}");
        assert_eq!(t as usize, want.len(), "{cql}");
    }
    let (t, head) = api
        .walk(&tenant, "FROM investigation WHERE priority > 0 | head 4", 3)
        .await;
    assert_eq!(t, 4);
    assert_eq!(ids(&head), ids(&all[..4]));
}

#[tokio::test]
async fn the_seeded_links_agree_both_ways_and_tenants_are_apart() {
    let api = Api::start(3, 8).await;
    let (a, b) = (api.child(1), api.child(2));
    api.assert_links_agree(&a).await;
    api.assert_links_agree(&b).await;
    let (_, in_a) = api.walk(&a, "", 1000).await;
    let linked = in_a
        .iter()
        .filter(|i| i["alertsEvidenceCount"] != 0)
        .count();
    assert!(linked > 0, "some seeded investigations have alerts");
    assert!(in_a.iter().all(|i| i["tenantId"] == a.as_str()));
    let (_, in_b) = api.walk(&b, "", 1000).await;
    let set_b: HashSet<String> = ids(&in_b).into_iter().collect();
    assert!(ids(&in_a).iter().all(|id| !set_b.contains(id)));
    let message = api
        .error(&b, &get_doc(), json!({"a": {"id": ids(&in_a)[0]}}))
        .await;
    assert!(message.contains("not found"), "{message}");
    let got = api
        .data(&a, &get_doc(), json!({"a": {"id": ids(&in_a)[0]}}))
        .await;
    assert_eq!(got["investigationV2"], in_a[0]);
}

#[tokio::test]
async fn create_update_close_archive_evidence_and_comments_round_trip() {
    let api = Api::start(2, 6).await;
    let tenant = api.child(1);
    let (total_before, _) = api.walk(&tenant, "", 1000).await;
    let alerts: Vec<String> = api.alert_links(&tenant).await.into_keys().collect();
    let (a1, a2, a3) = (alerts[0].clone(), alerts[1].clone(), alerts[2].clone());

    // Unknown alert: refused, nothing made.
    let create = mutation_doc("createInvestigationV2", "CreateInvestigationInput");
    let bad = json!({"i": {"title": "x", "alerts": [a1, "alert://priv:none:1:2"]}});
    let message = api.error(&tenant, &create, bad).await;
    assert!(message.contains("not found"), "{message}");
    assert_eq!(api.walk(&tenant, "", 1000).await.0, total_before);

    let made = api
        .data(
            &tenant,
            &create,
            json!({"i": {"title": "Sandbox case", "alerts": [a1, a2], "priority": 4,
                "tags": ["t1"], "type": "THREAT_HUNT"}}),
        )
        .await;
    let inv = made["createInvestigationV2"].clone();
    let id = inv["id"].as_str().unwrap().to_owned();
    assert_eq!(inv["status"], "OPEN");
    assert_eq!(inv["type"], "THREAT_HUNT");
    assert_eq!(strings(&inv["alerts"]), vec![a1.clone(), a2.clone()]);
    let (total, all) = api.walk(&tenant, "", 1000).await;
    assert_eq!(total, total_before + 1);
    assert_eq!(ids(&all)[0], id, "newest first");
    let links = api.alert_links(&tenant).await;
    assert!(links[&a1].contains(&id) && links[&a2].contains(&id));

    // Update, then close with a CLOSED_ status.
    let update = mutation_doc("updateInvestigationV2", "UpdateInvestigationV2Input");
    let updated = api
        .data(
            &tenant,
            &update,
            json!({"i": {"id": id, "title": "Renamed", "priority": 1}}),
        )
        .await;
    assert_eq!(updated["updateInvestigationV2"]["title"], "Renamed");
    assert_eq!(updated["updateInvestigationV2"]["priority"], 1);
    assert_eq!(updated["updateInvestigationV2"]["tags"], json!(["t1"]));
    api.data(
        &tenant,
        &update,
        json!({"i": {"id": id, "status": "CLOSED_THREAT_MITIGATED"}}),
    )
    .await;
    let got = api
        .data(&tenant, &get_doc(), json!({"a": {"id": id}}))
        .await;
    assert_eq!(got["investigationV2"]["status"], "CLOSED_THREAT_MITIGATED");
    let (_, closed) = api
        .walk(
            &tenant,
            "status = 'CLOSED_THREAT_MITIGATED' AND title = 'renamed'",
            10,
        )
        .await;
    assert_eq!(ids(&closed), vec![id.clone()]);

    // Evidence: add one alert and an event, remove the first alert.
    let add = "mutation a($i: AddEvidenceToInvestigationInput!) { addEvidenceToInvestigation(input: $i) { investigationId alerts events } }";
    let added = api
        .data(
            &tenant,
            add,
            json!({"i": {"investigationId": id, "alerts": [a3], "events": ["event://e1"]}}),
        )
        .await;
    assert_eq!(added["addEvidenceToInvestigation"]["alerts"], json!([a3]));
    let remove = "mutation r($i: RemoveEvidenceFromInvestigationInput!) { removeEvidenceFromInvestigation(input: $i) { investigationId alerts } }";
    let removed = api
        .data(
            &tenant,
            remove,
            json!({"i": {"investigationId": id, "alerts": [a1]}}),
        )
        .await;
    assert_eq!(
        removed["removeEvidenceFromInvestigation"]["alerts"],
        json!([a1])
    );
    let got = api
        .data(&tenant, &get_doc(), json!({"a": {"id": id}}))
        .await;
    let inv = &got["investigationV2"];
    assert_eq!(strings(&inv["alerts"]), vec![a2.clone(), a3.clone()]);
    assert_eq!(strings(&inv["events"]), vec!["event://e1".to_owned()]);
    assert_eq!(inv["alertsEvidence"][1]["alertId"], a3.as_str());
    let links = api.alert_links(&tenant).await;
    assert!(!links[&a1].contains(&id));
    assert!(links[&a2].contains(&id) && links[&a3].contains(&id));
    let message = api
        .error(
            &tenant,
            add,
            json!({"i": {"investigationId": id, "alerts": ["nope"]}}),
        )
        .await;
    assert!(message.contains("not found"), "{message}");
    api.assert_links_agree(&tenant).await;

    // Comments: add two, read them back, edit one, delete one.
    let comment = "mutation c($i: AddCommentToInvestigationInput!) { addCommentToInvestigation(input: $i) { id comment investigationId isInternal } }";
    let mut comment_ids = Vec::new();
    for (text, internal) in [("first look", false), ("internal note", true)] {
        let c = api
            .data(
                &tenant,
                comment,
                json!({"i": {"investigationId": id, "comment": text, "isInternal": internal}}),
            )
            .await;
        assert_eq!(c["addCommentToInvestigation"]["comment"], text);
        comment_ids.push(c["addCommentToInvestigation"]["id"].clone());
    }
    let read = "query r($a: CommentsV2Arguments!) { commentsV2(arguments: $a) { totalCount comments { id comment isInternal } } }";
    let c = api
        .data(&tenant, read, json!({"a": {"investigationId": id}}))
        .await;
    assert_eq!(c["commentsV2"]["totalCount"], 2);
    assert_eq!(c["commentsV2"]["comments"][0]["comment"], "first look");
    let c = api
        .data(
            &tenant,
            read,
            json!({"a": {"investigationId": id, "visibility": "INTERNAL"}}),
        )
        .await;
    assert_eq!(c["commentsV2"]["comments"][0]["id"], comment_ids[1]);
    let edit = "mutation e($i: UpdateInvestigationCommentInput!) { updateInvestigationComment(input: $i) { comment } }";
    api.data(
        &tenant,
        edit,
        json!({"i": {"commentId": comment_ids[0], "comment": "second look"}}),
    )
    .await;
    let delete = "mutation d($i: DeleteInvestigationCommentInput!) { deleteInvestigationComment(input: $i) { id } }";
    api.data(&tenant, delete, json!({"i": {"commentId": comment_ids[1]}}))
        .await;
    let c = api
        .data(&tenant, read, json!({"a": {"investigationId": id}}))
        .await;
    assert_eq!(c["commentsV2"]["totalCount"], 1);
    assert_eq!(c["commentsV2"]["comments"][0]["comment"], "second look");
    let got = api
        .data(&tenant, &get_doc(), json!({"a": {"id": id}}))
        .await;
    assert_eq!(got["investigationV2"]["commentsCount"]["total"], 1);

    // Archive and unarchive.
    let archive = mutation_doc("archiveInvestigationV2", "ArchiveInvestigationInput");
    let a = api.data(&tenant, &archive, json!({"i": {"id": id}})).await;
    assert!(a["archiveInvestigationV2"]["archivedAt"].is_string());
    let (_, live) = api.walk(&tenant, "archivedAt = null", 1000).await;
    assert!(!ids(&live).contains(&id));
    let unarchive = mutation_doc("unarchiveInvestigationV2", "UnarchiveInvestigationInput");
    let u = api
        .data(&tenant, &unarchive, json!({"i": {"id": id}}))
        .await;
    assert!(u["unarchiveInvestigationV2"]["archivedAt"].is_null());

    // Not found in another tenant.
    let message = api
        .error(
            &api.child(0),
            &update,
            json!({"i": {"id": id, "priority": 2}}),
        )
        .await;
    assert!(message.contains("not found"), "{message}");
}

#[tokio::test]
async fn bad_cql_is_an_error_and_out_of_range_paging_is_not() {
    let api = Api::start(1, 1).await;
    let tenant = api.sb.tenant_id().to_owned();
    for (args, needle) in [
        (json!({"cql": "status = 'OPEN' AND"}), "position 19"),
        (json!({"cql": "status == OPEN"}), "position 10"),
        (
            json!({"cql": "FROM alert WHERE x = 1"}),
            "FROM investigation",
        ),
        (json!({"searchChildrenTenants": true}), "not supported"),
    ] {
        let message = api.error(&tenant, &search_doc(), json!({"a": args})).await;
        assert!(message.contains(needle), "{args}: {message}");
    }
    // As the mock reads paging: page 0 is page 1, a size below 1 an empty page.
    let (total, first) = api.page(&tenant, json!({"page": 1, "perPage": 2})).await;
    let (_, zero) = api.page(&tenant, json!({"page": 0, "perPage": 2})).await;
    assert_eq!(ids(&zero), ids(&first));
    let (same_total, none) = api.page(&tenant, json!({"perPage": -3})).await;
    assert!(none.is_empty());
    assert_eq!(same_total, total);
}

#[tokio::test]
async fn the_same_seed_gives_the_same_investigations() {
    let one = Api::start(3, 31).await;
    let two = Api::start(3, 31).await;
    let other = Api::start(3, 32).await;
    let shape = |items: Vec<Value>| -> Vec<Value> {
        items
            .into_iter()
            .map(|i| json!([i["id"], i["shortId"], i["title"], i["status"], i["alerts"]]))
            .collect()
    };
    let (_, x) = one.walk(&one.child(2), "", 1000).await;
    let (_, y) = two.walk(&two.child(2), "", 1000).await;
    let (_, z) = other.walk(&other.child(2), "", 1000).await;
    assert_eq!(shape(x.clone()), shape(y));
    assert_ne!(ids(&x), ids(&z));
}

#[tokio::test]
async fn closing_needs_a_resolution_for_its_alerts_and_resolves_them() {
    let api = Api::start(2, 9).await;
    let tenant = api.child(1);
    let alerts: Vec<String> = api.alert_links(&tenant).await.into_keys().take(2).collect();
    let create = mutation_doc("createInvestigationV2", "CreateInvestigationInput");
    let made = api
        .data(
            &tenant,
            &create,
            json!({"i": {"title": "To close", "alerts": alerts}}),
        )
        .await;
    let id = made["createInvestigationV2"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let close = mutation_doc("closeInvestigation", "CloseInvestigationInput");

    // Alerts attached and no resolution for them: refused, nothing changes.
    let message = api
        .error(
            &tenant,
            &close,
            json!({"i": {"id": id, "status": "CLOSED_INFORMATIONAL", "reason": "done"}}),
        )
        .await;
    assert!(message.contains("alertsResolutionStatus"), "{message}");
    let still = api
        .data(&tenant, &get_doc(), json!({"a": {"id": id}}))
        .await;
    assert_eq!(still["investigationV2"]["status"], "OPEN");

    let closed = api
        .data(
            &tenant,
            &close,
            json!({"i": {"id": id, "status": "CLOSED_FALSE_POSITIVE_ALERT", "reason": "scanner",
                "alertsResolutionStatus": "FALSE_POSITIVE"}}),
        )
        .await;
    assert_eq!(
        closed["closeInvestigation"]["status"],
        "CLOSED_FALSE_POSITIVE_ALERT"
    );
    let query = "query g($in: GetByIDRequestInput) { alertsServiceRetrieveAlertsById(in: $in) {
      alerts { list { id status resolution_reason } } } }";
    let got = api
        .data(&tenant, query, json!({"in": {"iDs": alerts}}))
        .await;
    let list = got["alertsServiceRetrieveAlertsById"]["alerts"]["list"]
        .as_array()
        .unwrap();
    assert_eq!(list.len(), 2);
    for alert in list {
        assert_eq!(alert["status"], "FALSE_POSITIVE");
        assert_eq!(alert["resolution_reason"], "scanner");
    }
    let bad = api
        .error(&tenant, &close, json!({"i": {"id": id, "status": "OPEN"}}))
        .await;
    assert!(bad.contains("status"), "{bad}");
}

#[tokio::test]
async fn values_outside_the_schemas_enums_are_refused_before_any_change() {
    let api = Api::start(1, 5).await;
    let tenant = api.sb.tenant_id().to_owned();
    let (before, _) = api.page(&tenant, json!({})).await;
    let create = mutation_doc("createInvestigationV2", "CreateInvestigationInput");
    let update = mutation_doc("updateInvestigationV2", "UpdateInvestigationV2Input");
    let close = mutation_doc("closeInvestigation", "CloseInvestigationInput");
    let (_, existing) = api.page(&tenant, json!({"perPage": 1})).await;
    let id = existing[0]["id"].clone();
    for (doc, input, field) in [
        (
            &create,
            json!({"title": "t", "status": "NOT_A_STATUS"}),
            "status",
        ),
        (&create, json!({"title": "t", "type": "NOT_A_TYPE"}), "type"),
        (
            &update,
            json!({"id": id, "status": "NOT_A_STATUS"}),
            "status",
        ),
        (&update, json!({"id": id, "type": "NOT_A_TYPE"}), "type"),
        (
            &close,
            json!({"id": id, "status": "OPEN", "reason": "r"}),
            "status",
        ),
        (
            &close,
            json!({"id": id, "status": "CLOSED_INFORMATIONAL", "reason": "r",
                   "alertsResolutionStatus": "DISMISSED"}),
            "alertsResolutionStatus",
        ),
    ] {
        let message = api.error(&tenant, doc, json!({"i": input})).await;
        assert!(message.contains(field), "{input}: {message}");
    }
    let (after, _) = api.page(&tenant, json!({})).await;
    assert_eq!(after, before);
    let (_, still) = api.page(&tenant, json!({"perPage": 1})).await;
    assert_eq!(still[0]["status"], existing[0]["status"]);

    let resolve = "mutation r($in: UpdateResolutionRequestInput) {
      alertsServiceUpdateResolutionInfo(in: $in) { reason } }";
    let message = api
        .error(
            &tenant,
            resolve,
            json!({"in": {"alert_ids": ["alert://x"], "resolution_status": "CLOSED"}}),
        )
        .await;
    assert!(message.contains("resolution_status"), "{message}");
}
