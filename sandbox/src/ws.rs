//! GraphQL over WebSocket, as the Taegis gateways speak it to the official SDKs: the legacy
//! Apollo protocol, subprotocol `graphql-ws` (`subscriptions-transport-ws`), on every GraphQL
//! path the sandbox serves (a `GET` with `Upgrade: websocket` on `/graphql`,
//! `/events/query`, ...).
//!
//! Messages: the client sends `connection_init`, the sandbox answers `connection_ack` then a
//! `ka` (keep-alive) every [`KEEP_ALIVE`]; `start` `{id, payload: {query, variables,
//! operationName}}` runs an operation: a subscription sends one `data` per item of its stream
//! then `complete`; a query or mutation (introspection included, which the Python SDK may run
//! over the socket) sends one `data` then `complete`; `stop` ends an operation (`complete`);
//! `connection_terminate` closes the socket. A request that fails validation or
//! authorisation, or a stream that fails, gets `error` `{id, payload: {message, extensions:
//! {code}}}`, which ends the operation (no `complete` follows); a message
//! that is not one of these (not JSON, unknown type, binary, over [`MAX_MESSAGE`] bytes) gets
//! `connection_error` `{payload: {message}}` and the socket stays open. At most
//! [`MAX_OPERATIONS`] operations run at once per socket.
//!
//! Authentication is the HTTP endpoints' ([`authenticate`]: signature, expiry, revocation,
//! the client still existing, a readable tenant context), checked at the handshake and again
//! at every `start` (a token that expired or was revoked since gets `error`). The token and
//! tenant come the way each SDK sends them:
//!
//! - the Python SDK (gql's `AIOHTTPWebsocketsTransport`, `service_core.py` `ws_client`):
//!   subprotocols `graphql-ws`, `access-token-<token>`, `x-tenant-context-<tenant>`, and also
//!   its usual `Authorization: Bearer` and `X-Tenant-Context` headers;
//! - the Go SDK (`secureworks/taegis-sdk-go`, `graphql/subscription.go`:
//!   `SubscriptionWithToken` and `SubscriptionWithTenant` add the cookies
//!   `access_token=<token>` and `x-tenant-context=<tenant>` to the handshake; `connection_init`
//!   has no payload; `start` with id `"1"`; it reads `connection_ack`, `data`, `error`,
//!   `complete` and skips `ka`, per `graphql/websocket.go` and `read_state_functions.go`);
//! - other Apollo clients: `connection_init` payload `{"Authorization": "Bearer <token>",
//!   "X-Tenant-Context": "<tenant>"}` (also `authToken`, `access_token`; keys in any case).
//!
//! Refusals: a handshake carrying a bad, expired or revoked token is refused before the
//! upgrade with HTTP 401 (an unreadable tenant context with 403), as a POST would be; a
//! handshake with no token is upgraded, and then `connection_init` must carry one, else the
//! sandbox sends `connection_error` and closes the socket (code 4401, or 4403 for the tenant).
//! The only subprotocol the sandbox ever echoes is `graphql-ws`; nothing logs or echoes the
//! token.

use super::faults::Route;
use super::graphql::{error_body, Item, Prepared, Request};
use super::server::{authenticate, faults, json_response, Refusal, Shared};
use super::services::Caller;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State as AxState;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use taegis_sdk_codegen::Endpoint;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// The subprotocol: Apollo's legacy `subscriptions-transport-ws`.
pub(crate) const PROTOCOL: &str = "graphql-ws";
/// The largest client message answered normally; a larger one gets `connection_error`.
pub(crate) const MAX_MESSAGE: usize = 1 << 20;
/// The largest message the socket reads at all; a larger one closes the socket (1009).
const MAX_TRANSPORT_MESSAGE: usize = 16 << 20;
/// Operations one socket may run at once.
pub(crate) const MAX_OPERATIONS: usize = 16;
/// The interval of `ka` messages.
pub(crate) const KEEP_ALIVE: Duration = Duration::from_secs(10);
/// How long a socket may stay without `connection_init` (then closed with 4408).
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest operation ID accepted.
const MAX_ID: usize = 128;

/// A token and tenant context, from the handshake or `connection_init`. Holds a secret: no
/// `Debug`, never printed.
#[derive(Clone, Default)]
struct Credentials {
    token: Option<String>,
    tenant: Option<String>,
}

