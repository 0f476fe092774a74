//! Transport promises under hostile configuration and servers: proxies never see loopback
//! traffic, mutations are recognised by a real parser and never resent after the server may
//! have acted, answers are bounded, URLs with passwords are refused without echoing them, and
//! only real loopback names count as loopback.

mod common;
#[path = "support/proxy.rs"]
mod proxy;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use proxy::recording_proxy;
use taegis_sdk::ops::main::CreateClient;
use taegis_sdk::{Client, Endpoint, Error, RetryConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------------------------------------
// Proxies

async fn api_server() -> MockServer {
    let server = MockServer::start().await;
    mount_token(&server, "tok-proxy-test", 3600, None).await;
    mount_graphql(&server, clients_ok()).await;
    server
}

#[tokio::test]
async fn loopback_requests_never_go_through_an_explicit_proxy() {
    let proxy = recording_proxy().await;
    let server = api_server().await;
    let client = Client::builder()
        .api_url(server.uri())
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .proxy(proxy.url.clone())
        .build()
        .unwrap();
    client
        .execute::<taegis_sdk::ops::main::Clients>(clients_vars())
        .await
        .unwrap();
    assert!(proxy.seen.lock().unwrap().is_empty(), "{:?}", proxy.seen);
    assert_eq!(requests_to(&server, "/graphql").await.len(), 1);
}

#[tokio::test]
async fn https_requests_to_real_hosts_use_the_proxy_through_connect() {
    let proxy = recording_proxy().await;
    let client = Client::builder()
        .api_url("https://api.example.invalid")
        .access_token("t")
        .proxy(proxy.url.clone())
        .retry_config(RetryConfig::disabled())
        .build()
        .unwrap();
    let _ = client
        .execute_raw(Endpoint::MAIN, "{ x }", None, None)
        .await;
    let seen = proxy.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].starts_with("CONNECT api.example.invalid:443"),
        "a tunnel, never the request in clear: {seen:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Mutations are recognised by a parser and never resent

async fn always(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

fn quick_client(server: &MockServer, retry: RetryConfig) -> Client {
    Client::builder()
        .api_url(server.uri())
        .access_token("static-token")
        .retry_config(retry.initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap()
}

/// A mutation after a block string the old hand lexer misread.
const HIDDEN_MUTATION: &str =
    "query q { x(s: \"\"\" \" \"\"\") }\nmutation m { deleteClient(id: \"1\") { id } }";

#[tokio::test]
async fn a_mutation_after_a_block_string_is_sent_once_on_500() {
    let server = always(500).await;
    let client = quick_client(&server, RetryConfig::default());
    let error = client
        .execute_raw(Endpoint::MAIN, HIDDEN_MUTATION, None, Some("m"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Http { status: 500, .. }),
        "{error:?}"
    );
    assert_eq!(requests_to(&server, "/graphql").await.len(), 1);
}

#[tokio::test]
async fn the_operation_name_decides_which_operation_runs() {
    let server = always(500).await;
    let client = quick_client(&server, RetryConfig::default());
    // The query of a document that also holds a mutation is a query: retried.
    let _ = client
        .execute_raw(Endpoint::MAIN, HIDDEN_MUTATION, None, Some("q"))
        .await;
    assert_eq!(requests_to(&server, "/graphql").await.len(), 3);

    // (document, operation name, requests sent on 500)
    for (document, name, sent) in [
        // Comments and strings don't make a mutation, nor hide one.
        ("# mutation\nquery q { x(s: \"mutation\") }", None, 3),
        ("{ x(s: \"\"\"mutation m { y }\"\"\") }", None, 3),
        // Several operations and no name: the server picks; never resend.
        ("query a { x } mutation b { y }", None, 1),
        // A name the document doesn't hold, or a document that doesn't parse.
        ("query a { x }", Some("nope"), 1),
        ("query a { x ", None, 1),
        ("subscription s { x }", None, 1),
    ] {
        let server = always(500).await;
        let client = quick_client(&server, RetryConfig::default());
        let _ = client
            .execute_raw(Endpoint::MAIN, document, None, name)
            .await;
        assert_eq!(
            requests_to(&server, "/graphql").await.len(),
            sent,
            "{document}"
        );
    }
}

#[tokio::test]
async fn mutations_are_not_resent_on_503_unless_configured() {
    let server = always(503).await;
    let client = quick_client(&server, RetryConfig::default());
    let error = client
        .execute::<CreateClient>(create_vars())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Http { status: 503, .. }),
        "{error:?}"
    );
    assert_eq!(requests_to(&server, "/graphql").await.len(), 1);

    let server = always(503).await;
    let client = quick_client(&server, RetryConfig::default().retry_mutations_on([503]));
    let _ = client.execute::<CreateClient>(create_vars()).await;
    assert_eq!(requests_to(&server, "/graphql").await.len(), 3);

    // 429 stays retried by default: the rate limiter refused it.
    let server = always(429).await;
    let client = quick_client(&server, RetryConfig::default());
    let _ = client.execute::<CreateClient>(create_vars()).await;
    assert_eq!(requests_to(&server, "/graphql").await.len(), 3);
}

// ---------------------------------------------------------------------------------------------
// Bounded answers

/// Answers every request with `head` and then writes zeros until the peer goes away; counts
/// the body bytes it managed to write.
async fn flooding_server(
    head: &'static str,
    chunked: bool,
) -> (String, Arc<AtomicU64>, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let written = Arc::new(AtomicU64::new(0));
    let requests = Arc::new(AtomicUsize::new(0));
    let (w, r) = (written.clone(), requests.clone());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (w, r) = (w.clone(), r.clone());
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = stream.read(&mut buf).await;
                r.fetch_add(1, Ordering::SeqCst);
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let block = vec![b' '; 64 * 1024];
                let chunk = format!("{:x}\r\n", block.len());
                for _ in 0..(400 * 16) {
                    let ok = if chunked {
                        stream.write_all(chunk.as_bytes()).await.is_ok()
                            && stream.write_all(&block).await.is_ok()
                            && stream.write_all(b"\r\n").await.is_ok()
                    } else {
                        stream.write_all(&block).await.is_ok()
                    };
                    if !ok {
                        return;
                    }
                    w.fetch_add(block.len() as u64, Ordering::SeqCst);
                }
            });
        }
    });
    (url, written, requests)
}

