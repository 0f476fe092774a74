//! GraphQL over WebSocket (`graphql-ws`) against a running sandbox on 127.0.0.1: the
//! handshake in each SDK's style, refusals, queries and subscriptions, the events search walk,
//! faults and hostile frames.

mod common;

use common::bootstrap_token;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;
use taegis_sandbox::{FaultKind, FaultTarget, Sandbox};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens a socket on `path` with these subprotocols and extra headers.
async fn open(
    sb: &Sandbox,
    path: &str,
    protocols: &[String],
    headers: &[(&'static str, String)],
) -> Result<(Ws, Option<String>), WsError> {
    let url = format!("{}{path}", sb.base_url().replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    if !protocols.is_empty() {
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_str(&protocols.join(", ")).unwrap(),
        );
    }
    for (name, value) in headers {
        request
            .headers_mut()
            .insert(*name, HeaderValue::from_str(value).unwrap());
    }
    let (ws, response) = tokio_tungstenite::connect_async(request).await?;
    let selected = response
        .headers()
        .get("sec-websocket-protocol")
        .map(|v| v.to_str().unwrap().to_owned());
    Ok((ws, selected))
}

/// The Python SDK's way: subprotocols `graphql-ws`, `access-token-*`, `x-tenant-context-*`.
fn python_protocols(token: &str, tenant: Option<&str>) -> Vec<String> {
    let mut p = vec!["graphql-ws".to_owned(), format!("access-token-{token}")];
    if let Some(t) = tenant {
        p.push(format!("x-tenant-context-{t}"));
    }
    p
}

async fn send(ws: &mut Ws, message: Value) {
    ws.send(Message::text(message.to_string())).await.unwrap();
}

/// The next message that is not a keep-alive; `None` when the socket ends or is silent for
/// `wait`.
async fn next_within(ws: &mut Ws, wait: Duration) -> Option<Value> {
    loop {
        match tokio::time::timeout(wait, ws.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let v: Value = serde_json::from_str(text.as_str()).unwrap();
                if v["type"] != "ka" {
                    return Some(v);
                }
            }
            Ok(Some(Ok(Message::Close(frame)))) => {
                return Some(json!({"type": "<close>", "code": frame.map(|f| u16::from(f.code))}))
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_))) | Ok(None) | Err(_) => return None,
        }
    }
}

async fn next(ws: &mut Ws) -> Value {
    next_within(ws, Duration::from_secs(10))
        .await
        .expect("a message")
}

/// `connection_init` (with `payload`) and its `connection_ack`.
async fn init(ws: &mut Ws, payload: Value) {
    send(ws, json!({"type": "connection_init", "payload": payload})).await;
    assert_eq!(next(ws).await["type"], "connection_ack");
}

/// Runs `query` as operation `id` and returns its `data` payloads, up to `complete`.
async fn run(ws: &mut Ws, id: &str, query: &str, variables: Value) -> Vec<Value> {
    send(
        ws,
        json!({"type": "start", "id": id, "payload": {"query": query, "variables": variables}}),
    )
    .await;
    let mut out = Vec::new();
    loop {
        let m = next(ws).await;
        assert_eq!(m["id"], id, "{m}");
        match m["type"].as_str().unwrap() {
            "data" => out.push(m["payload"].clone()),
            "complete" => return out,
            other => panic!("unexpected {other}: {m}"),
        }
    }
}

const TENANT_QUERY: &str = "query { tenant(id: \"10000\") { id name } }";

async fn sandbox() -> (Sandbox, String) {
    let sb = Sandbox::builder().tenants(5).seed(3).start().await.unwrap();
    let token = bootstrap_token(&reqwest::Client::new(), &sb).await;
    (sb, token)
}

