//! What several sandbox test files share.

use reqwest::StatusCode;
use serde_json::{json, Value};
use taegis_sandbox::Sandbox;

/// An access token for the sandbox's bootstrap client, by client credentials over HTTP.
pub async fn bootstrap_token(http: &reqwest::Client, sb: &Sandbox) -> String {
    let response = http
        .post(format!("{}/auth/api/v2/auth/token", sb.base_url()))
        .basic_auth(sb.client_id(), Some(sb.client_secret()))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}
