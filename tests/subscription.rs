//! `Client::subscribe_raw` against a scripted `graphql-ws` gateway on 127.0.0.1: what the
//! client sends (subprotocols with token and tenant, `connection_init`, `start`, `stop`), and
//! how each way a server can answer or fail becomes a result or a typed error.

// The handshake callback returns tungstenite's own large `ErrorResponse`.
#![allow(clippy::result_large_err)]

mod common;
#[path = "support/proxy.rs"]
mod proxy;

use common::{jwt, mount_token, unix_now};
use futures_util::{SinkExt, StreamExt};
use proxy::recording_proxy;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use taegis_sdk::{Client, Endpoint, Error};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::Message;
use wiremock::MockServer;

const QUERY: &str = "subscription { eventQuery(query: \"FROM process\") { next } }";

/// What the scripted server does after `start`.
#[derive(Clone)]
enum Act {
    Send(Value),
    Raw(String),
    KeepAlive,
    Drop,
    Stall,
}

/// What one connection did: the handshake's subprotocol header and every client message.
#[derive(Default, Clone, Debug)]
struct Seen {
    protocols: Vec<String>,
    messages: Vec<Value>,
}

/// A scripted gateway: refuses the first `refuse_first` handshakes with 401, answers
/// `connection_init` with `ack` (a message), then plays `acts` after `start`.
struct Gateway {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

async fn gateway(refuse_first: usize, ack: Value, acts: Vec<Act>) -> Gateway {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::<Seen>::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        let mut handshakes = 0;
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            handshakes += 1;
            let refuse = handshakes <= refuse_first;
            let record = record.clone();
            let (ack, acts) = (ack.clone(), acts.clone());
            tokio::spawn(async move {
                let index = {
                    let mut all = record.lock().unwrap();
                    all.push(Seen::default());
                    all.len() - 1
                };
                let header_record = record.clone();
                let callback = move |request: &Request, mut response: Response| {
                    let protocols = request
                        .headers()
                        .get("sec-websocket-protocol")
                        .map(|v| v.to_str().unwrap().to_owned())
                        .unwrap_or_default();
                    header_record.lock().unwrap()[index].protocols =
                        protocols.split(',').map(|p| p.trim().to_owned()).collect();
                    if refuse {
                        let mut refused =
                            ErrorResponse::new(Some(r#"{"error":"token expired"}"#.to_owned()));
                        *refused.status_mut() = StatusCode::UNAUTHORIZED;
                        return Err(refused);
                    }
                    response.headers_mut().insert(
                        "sec-websocket-protocol",
                        HeaderValue::from_static("graphql-ws"),
                    );
                    Ok(response)
                };
                let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, callback).await else {
                    return;
                };
                let mut acted = false;
                while let Some(Ok(message)) = ws.next().await {
                    let Message::Text(text) = message else {
                        continue;
                    };
                    let value: Value = serde_json::from_str(text.as_str()).unwrap();
                    record.lock().unwrap()[index].messages.push(value.clone());
                    match value["type"].as_str() {
                        Some("connection_init") => {
                            ws.send(Message::text(ack.to_string())).await.unwrap();
                        }
                        Some("start") if !acted => {
                            acted = true;
                            for act in &acts {
                                match act {
                                    Act::Send(v) => {
                                        let _ = ws.send(Message::text(v.to_string())).await;
                                    }
                                    Act::Raw(t) => {
                                        let _ = ws.send(Message::text(t.clone())).await;
                                    }
                                    Act::KeepAlive => {
                                        let _ = ws.send(Message::text(r#"{"type":"ka"}"#)).await;
                                    }
                                    Act::Drop => return,
                                    Act::Stall => {
                                        tokio::time::sleep(Duration::from_secs(3600)).await;
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
            });
        }
    });
    Gateway { url, seen }
}

fn ack() -> Value {
    json!({"type": "connection_ack"})
}

fn data(n: u64) -> Act {
    Act::Send(json!({"id": "1", "type": "data", "payload": {"data": {"eventQuery": {"next": n}}}}))
}

fn complete() -> Act {
    Act::Send(json!({"id": "1", "type": "complete"}))
}

fn client(url: &str, token: &str) -> Client {
    Client::builder()
        .api_url(url)
        .access_token(token.to_owned())
        .tenant_id("11772")
        .subscription_idle_timeout(Duration::from_millis(800))
        .build()
        .unwrap()
}

async fn collect(client: &Client) -> Vec<Result<Value, Error>> {
    client
        .subscribe_raw(Endpoint::EVENTS, QUERY, None, None)
        .await
        .expect("the subscription starts")
        .collect()
        .await
}

#[tokio::test]
async fn the_handshake_carries_token_and_tenant_as_the_python_sdk_sends_them() {
    let token = jwt(unix_now() + 3600);
    let gw = gateway(0, ack(), vec![data(1), Act::KeepAlive, data(2), complete()]).await;
    let results = collect(&client(&gw.url, &token)).await;
    let nexts: Vec<u64> = results
        .into_iter()
        .map(|r| r.unwrap()["eventQuery"]["next"].as_u64().unwrap())
        .collect();
    assert_eq!(
        nexts,
        [1, 2],
        "every data message once, keep-alives skipped"
    );
    let seen = gw.seen.lock().unwrap()[0].clone();
    assert_eq!(
        seen.protocols,
        [
            "graphql-ws".to_owned(),
            format!("access-token-{token}"),
            "x-tenant-context-11772".to_owned()
        ]
    );
    assert_eq!(
        seen.messages[0],
        json!({"type": "connection_init", "payload": {}})
    );
    assert_eq!(seen.messages[1]["type"], "start");
    assert_eq!(seen.messages[1]["id"], "1");
    assert_eq!(seen.messages[1]["payload"]["query"], QUERY);
}

#[tokio::test]
async fn a_dropped_connection_ends_the_stream_with_a_typed_error_after_the_data_it_got() {
    let token = jwt(unix_now() + 3600);
    let gw = gateway(0, ack(), vec![data(1), data(2), Act::Drop]).await;
    let results = collect(&client(&gw.url, &token)).await;
    assert_eq!(results.len(), 3, "two results, then the error");
    assert!(results[0].is_ok() && results[1].is_ok());
    let error = results[2].as_ref().unwrap_err();
    assert!(
        matches!(
            error,
            Error::Dispatch {
                may_have_been_sent: true,
                timed_out: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!error.to_string().contains(&token));
}

#[tokio::test]
async fn a_stalled_server_times_out_instead_of_hanging() {
    let token = jwt(unix_now() + 3600);
    let gw = gateway(0, ack(), vec![data(1), Act::Stall]).await;
    let results = tokio::time::timeout(Duration::from_secs(20), collect(&client(&gw.url, &token)))
        .await
        .expect("the idle timeout ends the stream");
    assert_eq!(results.len(), 2);
    assert!(
        results[1].as_ref().unwrap_err().is_timeout(),
        "{:?}",
        results[1]
    );
}

#[tokio::test]
async fn graphql_errors_in_data_go_on_but_an_error_message_ends_the_stream() {
    let token = jwt(unix_now() + 3600);
    let partial = Act::Send(json!({"id": "1", "type": "data", "payload": {
        "data": null, "errors": [{"message": "shard 3 unavailable"}]}}));
    let fatal =
        Act::Send(json!({"id": "1", "type": "error", "payload": {"message": "query expired"}}));
    let gw = gateway(0, ack(), vec![data(1), partial, data(2), fatal, data(3)]).await;
    let results = collect(&client(&gw.url, &token)).await;
    assert_eq!(results.len(), 4, "{results:?}");
    assert!(
        matches!(&results[1], Err(Error::GraphQl { errors, .. }) if errors[0].message == "shard 3 unavailable")
    );
    assert!(results[2].is_ok());
    assert!(
        matches!(&results[3], Err(Error::GraphQl { errors, .. }) if errors[0].message == "query expired"),
        "{:?}",
        results[3]
    );
}

#[tokio::test]
async fn messages_for_other_operations_are_ignored_and_garbage_is_a_decode_error() {
    let token = jwt(unix_now() + 3600);
    let other = Act::Send(json!({"id": "7", "type": "data", "payload": {"data": {"x": 1}}}));
    let gw = gateway(
        0,
        ack(),
        vec![
            other,
            Act::Raw("<html>502</html>".into()),
            data(1),
            complete(),
        ],
    )
    .await;
    let results = collect(&client(&gw.url, &token)).await;
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(
        matches!(&results[0], Err(Error::Decode { .. })),
        "{:?}",
        results[0]
    );
    assert_eq!(results[1].as_ref().unwrap()["eventQuery"]["next"], 1);
}

#[tokio::test]
async fn a_refused_connection_init_is_an_auth_error_without_the_token() {
    let token = jwt(unix_now() + 3600);
    let refusal =
        json!({"type": "connection_error", "payload": {"message": format!("bad token {token}")}});
    let gw = gateway(0, refusal, vec![]).await;
    let error = client(&gw.url, &token)
        .subscribe_raw(Endpoint::EVENTS, QUERY, None, None)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Auth { .. }), "{error:?}");
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("bad token"), "{shown}");
    assert!(!shown.contains(&token), "the token is redacted: {shown}");
}

#[tokio::test]
async fn a_401_handshake_gets_one_fresh_token_then_succeeds() {
    let auth = MockServer::start().await;
    let token = jwt(unix_now() + 3600);
    mount_token(&auth, &token, 3600, None).await;
    let gw = gateway(1, ack(), vec![data(1), complete()]).await;
    let client = Client::builder()
        .api_url(&gw.url)
        .auth_url(auth.uri())
        .client_credentials("id", "secret-value-123")
        .build()
        .unwrap();
    let results = collect(&client).await;
    assert_eq!(results.len(), 1);
    assert!(results[0].is_ok());
    let tokens = auth.received_requests().await.unwrap().len();
    assert_eq!(tokens, 2, "one token, refused, then one fresh token");
    assert_eq!(gw.seen.lock().unwrap().len(), 2, "two handshakes");
    assert_eq!(
        gw.seen.lock().unwrap()[1].protocols,
        ["graphql-ws".to_owned(), format!("access-token-{token}")],
        "no tenant context without a tenant"
    );
}

#[tokio::test]
async fn two_refused_handshakes_are_an_auth_error() {
    let auth = MockServer::start().await;
    mount_token(&auth, &jwt(unix_now() + 3600), 3600, None).await;
    let gw = gateway(5, ack(), vec![]).await;
    let client = Client::builder()
        .api_url(&gw.url)
        .auth_url(auth.uri())
        .client_credentials("id", "secret-value-123")
        .build()
        .unwrap();
    let error = client
        .subscribe_raw(Endpoint::EVENTS, QUERY, None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Auth {
                status: Some(401),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(gw.seen.lock().unwrap().len(), 2, "retried once, not more");
}

#[tokio::test]
async fn dropping_the_stream_stops_the_operation() {
    let token = jwt(unix_now() + 3600);
    let acts = (1..=100).map(data).collect();
    let gw = gateway(0, ack(), acts).await;
    let client = client(&gw.url, &token);
    let mut stream = client
        .subscribe_raw(Endpoint::EVENTS, QUERY, None, None)
        .await
        .unwrap();
    assert!(stream.next().await.unwrap().is_ok());
    drop(stream);
    let mut stopped = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let seen = gw.seen.lock().unwrap()[0].messages.clone();
        if seen
            .iter()
            .any(|m| m == &json!({"id": "1", "type": "stop"}))
        {
            stopped = true;
            break;
        }
    }
    assert!(stopped, "the client sent stop after the stream was dropped");
}

#[tokio::test]
async fn a_server_that_does_not_speak_graphql_ws_is_refused() {
    // A plain HTTP server: the upgrade is answered with 404.
    let server = MockServer::start().await;
    let error = client(&server.uri(), &jwt(unix_now() + 3600))
        .subscribe_raw(Endpoint::EVENTS, QUERY, None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Http { status: 404, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_message_over_the_size_limit_breaks_the_stream_instead_of_being_read() {
    let token = jwt(unix_now() + 3600);
    let big = "x".repeat(64 * 1024);
    let huge = Act::Send(json!({"id": "1", "type": "data", "payload": {"data": {"blob": big}}}));
    let gw = gateway(0, ack(), vec![data(1), huge, data(2), complete()]).await;
    let client = Client::builder()
        .api_url(&gw.url)
        .access_token(token.clone())
        .max_response_size(16 * 1024)
        .build()
        .unwrap();
    let results = collect(&client).await;
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(results[0].is_ok());
    assert!(
        matches!(
            &results[1],
            Err(Error::Dispatch {
                may_have_been_sent: true,
                ..
            })
        ),
        "{:?}",
        results[1]
    );
}

#[tokio::test]
async fn a_proxy_setting_never_carries_loopback_and_tunnels_a_remote_wss() {
    let token = jwt(unix_now() + 3600);
    let gw = gateway(0, ack(), vec![data(1), complete()]).await;
    let proxy = recording_proxy().await;
    let proxied = Client::builder()
        .api_url(&gw.url)
        .access_token(token.clone())
        .proxy(&proxy.url)
        .build()
        .unwrap();
    let results = collect(&proxied).await;
    assert!(results[0].is_ok(), "loopback is never proxied: {results:?}");
    assert!(proxy.seen.lock().unwrap().is_empty());

    // A remote wss:// goes to the proxy as a CONNECT (never around it); this proxy answers
    // 502, which is an error with nothing sent to the gateway.
    let remote = Client::builder()
        .api_url("https://api.ctpx.secureworks.com")
        .access_token(token.clone())
        .proxy(&proxy.url)
        .build()
        .unwrap();
    let error = remote
        .subscribe_raw(Endpoint::EVENTS, QUERY, None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Dispatch {
                may_have_been_sent: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("502"), "{error}");
    let seen = proxy.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec!["CONNECT api.ctpx.secureworks.com:443 HTTP/1.1".to_owned()]
    );
    assert!(!error.to_string().contains(&token), "{error}");
}