#[tokio::test]
async fn each_sdk_style_of_handshake_is_accepted() {
    let (sb, token) = sandbox().await;
    let child = (sb.tenant_id().parse::<u64>().unwrap() + 1).to_string();
    let introspection = "query { __schema { subscriptionType { name fields { name } } } }";

    // Python SDK: subprotocols; the only one echoed is graphql-ws.
    let (mut ws, selected) = open(
        &sb,
        "/events/query",
        &python_protocols(&token, Some(&child)),
        &[],
    )
    .await
    .unwrap();
    assert_eq!(selected.as_deref(), Some("graphql-ws"));
    init(&mut ws, json!({})).await;
    let data = run(&mut ws, "1", introspection, json!({})).await;
    assert_eq!(data.len(), 1);
    let fields: Vec<&str> = data[0]["data"]["__schema"]["subscriptionType"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"eventQuery") && fields.contains(&"eventPage"),
        "{fields:?}"
    );

    // Go SDK: cookies, no subprotocol, connection_init without payload, id "1".
    let cookie = format!("access_token={token}; x-tenant-context={child}");
    let (mut ws, selected) = open(&sb, "/graphql", &[], &[("cookie", cookie)])
        .await
        .unwrap();
    assert_eq!(selected, None);
    send(&mut ws, json!({"type": "connection_init"})).await;
    assert_eq!(next(&mut ws).await["type"], "connection_ack");
    let data = run(
        &mut ws,
        "1",
        "query { tenant(id: \"10001\") { id } }",
        json!({}),
    )
    .await;
    assert_eq!(data[0]["data"]["tenant"]["id"], "10001", "{data:?}");

    // Authorization and X-Tenant-Context headers.
    let headers = [
        ("authorization", format!("Bearer {token}")),
        ("x-tenant-context", child.clone()),
    ];
    let (mut ws, _) = open(&sb, "/graphql", &["graphql-ws".into()], &headers)
        .await
        .unwrap();
    init(&mut ws, json!({})).await;
    let data = run(&mut ws, "a", TENANT_QUERY, json!({})).await;
    assert_eq!(data[0]["data"]["tenant"]["id"], "10000");

    // No credentials in the handshake: the connection_init payload carries them.
    let (mut ws, _) = open(&sb, "/public/query", &["graphql-ws".into()], &[])
        .await
        .unwrap();
    init(&mut ws, json!({"Authorization": format!("Bearer {token}")})).await;
    let data = run(&mut ws, "7", "query { __typename }", json!({})).await;
    assert_eq!(data[0]["data"]["__typename"], "Query");
    assert!(sb.stats().websocket_connections >= 4);
}

#[tokio::test]
async fn bad_credentials_are_refused_as_over_http() {
    let (sb, token) = sandbox().await;
    let status = |e: WsError| match e {
        WsError::Http(r) => r.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    };
    // Forged token: 401 before the upgrade.
    let forged = format!("{token}x");
    let e = open(&sb, "/graphql", &python_protocols(&forged, None), &[])
        .await
        .unwrap_err();
    // The refusal never echoes the token (it came in a subprotocol header).
    if let WsError::Http(r) = &e {
        let headers = format!("{:?}", r.headers());
        let body = String::from_utf8_lossy(r.body().as_deref().unwrap_or_default()).into_owned();
        assert!(
            !headers.contains(&token) && !body.contains(&token),
            "{headers} {body}"
        );
        assert!(body.contains("invalid access token signature"), "{body}");
    }
    assert_eq!(status(e), 401);
    // Expired.
    let expired = sb.mint_token(sb.client_id(), Duration::ZERO).unwrap();
    let e = open(&sb, "/graphql", &python_protocols(&expired, None), &[])
        .await
        .unwrap_err();
    assert_eq!(status(e), 401);
    // A tenant the client cannot see: 403.
    let e = open(
        &sb,
        "/graphql",
        &python_protocols(&token, Some("9000")),
        &[],
    )
    .await
    .unwrap_err();
    assert_eq!(status(e), 403);
    // No token anywhere: connection_init without one gets connection_error and a 4401 close.
    let (mut ws, _) = open(&sb, "/graphql", &["graphql-ws".into()], &[])
        .await
        .unwrap();
    send(&mut ws, json!({"type": "connection_init", "payload": {}})).await;
    let m = next(&mut ws).await;
    assert_eq!(m["type"], "connection_error");
    assert_eq!(m["payload"]["message"], "missing bearer token");
    assert_eq!(next(&mut ws).await["code"], 4401);

    // Revoked while the socket is open: the next start is refused, as the next POST would be.
    let (mut ws, _) = open(&sb, "/graphql", &python_protocols(&token, None), &[])
        .await
        .unwrap();
    init(&mut ws, json!({})).await;
    assert_eq!(run(&mut ws, "1", TENANT_QUERY, json!({})).await.len(), 1);
    sb.revoke_all_tokens();
    send(
        &mut ws,
        json!({"type": "start", "id": "2", "payload": {"query": TENANT_QUERY}}),
    )
    .await;
    let m = next(&mut ws).await;
    assert_eq!(m["type"], "error");
    assert_eq!(m["payload"]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(m["payload"]["message"], "access token revoked");
    // And a new handshake with it too.
    let e = open(&sb, "/graphql", &python_protocols(&token, None), &[])
        .await
        .unwrap_err();
    assert_eq!(status(e), 401);
}

const EVENT_QUERY: &str =
    "subscription q($query: String!, $metadata: JSONObject, $options: EventQueryOptions) {
  eventQuery(query: $query, metadata: $metadata, options: $options) {
    queryId next query { id status types } result { id type status rows progress { totalRows } }
  } }";
