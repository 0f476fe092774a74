//! Servers and proxies that echo request headers back: no secret we hold may come back to the
//! user in any form it travelled in (raw, base64 of `id:secret`, percent-encoded, the bearer
//! value), in any server text we show (error excerpts, GraphQL `errors[]` messages, paths and
//! extensions, `taegis query` output, `-v` logs), even when an excerpt is cut inside it.

mod common;

use base64::Engine as _;
use common::*;
use serde_json::json;
use taegis_sdk::{Client, Endpoint, Error};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const ID: &str = "redaction-client";
/// Chosen so that standard and URL-safe base64 of `id:secret` differ and percent-encoding
/// changes it.
const SECRET: &str = "S3cr3t~?>\u{e9}%/+ do-not-leak";
const TOKEN: &str = "ZQx7Kp2mW9vT4rN8bL6cY3hFjD5sG1aE";

fn basic_forms() -> Vec<String> {
    let pair = format!("{ID}:{SECRET}");
    let e = base64::engine::general_purpose::STANDARD.encode(&pair);
    let u = base64::engine::general_purpose::URL_SAFE.encode(&pair);
    assert_ne!(
        e, u,
        "precondition: the two base64 alphabets give different text"
    );
    vec![
        e.clone(),
        e.trim_end_matches('=').to_owned(),
        u.clone(),
        u.trim_end_matches('=').to_owned(),
    ]
}

fn percent_forms(secret: &str) -> Vec<String> {
    let upper: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    assert_ne!(
        upper, secret,
        "precondition: percent-encoding changes the secret"
    );
    vec![upper.clone(), upper.to_lowercase()]
}

/// Every form of our secrets, and the secret-bearing tail of each (what an excerpt cut in the
/// middle would leave).
fn forbidden() -> Vec<String> {
    let mut forms = vec![SECRET.to_owned(), TOKEN.to_owned()];
    forms.extend(basic_forms());
    forms.extend(percent_forms(SECRET));
    let mut all = forms.clone();
    for form in &forms {
        let chars: Vec<char> = form.chars().collect();
        if chars.len() > 12 {
            all.push(chars[chars.len() - 12..].iter().collect());
        }
    }
    // The secret's own prefixes.
    all.push(SECRET.chars().take(8).collect());
    all.push(TOKEN.chars().take(6).collect());
    all
}

fn assert_clean(what: &str, text: &str) {
    for form in forbidden() {
        assert!(
            !text.contains(&form),
            "{what} shows a form of a secret ({form:?}):\n{text}"
        );
    }
}

/// The request's headers, as an echoing error page or proxy shows them, plus the forms a
/// proxy or a logging middleware would re-encode the credentials into.
fn echo_of(request: &Request) -> String {
    let mut text = String::new();
    for (name, value) in &request.headers {
        text.push_str(&format!("{name}: {}\n", value.to_str().unwrap_or("?")));
    }
    if let Some(auth) = request.headers.get("authorization") {
        let value = auth.to_str().unwrap();
        if let Some(b64) = value.strip_prefix("Basic ") {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            text.push_str(&format!(
                "urlsafe: {}\n",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw)
            ));
            text.push_str(&format!(
                "query: client_secret={}\n",
                percent_forms(SECRET)[0]
            ));
        }
    }
    text
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_url(server.uri())
        .client_credentials(ID, SECRET)
        .retry_config(taegis_sdk::RetryConfig::disabled())
        .build()
        .unwrap()
}

fn assert_error_clean(error: &Error) {
    assert_clean("Display", &error.to_string());
    assert_clean("Debug", &format!("{error:?}"));
    if let Error::GraphQl { errors, .. } = error {
        assert_clean("serialized errors", &serde_json::to_string(errors).unwrap());
    }
}

#[tokio::test]
async fn token_endpoint_echoing_basic_auth_in_html_and_json_is_redacted() {
    for as_json in [false, true] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/auth/api/v2/auth/token"))
            .respond_with(move |request: &Request| {
                let echo = echo_of(request);
                if as_json {
                    ResponseTemplate::new(400).set_body_json(
                        json!({"error": "invalid_client", "error_description": echo}),
                    )
                } else {
                    ResponseTemplate::new(401)
                        .set_body_string(format!("<html><pre>{echo}</pre></html>"))
                }
            })
            .mount(&server)
            .await;
        let error = client(&server).access_token().await.unwrap_err();
        assert!(matches!(error, Error::Auth { .. }), "{error:?}");
        assert!(error.to_string().contains("<redacted>"), "{error}");
        assert_error_clean(&error);
    }
}

