//! Tenants v4 on the main gateway (`/graphql`) against the tenants host (`/public/query`):
//! same tenants, totals, paging and visibility for the same caller.

mod common;

use serde_json::{json, Value};
use taegis_sandbox::Sandbox;

const HOST: &str = "query t($q: TenantsQuery!) { tenants(tenantsQuery: $q) { count totalCount hasMore cursorPos results { id name is_partner support_enabled labels { name value } } } }";
const V4: &str = "query t($q: TenantsQuery!) { tenants(tenantsQuery: $q) { count totalCount hasMore cursorPos tenants { id name isPartner hasSupportEnabled labels { name value } } } }";

struct Api {
    sb: Sandbox,
    http: reqwest::Client,
}

impl Api {
    async fn post(
        &self,
        path: &str,
        token: &str,
        tenant: Option<&str>,
        query: &str,
        vars: Value,
    ) -> Value {
        let mut req = self
            .http
            .post(format!("{}{path}", self.sb.base_url()))
            .bearer_auth(token)
            .json(&json!({"query": query, "variables": vars}));
        if let Some(t) = tenant {
            req = req.header("X-Tenant-Context", t);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::OK);
        let body: Value = r.json().await.unwrap();
        assert!(body.get("errors").is_none(), "{path}: {body}");
        body
    }

    /// The host page and the v4 page for the same caller and query, as (ids, names, total,
    /// count, hasMore, cursor) each.
    async fn both(&self, token: &str, tenant: Option<&str>, host: Value, v4: Value) -> [Value; 2] {
        let h = self
            .post("/public/query", token, tenant, HOST, json!({"q": host}))
            .await;
        let m = self
            .post("/graphql", token, tenant, V4, json!({"q": v4}))
            .await;
        let h = &h["data"]["tenants"];
        let m = &m["data"]["tenants"];
        let shape = |r: &Value, list: &str, partner: &str, support: &str| {
            let items = r[list].as_array().unwrap();
            json!({
                "ids": items.iter().map(|t| t["id"].clone()).collect::<Vec<_>>(),
                "names": items.iter().map(|t| t["name"].clone()).collect::<Vec<_>>(),
                "partner": items.iter().map(|t| t[partner].clone()).collect::<Vec<_>>(),
                "support": items.iter().map(|t| t[support].clone()).collect::<Vec<_>>(),
                "labels": items.iter().map(|t| t["labels"].clone()).collect::<Vec<_>>(),
                "total": r["totalCount"], "count": r["count"], "hasMore": r["hasMore"],
                "cursor": r["cursorPos"],
            })
        };
        [
            shape(h, "results", "is_partner", "support_enabled"),
            shape(m, "tenants", "isPartner", "hasSupportEnabled"),
        ]
    }
}

async fn start() -> (Api, String) {
    let sb = Sandbox::builder()
        .tenants(60)
        .seed(7)
        .start()
        .await
        .expect("sandbox starts");
    let http = reqwest::Client::new();
    let token = common::bootstrap_token(&http, &sb).await;
    (Api { sb, http }, token)
}

#[tokio::test]
async fn v4_tenants_on_graphql_match_the_tenants_host() {
    let (api, token) = start().await;

    // Everything, in one page, with and without a tenant context.
    for ctx in [None, Some("10000")] {
        let [h, m] = api.both(&token, ctx, json!({}), json!({})).await;
        assert_eq!(h, m);
        assert_eq!(h["total"], 60, "{h}");
        assert_eq!(h["ids"].as_array().unwrap().len(), 60);
    }

    // Paging by cursor agrees page by page, ordered by name descending.
    let mut cursor: Option<Value> = None;
    let mut seen = Vec::new();
    loop {
        let mut host = json!({"maxResults": 7, "orderBy": "Name", "orderDir": "desc"});
        let mut v4 = json!({"count": 7, "orderBy": "NAME", "orderDir": "DESC"});
        if let Some(c) = &cursor {
            host["cursorPos"] = c.clone();
            v4["afterCursor"] = c.clone();
        }
        let [h, m] = api.both(&token, None, host, v4).await;
        assert_eq!(h, m);
        seen.extend(h["ids"].as_array().unwrap().iter().cloned());
        if h["hasMore"] != true {
            break;
        }
        cursor = Some(h["cursor"].clone());
    }
    assert_eq!(seen.len(), 60);

    // Filters: ids, a name pattern, a hierarchy.
    let [h, m] = api
        .both(
            &token,
            None,
            json!({"ids": ["10003", "10001", "10042"]}),
            json!({"ids": ["10003", "10001", "10042"]}),
        )
        .await;
    assert_eq!(h, m);
    assert_eq!(h["total"], 3);
    let [h, m] = api
        .both(
            &token,
            None,
            json!({"forHierarchies": ["10001"]}),
            json!({"hierarchies": ["10001"]}),
        )
        .await;
    assert_eq!(h, m);
    assert!(h["total"].as_u64().unwrap() >= 1, "{h}");

    // A tenant outside the caller's hierarchy is invisible on both.
    let [h, m] = api
        .both(
            &token,
            None,
            json!({"ids": ["9000", "9001"]}),
            json!({"ids": ["9000", "9001"]}),
        )
        .await;
    assert_eq!(h, m);
    assert_eq!(h["total"], 0);
    let one = "query($id: ID!) { tenant(id: $id) { id name partnerTenantID } }";
    let body = api
        .post("/graphql", &token, None, one, json!({"id": "9000"}))
        .await;
    assert_eq!(body["data"]["tenant"], Value::Null);
    let body = api
        .post("/graphql", &token, None, one, json!({"id": "10003"}))
        .await;
    assert_eq!(body["data"]["tenant"]["id"], "10003");

    // A client in a child tenant sees just that tenant, on both.
    let body = api
        .post(
            "/graphql",
            &token,
            Some("10007"),
            "mutation { createClient(name: \"child-app\") { client { clientID } clientSecret } }",
            json!({}),
        )
        .await;
    let out = &body["data"]["createClient"];
    let child = common::get_token(
        &api.http,
        &api.sb,
        out["client"]["clientID"].as_str().unwrap(),
        out["clientSecret"].as_str().unwrap(),
    )
    .await;
    let [h, m] = api.both(&child, None, json!({}), json!({})).await;
    assert_eq!(h, m);
    assert_eq!(h["ids"], json!(["10007"]));
    let body = api
        .post("/graphql", &child, None, one, json!({"id": "10003"}))
        .await;
    assert_eq!(body["data"]["tenant"], Value::Null);
}

#[tokio::test]
async fn v4_tenants_refuse_filters_the_sandbox_does_not_apply() {
    let (api, token) = start().await;
    let r = api
        .http
        .post(format!("{}/graphql", api.sb.base_url()))
        .bearer_auth(&token)
        .json(&json!({"query": V4, "variables": {"q": {"cql": "name = 'x'"}}}))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    let msg = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(msg.contains("cql"), "{body}");
}
