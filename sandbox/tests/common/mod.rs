//! What several sandbox test files share.
#![allow(dead_code)] // each test file uses a part

use reqwest::StatusCode;
use serde_json::{json, Value};
use taegis_sandbox::Sandbox;

/// The token endpoint's answer to client credentials `id` / `secret`, whatever its status.
pub async fn token_response(
    http: &reqwest::Client,
    sb: &Sandbox,
    id: &str,
    secret: &str,
) -> reqwest::Response {
    http.post(format!("{}/auth/api/v2/auth/token", sb.base_url()))
        .basic_auth(id, Some(secret))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap()
}

/// An access token for client credentials `id` / `secret` (the request must succeed).
pub async fn get_token(http: &reqwest::Client, sb: &Sandbox, id: &str, secret: &str) -> String {
    let response = token_response(http, sb, id, secret).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// An access token for the sandbox's bootstrap client.
pub async fn bootstrap_token(http: &reqwest::Client, sb: &Sandbox) -> String {
    get_token(http, sb, sb.client_id(), sb.client_secret()).await
}

/// The JSON body of a request to the main gateway (`/graphql`) with `token` and, when
/// given, `X-Tenant-Context: tenant` (the HTTP status must be 200).
pub async fn graphql(
    http: &reqwest::Client,
    sb: &Sandbox,
    token: &str,
    tenant: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = http
        .post(format!("{}/graphql", sb.base_url()))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": variables}));
    if let Some(t) = tenant {
        request = request.header("X-Tenant-Context", t);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// A sandbox with the bootstrap client's token, for GraphQL over HTTP in a tenant's context.
pub struct Api {
    pub sb: Sandbox,
    pub http: reqwest::Client,
    pub token: String,
}

impl Api {
    /// A sandbox of `tenants` tenants from `seed`, and its bootstrap token.
    pub async fn start(tenants: u64, seed: u64) -> Api {
        let sb = Sandbox::builder()
            .tenants(tenants)
            .seed(seed)
            .start()
            .await
            .expect("sandbox starts");
        let http = reqwest::Client::new();
        let token = bootstrap_token(&http, &sb).await;
        Api { sb, http, token }
    }

    /// The `n`-th child tenant's ID.
    pub fn child(&self, n: u64) -> String {
        (self.sb.tenant_id().parse::<u64>().unwrap() + n).to_string()
    }

    /// The whole response to `query` in `tenant`'s context.
    pub async fn body(&self, tenant: &str, query: &str, vars: Value) -> Value {
        graphql(&self.http, &self.sb, &self.token, Some(tenant), query, vars).await
    }

    /// The `data` of a response that must have no errors.
    pub async fn data(&self, tenant: &str, query: &str, vars: Value) -> Value {
        let body = self.body(tenant, query, vars).await;
        assert!(body.get("errors").is_none(), "{body}");
        body["data"].clone()
    }

    /// The first error message of a response that must have one.
    pub async fn error(&self, tenant: &str, query: &str, vars: Value) -> String {
        let body = self.body(tenant, query, vars).await;
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("expected an error: {body}"))
            .to_owned()
    }
}
