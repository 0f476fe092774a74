//! Servers and proxies that echo request headers back: no secret we hold may come back to the
//! user in any form it travelled in (raw, base64 of `id:secret`, percent-encoded, the bearer
//! value), in any server text we show (error excerpts, GraphQL `errors[]` messages, paths and
//! extensions, `execute_raw` output), even when an excerpt is cut inside it. The CLI's side
//! (`-v` logs, `taegis query` output) is in `cli/tests/cli_redaction.rs`.

mod common;
#[path = "support/echo.rs"]
mod echo;

use common::clients_vars;
use echo::*;
use serde_json::json;
use taegis_sdk::{Client, Endpoint, Error};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

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
        .execute_raw(Endpoint::MAIN, "query q { __typename }", None, None)
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
