//! Subscriptions through an https proxy, as in a corporate network: a `wss://` gateway is
//! reached through an HTTP `CONNECT` tunnel carrying TLS (the proxy never sees the token), with
//! the proxy's own credentials; `NO_PROXY` sends it around the proxy; a proxy that refuses is a
//! typed error that shows no password.
//! In a file of its own: it sets `SSL_CERT_FILE` and `NO_PROXY` for the whole process.

// The handshake callback returns tungstenite's own large `ErrorResponse`.
#![allow(clippy::result_large_err)]

#[path = "support/tls.rs"]
mod tls;

use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use taegis_sdk::{Client, Endpoint, Error, RetryConfig, TlsRoots};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

/// The gateway's name: it resolves nowhere, so only the proxy can reach it.
const GATEWAY: &str = "gateway.tunnel.test";
const TOKEN: &str = "tunnel-test-token-5f3a9c";
const PROXY_USER: &str = "corp user";
const PROXY_PASSWORD: &str = "pr0xy:pass@word";

/// A graphql-ws gateway behind TLS on 127.0.0.1 for `GATEWAY`: acknowledges, sends one
/// result per `start`, completes. Returns its port and the CA in PEM.
async fn tls_gateway() -> (u16, String) {
    let (acceptor, ca_pem) = tls::acceptor_for(&[GATEWAY]);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let choose = |_: &Request, mut response: Response| {
                    response.headers_mut().insert(
                        "sec-websocket-protocol",
                        HeaderValue::from_static("graphql-ws"),
                    );
                    Ok(response)
                };
                let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tls, choose).await else {
                    return;
                };
                while let Some(Ok(Message::Text(text))) = ws.next().await {
                    let message: Value = serde_json::from_str(text.as_str()).unwrap();
                    let answers = match message["type"].as_str() {
                        Some("connection_init") => vec![json!({"type": "connection_ack"})],
                        Some("start") => vec![
                            json!({"id": message["id"], "type": "data",
                                   "payload": {"data": {"eventQuery": {"next": "through"}}}}),
                            json!({"id": message["id"], "type": "complete"}),
                        ],
                        _ => vec![],
                    };
                    for answer in answers {
                        let _ = ws.send(Message::text(answer.to_string())).await;
                    }
                }
            });
        }
    });
    (port, ca_pem)
}

/// What the proxy saw: each CONNECT request's head, and every byte it carried.
#[derive(Default)]
struct Seen {
    heads: Vec<String>,
    carried: Vec<u8>,
}

/// An HTTP proxy on 127.0.0.1 that answers CONNECT to `GATEWAY:443` by splicing to the
/// gateway's port, after checking `Proxy-Authorization` when `require` is set (407 and an HTML
/// page if wrong).
async fn connect_proxy(gateway_port: u16, require: Option<String>) -> (String, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let record = record.clone();
            let require = require.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).to_string();
                record.lock().unwrap().heads.push(head.clone());
                let authorization = head
                    .lines()
                    .find_map(|l| l.strip_prefix("Proxy-Authorization: "))
                    .map(str::to_owned);
                if require.is_some() && authorization != require {
                    let _ = client
                        .write_all(
                            b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                              Content-Type: text/html\r\nContent-Length: 29\r\n\r\n\
                              <html><b>sign in</b></html>\r\n",
                        )
                        .await;
                    return;
                }
                if !head.starts_with(&format!("CONNECT {GATEWAY}:443 ")) {
                    let _ = client.write_all(b"HTTP/1.1 403 Forbidden\r\n\r\n").await;
                    return;
                }
                let mut upstream = TcpStream::connect(("127.0.0.1", gateway_port))
                    .await
                    .unwrap();
                client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await
                    .unwrap();
                // Splice both ways, keeping what went through.
                let (mut client_read, mut client_write) = client.split();
                let (mut upstream_read, mut upstream_write) = upstream.split();
                tokio::join!(
                    pump(&mut client_read, &mut upstream_write, &record),
                    pump(&mut upstream_read, &mut client_write, &record),
                );
            });
        }
    });
    (format!("http://{address}"), seen)
}

