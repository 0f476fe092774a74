//! HTTP routes: the token endpoint, the GraphQL endpoints and the version endpoint.

use super::auth::{parse_basic, parse_bearer, Signer};
use super::faults::{FaultKind, Faults, Route, Stats};
use super::graphql::{error_body, Engine, Request};
use super::service::Registry;
use super::services::Caller;
use super::state::{State, RANK_READ};
use super::util::{now_ms, rfc3339};
use super::ws;
use axum::body::{Body, Bytes};
use axum::extract::State as AxState;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use taegis_sdk_codegen::Endpoint;

/// Everything the handlers share.
pub(crate) struct Shared {
    /// Platform facts: tenants, clients, roles.
    pub(crate) state: Mutex<State>,
    /// Which service answers each root field.
    pub(crate) registry: Registry,
    pub(crate) signer: Signer,
    /// One engine per endpoint with a bundled schema, in `Endpoint::ALL` order.
    pub(crate) engines: Vec<Engine>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) stats: Mutex<Stats>,
    /// Revocation generation: tokens from an older generation are refused.
    pub(crate) generation: AtomicU64,
    /// When the sandbox started, for the version endpoint.
    pub(crate) started_ms: i64,
    /// The sandbox's seed, for the mock's data.
    pub(crate) seed: u64,
}

impl Shared {
    pub(crate) fn stats(&self) -> std::sync::MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn faults(&self) -> std::sync::MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Issues a token for `client_id` valid for `ttl_ms`, if the client exists.
    pub(crate) fn mint(&self, client_id: &str, ttl_ms: i64) -> Option<(String, i64)> {
        let tenant = {
            let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            state.client_by_client_id(client_id)?.tenant_id
        };
        let now = now_ms();
        let exp = now + ttl_ms;
        let jti = format!("{now:x}-{:x}", self.stats().tokens_issued);
        let token = self.signer.issue(
            client_id,
            &tenant.to_string(),
            now,
            exp,
            self.generation.load(Ordering::SeqCst),
            &jti,
        );
        Some((token, exp))
    }
}

/// The router for `shared`.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let mut router = Router::new().route("/auth/api/v2/auth/token", post(token));
    // Every endpoint served at its path; the sandbox is both the API host and the tenants host.
    for engine in &shared.engines {
        let endpoint = engine.endpoint();
        let handler = move |shared, headers, body| graphql(shared, headers, body, endpoint);
        // The same path upgraded to a WebSocket: subscriptions (and queries) over `graphql-ws`.
        let socket =
            move |shared, headers, upgrade| ws::upgrade(shared, headers, upgrade, endpoint);
        router = router.route(endpoint.path, post(handler).get(socket));
        if endpoint == Endpoint::TENANTS {
            // The tenants service's older path, still answered by the real host.
            router = router.route("/query", post(handler).get(socket));
        }
    }
    router
        .route("/{service}/version", get(version))
        .fallback(not_found)
        .with_state(shared)
}

pub(crate) fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn not_found() -> Response {
    json_response(StatusCode::NOT_FOUND, br#"{"error":"not found"}"#.to_vec())
}

/// Applies latency and injected faults; `Some` is the response to send instead.
pub(crate) async fn faults(shared: &Shared, route: Route) -> Option<Response> {
    let (latency, fault, retry_after) = {
        let mut f = shared.faults();
        (f.latency, f.draw(route), f.retry_after)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault? {
        FaultKind::RateLimited => {
            shared.stats().rate_limited += 1;
            let mut r = json_response(
                StatusCode::TOO_MANY_REQUESTS,
                br#"{"error":"rate limit exceeded","message":"Too Many Requests"}"#.to_vec(),
            );
            let secs = retry_after.as_secs_f64().ceil().max(0.0) as u64;
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            Some(r)
        }
        FaultKind::Unavailable => {
            shared.stats().unavailable += 1;
            Some(json_response(
                StatusCode::SERVICE_UNAVAILABLE,
                br#"{"error":"service unavailable","message":"Service Unavailable"}"#.to_vec(),
            ))
        }
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = serde_json::to_vec(&serde_json::json!({
        "error": error, "error_description": description,
    }))
    .unwrap_or_default();
    let mut r = json_response(status, body);
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"taegis\""),
        );
    }
    r
}

/// `POST /auth/api/v2/auth/token`: client credentials by HTTP Basic (or in the body), with a
/// JSON or form-encoded `grant_type=client_credentials`.
async fn token(AxState(shared): AxState<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    shared.stats().token_requests += 1;
    if let Some(r) = faults(&shared, Route::Token).await {
        return r;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let fields: Vec<(String, String)> = if content_type.contains("json")
        || (!content_type.contains("form") && body.trim_ascii_start().starts_with(b"{"))
    {
        match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&body) {
            Ok(map) => map
                .into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
                .collect(),
            Err(_) => {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "body is not a JSON object",
                )
            }
        }
    } else {
        match serde_urlencoded::from_bytes(&body) {
            Ok(fields) => fields,
            Err(_) => {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "body is not form-encoded",
                )
            }
        }
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    match field("grant_type").as_deref() {
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only grant_type=client_credentials is supported",
            )
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            )
        }
    }
    let credentials = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_basic)
        .or_else(|| Some((field("client_id")?, field("client_secret")?)));
    let Some((client_id, secret)) = credentials else {
        shared.stats().unauthorized += 1;
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client credentials are required",
        );
    };
    let ttl_ms = shared.faults().token_ttl.as_millis() as i64;
    let valid = {
        let mut state = shared.state.lock().unwrap_or_else(|p| p.into_inner());
        match state.clients.iter_mut().find(|c| c.client_id == client_id) {
            Some(c) if constant_time_eq(c.secret.as_bytes(), secret.as_bytes()) => {
                c.token_request_count += 1;
                c.token_request_time = Some(now_ms());
                true
            }
            _ => false,
        }
    };
    if !valid {
        shared.stats().unauthorized += 1;
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "invalid client credentials",
        );
    }
    let Some((access_token, exp)) = shared.mint(&client_id, ttl_ms) else {
        shared.stats().unauthorized += 1;
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "invalid client credentials",
        );
    };
    shared.stats().tokens_issued += 1;
    let body = serde_json::to_vec(&serde_json::json!({
        "access_token": access_token,
        "expires_in": (ttl_ms + 999) / 1000,
        "expiry": rfc3339(exp, true),
        "token_type": "Bearer",
    }))
    .unwrap_or_default();
    let mut r = json_response(StatusCode::OK, body);
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    bool::from(a.ct_eq(b))
}