const HUGE_LENGTH: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 300000000\r\n\r\n";
const CHUNKED: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";

#[tokio::test]
async fn answers_over_the_limit_fail_while_reading() {
    for (head, chunked) in [(HUGE_LENGTH, false), (CHUNKED, true)] {
        let (url, written, requests) = flooding_server(head, chunked).await;
        let client = Client::builder()
            .api_url(url)
            .access_token("t")
            .max_response_size(1024 * 1024)
            .build()
            .unwrap();
        let error = client
            .execute::<taegis_sdk::ops::main::Clients>(clients_vars())
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::ResponseTooLarge {
                    limit: 1_048_576,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(requests.load(Ordering::SeqCst), 1, "not retried");
        // Give the server a moment to notice the closed connection.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let sent = written.load(Ordering::SeqCst);
        assert!(
            sent < 32 * 1024 * 1024,
            "the client stopped reading early ({sent} bytes sent)"
        );
    }
}

#[tokio::test]
async fn a_declared_300_mb_answer_is_refused_with_the_default_limit() {
    let (url, written, _) = flooding_server(HUGE_LENGTH, false).await;
    let client = Client::builder()
        .api_url(url)
        .access_token("t")
        .build()
        .unwrap();
    let error = client
        .execute::<taegis_sdk::ops::main::Clients>(clients_vars())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::ResponseTooLarge { .. }), "{error:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(written.load(Ordering::SeqCst) < 32 * 1024 * 1024);
}

// ---------------------------------------------------------------------------------------------
// URLs with credentials, and what counts as loopback

#[test]
fn urls_with_passwords_are_refused_without_echoing_them() {
    for url in [
        "https://user:hunter2-pass@example.com",
        "https://user:hunter2-pass@exa mple.com/",
        "http://user:hunter2-pass@10.0.0.1",
        "https://:hunter2-pass@example.com",
    ] {
        for tenants in [false, true] {
            let builder = Client::builder().access_token("t");
            let builder = if tenants {
                builder.tenants_url(url)
            } else {
                builder.api_url(url)
            };
            let debug = format!("{builder:?}");
            assert!(!debug.contains("hunter2-pass"), "{debug}");
            let error = builder.build().unwrap_err();
            let text = format!("{error} {error:?}");
            assert!(!text.contains("hunter2-pass"), "{text}");
        }
    }
    let builder = Client::builder()
        .access_token("t")
        .proxy("http://puser:proxy-pass-42@127.0.0.1:3128");
    let debug = format!("{builder:?}");
    assert!(!debug.contains("proxy-pass-42"), "{debug}");
    let client = builder.build().unwrap();
    assert!(!format!("{client:?}").contains("proxy-pass-42"));
    let error = Client::builder()
        .proxy("http://puser:proxy-pass-42@exa mple:3128")
        .build()
        .unwrap_err();
    assert!(
        !format!("{error} {error:?}").contains("proxy-pass-42"),
        "{error}"
    );
}

#[test]
fn only_localhost_and_loopback_addresses_count_as_loopback() {
    for url in [
        "http://foo.localhost:8080",
        "http://localhost.:8080",
        "http://api.localhost",
        "http://127.0.0.1.nip.io",
    ] {
        let error = Client::builder().api_url(url).build().unwrap_err();
        assert!(
            matches!(error, Error::InsecureTransport { .. }),
            "{url}: {error:?}"
        );
    }
    for url in [
        "http://localhost:1",
        "http://127.0.0.1:1",
        "http://127.4.5.6",
        "http://[::1]:1",
    ] {
        assert!(Client::builder().api_url(url).build().is_ok(), "{url}");
    }
}
