//! GraphQL subscriptions over WebSocket, spoken as the Taegis gateways speak them.
//!
//! The protocol is Apollo's `graphql-ws` (the legacy `subscriptions-transport-ws` message set):
//! `connection_init` → `connection_ack`, then `start` with the operation, `data` per result,
//! `ka` keep-alives, `error`, `complete`, and `stop` from the client. Authentication is the
//! official Python SDK's (taegis-sdk-python 2.0.4, `service_core.py`): the access token and the
//! tenant travel as the extra subprotocols `access-token-<token>` and
//! `x-tenant-context-<tenant>` beside `graphql-ws`, on the gateway's GraphQL URL with `ws://`
//! or `wss://`.
//!
//! The rules of the HTTP transport hold: TLS with the client's root store
//! ([`crate::TlsRoots`]), plain `ws://` only to loopback (the base URLs are checked when the
//! client is built), the https proxy of HTTP (and its `NO_PROXY`) for `wss://` through a
//! `CONNECT` tunnel (`crate::tunnel`), never a proxy for loopback,
//! every answer bounded by [`crate::ClientBuilder::max_response_size`], and no
//! error message carrying the token (the handshake header is marked sensitive and server text
//! is redacted). A handshake refused with 401 is retried once with a fresh token, as HTTP
//! requests are.

use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{SinkExt, Stream, StreamExt};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::{Message, WebSocketConfig};
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use crate::config::{Config, TenantId, USER_AGENT};
use crate::error::{BoxError, Error};
use crate::net::{Answer, TlsRoots};
use crate::redact::Redactor;
use crate::response::{decode_error, decode_graphql};
use crate::secret::SecretString;

/// The subprotocol of the gateways' subscription protocol.
pub const PROTOCOL: &str = "graphql-ws";

/// Results waiting for the caller before the connection stops being read (back-pressure).
const BUFFERED_RESULTS: usize = 16;

/// The ID of the one operation each connection carries.
const OPERATION_ID: &str = "1";

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A running subscription: a [`Stream`] of typed results, one per `data` message, ending when
/// the server completes the operation.
///
/// A GraphQL error inside a `data` message is yielded as [`Error::GraphQl`] and the stream goes
/// on; an `error` message, a dropped connection or a silence longer than
/// [`crate::ClientBuilder::subscription_idle_timeout`] is yielded as the last item (a broken
/// connection is [`Error::Dispatch`] with `may_have_been_sent`, a silence is also
/// `timed_out`). Dropping the value stops the operation (`stop`, then a close frame).
///
/// ```no_run
/// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
/// use futures_util::StreamExt;
/// use taegis_sdk::Endpoint;
///
/// let mut pages = client
///     .subscribe_raw(
///         Endpoint::EVENTS,
///         "subscription($q: String!) { eventQuery(query: $q) { next result { rows } } }",
///         Some(serde_json::json!({"q": "FROM process EARLIEST=-1h"})),
///         None,
///     )
///     .await?;
/// while let Some(page) = pages.next().await {
///     println!("{}", page?["eventQuery"]["next"]);
/// }
/// # Ok(()) }
/// ```
pub struct Subscription<T> {
    results: mpsc::Receiver<Result<T, Error>>,
    received: u64,
}

impl<T> Subscription<T> {
    /// How many results (successful or not) the stream has yielded so far.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use futures_util::StreamExt;
    /// let mut stream = client
    ///     .subscribe_raw(taegis_sdk::Endpoint::EVENTS, "subscription { eventPage(id: \"p2\") { next } }", None, None)
    ///     .await?;
    /// while stream.next().await.is_some() {}
    /// println!("{} messages", stream.received());
    /// # Ok(()) }
    /// ```
    pub fn received(&self) -> u64 {
        self.received
    }
}

impl<T> std::fmt::Debug for Subscription<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