fn unauthorized(shared: &Shared, message: &str) -> Response {
    shared.stats().unauthorized += 1;
    let mut r = json_response(
        StatusCode::UNAUTHORIZED,
        error_body(message, "UNAUTHENTICATED"),
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    r
}

/// Why a request was refused before execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No usable token: 401 with this message.
    Unauthenticated(String),
    /// The tenant context names a tenant the caller cannot read: 403 with this message.
    Forbidden(String),
}

impl Refusal {
    /// The message (never contains the token).
    pub(crate) fn message(&self) -> &str {
        match self {
            Refusal::Unauthenticated(m) | Refusal::Forbidden(m) => m,
        }
    }

    /// The HTTP response (a 401 is counted in the stats).
    pub(crate) fn response(&self, shared: &Shared) -> Response {
        match self {
            Refusal::Unauthenticated(m) => unauthorized(shared, m),
            Refusal::Forbidden(m) => {
                json_response(StatusCode::FORBIDDEN, error_body(m, "FORBIDDEN"))
            }
        }
    }
}

/// Checks an access token (signature, expiry, revocation, client still existing) and the
/// tenant context (`None` or empty: the token's tenant; else one the client may read), as
/// every GraphQL request and WebSocket operation does.
pub(crate) fn authenticate(
    shared: &Shared,
    token: Option<&str>,
    context: Option<&str>,
) -> Result<Caller, Refusal> {
    let Some(token) = token else {
        return Err(Refusal::Unauthenticated("missing bearer token".to_owned()));
    };
    let now = now_ms();
    let claims = shared
        .signer
        .verify(token, now, shared.generation.load(Ordering::SeqCst))
        .map_err(|e| Refusal::Unauthenticated(e.to_string()))?;
    let state = shared.state.lock().unwrap_or_else(|p| p.into_inner());
    let Some(client) = state.client_by_client_id(&claims.sub) else {
        return Err(Refusal::Unauthenticated(
            "the token's client no longer exists".to_owned(),
        ));
    };
    let home: u64 = claims.tenant_id.parse().unwrap_or(0);
    let context_tenant = match context.map(str::trim).filter(|c| !c.is_empty()) {
        None => home,
        Some(text) => match text.parse::<u64>() {
            Ok(t) if state.tenant(t).is_some() && state.rank(client, t, now) >= RANK_READ => t,
            _ => {
                return Err(Refusal::Forbidden(format!(
                    "access denied to tenant {text} (X-Tenant-Context)"
                )))
            }
        },
    };
    Ok(Caller {
        client_id: claims.sub.clone(),
        context_tenant,
        now,
        wanted: None,
    })
}

/// A GraphQL endpoint: faults, bearer token, tenant context, then execution.
async fn graphql(
    AxState(shared): AxState<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
    endpoint: Endpoint,
) -> Response {
    shared.stats().graphql_requests += 1;
    if let Some(r) = faults(&shared, Route::GraphQl).await {
        return r;
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_bearer);
    let context = headers
        .get("x-tenant-context")
        .and_then(|v| v.to_str().ok());
    let caller = match authenticate(&shared, token, context) {
        Ok(caller) => caller,
        Err(refusal) => return refusal.response(&shared),
    };
    let request: Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            let message = format!("request body is not a GraphQL JSON request: {e}");
            return json_response(StatusCode::BAD_REQUEST, error_body(&message, "BAD_REQUEST"));
        }
    };
    let Some(engine) = shared.engines.iter().find(|e| e.endpoint() == endpoint) else {
        return not_found().await;
    };
    let outcome = engine.run(
        &request,
        &shared.registry,
        &shared.state,
        &caller,
        shared.seed,
    );
    if let Some(name) = outcome.operation {
        *shared.stats().operations.entry(name).or_insert(0) += 1;
    }
    json_response(StatusCode::OK, outcome.body)
}

/// `GET /<service>/version`.
async fn version(AxState(shared): AxState<Arc<Shared>>) -> Response {
    shared.stats().version_requests += 1;
    if let Some(r) = faults(&shared, Route::Version).await {
        return r;
    }
    let body = serde_json::to_vec(&serde_json::json!({
        "tag": env!("CARGO_PKG_VERSION"),
        "revision": "sandbox",
        "timestamp": rfc3339(shared.started_ms, false),
    }))
    .unwrap_or_default();
    json_response(StatusCode::OK, body)
}