const EVENT_PAGE: &str = "subscription p($id: ID!) {
  eventPage(id: $id) { queryId next query { status } result { id type status rows } } }";

/// Runs the events helper's walk (`commons/events/search.py`): `eventQuery`, then `eventPage`
/// on a new socket per page while any message has `next`. Returns every message.
async fn events_search(sb: &Sandbox, token: &str, query: &str, options: Value) -> Vec<Value> {
    let mut all = Vec::new();
    let mut next_page: Option<String> = None;
    let mut first = true;
    while first || next_page.is_some() {
        let (mut ws, _) = open(sb, "/events/query", &python_protocols(token, None), &[])
            .await
            .unwrap();
        init(&mut ws, json!({})).await;
        let messages = if first {
            let vars =
                json!({"query": query, "options": options, "metadata": {"callerName": "test"}});
            run(&mut ws, "1", EVENT_QUERY, vars).await
        } else {
            run(&mut ws, "1", EVENT_PAGE, json!({"id": next_page})).await
        };
        first = false;
        let field = if all.is_empty() {
            "eventQuery"
        } else {
            "eventPage"
        };
        let results: Vec<Value> = messages
            .into_iter()
            .map(|m| {
                assert!(m.get("errors").is_none(), "{m}");
                m["data"][field].clone()
            })
            .collect();
        next_page = results
            .iter()
            .find_map(|r| r["next"].as_str().map(str::to_owned));
        all.extend(results);
    }
    all
}

fn rows(messages: &[Value]) -> Vec<Value> {
    messages
        .iter()
        .filter_map(|m| m["result"]["rows"].as_array())
        .flatten()
        .cloned()
        .collect()
}

