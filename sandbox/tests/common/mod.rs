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