async fn api_echoing(
    respond: impl Fn(&Request) -> ResponseTemplate + Send + Sync + 'static,
) -> MockServer {
    let server = MockServer::start().await;
    mount_token(&server, TOKEN, 3600, None).await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(respond)
        .mount(&server)
        .await;
    server
}

fn graphql_echo(request: &Request) -> ResponseTemplate {
    let bearer = request
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let token = bearer.trim_start_matches("Bearer ").to_owned();
    ResponseTemplate::new(200).set_body_json(json!({
        "data": null,
        "errors": [{
            "message": format!("denied: {}", echo_of(request)),
            "path": ["clients", bearer, 0],
            "extensions": {"code": "FORBIDDEN", "request": {"headers": {"authorization": bearer}}, "seen": [token]},
        }],
    }))
}

#[tokio::test]
async fn graphql_errors_echoing_the_bearer_token_are_redacted_everywhere() {
    let server = api_echoing(graphql_echo).await;
    let client = client(&server);
    let error = client
        .execute::<taegis_sdk::ops::main::Clients>(clients_vars())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::GraphQl { .. }), "{error:?}");
    assert_error_clean(&error);

    // `execute_raw` returns the whole response to the caller (`taegis query` prints it).
    let raw = client
        .execute_raw(Endpoint::Main, "query q { __typename }", None, None)
        .await
        .unwrap();
    assert_clean("raw response", &raw.to_string());
    assert_eq!(
        raw["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "the rest is kept: {raw}"
    );
}

#[tokio::test]
async fn a_secret_across_the_excerpt_cut_leaves_no_prefix() {
    for offset in [280usize, 295, 299, 300, 301] {
        let server = api_echoing(move |_request: &Request| {
            let body = format!("{}Bearer {TOKEN} and more", "x".repeat(offset - 7));
            ResponseTemplate::new(502).set_body_string(body)
        })
        .await;
        let error = client(&server)
            .execute::<taegis_sdk::ops::main::Clients>(clients_vars())
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::Http { status: 502, .. }),
            "{error:?}"
        );
        assert_error_clean(&error);
    }
}

#[tokio::test]
async fn decode_errors_do_not_show_echoed_secrets() {
    let server = api_echoing(|request: &Request| {
        // Valid JSON, wrong shape: the decoder's message quotes the value it choked on.
        let bearer = request
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        ResponseTemplate::new(200).set_body_json(json!({"data": {"clients": bearer}}))
    })
    .await;
    let error = client(&server)
        .execute::<taegis_sdk::ops::main::Clients>(clients_vars())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert_error_clean(&error);
}

#[tokio::test]
async fn graphql_error_text_with_terminal_escapes_is_shown_escaped() {
    let server = api_echoing(|_request: &Request| {
        ResponseTemplate::new(200).set_body_json(json!({
            "errors": [{"message": "\u{1b}]0;pwned\u{7}\u{1b}[2Jgone\u{9b}31m\u{202e}", "path": ["a\u{1b}[1m"]}]
        }))
    })
    .await;
    let error = client(&server)
        .execute::<taegis_sdk::ops::main::Clients>(clients_vars())
        .await
        .unwrap_err();
    let text = error.to_string();
    for raw in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
        assert!(!text.contains(raw), "raw {raw:?} in {text:?}");
    }
    assert!(text.contains("gone"), "{text}");
}

#[test]
fn cli_verbose_logs_and_query_output_hide_echoed_secrets() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(api_echoing(graphql_echo));
    let output = assert_cmd::Command::cargo_bin("taegis")
        .unwrap()
        .env_clear()
        .env("HOME", std::env::temp_dir())
        .env("CLIENT_ID", ID)
        .env("CLIENT_SECRET", SECRET)
        .args(["-vv", "--api-url", &server.uri(), "query", "-"])
        .write_stdin("query q { __typename }")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("FORBIDDEN"), "{stdout}");
    assert_clean("stdout", &stdout);
    assert_clean("stderr", &stderr);

    // An echoing token endpoint, seen through the command's error line and detail.
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/auth/api/v2/auth/token"))
            .respond_with(|request: &Request| {
                ResponseTemplate::new(401).set_body_string(echo_of(request))
            })
            .mount(&server)
            .await;
        server
    });
    let output = assert_cmd::Command::cargo_bin("taegis")
        .unwrap()
        .env_clear()
        .env("HOME", std::env::temp_dir())
        .env("CLIENT_ID", ID)
        .env("CLIENT_SECRET", SECRET)
        .args(["-vv", "--api-url", &server.uri(), "auth", "token"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert_clean("stderr", &stderr);
    assert_clean("stdout", &String::from_utf8_lossy(&output.stdout));
}