#[tokio::test]
async fn events_search_walks_every_row_once() {
    let (sb, token) = sandbox().await;
    // Ten minutes: one event every 500 ms.
    let options = json!({"pageSize": 250, "timestampAscending": true});
    let messages = events_search(&sb, &token, "FROM process EARLIEST=-10m", options).await;
    // A RUNNING status opens the query, each subscription ends with a SUCCEEDED status.
    assert_eq!(messages[0]["result"], Value::Null);
    assert_eq!(messages[0]["query"]["status"], "RUNNING");
    assert_eq!(messages.last().unwrap()["query"]["status"], "SUCCEEDED");
    let all = rows(&messages);
    assert!((1199..=1201).contains(&all.len()), "{}", all.len());
    let ids: HashSet<&str> = all
        .iter()
        .map(|r| r["resource_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), all.len(), "every row exactly once");
    let times: Vec<i64> = all
        .iter()
        .map(|r| r["event_time_usec"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "ascending");
    assert!(all.iter().all(|r| r["tenant_id"] == sb.tenant_id()));
    // Without a filter the first page announces the exact total.
    assert_eq!(messages[1]["result"]["progress"]["totalRows"], all.len());
    let pages = messages
        .iter()
        .filter(|m| m["result"]["rows"].is_array())
        .count();
    assert_eq!(pages, all.len().div_ceil(250));

    // maxRows is honoured across pages; a WHERE filter holds on every row.
    let options = json!({"pageSize": 100, "maxRows": 345});
    let messages = events_search(&sb, &token, "FROM process EARLIEST=-1h", options).await;
    let all = rows(&messages);
    assert_eq!(all.len(), 345);
    let ids: HashSet<&str> = all
        .iter()
        .map(|r| r["resource_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 345);
    let query = "FROM process WHERE process_name = 'cmd.exe' EARLIEST=-10m";
    let all = rows(&events_search(&sb, &token, query, json!({})).await);
    assert!(!all.is_empty() && all.len() < 1000, "{}", all.len());
    assert!(all.iter().all(|r| r["process_name"] == "cmd.exe"));

    // Two types: a page per type; `events(ids)` reads rows back by resource ID.
    let messages =
        events_search(&sb, &token, "FROM process, netflow EARLIEST=-1m", json!({})).await;
    let types: HashSet<&str> = messages
        .iter()
        .filter_map(|m| m["result"]["type"].as_str())
        .collect();
    assert_eq!(types, HashSet::from(["process", "netflow"]));
    let one = rows(&messages)[0].clone();
    let http = reqwest::Client::new();
    let body: Value = http
        .post(format!("{}/events/query", sb.base_url()))
        .bearer_auth(&token)
        .json(&json!({"query": "query($ids: [ID]!) { events(ids: $ids) { id values } }", "variables": {"ids": [one["resource_id"]]}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["events"][0]["values"], one);
    // A subscription sent by POST answers with its first message.
    let body: Value = http
        .post(format!("{}/events/query", sb.base_url()))
        .bearer_auth(&token)
        .json(&json!({"query": EVENT_QUERY, "variables": {"query": "FROM auth"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["data"]["eventQuery"]["query"]["status"], "RUNNING",
        "{body}"
    );

    // A page ID of another tenant's query is refused.
    let (mut ws, _) = open(
        &sb,
        "/events/query",
        &python_protocols(&token, Some("10001")),
        &[],
    )
    .await
    .unwrap();
    init(&mut ws, json!({})).await;
    let page = messages
        .iter()
        .find_map(|m| m["next"].as_str())
        .map(str::to_owned);
    if let Some(page) = page {
        send(&mut ws, json!({"type": "start", "id": "1", "payload": {"query": EVENT_PAGE, "variables": {"id": page}}})).await;
        let m = next(&mut ws).await;
        assert_eq!(m["type"], "error", "{m}");
        assert_eq!(m["payload"]["message"], "invalid page identifier");
    }
    // A CQL syntax error fails the subscription with an error message.
    send(&mut ws, json!({"type": "start", "id": "2", "payload": {"query": EVENT_QUERY, "variables": {"query": "FROM process WHERE ("}}})).await;
    let m = next(&mut ws).await;
    assert_eq!(m["type"], "error", "{m}");
    assert!(m["payload"]["message"]
        .as_str()
        .unwrap()
        .contains("CQL syntax error"));
    // Too many types at once.
    let types: Vec<String> = (0..17).map(|i| format!("t{i}")).collect();
    let query = format!("FROM {}", types.join(", "));
    send(
        &mut ws,
        json!({"type": "start", "id": "3", "payload": {"query": EVENT_QUERY, "variables": {"query": query}}}),
    )
    .await;
    let m = next(&mut ws).await;
    assert_eq!(m["type"], "error", "{m}");
    assert!(m["payload"]["message"]
        .as_str()
        .unwrap()
        .starts_with("at most 16 event types"));
}

#[tokio::test]
async fn a_subscription_no_service_serves_streams_mock_items() {
    let (sb, token) = sandbox().await;
    let (mut ws, _) = open(&sb, "/graphql", &python_protocols(&token, None), &[])
        .await
        .unwrap();
    init(&mut ws, json!({})).await;
    let query = "subscription { connectorCreated(allTenants: true) { id name } }";
    let data = run(&mut ws, "1", query, json!({})).await;
    assert_eq!(data.len(), 3);
    let ids: HashSet<String> = data
        .iter()
        .map(|d| {
            d["data"]["connectorCreated"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 3, "{data:?}");
    // The same again, under the same ID once complete: deterministic.
    assert_eq!(run(&mut ws, "1", query, json!({})).await, data);
    let stats = sb.stats();
    assert_eq!(stats.subscriptions_started, 2);
    assert_eq!(stats.websocket_messages, 6);
}

#[tokio::test]
async fn faults_drop_and_stall_subscriptions() {
    let (sb, token) = sandbox().await;
    let query = "subscription { connectorCreated(allTenants: true) { id } }";

    // The handshake takes the GraphQL routes' injected faults.
    sb.fail_next(FaultTarget::GraphQl, FaultKind::Unavailable, 1);
    match open(&sb, "/graphql", &python_protocols(&token, None), &[]).await {
        Err(WsError::Http(r)) => assert_eq!(r.status().as_u16(), 503),
        other => panic!("expected a 503, got {:?}", other.map(|_| ())),
    }

    sb.drop_subscriptions_after(1);
    let (mut ws, _) = open(&sb, "/graphql", &python_protocols(&token, None), &[])
        .await
        .unwrap();
    init(&mut ws, json!({})).await;
    send(
        &mut ws,
        json!({"type": "start", "id": "1", "payload": {"query": query}}),
    )
    .await;
    assert_eq!(next(&mut ws).await["type"], "data");
    // Then the connection is gone: no complete, no close frame.
    assert_eq!(next_within(&mut ws, Duration::from_secs(5)).await, None);
    assert_eq!(sb.stats().subscriptions_dropped, 1);

    sb.clear_faults();
    sb.stall_subscriptions_after(2);
    let (mut ws, _) = open(&sb, "/graphql", &python_protocols(&token, None), &[])
        .await
        .unwrap();
    init(&mut ws, json!({})).await;
    send(
        &mut ws,
        json!({"type": "start", "id": "1", "payload": {"query": query}}),
    )
    .await;
    assert_eq!(next(&mut ws).await["type"], "data");
    assert_eq!(next(&mut ws).await["type"], "data");
    // Silence, the socket still open: a stop is still answered.
    assert_eq!(
        next_within(&mut ws, Duration::from_millis(1500)).await,
        None
    );
    assert_eq!(sb.stats().subscriptions_stalled, 1);
    send(&mut ws, json!({"type": "stop", "id": "1"})).await;
    assert_eq!(next(&mut ws).await, json!({"type": "complete", "id": "1"}));

    // Stalled operations hold their slots: the 17th at once is refused.
    sb.stall_subscriptions_after(0);
    for i in 0..16 {
        send(
            &mut ws,
            json!({"type": "start", "id": format!("s{i}"), "payload": {"query": query}}),
        )
        .await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    send(
        &mut ws,
        json!({"type": "start", "id": "s16", "payload": {"query": query}}),
    )
    .await;
    let m = next(&mut ws).await;
    assert_eq!(m["id"], "s16");
    assert_eq!(m["payload"]["extensions"]["code"], "TOO_MANY_OPERATIONS");
}

#[tokio::test]
async fn hostile_frames_get_error_messages() {
    let (sb, token) = sandbox().await;
    let (mut ws, _) = open(&sb, "/graphql", &python_protocols(&token, None), &[])
        .await
        .unwrap();
    // Before connection_init, a start is refused.
    send(
        &mut ws,
        json!({"type": "start", "id": "0", "payload": {"query": TENANT_QUERY}}),
    )
    .await;
    assert_eq!(next(&mut ws).await["type"], "error");
    init(&mut ws, json!({})).await;
    for (frame, expected) in [
        (Message::text("not json"), "connection_error"),
        (Message::text("[1,2]"), "connection_error"),
        (Message::text(r#"{"type":"bogus"}"#), "connection_error"),
        (Message::text(r#"{"type":"bogus","id":"9"}"#), "error"),
        (
            Message::text(r#"{"type":"start","payload":{}}"#),
            "connection_error",
        ),
        (
            Message::text(r#"{"type":"start","id":"5","payload":"x"}"#),
            "error",
        ),
        (
            Message::binary(vec![0u8, 159, 146, 150]),
            "connection_error",
        ),
        (Message::text("x".repeat(2 << 20)), "connection_error"),
    ] {
        ws.send(frame).await.unwrap();
        assert_eq!(next(&mut ws).await["type"], expected);
    }
    // A document that does not validate: an error for that operation.
    send(
        &mut ws,
        json!({"type": "start", "id": "6", "payload": {"query": "query { nope }"}}),
    )
    .await;
    let m = next(&mut ws).await;
    assert_eq!(
        (m["type"].as_str(), m["id"].as_str()),
        (Some("error"), Some("6")),
        "{m}"
    );
    // The socket still works.
    assert_eq!(run(&mut ws, "8", TENANT_QUERY, json!({})).await.len(), 1);
    send(&mut ws, json!({"type": "connection_terminate"})).await;
    assert_eq!(next(&mut ws).await["type"], "<close>");
}
