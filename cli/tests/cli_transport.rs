//! Proxy variables and `--api-url` as the `taegis` binary reads them: loopback traffic never
//! goes through a proxy, `NO_PROXY` is honoured, and a URL's password is never echoed.

#[path = "../../tests/support/proxy.rs"]
mod proxy;

use proxy::recording_proxy;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_ID: &str = "proxy-test-client";
const CLIENT_SECRET: &str = "proxy-test-secret";

async fn api_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/api/v2/auth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"access_token": "tok-proxy-test", "expires_in": 3600}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"data": {"__typename": "Query"}})),
        )
        .mount(&server)
        .await;
    server
}

async fn graphql_requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/graphql")
        .count()
}

fn taegis(proxy: &str) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("taegis").unwrap();
    cmd.env_clear()
        .env("HOME", std::env::temp_dir())
        .env("CLIENT_ID", CLIENT_ID)
        .env("CLIENT_SECRET", CLIENT_SECRET);
    for name in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env(name, proxy);
    }
    cmd
}

#[test]
fn proxy_variables_never_carry_loopback_traffic_and_no_proxy_is_honoured() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (proxy, server) = rt.block_on(async { (recording_proxy().await, api_server().await) });
    let output = taegis(&proxy.url)
        .args(["--api-url", &server.uri(), "query", "-"])
        .write_stdin("{ __typename }")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(proxy.seen.lock().unwrap().is_empty(), "{:?}", proxy.seen);
    assert_eq!(rt.block_on(graphql_requests(&server)), 1);

    // A real host goes through the proxy, unless NO_PROXY names it.
    let output = taegis(&proxy.url)
        .args([
            "--api-url",
            "https://api.example.invalid",
            "clients",
            "list",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let tunnelled = proxy.seen.lock().unwrap().clone();
    assert!(
        !tunnelled.is_empty()
            && tunnelled
                .iter()
                .all(|l| l.starts_with("CONNECT api.example.invalid:443")),
        "{tunnelled:?}"
    );
    let output = taegis(&proxy.url)
        .env("NO_PROXY", "example.invalid")
        .args([
            "--api-url",
            "https://api.example.invalid",
            "clients",
            "list",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert_eq!(
        proxy.seen.lock().unwrap().len(),
        tunnelled.len(),
        "NO_PROXY: {:?}",
        proxy.seen
    );
}

#[test]
fn an_api_url_with_a_password_is_refused_without_echoing_it() {
    let output = assert_cmd::Command::cargo_bin("taegis")
        .unwrap()
        .env_clear()
        .env("TAEGIS_ACCESS_TOKEN", "t")
        .args(["--api-url", "https://u:cli-pass-77@exa mple.com", "version"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("cli-pass-77"), "{stderr}");
}