impl Credentials {
    /// From the handshake: `Authorization: Bearer`, else the subprotocol `access-token-*`,
    /// else the cookie `access_token`; the tenant from `X-Tenant-Context`, else the
    /// subprotocol `x-tenant-context-*`, else the cookie `x-tenant-context`.
    fn from_handshake(headers: &HeaderMap) -> Credentials {
        let text = |name: header::HeaderName| {
            headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(str::to_owned)
                .collect::<Vec<String>>()
        };
        let protocols = text(header::SEC_WEBSOCKET_PROTOCOL);
        let protocol = |prefix: &str| {
            protocols
                .iter()
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .find_map(|p| p.strip_prefix(prefix))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let cookies = text(header::COOKIE);
        let cookie = |name: &str| {
            cookies
                .iter()
                .flat_map(|v| v.split(';'))
                .filter_map(|pair| pair.trim().split_once('='))
                .find(|(k, _)| k.trim() == name)
                .map(|(_, v)| v.trim().trim_matches('"').to_owned())
                .filter(|v| !v.is_empty())
        };
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(super::auth::parse_bearer)
            .map(str::to_owned);
        let tenant_header = headers
            .get("x-tenant-context")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        Credentials {
            token: bearer
                .or_else(|| protocol("access-token-"))
                .or_else(|| cookie("access_token")),
            tenant: tenant_header
                .or_else(|| protocol("x-tenant-context-"))
                .or_else(|| cookie("x-tenant-context")),
        }
    }

    /// From a `connection_init` payload: `Authorization` (`Bearer <token>` or the bare token),
    /// `authToken`, `access_token` or `accessToken`; `X-Tenant-Context` or `tenantId`. Keys
    /// in any case.
    fn from_init(payload: &Value) -> Credentials {
        let Some(map) = payload.as_object() else {
            return Credentials::default();
        };
        let find = |names: &[&str]| {
            map.iter()
                .find(|(k, _)| names.iter().any(|n| k.eq_ignore_ascii_case(n)))
                .and_then(|(_, v)| match v {
                    Value::String(s) => Some(s.trim().to_owned()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .filter(|s| !s.is_empty())
        };
        let token = find(&["authorization"])
            .map(|a| {
                super::auth::parse_bearer(&a)
                    .map(str::to_owned)
                    .unwrap_or(a)
            })
            .or_else(|| find(&["authToken", "access_token", "accessToken"]));
        Credentials {
            token,
            tenant: find(&["x-tenant-context", "tenantId"]),
        }
    }

    fn check(&self, shared: &Shared) -> Result<Caller, Refusal> {
        authenticate(shared, self.token.as_deref(), self.tenant.as_deref())
    }
}

/// `GET <GraphQL path>` with `Upgrade: websocket`: faults, then the handshake's credentials
/// (refused with 401/403 if present and bad), then the socket.
pub(crate) async fn upgrade(
    AxState(shared): AxState<Arc<Shared>>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    endpoint: Endpoint,
) -> Response {
    let Ok(upgrade) = upgrade else {
        return json_response(
            StatusCode::BAD_REQUEST,
            error_body(
                "this path takes GraphQL requests by POST, or a WebSocket upgrade (subprotocol graphql-ws)",
                "BAD_REQUEST",
            ),
        );
    };
    shared.stats().graphql_requests += 1;
    if let Some(r) = faults(&shared, Route::GraphQl).await {
        return r;
    }
    let credentials = Credentials::from_handshake(&headers);
    if credentials.token.is_some() {
        if let Err(refusal) = credentials.check(&shared) {
            return refusal.response(&shared);
        }
    }
    upgrade
        .protocols([PROTOCOL])
        .max_message_size(MAX_TRANSPORT_MESSAGE)
        .max_frame_size(MAX_TRANSPORT_MESSAGE)
        .on_upgrade(move |socket| async move {
            shared.stats().websocket_connections += 1;
            let credentials = credentials.token.is_some().then_some(credentials);
            Connection {
                shared,
                endpoint,
                credentials,
                initialised: false,
                operations: HashMap::new(),
                next_serial: 0,
                stalled: false,
            }
            .run(socket)
            .await;
        })
}

/// What an operation's task hands the socket, tagged with the operation's ID and serial number
/// (so what a stopped operation had already queued is dropped, not sent after its `complete`,
/// even when a new operation took its ID).
struct Outgoing {
    id: Arc<str>,
    serial: u64,
    kind: OutKind,
}

enum OutKind {
    /// A message to send.
    Text(String),
    /// The operation ended: its last message (`complete` or `error`).
    End(String),
    /// Fault: drop the socket now.
    Drop,
    /// Fault: an operation stalled (it sends nothing more; the socket stops its `ka`).
    Stall,
}

/// What handling a client message asks of the socket.
enum Reply {
    Send(Vec<String>),
    /// Send these, then close with this code and reason.
    Close(Vec<String>, u16, String),
}

/// What the socket loop does next.
enum Step {
    Reply(Reply),
    Continue,
    /// Drop the socket (no close frame).
    Stop,
}

/// One socket's state. A stalled subscription (fault) sends nothing more and stops the
/// socket's keep-alives; the socket still answers the client's own messages.
struct Connection {
    shared: Arc<Shared>,
    endpoint: Endpoint,
    credentials: Option<Credentials>,
    initialised: bool,
    /// Running operations by ID: their serial number and task.
    operations: HashMap<String, (u64, AbortHandle)>,
    /// The serial number of the next operation.
    next_serial: u64,
    stalled: bool,
}

fn message(kind: &str, id: Option<&str>, payload: Option<Value>) -> String {
    let mut m = serde_json::Map::new();
    m.insert("type".into(), Value::from(kind));
    if let Some(id) = id {
        m.insert("id".into(), Value::from(id));
    }
    if let Some(p) = payload {
        m.insert("payload".into(), p);
    }
    Value::Object(m).to_string()
}

fn error_message(id: &str, text: &str, code: &str) -> String {
    message(
        "error",
        Some(id),
        Some(json!({"message": text, "extensions": {"code": code}})),
    )
}

fn connection_error(text: &str) -> String {
    message("connection_error", None, Some(json!({ "message": text })))
}

/// `{"type":"data","id":..,"payload":<body>}` without re-parsing the body.
fn data_message(id: &str, body: &[u8]) -> String {
    let body = std::str::from_utf8(body).unwrap_or("{}");
    let id = Value::from(id).to_string();
    let mut out = String::with_capacity(body.len() + id.len() + 40);
    out.push_str(r#"{"type":"data","id":"#);
    out.push_str(&id);
    out.push_str(r#","payload":"#);
    out.push_str(body);
    out.push('}');
    out
}

impl Connection {
    async fn run(mut self, mut socket: WebSocket) {
        let (tx, mut rx) = mpsc::channel::<Outgoing>(4);
        let start = tokio::time::Instant::now();
        let mut keep_alive = tokio::time::interval_at(start + KEEP_ALIVE, KEEP_ALIVE);
        let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
        tokio::pin!(init_deadline);
        loop {
            let reply = tokio::select! {
                incoming = socket.recv() => match incoming {
                    None | Some(Err(_)) => break,
                    Some(Ok(Message::Close(_))) => break,
                    Some(Ok(Message::Text(text))) => self.handle(text.as_str(), &tx),
                    Some(Ok(Message::Binary(_))) => {
                        Reply::Send(vec![connection_error("binary frames are not supported")])
                    }
                    Some(Ok(_)) => continue,
                },
                Some(out) = rx.recv() => match self.on_outgoing(out) {
                    Step::Reply(reply) => reply,
                    Step::Continue => continue,
                    Step::Stop => break,
                },
                _ = keep_alive.tick(), if self.initialised && !self.stalled => {
                    Reply::Send(vec![message("ka", None, None)])
                }
                _ = &mut init_deadline, if !self.initialised => {
                    Reply::Close(Vec::new(), 4408, "connection_init timeout".to_owned())
                }
            };
            match reply {
                Reply::Send(messages) => {
                    for m in messages {
                        if socket.send(Message::Text(m.into())).await.is_err() {
                            self.abort_all();
                            return;
                        }
                    }
                }
                Reply::Close(messages, code, reason) => {
                    for m in messages {
                        let _ = socket.send(Message::Text(m.into())).await;
                    }
                    let _ = socket
                        .send(Message::Close(Some(CloseFrame {
                            code,
                            reason: reason.into(),
                        })))
                        .await;
                    break;
                }
            }
        }
        self.abort_all();
    }

    /// What to do with a message an operation queued.
    fn on_outgoing(&mut self, out: Outgoing) -> Step {
        let live = self
            .operations
            .get(&*out.id)
            .is_some_and(|(serial, _)| *serial == out.serial);
        if !live {
            // A stopped operation's leftovers.
            return Step::Continue;
        }
        match out.kind {
            OutKind::Text(text) => Step::Reply(Reply::Send(vec![text])),
            OutKind::End(last) => {
                self.operations.remove(&*out.id);
                Step::Reply(Reply::Send(vec![last]))
            }
            OutKind::Drop => {
                self.shared.stats().subscriptions_dropped += 1;
                Step::Stop
            }
            OutKind::Stall => {
                self.shared.stats().subscriptions_stalled += 1;
                self.stalled = true;
                Step::Continue
            }
        }
    }

    fn abort_all(&mut self) {
        for (_, (_, op)) in self.operations.drain() {
            op.abort();
        }
    }

    /// Handles one text message.
    fn handle(&mut self, text: &str, tx: &mpsc::Sender<Outgoing>) -> Reply {
        if text.len() > MAX_MESSAGE {
            return Reply::Send(vec![connection_error(&format!(
                "message of {} bytes exceeds the limit of {MAX_MESSAGE} bytes",
                text.len()
            ))]);
        }
        let Ok(Value::Object(mut m)) = serde_json::from_str::<Value>(text) else {
            return Reply::Send(vec![connection_error(
                "message is not a JSON object with a `type`",
            )]);
        };
        let kind = m
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let id = match m.get("id") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let payload = m.remove("payload").unwrap_or(Value::Null);
        match kind.as_str() {
            "connection_init" => self.init(&payload),
            "start" | "subscribe" => {
                let Some(id) = id.filter(|i| !i.is_empty() && i.len() <= MAX_ID) else {
                    return Reply::Send(vec![connection_error(
                        "`start` needs an `id` (a string of 1 to 128 characters)",
                    )]);
                };
                Reply::Send(self.start(id, payload, tx).into_iter().collect())
            }
            "stop" | "complete" => match id {
                Some(id) => match self.operations.remove(&id) {
                    Some((_, op)) => {
                        op.abort();
                        Reply::Send(vec![message("complete", Some(&id), None)])
                    }
                    None => Reply::Send(Vec::new()),
                },
                None => Reply::Send(vec![connection_error("`stop` needs an `id`")]),
            },
            "connection_terminate" => Reply::Close(Vec::new(), 1000, String::new()),
            _ => {
                let shown: String = kind.chars().take(40).collect();
                let text = format!("unknown message type `{shown}`");
                Reply::Send(vec![match id.filter(|i| i.len() <= MAX_ID) {
                    Some(id) => error_message(&id, &text, "BAD_REQUEST"),
                    None => connection_error(&text),
                }])
            }
        }
    }

    fn init(&mut self, payload: &Value) -> Reply {
        if self.initialised {
            return Reply::Send(vec![connection_error("already initialised")]);
        }
        let credentials = match self.credentials.take() {
            Some(c) => c,
            None => Credentials::from_init(payload),
        };
        match credentials.check(&self.shared) {
            Ok(_) => {
                self.credentials = Some(credentials);
                self.initialised = true;
                Reply::Send(vec![
                    message("connection_ack", None, None),
                    message("ka", None, None),
                ])
            }
            Err(refusal) => {
                if matches!(refusal, Refusal::Unauthenticated(_)) {
                    self.shared.stats().unauthorized += 1;
                }
                let code = match refusal {
                    Refusal::Unauthenticated(_) => 4401,
                    Refusal::Forbidden(_) => 4403,
                };
                Reply::Close(
                    vec![connection_error(refusal.message())],
                    code,
                    "unauthorised".to_owned(),
                )
            }
        }
    }

    /// Starts operation `id`; returns the message to send now, if any.
    fn start(&mut self, id: String, payload: Value, tx: &mpsc::Sender<Outgoing>) -> Option<String> {
        if !self.initialised {
            return Some(error_message(
                &id,
                "send `connection_init` first",
                "BAD_REQUEST",
            ));
        }
        if self.operations.contains_key(&id) {
            return Some(error_message(
                &id,
                "an operation with this id is already running",
                "BAD_REQUEST",
            ));
        }
        if self.operations.len() >= MAX_OPERATIONS {
            return Some(error_message(
                &id,
                &format!("at most {MAX_OPERATIONS} operations at once on one socket"),
                "TOO_MANY_OPERATIONS",
            ));
        }
        let caller = match self
            .credentials
            .as_ref()
            .map(|c| c.check(&self.shared))
            .unwrap_or_else(|| Err(Refusal::Unauthenticated("missing bearer token".into())))
        {
            Ok(caller) => caller,
            Err(refusal) => {
                let code = match refusal {
                    Refusal::Unauthenticated(_) => {
                        self.shared.stats().unauthorized += 1;
                        "UNAUTHENTICATED"
                    }
                    Refusal::Forbidden(_) => "FORBIDDEN",
                };
                return Some(error_message(&id, refusal.message(), code));
            }
        };
        let request: Request = match serde_json::from_value(payload) {
            Ok(r) => r,
            Err(_) => {
                return Some(error_message(
                    &id,
                    "`payload` is not a GraphQL request ({query, variables, operationName})",
                    "BAD_REQUEST",
                ))
            }
        };
        let serial = self.next_serial;
        self.next_serial += 1;
        let out = Out {
            id: Arc::from(id.as_str()),
            serial,
            tx: tx.clone(),
        };
        let task = tokio::spawn(operation(
            self.shared.clone(),
            self.endpoint,
            id.clone(),
            request,
            caller,
            out,
        ));
        self.operations.insert(id, (serial, task.abort_handle()));
        None
    }
}

/// An operation's way to the socket.
struct Out {
    id: Arc<str>,
    serial: u64,
    tx: mpsc::Sender<Outgoing>,
}

impl Out {
    /// Queues `kind`; `false` once the socket is gone.
    async fn send(&self, kind: OutKind) -> bool {
        self.tx
            .send(Outgoing {
                id: self.id.clone(),
                serial: self.serial,
                kind,
            })
            .await
            .is_ok()
    }
}

/// Runs one operation, sending its messages through `out`.
async fn operation(
    shared: Arc<Shared>,
    endpoint: Endpoint,
    id: String,
    request: Request,
    caller: Caller,
    out: Out,
) {
    let Some(engine) = shared.engines.iter().find(|e| e.endpoint() == endpoint) else {
        return;
    };
    let prepared = engine.prepare(
        &request,
        &shared.registry,
        &shared.state,
        &caller,
        shared.seed,
    );
    match prepared {
        Prepared::Once(outcome) => {
            if let Some(name) = outcome.operation {
                *shared.stats().operations.entry(name).or_insert(0) += 1;
                shared.stats().websocket_messages += 1;
                out.send(OutKind::Text(data_message(&id, &outcome.body)))
                    .await;
            } else {
                // Not even an operation: the request's own error.
                let body: Value = serde_json::from_slice(&outcome.body).unwrap_or(Value::Null);
                let first = body["errors"][0].clone();
                let payload = if first.is_object() {
                    first
                } else {
                    json!({"message": "invalid request"})
                };
                // `error` ends the operation: no `complete` (as subscriptions-transport-ws).
                let error = message("error", Some(&id), Some(payload));
                out.send(OutKind::End(error)).await;
                return;
            }
        }
        Prepared::Stream(mut subscription) => {
            {
                let mut stats = shared.stats();
                stats.subscriptions_started += 1;
                *stats
                    .operations
                    .entry(subscription.op_name.clone())
                    .or_insert(0) += 1;
            }
            let (drop_after, stall_after) = shared.faults().subscription_faults();
            let mut sent = 0u64;
            loop {
                if drop_after == Some(sent) {
                    out.send(OutKind::Drop).await;
                    return;
                }
                if stall_after == Some(sent) {
                    // Hangs, holding its slot, until stopped or the socket closes.
                    out.send(OutKind::Stall).await;
                    std::future::pending::<()>().await;
                }
                match engine.next_item(&mut subscription) {
                    None => break,
                    Some(Item::Data(body)) => {
                        shared.stats().websocket_messages += 1;
                        sent += 1;
                        if !out.send(OutKind::Text(data_message(&id, &body))).await {
                            return;
                        }
                    }
                    Some(Item::Error(text)) => {
                        let error = error_message(&id, &text, "SUBSCRIPTION_FAILED");
                        out.send(OutKind::End(error)).await;
                        return;
                    }
                }
            }
        }
    }
    out.send(OutKind::End(message("complete", Some(&id), None)))
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn handshake_credentials_in_each_style() {
        let mut h = HeaderMap::new();
        h.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static("graphql-ws, access-token-a.b.c, x-tenant-context-11"),
        );
        let c = Credentials::from_handshake(&h);
        assert_eq!(c.token.as_deref(), Some("a.b.c"));
        assert_eq!(c.tenant.as_deref(), Some("11"));
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("access_token=t.o.k; x-tenant-context=12"),
        );
        let c = Credentials::from_handshake(&h);
        assert_eq!(c.token.as_deref(), Some("t.o.k"));
        assert_eq!(c.tenant.as_deref(), Some("12"));
        let c = Credentials::from_init(
            &json!({"authorization": "Bearer x.y.z", "X-Tenant-Context": 13}),
        );
        assert_eq!(c.token.as_deref(), Some("x.y.z"));
        assert_eq!(c.tenant.as_deref(), Some("13"));
        assert!(Credentials::from_init(&json!("nope")).token.is_none());
    }

    #[test]
    fn data_messages_embed_the_body() {
        let m = data_message("7", br#"{"data":{"a":1}}"#);
        let v: Value = serde_json::from_str(&m).unwrap();
        assert_eq!(
            v,
            json!({"type": "data", "id": "7", "payload": {"data": {"a": 1}}})
        );
    }
}