impl<T> Stream for Subscription<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.results.poll_recv(cx);
        if let Poll::Ready(Some(_)) = &polled {
            self.received += 1;
        }
        polled
    }
}

/// What a subscription is started with: where, as whom, and what to run.
pub(crate) struct Start<'a> {
    pub(crate) url: String,
    pub(crate) config: &'a Config,
    /// The client's TLS settings for `wss://`, once made.
    pub(crate) tls: &'a OnceLock<Arc<rustls::ClientConfig>>,
    pub(crate) tenant: Option<&'a TenantId>,
    pub(crate) token: SecretString,
    pub(crate) redactor: Redactor,
    pub(crate) operation: String,
    pub(crate) payload: Value,
}

/// Why a handshake failed: a 401 (worth one retry with a fresh token) or anything else.
pub(crate) enum HandshakeFailure {
    Unauthorized(Error),
    Other(Error),
}

/// Connects, authenticates, starts the operation and hands the connection to a task that
/// feeds the returned stream.
pub(crate) async fn start<T: DeserializeOwned + Send + 'static>(
    start: Start<'_>,
) -> Result<Subscription<T>, HandshakeFailure> {
    let Start {
        url,
        config,
        tls,
        tenant,
        token,
        redactor,
        operation,
        payload,
    } = start;
    let ws_url = websocket_url(&url).map_err(HandshakeFailure::Other)?;
    let request = handshake_request(&ws_url, config, tenant, &token)?;
    let limit = usize::try_from(config.max_response_size).unwrap_or(usize::MAX);
    let ws_config = WebSocketConfig::default()
        .max_message_size(Some(limit))
        .max_frame_size(Some(limit));
    let connector = if ws_url.starts_with("wss://") {
        let tls = match tls.get() {
            Some(made) => made.clone(),
            None => {
                let made = tls_config(config.tls_roots)?;
                tls.get_or_init(|| made).clone()
            }
        };
        Some(Connector::Rustls(tls))
    } else {
        Some(Connector::Plain)
    };
    let connect = connect(request, &ws_url, config, ws_config, connector, &redactor);
    let (mut socket, response) = match tokio::time::timeout(config.connect_timeout, connect).await {
        Err(_) => {
            return Err(HandshakeFailure::Other(not_sent(
                true,
                "WebSocket handshake timed out",
            )))
        }
        Ok(Err(failure)) => return Err(failure),
        Ok(Ok(connected)) => connected,
    };
    let chosen = response
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok());
    if chosen != Some(PROTOCOL) {
        return Err(HandshakeFailure::Other(Error::Config {
            message: format!(
                "the server did not agree to the {PROTOCOL} subscription protocol (chose {:?})",
                chosen.map(|c| redactor.redact(c).into_owned())
            ),
        }));
    }
    let init = json!({"type": "connection_init", "payload": {}});
    send_json(&mut socket, &init)
        .await
        .map_err(|e| HandshakeFailure::Other(not_sent(false, &e)))?;
    match tokio::time::timeout(
        config.connect_timeout,
        acknowledgement(&mut socket, &redactor),
    )
    .await
    {
        Err(_) => {
            return Err(HandshakeFailure::Other(not_sent(
                true,
                "no connection_ack from the server",
            )))
        }
        Ok(Err(failure)) => return Err(failure),
        Ok(Ok(())) => {}
    }
    let begin = json!({"id": OPERATION_ID, "type": "start", "payload": payload});
    if let Err(e) = send_json(&mut socket, &begin).await {
        return Err(HandshakeFailure::Other(broken(&e)));
    }
    let (results, receiver) = mpsc::channel(BUFFERED_RESULTS);
    let reader = Reader {
        socket,
        results,
        redactor,
        operation,
        idle: config.subscription_idle_timeout,
    };
    tokio::spawn(reader.run());
    Ok(Subscription {
        results: receiver,
        received: 0,
    })
}

