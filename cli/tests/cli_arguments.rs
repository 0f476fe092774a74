//! Global options keep their meaning under every subcommand: a subcommand's own argument never
//! takes the place of `--tenant` (the `X-Tenant-Context` every request carries).

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A tenants API that issues a token and creates any label it is asked for.
async fn tenants_api() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/api/v2/auth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"access_token": "tok-arguments-test", "expires_in": 3600}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/public/query"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": {"createTenantLabel": {
                "id": "label-1", "tenant_id": "222", "name": "tier",
                "value": "gold", "owner_partner_tenant_id": null
            }}
        })))
        .mount(&server)
        .await;
    server
}

/// The `X-Tenant-Context` header and the `tenant_id` variable of each GraphQL request.
async fn label_requests(server: &MockServer) -> Vec<(Option<String>, serde_json::Value)> {
    let requests = server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .filter(|r| r.url.path() == "/public/query")
        .map(|r| {
            let tenant = r
                .headers
                .get("x-tenant-context")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            (tenant, body["variables"]["tenant_id"].clone())
        })
        .collect()
}

fn taegis(server: &MockServer, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("taegis")
        .unwrap()
        .env_clear()
        .env("HOME", std::env::temp_dir())
        .env("CLIENT_ID", "arguments-test-client")
        .env("CLIENT_SECRET", "arguments-test-secret")
        .args(["--api-url", &server.uri()])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_label_commands_tenant_argument_never_replaces_the_tenant_context() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(tenants_api());
    for args in [
        &[
            "--tenant", "111", "tenants", "label", "create", "222", "tier", "gold",
        ][..],
        &[
            "tenants", "label", "create", "222", "tier", "gold", "--tenant", "111",
        ][..],
    ] {
        let output = taegis(&server, args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // Without --tenant there is no tenant context: the label's tenant is only the variable.
    let output = taegis(
        &server,
        &["tenants", "label", "create", "222", "tier", "gold"],
    );
    assert!(output.status.success());

    let seen = rt.block_on(label_requests(&server));
    let expected = vec![
        (Some("111".to_owned()), serde_json::json!("222")),
        (Some("111".to_owned()), serde_json::json!("222")),
        (None, serde_json::json!("222")),
    ];
    assert_eq!(seen, expected);
}
