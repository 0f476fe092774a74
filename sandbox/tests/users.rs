//! Users and subjects on `/graphql` over HTTP: the current subject from the token, the seeded
//! per-tenant user search with its filters and paging, users by ID.

mod common;

use common::{graphql, Api};
use serde_json::{json, Value};
use std::collections::HashSet;

const USER: &str = "id email given_name family_name status tenant_status roles tenants { id }";

async fn search(api: &Api, filters: Value) -> Value {
    let query = format!(
        "query($f: TDRUsersSearchInput) {{ tdrUsersSearch(filters: $f) {{
            result_count cursor_pos pageOffset has_next_page total_count total_unfiltered_count
            results {{ {USER} }} }} }}"
    );
    let body = graphql(
        &api.http,
        &api.sb,
        &api.token,
        None,
        &query,
        json!({"f": filters}),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["tdrUsersSearch"].clone()
}

#[tokio::test]
async fn current_subject_is_the_calling_client() {
    let api = Api::start(3, 0).await;
    let (sb, token) = (&api.sb, &api.token);
    let query = "query { currentSubject { id name displayName
        identity { __typename ... on Client { client_id tenant_id roles } }
        roleAssignmentData { assignedTenantIDs assignedPartnerIDs canReadAllTenants
          roleAssignments { roleId roleName tenantID deactivated } } } }";
    let body = graphql(&api.http, sb, token, None, query, json!({})).await;
    let subject = &body["data"]["currentSubject"];
    assert_eq!(subject["identity"]["__typename"], "Client", "{body}");
    assert_eq!(subject["identity"]["client_id"], sb.client_id());
    assert_eq!(subject["identity"]["tenant_id"], sb.tenant_id());
    assert_eq!(subject["name"], "sandbox-bootstrap");
    let data = &subject["roleAssignmentData"];
    assert_eq!(data["assignedTenantIDs"], json!([sb.tenant_id()]));
    assert_eq!(data["assignedPartnerIDs"], json!([sb.tenant_id()]));
    assert_eq!(data["roleAssignments"][0]["roleName"], "TenantAdmin");
    assert_eq!(
        data["roleAssignments"][0]["roleId"],
        "ba0fdcbd-e87d-4bdd-ae7d-ca6118b25068"
    );
    assert_eq!(data["roleAssignments"][0]["deactivated"], false);

    // A client is not a user.
    let body = graphql(
        &api.http,
        sb,
        token,
        None,
        "query { currentTDRUser { id } }",
        json!({}),
    )
    .await;
    assert_eq!(
        body["errors"][0]["message"],
        "the current subject is an API client, not a TDR user"
    );
}

#[tokio::test]
async fn user_search_pages_filters_and_agrees_by_id() {
    let api = Api::start(3, 9).await;
    let (sb, token) = (&api.sb, &api.token);
    let home = sb.tenant_id().to_owned();

    // Every user of the tenant once, in email order, over cursor pages.
    let mut all: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    let total = loop {
        let page = search(&api, json!({"perPage": 5, "cursorPos": cursor})).await;
        let results = page["results"].as_array().unwrap().clone();
        assert_eq!(page["result_count"], results.len());
        all.extend(results);
        if page["has_next_page"] != true {
            assert_eq!(page["cursor_pos"], Value::Null);
            break page["total_count"].as_u64().unwrap();
        }
        cursor = page["cursor_pos"].as_str().map(str::to_owned);
    };
    assert!((12..32).contains(&total), "{total}");
    assert_eq!(all.len() as u64, total);
    let ids: HashSet<&str> = all.iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), all.len());
    let emails: Vec<&str> = all.iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert!(emails.windows(2).all(|w| w[0] <= w[1]), "{emails:?}");
    assert!(all.iter().all(|u| u["tenants"][0]["id"] == home.as_str()));
    // pageOffset reads the same pages; the same seed gives the same users.
    let second = search(&api, json!({"perPage": 5, "pageOffset": 1})).await;
    assert_eq!(second["results"].as_array().unwrap()[..], all[5..10]);
    assert_eq!(second["pageOffset"], 1);

    // Filters.
    let one = &all[0];
    let found = search(
        &api,
        json!({"emails": [one["email"].as_str().unwrap().to_uppercase()]}),
    )
    .await;
    assert_eq!(found["results"], json!([one]));
    let domain = format!("%@tenant{home}.example.com");
    assert_eq!(
        search(&api, json!({"email": domain, "perPage": 100})).await["total_count"],
        total
    );
    assert_eq!(
        search(&api, json!({"email": "%@nowhere%"})).await["total_count"],
        0
    );
    let registered = search(&api, json!({"status": "registered", "perPage": 100})).await;
    let registered = registered["results"].as_array().unwrap();
    assert!(!registered.is_empty() && registered.iter().all(|u| u["status"] == "Registered"));
    let role = one["roles"][0].as_str().unwrap();
    let by_role = search(&api, json!({"role_IDs": [role], "perPage": 100})).await;
    assert!(by_role["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["roles"][0] == role));
    let name = one["family_name"].as_str().unwrap();
    let by_name = search(&api, json!({"name": name.to_lowercase(), "perPage": 100})).await;
    assert!(by_name["results"].as_array().unwrap().contains(one));
    let desc = search(&api, json!({"sortOrder": "desc", "perPage": 100})).await;
    assert_eq!(desc["results"][0], all[all.len() - 1]);

    // Another visible tenant has its own users; an invisible one is not found.
    let child = (home.parse::<u64>().unwrap() + 1).to_string();
    let theirs = search(&api, json!({"tenant_IDs": [child], "perPage": 100})).await;
    let theirs = theirs["results"].as_array().unwrap();
    assert!(theirs
        .iter()
        .all(|u| u["tenants"][0]["id"] == child.as_str()));
    assert!(theirs
        .iter()
        .all(|u| !ids.contains(u["id"].as_str().unwrap())));
    let query = "query { tdrUsersSearch(filters: {tenant_IDs: [\"9000\"]}) { total_count } }";
    let body = graphql(&api.http, sb, token, None, query, json!({})).await;
    assert_eq!(body["errors"][0]["message"], "tenant 9000 not found");

    // By ID: the same user, from any tenant context the caller may use.
    let query = format!("query($id: ID!) {{ tdruser(id: $id) {{ {USER} }} }}");
    let body = graphql(
        &api.http,
        sb,
        token,
        Some(&child),
        &query,
        json!({"id": one["id"]}),
    )
    .await;
    assert_eq!(&body["data"]["tdruser"], one);
    let forged = one["id"].as_str().unwrap().replacen('-', "-f", 1);
    let body = graphql(&api.http, sb, token, None, &query, json!({"id": forged})).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .ends_with("not found"),
        "{body}"
    );
    let query = format!("query($ids: [String!]) {{ tdrusersByIDs(userIDs: $ids) {{ {USER} }} }}");
    let ids = json!([one["id"], "nope", theirs[0]["id"]]);
    let body = graphql(&api.http, sb, token, None, &query, json!({"ids": ids})).await;
    assert_eq!(body["data"]["tdrusersByIDs"], json!([one, theirs[0]]));
}