/// Opens the WebSocket to `ws_url` (the URL `request` was made from): through a `CONNECT`
/// tunnel when the https proxy carries it (`tunnel`), else directly (Nagle off either way).
async fn connect(
    request: tokio_tungstenite::tungstenite::handshake::client::Request,
    ws_url: &str,
    config: &Config,
    ws_config: WebSocketConfig,
    connector: Option<Connector>,
    redactor: &Redactor,
) -> Result<
    (
        Socket,
        tokio_tungstenite::tungstenite::handshake::client::Response,
    ),
    HandshakeFailure,
> {
    // Fails closed: a URL that cannot be read is never sent around the proxy.
    let url = url::Url::parse(ws_url).map_err(|e| {
        HandshakeFailure::Other(Error::Config {
            message: format!("invalid subscription URL: {e}"),
        })
    })?;
    let tunnel = config
        .tunnel_proxy
        .as_ref()
        .filter(|proxy| proxy.carries(&url));
    let Some(proxy) = tunnel else {
        return tokio_tungstenite::connect_async_tls_with_config(
            request,
            Some(ws_config),
            true,
            connector,
        )
        .await
        .map_err(|e| handshake_error(e, redactor));
    };
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(443);
    let stream = proxy
        .connect(host, port)
        .await
        .map_err(HandshakeFailure::Other)?;
    // Nagle's delay would hold each small graphql-ws message back.
    let _ = stream.set_nodelay(true);
    tokio_tungstenite::client_async_tls_with_config(request, stream, Some(ws_config), connector)
        .await
        .map_err(|e| handshake_error(e, redactor))
}

/// The gateway URL with `ws`/`wss` for `http`/`https`.
fn websocket_url(http_url: &str) -> Result<String, Error> {
    if let Some(rest) = http_url.strip_prefix("https://") {
        Ok(format!("wss://{rest}"))
    } else if let Some(rest) = http_url.strip_prefix("http://") {
        Ok(format!("ws://{rest}"))
    } else {
        Err(Error::Config {
            message: "a subscription needs an http or https base URL".into(),
        })
    }
}