/// Copies `from` to `to` until either side closes, recording the bytes.
async fn pump(
    from: &mut (impl AsyncReadExt + Unpin),
    to: &mut (impl AsyncWriteExt + Unpin),
    record: &Mutex<Seen>,
) {
    let mut buf = [0u8; 4096];
    loop {
        let n = from.read(&mut buf).await.unwrap_or(0);
        if n == 0 || to.write_all(&buf[..n]).await.is_err() {
            break;
        }
        record.lock().unwrap().carried.extend_from_slice(&buf[..n]);
    }
}

fn client(proxy: &str) -> Client {
    let mut builder = Client::builder()
        .api_url(format!("https://{GATEWAY}"))
        .access_token(TOKEN)
        .tenant_id("11772")
        .proxy(proxy)
        .retry_config(RetryConfig::disabled());
    builder.set_tls_roots(Some(TlsRoots::Platform));
    builder.build().unwrap()
}

async fn subscribe(client: &Client) -> Result<Vec<Value>, Error> {
    let query = "subscription { eventQuery(query: \"FROM process\") { next } }";
    let mut stream = client
        .subscribe_raw(Endpoint::EVENTS, query, None, None)
        .await?;
    let mut results = Vec::new();
    while let Some(result) = stream.next().await {
        results.push(result?);
    }
    Ok(results)
}

/// Percent-encodes everything but unreserved characters, for a URL's user information.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn a_wss_subscription_goes_through_the_proxy_in_a_tunnel_unless_no_proxy_names_it() {
    use base64::Engine;
    let (gateway_port, ca_pem) = tls_gateway().await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    std::env::set_var("SSL_CERT_FILE", &ca_file);
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");

    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{PROXY_USER}:{PROXY_PASSWORD}"))
    );
    let (proxy, seen) = connect_proxy(gateway_port, Some(expected.clone())).await;
    let with_credentials = proxy.replace(
        "http://",
        &format!("http://{}:{}@", encode(PROXY_USER), encode(PROXY_PASSWORD)),
    );

    // Through the tunnel: the result arrives, the proxy saw one CONNECT with its credentials,
    // and carried only TLS (neither the token nor the tenant in the clear).
    let results = subscribe(&client(&with_credentials)).await.unwrap();
    assert_eq!(results, vec![json!({"eventQuery": {"next": "through"}})]);
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.heads.len(), 1, "{:?}", seen.heads);
        assert!(
            seen.heads[0].starts_with(&format!(
                "CONNECT {GATEWAY}:443 HTTP/1.1\r\nHost: {GATEWAY}:443\r\n"
            )),
            "{:?}",
            seen.heads[0]
        );
        assert!(seen.heads[0].contains(&expected));
        assert!(!seen.heads[0].contains(TOKEN));
        let carried = String::from_utf8_lossy(&seen.carried);
        assert!(!seen.carried.is_empty());
        for clear in [TOKEN, "11772", "graphql-ws", "eventQuery"] {
            assert!(
                !carried.contains(clear),
                "{clear} went through the proxy in clear"
            );
        }
    }

    // Wrong proxy credentials: a typed error naming the proxy, without the password.
    let wrong = proxy.replace("http://", "http://corp:wrong-pass-123@");
    let error = subscribe(&client(&wrong)).await.unwrap_err();
    assert!(matches!(error, Error::Config { .. }), "{error:?}");
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("407"), "{shown}");
    assert!(!shown.contains("wrong-pass-123"), "{shown}");

    // NO_PROXY names the gateway: the client goes straight to it (which does not resolve) and
    // the proxy sees nothing.
    std::env::set_var("NO_PROXY", "example.org,.tunnel.test");
    let before = seen.lock().unwrap().heads.len();
    let error = subscribe(&client(&with_credentials)).await.unwrap_err();
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
    assert_eq!(seen.lock().unwrap().heads.len(), before);
    std::env::remove_var("NO_PROXY");
}
