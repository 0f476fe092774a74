//! The sandbox over real HTTP on 127.0.0.1: authentication, introspection, validation, each
//! resolver area, pagination, permissions and faults.

mod common;
use base64::Engine as _;
use common::{get_token, token_response};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::{Duration, Instant};
use taegis_sandbox::{FaultKind, FaultTarget, Sandbox, SandboxError};

const ADMIN_ROLE: &str = "ba0fdcbd-e87d-4bdd-ae7d-ca6118b25068";

/// A sandbox plus an HTTP client and the bootstrap token.
struct Api {
    sb: Sandbox,
    http: reqwest::Client,
    token: String,
}

async fn start(tenants: u64) -> Api {
    let sb = Sandbox::builder()
        .tenants(tenants)
        .seed(42)
        .start()
        .await
        .expect("sandbox starts");
    let http = reqwest::Client::new();
    let token = get_token(&http, &sb, sb.client_id(), sb.client_secret()).await;
    Api { sb, http, token }
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

impl Api {
    /// POSTs a GraphQL request to `path` with `token` and an optional tenant context.
    async fn raw(
        &self,
        path: &str,
        token: &str,
        tenant: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .post(format!("{}{path}", self.sb.base_url()))
            .bearer_auth(token)
            .json(&json!({"query": query, "variables": variables}));
        if let Some(t) = tenant {
            req = req.header("X-Tenant-Context", t);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn main(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self
            .raw("/graphql", &self.token, None, query, variables)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    async fn tenants(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self
            .raw("/public/query", &self.token, None, query, variables)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Creates a client with `roles` (none: the default role) and returns (client, secret).
    async fn create_client(&self, name: &str, roles: Option<Vec<&str>>) -> (Value, String) {
        let body = self
            .main(
                "mutation c($name: String!, $roles: [ID!]) { createClient(name: $name, roles: $roles) \
                 { client { id name client_id clientID roles tenant_id role_assignments { role_name tenant_id } } \
                 client_secret clientSecret } }",
                json!({"name": name, "roles": roles}),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        let out = &body["data"]["createClient"];
        assert_eq!(out["client_secret"], out["clientSecret"]);
        (
            out["client"].clone(),
            out["clientSecret"].as_str().unwrap().to_owned(),
        )
    }
}

fn first_error(body: &Value) -> String {
    body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

const TENANTS_PAGE: &str = "query t($q: TenantsQuery!) { tenants(tenantsQuery: $q) { count totalCount hasMore cursorPos results { id name created_at updated_at enabled support_enabled is_partner labels { name value } environments { name enabled } partnership { parent subscriptions { name } } } } }";

/// Walks every page of the tenants query with cursors; returns the tenants in order.
async fn walk(api: &Api, q: Value) -> Vec<Value> {
    walk_with(api, TENANTS_PAGE, q).await
}

/// Like [`walk`] with another selection (`query` takes the `TenantsQuery` as `$q`).
async fn walk_with(api: &Api, query: &str, mut q: Value) -> Vec<Value> {
    let mut all = Vec::new();
    loop {
        let body = api.tenants(query, json!({ "q": q })).await;
        assert!(body.get("errors").is_none(), "{body}");
        let page = &body["data"]["tenants"];
        let results = page["results"].as_array().unwrap();
        assert_eq!(page["count"].as_u64().unwrap() as usize, results.len());
        all.extend(results.iter().cloned());
        if !page["hasMore"].as_bool().unwrap() {
            return all;
        }
        q["cursorPos"] = page["cursorPos"].clone();
    }
}

#[tokio::test]
async fn token_endpoint_accepts_json_and_form_bodies() {
    let api = start(5).await;
    let url = format!("{}/auth/api/v2/auth/token", api.sb.base_url());
    let form = api
        .http
        .post(&url)
        .basic_auth(api.sb.client_id(), Some(api.sb.client_secret()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let body: Value = form.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body["expiry"].as_str().unwrap().ends_with('Z'));
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3);
    let c = claims(token);
    assert_eq!(c["sub"], api.sb.client_id());
    assert_eq!(
        c["https://missione/octolabs/io/tenantIds"],
        api.sb.tenant_id()
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let exp = c["exp"].as_u64().unwrap();
    assert!(exp > now + 3500 && exp <= now + 3601, "exp {exp} now {now}");
    assert!(c["iat"].as_u64().unwrap() <= now + 1);
    // JSON body, as in the guide.
    get_token(
        &api.http,
        &api.sb,
        api.sb.client_id(),
        api.sb.client_secret(),
    )
    .await;
    // Credentials in the form body instead of Basic.
    let r = api
        .http
        .post(&url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", api.sb.client_id()),
            ("client_secret", api.sb.client_secret()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(api.sb.stats().tokens_issued, 4);
}

#[tokio::test]
async fn token_endpoint_refuses_bad_requests() {
    let api = start(5).await;
    let r = token_response(&api.http, &api.sb, api.sb.client_id(), "wrong").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    let r = token_response(&api.http, &api.sb, "nobody", api.sb.client_secret()).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let url = format!("{}/auth/api/v2/auth/token", api.sb.base_url());
    let r = api
        .http
        .post(&url)
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "no credentials");
    let r = api
        .http
        .post(&url)
        .basic_auth(api.sb.client_id(), Some(api.sb.client_secret()))
        .json(&json!({"grant_type": "password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
    let stats = api.sb.stats();
    assert_eq!(stats.token_requests, 5);
    assert_eq!(stats.tokens_issued, 1);
    assert_eq!(stats.unauthorized, 3);
}

#[tokio::test]
async fn graphql_refuses_missing_forged_expired_and_revoked_tokens() {
    let api = start(5).await;
    let q = "{ clientsSearch { totalCount } }";
    let (status, _) = api.raw("/graphql", &api.token, None, q, json!({})).await;
    assert_eq!(status, StatusCode::OK);

    let r = api
        .http
        .post(format!("{}/graphql", api.sb.base_url()))
        .json(&json!({"query": q}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Forged: claims changed (another tenant), signature kept.
    let mut parts: Vec<String> = api.token.split('.').map(str::to_owned).collect();
    let mut c = claims(&api.token);
    c["https://missione/octolabs/io/tenantIds"] = json!("9000");
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(c.to_string());
    let (status, body) = api
        .raw("/graphql", &parts.join("."), None, q, json!({}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(first_error(&body).contains("signature"), "{body}");
    let (status, _) = api.raw("/graphql", "not-a-jwt", None, q, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let expired = api
        .sb
        .mint_token(api.sb.client_id(), Duration::ZERO)
        .unwrap();
    let (status, body) = api.raw("/graphql", &expired, None, q, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(first_error(&body).contains("expired"), "{body}");

    // Short token lifetimes really expire.
    api.sb.set_token_ttl(Duration::from_millis(300));
    let short = get_token(
        &api.http,
        &api.sb,
        api.sb.client_id(),
        api.sb.client_secret(),
    )
    .await;
    let (status, _) = api
        .raw("/public/query", &short, None, "{ __typename }", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, _) = api
        .raw("/public/query", &short, None, "{ __typename }", json!({}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    api.sb.revoke_all_tokens();
    let (status, body) = api.raw("/graphql", &api.token, None, q, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(first_error(&body).contains("revoked"), "{body}");
    api.sb.set_token_ttl(Duration::from_secs(60));
    let fresh = get_token(
        &api.http,
        &api.sb,
        api.sb.client_id(),
        api.sb.client_secret(),
    )
    .await;
    let (status, _) = api.raw("/graphql", &fresh, None, q, json!({})).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn introspection_works_on_every_endpoint() {
    let api = start(3).await;
    let q = "query IntrospectionQuery { __schema { queryType { name } mutationType { name } types { name kind } } }";
    for (path, must_have) in [
        ("/graphql", "Client"),
        ("/public/query", "Tenant"),
        ("/query", "TenantResults"),
    ] {
        let (status, body) = api.raw(path, &api.token, None, q, json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let names: Vec<&str> = body["data"]["__schema"]["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&must_have), "{path} lacks {must_have}");
        assert_eq!(body["data"]["__schema"]["mutationType"]["name"], "Mutation");
    }
    // Input-value deprecation, as the Python SDK asks for it on the main endpoint.
    let body = api
        .main(
            r#"{ __type(name: "ClientRoleAssignmentInput") { inputFields(includeDeprecated: true) { name isDeprecated deprecationReason } } }"#,
            json!({}),
        )
        .await;
    let fields = body["data"]["__type"]["inputFields"].as_array().unwrap();
    assert!(fields
        .iter()
        .any(|f| f["name"] == "tenant_id" && f["isDeprecated"] == true));
    assert_eq!(api.sb.stats().operation("IntrospectionQuery"), 3);
}

#[tokio::test]
async fn invalid_operations_get_standard_graphql_errors() {
    let api = start(3).await;
    let body = api.main("{ clientsSearch { nope } }", json!({})).await;
    assert!(body.get("data").is_none(), "{body}");
    let errors = body["errors"].as_array().unwrap();
    let nope = errors
        .iter()
        .find(|e| e["message"].as_str().unwrap().contains("`nope`"))
        .expect("names the field");
    assert_eq!(nope["locations"][0], json!({"line": 1, "column": 19}));
    assert_eq!(nope["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");

    let body = api.main("{ clientsSearch { totalCount ", json!({})).await;
    assert!(
        body["errors"].as_array().is_some_and(|e| !e.is_empty()),
        "syntax error: {body}"
    );

    let body = api
        .tenants(
            "query q($q: TenantsQuery!) { tenants(tenantsQuery: $q) { count } }",
            json!({"q": {"maxResults": "ten"}}),
        )
        .await;
    assert!(body.get("data").is_none(), "bad variable: {body}");
    assert!(!first_error(&body).is_empty());

    let body = api
        .tenants("query a { __typename } query b { __typename }", json!({}))
        .await;
    assert!(body.get("data").is_none(), "ambiguous operation: {body}");

    // Fields of the other endpoint's schema do not exist here.
    let body = api.main("{ assignableServices { name } }", json!({})).await;
    assert!(body.get("data").is_none(), "{body}");

    let mut deep = String::from("{ __schema { types { ");
    for _ in 0..20 {
        deep.push_str("fields { type { ");
    }
    deep.push_str("name");
    for _ in 0..20 {
        deep.push_str(" } }");
    }
    deep.push_str(" } } }");
    let body = api.main(&deep, json!({})).await;
    assert!(body.get("data").is_none(), "too deep: {body}");

    let r = api
        .http
        .post(format!("{}/graphql", api.sb.base_url()))
        .bearer_auth(&api.token)
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn execution_follows_the_spec() {
    let api = start(10).await;
    let body = api
        .tenants(
            "query Q($q: TenantsQuery! = {maxResults: 2}) { first: tenants(tenantsQuery: $q) { ...page } \
             second: tenants(tenantsQuery: {maxResults: 1, pageNum: 3}) { __typename results { id } } }
             fragment page on TenantResults { __typename count results { ... on Tenant { id __typename } } }",
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let d = &body["data"];
    assert_eq!(d["first"]["__typename"], "TenantResults");
    assert_eq!(d["first"]["count"], 2);
    assert_eq!(d["first"]["results"][1]["__typename"], "Tenant");
    assert_eq!(d["second"]["results"][0]["id"], "10002");
    // Selection order is response order.
    let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 2);
    let analyst = analyst_token(&api).await;
    // Null propagation: a field error on a non-null root field nulls `data`.
    let (_, body) = api
        .raw(
            "/public/query",
            &analyst,
            None,
            "mutation { enableTenantSupport(tenantID: \"10001\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"], Value::Null, "{body}");
    assert_eq!(body["errors"][0]["path"][0], "enableTenantSupport");
}

async fn analyst_token(api: &Api) -> String {
    let name = format!("analyst-{}", api.sb.stats().graphql_requests);
    let (client, secret) = api.create_client(&name, None).await;
    get_token(
        &api.http,
        &api.sb,
        client["clientID"].as_str().unwrap(),
        &secret,
    )
    .await
}

#[tokio::test]
async fn client_lifecycle() {
    let api = start(5).await;
    let (client, secret) = api.create_client("my_awesome_app", None).await;
    assert_eq!(client["roles"], "tenantAnalyst");
    assert_eq!(client["tenant_id"], "10000");
    assert_eq!(client["role_assignments"][0]["role_name"], "TenantAnalyst");
    assert_eq!(client["client_id"], client["clientID"]);
    assert_eq!(secret.len(), 64);
    let client_id = client["clientID"].as_str().unwrap().to_owned();
    let uuid = client["id"].as_str().unwrap().to_owned();

    let dup = api
        .main(
            "mutation { createClient(name: \"my_awesome_app\") { client { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(first_error(&dup), "Existing client in tenant");
    // Same name in another tenant is fine.
    let (status, other) = api
        .raw(
            "/graphql",
            &api.token,
            Some("10003"),
            "mutation { createClient(name: \"my_awesome_app\") { client { tenantID } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        other["data"]["createClient"]["client"]["tenantID"], "10003",
        "{other}"
    );

    for i in 0..5 {
        api.create_client(&format!("bulk-{i}"), Some(vec![ADMIN_ROLE]))
            .await;
    }
    let page = api
        .main(
            "query s($f: ClientsSearchInput) { clientsSearch(filters: $f) { result_count totalCount totalUnfilteredCount results { name roles } } }",
            json!({"f": {"name": "bulk-%", "perPage": 2, "pageOffset": 1, "sortBy": "NAME", "sortOrder": "ASC"}}),
        )
        .await;
    let s = &page["data"]["clientsSearch"];
    assert_eq!(s["totalCount"], 5);
    assert_eq!(s["result_count"], 2);
    assert_eq!(
        s["totalUnfilteredCount"], 8,
        "bootstrap, app, app in 10003, 5 bulk: {s}"
    );
    assert_eq!(s["results"][0]["name"], "bulk-2");
    assert_eq!(s["results"][0]["roles"], "tenantAdmin");
    let old = api
        .main(
            "query { clients(name: \"%AWESOME%\", page: 1, perPage: 10) { id tenantID } }",
            json!({}),
        )
        .await;
    assert_eq!(old["data"]["clients"].as_array().unwrap().len(), 2, "{old}");

    for id in [&uuid, &client_id] {
        let got = api
            .main(
                "query c($id: ID!) { client(id: $id) { id name } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(got["data"]["client"]["id"], uuid.as_str());
    }
    let missing = api.main("{ client(id: \"nope\") { id } }", json!({})).await;
    assert!(first_error(&missing).contains("not found"));

    let client_token = get_token(&api.http, &api.sb, &client_id, &secret).await;
    let rotated = api
        .main(
            "mutation r($id: ID!) { rotateClientSecret(id: $id) { client { id } clientSecret } }",
            json!({"id": uuid}),
        )
        .await;
    let new_secret = rotated["data"]["rotateClientSecret"]["clientSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_secret, secret);
    let r = token_response(&api.http, &api.sb, &client_id, &secret).await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "rotated-away secret refused"
    );
    get_token(&api.http, &api.sb, &client_id, &new_secret).await;

    let deleted = api
        .main(
            "mutation d($id: ID!) { deleteClient(id: $id) { id name } }",
            json!({"id": client_id}),
        )
        .await;
    assert_eq!(deleted["data"]["deleteClient"]["name"], "my_awesome_app");
    let r = token_response(&api.http, &api.sb, &client_id, &new_secret).await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "deleted client refused"
    );
    let (status, _) = api
        .raw("/graphql", &client_token, None, "{ __typename }", json!({}))
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a deleted client's tokens stop working"
    );
    assert_eq!(api.sb.stats().operation("r"), 1);
}

#[tokio::test]
async fn roles_and_tenant_context_are_enforced() {
    let api = start(20).await;
    let analyst = analyst_token(&api).await;
    // Analysts read...
    let (_, body) = api
        .raw(
            "/public/query",
            &analyst,
            None,
            TENANTS_PAGE,
            json!({"q": {"maxResults": 5}}),
        )
        .await;
    assert_eq!(body["data"]["tenants"]["totalCount"], 20);
    // ...but may not change tenants.
    let (_, body) = api
        .raw(
            "/public/query",
            &analyst,
            None,
            "mutation { updateTenant(tenantID: \"10004\", tenantUpdate: {name: \"x\"}) { id } }",
            json!({}),
        )
        .await;
    assert!(
        first_error(&body).starts_with("Permission denied"),
        "{body}"
    );
    assert_eq!(body["data"]["updateTenant"], Value::Null);
    // Nor create privileged clients.
    let (_, body) = api
        .raw(
            "/graphql",
            &analyst,
            None,
            "mutation c($r: [ID!]) { createClient(name: \"escalate\", roles: $r) { client { id } } }",
            json!({"r": [ADMIN_ROLE]}),
        )
        .await;
    assert!(
        first_error(&body).starts_with("Permission denied"),
        "{body}"
    );

    // X-Tenant-Context: a tenant outside the hierarchy, or unknown, is refused.
    for tenant in ["9000", "9001", "999999", "abc"] {
        let (status, body) = api
            .raw(
                "/public/query",
                &api.token,
                Some(tenant),
                "{ __typename }",
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{tenant}: {body}");
    }
    // A client created in a child tenant sees only that tenant.
    let (status, body) = api
        .raw(
            "/graphql",
            &api.token,
            Some("10007"),
            "mutation { createClient(name: \"child-app\") { client { clientID tenantID } clientSecret } }",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let out = &body["data"]["createClient"];
    assert_eq!(out["client"]["tenantID"], "10007");
    let child = get_token(
        &api.http,
        &api.sb,
        out["client"]["clientID"].as_str().unwrap(),
        out["clientSecret"].as_str().unwrap(),
    )
    .await;
    let (_, body) = api
        .raw("/query", &child, None, TENANTS_PAGE, json!({"q": {}}))
        .await;
    assert_eq!(body["data"]["tenants"]["totalCount"], 1);
    assert_eq!(body["data"]["tenants"]["results"][0]["id"], "10007");
    let (status, _) = api
        .raw("/query", &child, Some("10000"), "{ __typename }", json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, body) = api
        .raw(
            "/graphql",
            &child,
            None,
            "{ clientsSearch { totalCount results { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["clientsSearch"]["totalCount"], 1, "{body}");
}

#[tokio::test]
async fn cursor_and_page_pagination() {
    let api = start(100).await;
    let all = walk(&api, json!({"maxResults": 7})).await;
    let ids: Vec<u64> = all
        .iter()
        .map(|t| t["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        ids,
        (10_000..10_100).collect::<Vec<_>>(),
        "each tenant once, by id"
    );

    let body = api
        .tenants(TENANTS_PAGE, json!({"q": {"maxResults": 10}}))
        .await;
    let page = &body["data"]["tenants"];
    assert_eq!(page["totalCount"], 100);
    assert_eq!(page["hasMore"], true);
    assert_eq!(
        page["cursorPos"],
        base64::engine::general_purpose::STANDARD.encode("id|10009")
    );
    let body = api
        .tenants(
            TENANTS_PAGE,
            json!({"q": {"maxResults": 10, "pageNum": 10}}),
        )
        .await;
    let page = &body["data"]["tenants"];
    assert_eq!(page["results"][0]["id"], "10090");
    assert_eq!(page["hasMore"], false);
    assert_eq!(page["count"], 10);
    let body = api
        .tenants(
            TENANTS_PAGE,
            json!({"q": {"maxResults": 10, "pageNum": 11}}),
        )
        .await;
    assert_eq!(body["data"]["tenants"]["count"], 0);
    let body = api
        .tenants(
            TENANTS_PAGE,
            json!({"q": {"maxResults": 1000, "pageNum": i32::MAX}}),
        )
        .await;
    assert_eq!(
        body["data"]["tenants"]["count"], 0,
        "huge pages do not overflow"
    );

    let by_name = walk(
        &api,
        json!({"maxResults": 9, "orderBy": "Name", "orderDir": "desc"}),
    )
    .await;
    assert_eq!(by_name.len(), 100);
    let names: Vec<String> = by_name
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(names.windows(2).all(|w| w[0] >= w[1]), "name desc");
    let unique: HashSet<&str> = by_name.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(unique.len(), 100);
    let by_created = walk(&api, json!({"maxResults": 33, "orderBy": "CreatedAt"})).await;
    let created: Vec<&str> = by_created
        .iter()
        .map(|t| t["created_at"].as_str().unwrap())
        .collect();
    assert!(created.windows(2).all(|w| w[0] <= w[1]));

    let wrong = api
        .tenants(TENANTS_PAGE, json!({"q": {"orderBy": "Name", "cursorPos": base64::engine::general_purpose::STANDARD.encode("id|10009")}}))
        .await;
    assert!(first_error(&wrong).contains("cursorPos"), "{wrong}");
    let garbage = api
        .tenants(TENANTS_PAGE, json!({"q": {"cursorPos": "!!"}}))
        .await;
    assert!(first_error(&garbage).contains("cursorPos"));
}

#[tokio::test]
async fn tenant_filters() {
    let api = start(100).await;
    let all = walk(&api, json!({"maxResults": 100})).await;
    let count = |f: &dyn Fn(&Value) -> bool| all.iter().filter(|t| f(t)).count();
    let total = |body: Value| body["data"]["tenants"]["totalCount"].as_u64().unwrap() as usize;
    let q = |filter: Value| json!({ "q": filter });

    let gold = count(&|t| {
        t["labels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["name"] == "tier" && l["value"] == "gold")
    });
    assert!(gold > 0);
    let body = api
        .tenants(
            TENANTS_PAGE,
            q(json!({"labelFilter": {"label_name": "tier", "label_value": "gold"}})),
        )
        .await;
    assert_eq!(total(body), gold);

    let support = count(&|t| t["support_enabled"] == true);
    assert_eq!(
        total(
            api.tenants(TENANTS_PAGE, q(json!({"withSupport": true})))
                .await
        ),
        support
    );
    assert_eq!(
        total(
            api.tenants(TENANTS_PAGE, q(json!({"isPartner": true})))
                .await
        ),
        1
    );
    assert_eq!(
        total(
            api.tenants(TENANTS_PAGE, q(json!({"ids": ["10003", "10005", "9000"]})))
                .await
        ),
        2
    );

    let echo = count(&|t| {
        t["environments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "echo" && e["enabled"] == true)
    });
    let body = api
        .tenants(
            TENANTS_PAGE,
            q(json!({"environmentFilter": {"name": "echo", "enabled": true}})),
        )
        .await;
    assert_eq!(total(body), echo);

    let name = all[42]["name"].as_str().unwrap();
    let word = name.split(' ').nth(1).unwrap();
    let with_word = count(&|t| {
        t["name"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains(&word.to_lowercase())
    });
    let body = api
        .tenants(TENANTS_PAGE, q(json!({"name": format!("%{word}%")})))
        .await;
    assert_eq!(total(body), with_word);
    let body = api.tenants(TENANTS_PAGE, q(json!({"name": "10042"}))).await;
    assert_eq!(body["data"]["tenants"]["results"][0]["id"], "10042");

    let hunting = count(&|t| {
        t["partnership"]["subscriptions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "Threat Hunting")
    });
    let body = api
        .tenants(
            TENANTS_PAGE,
            q(json!({"withPartnerSubscription": "Threat%"})),
        )
        .await;
    assert_eq!(total(body), hunting);

    let cut = all[50]["created_at"].as_str().unwrap();
    let before = count(&|t| t["created_at"].as_str().unwrap() <= cut);
    let body = api
        .tenants(
            TENANTS_PAGE,
            q(json!({"createdTimeFilter": {"endTime": cut}})),
        )
        .await;
    assert_eq!(total(body), before);
    let bad = api
        .tenants(
            TENANTS_PAGE,
            q(json!({"createdTimeFilter": {"startTime": "yesterday"}})),
        )
        .await;
    assert!(first_error(&bad).contains("invalid time"));
}

#[tokio::test]
async fn seeding_is_deterministic() {
    let names = |seed| async move {
        let sb = Sandbox::builder()
            .tenants(30)
            .seed(seed)
            .start()
            .await
            .unwrap();
        let http = reqwest::Client::new();
        let token = get_token(&http, &sb, sb.client_id(), sb.client_secret()).await;
        let api = Api { sb, http, token };
        walk(&api, json!({"maxResults": 50}))
            .await
            .iter()
            .map(|t| t["name"].to_string())
            .collect::<Vec<_>>()
    };
    let a = names(1).await;
    assert_eq!(a, names(1).await);
    assert_ne!(a, names(2).await);
    assert_eq!(a.len(), 30);
}

const TENANT_FIELDS: &str = "id name enabled expires_at support_enabled parent environments { name enabled } labels { id name value owner_partner_tenant_id } services { id name } partnership { parent subscriptions { id service_id name } }";

#[tokio::test]
async fn tenant_mutations() {
    let api = start(10).await;
    let body = api
        .tenants(
            &format!("mutation c($t: TenantCreateInput!) {{ createTenant(newTenant: $t) {{ {TENANT_FIELDS} }} }}"),
            json!({"t": {"name": "New Tenant Name", "partnerTenantID": "10000", "environments": ["echo", "pilot"],
                         "labels": [{"name": "partner_only_label_name", "value": "v", "owner_partner_tenant_id": "10000"}]}}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let t = &body["data"]["createTenant"];
    assert_eq!(t["id"], "10010");
    assert_eq!(t["parent"], "10000");
    assert_eq!(t["environments"].as_array().unwrap().len(), 2);
    assert_eq!(t["labels"][0]["owner_partner_tenant_id"], "10000");
    let all = walk(&api, json!({})).await;
    assert_eq!(all.len(), 11);
    let child_parent = api
        .tenants(
            "mutation { createTenant(newTenant: {name: \"x\", parentTenantID: \"10003\"}) { id } }",
            json!({}),
        )
        .await;
    assert!(
        first_error(&child_parent).contains("not a partner"),
        "{child_parent}"
    );

    let update = |u: Value| {
        let api = &api;
        async move {
            api.tenants(
                &format!("mutation u($id: ID!, $u: TenantUpdateInput!) {{ updateTenant(tenantID: $id, tenantUpdate: $u) {{ {TENANT_FIELDS} }} }}"),
                json!({"id": "10010", "u": u}),
            )
            .await
        }
    };
    let b = update(json!({"name": "Renamed", "expiresAt": "2030-09-09T14:30:34Z"})).await;
    assert_eq!(b["data"]["updateTenant"]["name"], "Renamed");
    assert_eq!(
        b["data"]["updateTenant"]["expires_at"],
        "2030-09-09T14:30:34Z"
    );
    let b = update(json!({"environments": [{"name": "echo", "enabled": false}, {"name": "delta", "enabled": true}]})).await;
    let envs = &b["data"]["updateTenant"]["environments"];
    assert_eq!(envs.as_array().unwrap().len(), 3, "{b}");
    assert_eq!(b["data"]["updateTenant"]["enabled"], true);
    let b = update(json!({"disable": true, "clearExpiration": true})).await;
    assert_eq!(b["data"]["updateTenant"]["enabled"], false);
    assert_eq!(b["data"]["updateTenant"]["expires_at"], Value::Null);
    let b = update(json!({"expiresAt": "2030-01-01T00:00:00Z", "clearExpiration": true})).await;
    assert!(!first_error(&b).is_empty());
    let body = api
        .tenants(TENANTS_PAGE, json!({"q": {"name": "Renamed"}}))
        .await;
    assert_eq!(
        body["data"]["tenants"]["totalCount"], 1,
        "the name index follows updates"
    );

    // Labels.
    let l = api
        .tenants(
            "mutation { createTenantLabel(tenant_id: \"10001\", label_input: {name: \"test\", value: \"value\"}) { id tenant_id name value } }",
            json!({}),
        )
        .await;
    let label_id = l["data"]["createTenantLabel"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let l = api
        .tenants(
            "mutation u($l: ID!) { updateTenantLabel(label_id: $l, tenant_id: \"10001\", label_input: {value: \"v2\"}) { name value } }",
            json!({"l": label_id}),
        )
        .await;
    assert_eq!(
        l["data"]["updateTenantLabel"],
        json!({"name": "test", "value": "v2"})
    );
    let body = api
        .tenants(
            TENANTS_PAGE,
            json!({"q": {"labelFilter": {"label_name": "test"}}}),
        )
        .await;
    assert_eq!(body["data"]["tenants"]["totalCount"], 1);
    let l = api
        .tenants(
            "mutation d($l: ID!) { deleteTenantLabel(label_id: $l, tenant_id: \"10001\") { id } }",
            json!({"l": label_id}),
        )
        .await;
    assert_eq!(l["data"]["deleteTenantLabel"]["id"], label_id.as_str());

    // Subscriptions.
    let s = api
        .tenants("mutation { createSubscription(input: {name: \"Sandbox Service\", description: \"d\"}) { id name owner_tenant_id } }", json!({}))
        .await;
    let sid = s["data"]["createSubscription"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(s["data"]["createSubscription"]["owner_tenant_id"], "10000");
    let a = api
        .tenants(
            "mutation a($s: ID!) { assignSubscription(tenant_id: \"10002\", subscription_id: $s) { partnership { subscriptions { id service_id name } } } }",
            json!({"s": sid}),
        )
        .await;
    let subs = a["data"]["assignSubscription"]["partnership"]["subscriptions"]
        .as_array()
        .unwrap()
        .clone();
    let assigned = subs
        .iter()
        .find(|x| x["service_id"] == sid.as_str())
        .expect("assigned");
    let d = api
        .tenants(
            "mutation d($s: ID!) { deleteSubscription(id: $s) { id } }",
            json!({"s": sid}),
        )
        .await;
    assert!(first_error(&d).contains("still assigned"), "{d}");
    let u = api
        .tenants(
            "mutation u($s: ID!) { unassignSubscription(tenant_id: \"10002\", subscription_id: $s) { id } }",
            json!({"s": assigned["id"]}),
        )
        .await;
    assert!(u.get("errors").is_none(), "{u}");
    let r = api
        .tenants("mutation u($s: ID) { updateSubscription(input: {id: $s, name: \"Renamed Service\"}) { name } }", json!({"s": sid}))
        .await;
    assert_eq!(r["data"]["updateSubscription"]["name"], "Renamed Service");
    let d = api
        .tenants(
            "mutation d($s: ID!) { deleteSubscription(id: $s) { id } }",
            json!({"s": sid}),
        )
        .await;
    assert_eq!(d["data"]["deleteSubscription"]["id"], sid.as_str());
    let services = api
        .tenants(
            "{ assignableServices(tenantID: \"10002\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(
        services["data"]["assignableServices"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Support.
    for (m, expected) in [
        ("enableTenantSupport", true),
        ("disableTenantSupport", false),
    ] {
        let b = api
            .tenants(
                &format!("mutation {{ {m}(tenantID: \"10003\") {{ id support_enabled }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(b["data"][m]["support_enabled"], expected, "{b}");
    }
    let b = api.tenants("mutation { updateAllowResponseAction(tenant_id: \"10003\", allowed: true) { allow_response_actions } }", json!({})).await;
    assert_eq!(
        b["data"]["updateAllowResponseAction"]["allow_response_actions"],
        true
    );
}

const SSO_FIELDS: &str = "id name type status externalName externalID tenantID domains testers certName expiresAt issuer ssoConnectionParameters { postBackURL entityID metadataURL } ssoConnectionIDPConfig { samlConnectionConfiguration { signingCert signInEndpoint } }";

#[tokio::test]
async fn sso_connection_lifecycle() {
    let api = start(5).await;
    let create = format!("mutation c($n: NewSSOConnectionInput!) {{ createSSOConnection(newConnection: $n) {{ {SSO_FIELDS} }} }}");
    let b = api
        .tenants(&create, json!({"n": {"name": "corp", "type": "saml", "domains": ["corp.example"], "testers": ["a@corp.example"]}}))
        .await;
    let c = &b["data"]["createSSOConnection"];
    assert_eq!(c["status"], "Draft", "{b}");
    assert_eq!(c["tenantID"], "10000");
    assert!(c["ssoConnectionParameters"]["postBackURL"]
        .as_str()
        .unwrap()
        .starts_with(api.sb.base_url()));
    let id = c["id"].as_str().unwrap().to_owned();
    let bad = api
        .tenants(
            &create,
            json!({"n": {"name": "x", "type": "unknown", "domains": ["a.example"]}}),
        )
        .await;
    assert!(first_error(&bad).contains("saml"));

    let update = format!("mutation u($u: UpdateSSOConnectionInput!) {{ updateSSOConnection(updatedConnection: $u) {{ {SSO_FIELDS} }} }}");
    let early = api
        .tenants(&update, json!({"u": {"id": id, "status": "Enabled"}}))
        .await;
    assert!(first_error(&early).contains("Draft"), "{early}");
    let half = api
        .tenants(&update, json!({"u": {"id": id, "connectionConfiguration": {"samlConfiguration": {"signingCert": "PEM"}}}}))
        .await;
    assert!(first_error(&half).contains("signInEndpoint"), "{half}");

    let config = api
        .tenants(
            "query { getSSOConnectionConfig(metadataURL: \"https://idp.corp.example/metadata\") { issuer expiresAt ssoConnectionConfiguration { samlConnectionConfiguration { signInEndpoint } } } }",
            json!({}),
        )
        .await;
    let cfg = &config["data"]["getSSOConnectionConfig"];
    assert_eq!(cfg["issuer"], "CN=idp.corp.example");
    assert_eq!(
        cfg["ssoConnectionConfiguration"]["samlConnectionConfiguration"]["signInEndpoint"],
        "https://idp.corp.example/saml/sso"
    );

    let b = api
        .tenants(
            &update,
            json!({"u": {"id": id, "addDomains": ["corp2.example"], "removeTesters": ["a@corp.example"],
                         "connectionConfiguration": {"samlConfiguration": {"metadataURL": "https://idp.corp.example/metadata", "signingCertName": "issuer.pem"}}}}),
        )
        .await;
    let c = &b["data"]["updateSSOConnection"];
    assert_eq!(c["status"], "Testing", "{b}");
    assert_eq!(c["certName"], "issuer.pem");
    assert_eq!(c["domains"], json!(["corp.example", "corp2.example"]));
    assert_eq!(c["testers"], json!([]));
    assert!(
        c["ssoConnectionIDPConfig"]["samlConnectionConfiguration"]["signingCert"]
            .as_str()
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );

    let b = api
        .tenants(&update, json!({"u": {"id": id, "status": "Enabled"}}))
        .await;
    assert_eq!(b["data"]["updateSSOConnection"]["status"], "Enabled", "{b}");
    let back = api
        .tenants(&update, json!({"u": {"id": id, "status": "Draft"}}))
        .await;
    assert!(!first_error(&back).is_empty());

    let ext = b["data"]["updateSSOConnection"]["externalID"]
        .as_str()
        .unwrap()
        .to_owned();
    let g = api
        .tenants(
            "query g($id: ID!) { getSSOConnection(id: $id) { id status } }",
            json!({"id": ext}),
        )
        .await;
    assert_eq!(g["data"]["getSSOConnection"]["id"], id.as_str());
    let list = api
        .tenants("query { SSOConnections(connectionQuery: {withStatus: [Enabled], withDomain: \"corp2.example\"}) { id } }", json!({}))
        .await;
    assert_eq!(
        list["data"]["SSOConnections"].as_array().unwrap().len(),
        1,
        "{list}"
    );
    let none = api
        .tenants(
            "query { SSOConnections(connectionQuery: {excludeStatus: [Enabled]}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(none["data"]["SSOConnections"], json!([]));

    let analyst = analyst_token(&api).await;
    let (_, denied) = api
        .raw(
            "/public/query",
            &analyst,
            None,
            "mutation d($id: ID!) { deleteSSOConnection(connectionID: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert!(
        first_error(&denied).starts_with("Permission denied"),
        "{denied}"
    );
    let d = api
        .tenants(
            "mutation d($id: ID!) { deleteSSOConnection(connectionID: $id) { id name } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(d["data"]["deleteSSOConnection"]["name"], "corp");
    let g = api
        .tenants(
            "query g($id: ID!) { getSSOConnection(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert!(first_error(&g).contains("not found"));
}

#[tokio::test]
async fn faults_are_injected_and_counted() {
    let api = start(5).await;
    let q = "query Ping { __typename }";
    api.sb.set_retry_after(Duration::from_millis(1500));
    api.sb
        .fail_next(FaultTarget::GraphQl, FaultKind::RateLimited, 2);
    api.sb
        .fail_next(FaultTarget::GraphQl, FaultKind::Unavailable, 1);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let r = api
            .http
            .post(format!("{}/graphql", api.sb.base_url()))
            .bearer_auth(&api.token)
            .json(&json!({"query": q}))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(r.headers()["retry-after"], "2");
        }
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [429, 429, 503, 200]);
    let stats = api.sb.stats();
    assert_eq!(
        (
            stats.rate_limited,
            stats.unavailable,
            stats.graphql_requests
        ),
        (2, 1, 4)
    );
    assert_eq!(stats.operation("Ping"), 1, "faulted requests never execute");

    // The token endpoint down, then up.
    api.sb
        .fail_next(FaultTarget::Token, FaultKind::Unavailable, 1);
    let r = token_response(
        &api.http,
        &api.sb,
        api.sb.client_id(),
        api.sb.client_secret(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    get_token(
        &api.http,
        &api.sb,
        api.sb.client_id(),
        api.sb.client_secret(),
    )
    .await;

    // Random rates: all, then none; never on the token endpoint.
    api.sb.set_unavailable_rate(1.0);
    let (status, _) = api
        .raw("/public/query", &api.token, None, q, json!({}))
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    get_token(
        &api.http,
        &api.sb,
        api.sb.client_id(),
        api.sb.client_secret(),
    )
    .await;
    api.sb.clear_faults();
    api.sb.set_fail_rate(0.0);
    let (status, _) = api
        .raw("/public/query", &api.token, None, q, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);

    api.sb.set_latency(Duration::from_millis(150));
    let start = Instant::now();
    let (status, _) = api.raw("/graphql", &api.token, None, q, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(start.elapsed() >= Duration::from_millis(150));
    api.sb.set_latency(Duration::ZERO);

    api.sb.reset_stats();
    assert_eq!(api.sb.stats(), Default::default());

    // A 50% mix from the builder: roughly half fail, all with 429 or 503.
    let sb = Sandbox::builder()
        .tenants(1)
        .fail_rate(0.5)
        .start()
        .await
        .unwrap();
    let token = get_token(&api.http, &sb, sb.client_id(), sb.client_secret()).await;
    let mut failed = 0;
    for _ in 0..200 {
        let r = api
            .http
            .post(format!("{}/query", sb.base_url()))
            .bearer_auth(&token)
            .json(&json!({"query": q}))
            .send()
            .await
            .unwrap();
        match r.status().as_u16() {
            200 => {}
            429 | 503 => failed += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!((60..=140).contains(&failed), "{failed} of 200 failed");
    let s = sb.stats();
    assert_eq!(s.rate_limited + s.unavailable, failed);
    assert!(s.rate_limited > 0 && s.unavailable > 0);
}

#[tokio::test]
async fn version_endpoint_and_loopback_only() {
    let api = start(1).await;
    let r = api
        .http
        .get(format!("{}/assets/version", api.sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    for key in ["tag", "revision", "timestamp"] {
        assert!(v[key].is_string(), "{v}");
    }
    let r = api
        .http
        .get(format!("{}/nope", api.sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(api.sb.base_url().starts_with("http://127.0.0.1:"));
    let lines = api.sb.env_lines();
    let keys: Vec<&str> = lines
        .lines()
        .map(|l| l.split('=').next().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "TAEGIS_API_URL",
            "TAEGIS_TENANTS_URL",
            "CLIENT_ID",
            "CLIENT_SECRET",
            "TAEGIS_TENANT_ID"
        ]
    );
    let debug = format!("{:?}", api.sb);
    assert!(
        !debug.contains(api.sb.client_secret()),
        "Debug redacts the secret: {debug}"
    );
    let err = Sandbox::builder()
        .addr("0.0.0.0:0".parse().unwrap())
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, SandboxError::NotLoopback(_)));
    // Stops on drop.
    let addr = api.sb.addr();
    drop(api);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "listener closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_are_consistent() {
    let api = std::sync::Arc::new(start(50).await);
    let mut tasks = Vec::new();
    for task in 0..16 {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            let (client, secret) = api.create_client(&format!("concurrent-{task}"), None).await;
            let token = get_token(
                &api.http,
                &api.sb,
                client["clientID"].as_str().unwrap(),
                &secret,
            )
            .await;
            for _ in 0..10 {
                let (status, body) = api
                    .raw(
                        "/public/query",
                        &token,
                        None,
                        TENANTS_PAGE,
                        json!({"q": {"maxResults": 5}}),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK);
                assert_eq!(body["data"]["tenants"]["totalCount"], 50);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let body = api
        .main(
            "{ clientsSearch(filters: {name: \"concurrent-%\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["clientsSearch"]["totalCount"], 16);
    let stats = api.sb.stats();
    assert_eq!(stats.operation("t"), 160);
    assert_eq!(stats.operation("c"), 16);
    assert_eq!(stats.tokens_issued, 17);
}

#[tokio::test]
async fn walks_25000_tenants() {
    let start_time = Instant::now();
    let api = start(25_000).await;
    let started = start_time.elapsed();
    let walk_start = Instant::now();
    let ids_only = "query Walk($q: TenantsQuery!) { tenants(tenantsQuery: $q) { count hasMore cursorPos results { id } } }";
    let all = walk_with(&api, ids_only, json!({"maxResults": 1000})).await;
    assert_eq!(all.len(), 25_000);
    let unique: HashSet<&str> = all.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(unique.len(), 25_000);
    eprintln!(
        "25,000 tenants: start {started:?}, cursor walk of ids (1000/page) {:?}",
        walk_start.elapsed()
    );
}

/// Timings for the closing note: `cargo test --release --features sandbox --test sandbox -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; prints timings"]
async fn benchmark_requests_and_walk() {
    let api = start(25_000).await;
    let q = "query One($id: ID!) { client(id: $id) { id name roles } }";
    let t = Instant::now();
    for _ in 0..1000 {
        let body = api.main(q, json!({"id": api.sb.client_id()})).await;
        assert!(body.get("errors").is_none());
    }
    let thousand = t.elapsed();
    let t = Instant::now();
    for _ in 0..1000 {
        let body = api
            .tenants(TENANTS_PAGE, json!({"q": {"maxResults": 10}}))
            .await;
        assert!(body.get("errors").is_none());
    }
    let thousand_tenants = t.elapsed();
    let ids_only = "query Walk($q: TenantsQuery!) { tenants(tenantsQuery: $q) { count hasMore cursorPos results { id } } }";
    for page in [100, 1000] {
        let t = Instant::now();
        let all = walk(&api, json!({"maxResults": page})).await;
        assert_eq!(all.len(), 25_000);
        eprintln!(
            "25,000-tenant cursor walk, {page} per page, many fields: {:?}",
            t.elapsed()
        );
        let t = Instant::now();
        let all = walk_with(&api, ids_only, json!({"maxResults": page})).await;
        assert_eq!(all.len(), 25_000);
        eprintln!(
            "25,000-tenant cursor walk, {page} per page, ids only: {:?}",
            t.elapsed()
        );
    }
    eprintln!("1,000 sequential `client` queries: {thousand:?}; 1,000 sequential 10-tenant pages over 25,000: {thousand_tenants:?}");
}