/// Whether `text` can be one item of the `Sec-WebSocket-Protocol` list (an HTTP token).
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The upgrade request: the subprotocols carry the token and the tenant (marked sensitive so
/// no debug output shows them), plus the client's user agent and extra headers.
fn handshake_request(
    ws_url: &str,
    config: &Config,
    tenant: Option<&TenantId>,
    token: &SecretString,
) -> Result<tokio_tungstenite::tungstenite::handshake::client::Request, HandshakeFailure> {
    let config_error = |message: String| HandshakeFailure::Other(Error::Config { message });
    let mut request = ws_url
        .into_client_request()
        .map_err(|e| config_error(format!("invalid subscription URL: {e}")))?;
    if !is_token(token.expose_secret()) {
        return Err(config_error(
            "the access token has characters a WebSocket subprotocol cannot carry".into(),
        ));
    }
    let mut protocols = format!("{PROTOCOL}, access-token-{}", token.expose_secret());
    if let Some(tenant) = tenant {
        if !is_token(tenant.as_str()) {
            return Err(config_error(format!(
                "tenant ID {:?} cannot be sent as a WebSocket subprotocol",
                tenant.as_str()
            )));
        }
        protocols.push_str(", x-tenant-context-");
        protocols.push_str(tenant.as_str());
    }
    let mut value = HeaderValue::from_str(&protocols)
        .map_err(|_| config_error("the subprotocol list is not a valid header".into()))?;
    value.set_sensitive(true);
    let headers = request.headers_mut();
    headers.insert("sec-websocket-protocol", value);
    headers.insert("user-agent", HeaderValue::from_static(USER_AGENT));
    for (name, value) in &config.extra_headers {
        headers.insert(name.clone(), value.clone());
    }
    Ok(request)
}

/// A rustls configuration trusting exactly the client's root store, with the same crypto
/// provider as the HTTP transport.
fn tls_config(roots: TlsRoots) -> Result<Arc<rustls::ClientConfig>, HandshakeFailure> {
    let mut store = rustls::RootCertStore::empty();
    match roots {
        TlsRoots::Bundled => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        TlsRoots::Platform => {
            for cert in rustls_native_certs::load_native_certs().certs {
                // A certificate the platform store holds but rustls cannot parse is skipped,
                // as reqwest skips it.
                let _ = store.add(cert);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| {
            HandshakeFailure::Other(Error::Config {
                message: format!("TLS setup failed: {e}"),
            })
        })?
        .with_root_certificates(store)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A refused or failed handshake as a typed error; never shows the request.
fn handshake_error(error: WsError, redactor: &Redactor) -> HandshakeFailure {
    match error {
        WsError::Http(response) => {
            let status = response.status().as_u16();
            let body = response.body().clone().unwrap_or_default();
            let answer = Answer {
                status,
                headers: response.headers().clone(),
                body: body.into(),
            };
            let error = if status == 401 || status == 403 {
                crate::response::auth_error(&answer, redactor)
            } else {
                crate::response::http_error(&answer, redactor)
            };
            if status == 401 {
                HandshakeFailure::Unauthorized(error)
            } else {
                HandshakeFailure::Other(error)
            }
        }
        other => HandshakeFailure::Other(not_sent(false, &redactor.redact(&other.to_string()))),
    }
}

/// A failure before the operation was sent.
pub(crate) fn not_sent(timed_out: bool, message: &str) -> Error {
    Error::Dispatch {
        may_have_been_sent: false,
        timed_out,
        source: BoxError::from(message.to_owned()),
    }
}

/// A connection that broke after the operation was sent.
fn broken(message: &str) -> Error {
    Error::Dispatch {
        may_have_been_sent: true,
        timed_out: false,
        source: BoxError::from(message.to_owned()),
    }
}

async fn send_json(socket: &mut Socket, message: &Value) -> Result<(), String> {
    socket
        .send(Message::text(message.to_string()))
        .await
        .map_err(|e| e.to_string())
}

/// Waits for `connection_ack`, skipping keep-alives; `connection_error` is an auth failure.
async fn acknowledgement(socket: &mut Socket, redactor: &Redactor) -> Result<(), HandshakeFailure> {
    loop {
        let message = match socket.next().await {
            None => {
                return Err(HandshakeFailure::Other(not_sent(
                    false,
                    "closed before connection_ack",
                )))
            }
            Some(Err(e)) => {
                return Err(HandshakeFailure::Other(not_sent(
                    false,
                    &redactor.redact(&e.to_string()),
                )))
            }
            Some(Ok(message)) => message,
        };
        let Some(envelope) = envelope(&message) else {
            continue;
        };
        match envelope.kind.as_str() {
            "connection_ack" => return Ok(()),
            "ka" => continue,
            "connection_error" | "error" => {
                return Err(HandshakeFailure::Other(refused(
                    &envelope.payload_value(),
                    redactor,
                )))
            }
            _ => continue,
        }
    }
}

/// One protocol message: its type, operation ID and payload (the payload's JSON text as sent,
/// so a `data` payload is parsed once, straight into the caller's type).
struct Envelope {
    kind: String,
    id: Option<String>,
    payload: Option<String>,
}

impl Envelope {
    /// The payload as a JSON value (`null` when there is none or it does not parse).
    fn payload_value(&self) -> Value {
        self.payload
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or(Value::Null)
    }
}

/// The wire shape of a protocol message, borrowing from the frame.
#[derive(serde::Deserialize)]
struct WireEnvelope<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
    #[serde(default)]
    id: Option<WireId>,
    #[serde(default, borrow)]
    payload: Option<&'a serde_json::value::RawValue>,
}

/// An operation ID, which servers send as a string or a number.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum WireId {
    Text(String),
    Number(serde_json::Number),
}

/// The protocol message in a text (or UTF-8 binary) frame; `None` for control frames and
/// anything that is not a JSON object with a `type`.
fn envelope(message: &Message) -> Option<Envelope> {
    let text = match message {
        Message::Text(text) => text.as_str(),
        Message::Binary(bytes) => std::str::from_utf8(bytes).ok()?,
        _ => return None,
    };
    let wire: WireEnvelope<'_> = serde_json::from_str(text).ok()?;
    Some(Envelope {
        kind: wire.kind.into_owned(),
        id: wire.id.map(|id| match id {
            WireId::Text(s) => s,
            WireId::Number(n) => n.to_string(),
        }),
        payload: wire.payload.map(|p| p.get().to_owned()),
    })
}

/// A message body as an HTTP 200 answer, for the transport's decoders.
fn as_answer(body: Vec<u8>) -> Answer {
    Answer {
        status: 200,
        headers: Default::default(),
        body: body.into(),
    }
}

/// The server's refusal of the connection (`connection_error`, or an error before the
/// acknowledgement) as an authentication error.
fn refused(payload: &Value, redactor: &Redactor) -> Error {
    Error::Auth {
        status: None,
        message: server_text(payload, redactor),
        request_id: None,
    }
}

/// The server's message in a payload (`{"message": ...}`, a list of errors or text), redacted
/// and shortened.
fn server_text(payload: &Value, redactor: &Redactor) -> String {
    let text = match payload {
        Value::String(s) => s.clone(),
        Value::Object(o) => o
            .get("message")
            .and_then(Value::as_str)
            .map_or_else(|| payload.to_string(), str::to_owned),
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.get("message").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    };
    let text: String = text.chars().take(500).collect();
    redactor.redact(&text).into_owned()
}

/// Reads the connection after `start` and feeds the stream.
struct Reader<T> {
    socket: Socket,
    results: mpsc::Sender<Result<T, Error>>,
    redactor: Redactor,
    operation: String,
    idle: Duration,
}

/// What one message means for the stream.
enum Step<T> {
    Yield(Result<T, Error>),
    Finish(Option<Error>),
    Skip,
}

impl<T: DeserializeOwned + Send + 'static> Reader<T> {
    async fn run(mut self) {
        loop {
            let next = tokio::select! {
                () = self.results.closed() => {
                    self.stop().await;
                    return;
                }
                next = tokio::time::timeout(self.idle, self.socket.next()) => next,
            };
            let step = match next {
                Err(_) => Step::Finish(Some(Error::Dispatch {
                    may_have_been_sent: true,
                    timed_out: true,
                    source: BoxError::from(format!(
                        "subscription {} silent for {} s (no data, no keep-alive)",
                        self.operation,
                        self.idle.as_secs_f64()
                    )),
                })),
                Ok(None) => Step::Finish(Some(broken(
                    "the server closed the connection before completing the subscription",
                ))),
                Ok(Some(Err(e))) => Step::Finish(Some(broken(&format!(
                    "subscription connection broke: {}",
                    self.redactor.redact(&e.to_string())
                )))),
                Ok(Some(Ok(message))) => self.step(&message),
            };
            match step {
                Step::Skip => {}
                Step::Yield(item) => {
                    if self.results.send(item).await.is_err() {
                        self.stop().await;
                        return;
                    }
                }
                Step::Finish(error) => {
                    let clean = error.is_none();
                    if let Some(error) = error {
                        let _ = self.results.send(Err(error)).await;
                    }
                    if clean {
                        let _ = self.socket.close(None).await;
                    }
                    return;
                }
            }
        }
    }

    /// What a message means; messages for another operation ID are ignored.
    fn step(&self, message: &Message) -> Step<T> {
        if let Message::Close(frame) = message {
            let why = frame.as_ref().map_or_else(String::new, |f| {
                format!(
                    " ({} {})",
                    u16::from(f.code),
                    self.redactor.redact(f.reason.as_str())
                )
            });
            return Step::Finish(Some(broken(&format!(
                "the server closed the subscription connection{why} before completing"
            ))));
        }
        let Some(envelope) = envelope(message) else {
            return match message {
                Message::Text(_) | Message::Binary(_) => {
                    Step::Yield(Err(self.undecodable(message)))
                }
                _ => Step::Skip,
            };
        };
        if envelope.id.as_deref().is_some_and(|id| id != OPERATION_ID) {
            return Step::Skip;
        }
        match envelope.kind.as_str() {
            "data" | "next" => {
                Step::Yield(self.decode(envelope.payload.unwrap_or_else(|| "null".to_owned())))
            }
            "complete" => Step::Finish(None),
            "error" => Step::Finish(Some(self.operation_error(envelope.payload_value()))),
            "connection_error" => {
                Step::Finish(Some(refused(&envelope.payload_value(), &self.redactor)))
            }
            _ => Step::Skip,
        }
    }

    /// A `data` payload (its JSON text): a GraphQL response decoded as the HTTP transport
    /// decodes one.
    fn decode(&self, payload: String) -> Result<T, Error> {
        decode_graphql::<T>(
            &as_answer(payload.into_bytes()),
            &self.redactor,
            &self.operation,
        )
    }

    /// An `error` message: its payload as GraphQL errors (an object or a list of them).
    fn operation_error(&self, payload: Value) -> Error {
        let list = match payload {
            Value::Array(items) => Value::Array(items),
            other => Value::Array(vec![other]),
        };
        let body = json!({"data": null, "errors": list});
        let answer = as_answer(serde_json::to_vec(&body).unwrap_or_default());
        match decode_graphql::<Option<Value>>(&answer, &self.redactor, &self.operation) {
            Err(error) => error,
            Ok(_) => broken("the server sent an empty error message"),
        }
    }

    /// A frame that is not a protocol message.
    fn undecodable(&self, message: &Message) -> Error {
        let body = match message {
            Message::Text(t) => t.as_bytes().to_vec(),
            Message::Binary(b) => b.to_vec(),
            _ => Vec::new(),
        };
        decode_error(
            &as_answer(body),
            &self.redactor,
            &self.operation,
            "a graphql-ws protocol message",
            None,
            "not a JSON object with a `type`",
        )
    }

    /// Stops the operation and closes the connection (the caller went away).
    async fn stop(&mut self) {
        let stop = json!({"id": OPERATION_ID, "type": "stop"});
        let _ = send_json(&mut self.socket, &stop).await;
        let _ = self.socket.close(None).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_urls_become_websocket_urls() {
        assert_eq!(
            websocket_url("https://api.ctpx.secureworks.com/events/query").unwrap(),
            "wss://api.ctpx.secureworks.com/events/query"
        );
        assert_eq!(
            websocket_url("http://127.0.0.1:8080/graphql").unwrap(),
            "ws://127.0.0.1:8080/graphql"
        );
        assert!(websocket_url("ftp://x").is_err());
    }

    #[test]
    fn only_http_tokens_may_be_subprotocols() {
        assert!(is_token("eyJhbGciOi.J9-_x"));
        assert!(is_token("12345"));
        assert!(!is_token("a,b"));
        assert!(!is_token("a b"));
        assert!(!is_token(""));
    }

    #[test]
    fn envelopes_ignore_control_frames_and_read_ids_of_either_type() {
        let parsed = envelope(&Message::text(
            r#"{"type":"data","id":1,"payload":{"data":{}}}"#,
        ))
        .expect("a protocol message");
        assert_eq!(parsed.kind, "data");
        assert_eq!(parsed.id.as_deref(), Some("1"));
        assert_eq!(parsed.payload.as_deref(), Some(r#"{"data":{}}"#));
        assert!(envelope(&Message::Ping(Default::default())).is_none());
        assert!(envelope(&Message::text("[1,2]")).is_none());
    }
}
