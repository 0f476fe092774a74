//! An embedded, stateful emulator of the Taegis API, for tests, examples and offline work.
//!
//! [`Sandbox::builder`] starts a server on `127.0.0.1:<free port>` that serves, under one
//! base URL:
//!
//! - `POST /auth/api/v2/auth/token`: client credentials by HTTP Basic with a JSON or
//!   form-encoded `grant_type=client_credentials` body; returns JWT-shaped access tokens
//!   (HMAC-SHA256 under a per-process key, verified on every request, with `exp`, `iat`, `sub`
//!   and the tenant claim `https://missione/octolabs/io/tenantIds`);
//! - `POST /graphql`: the main schema (`codegen/schemas/main.json`: 55 services);
//! - `POST /public/query` and `POST /query`: the tenants schema (`codegen/schemas/tenants.json`);
//! - tenants v4 on `/graphql` (`tenants`, `tenant`) reads the same tenants, filters, paging and
//!   visibility as the tenants host, in main's `TenantResults`/`TenantV4` shape;
//! - alerts (`alertsServiceSearch` in parts with `alertsServicePoll`, by ID, resolution) and
//!   investigations v2 (search, get, create, update, archive, evidence, comments) on
//!   `/graphql`, per tenant, filtered by a documented subset of CQL ([`cql`]), made lazily from
//!   the seed and the tenant ID;
//! - the other gateways at their paths (`/events/query`, `/agent-graphql`,
//!   `/cql-metadata/query`, `/fast-ioc/query`, `/multi-tenant-ioc/query`), each over its
//!   bundled schema; root fields no service registers answer with mock data (below);
//! - `GET /<service>/version`: `{"tag","revision","timestamp"}`;
//! - a WebSocket (`GET` with `Upgrade`) on every GraphQL path: subscriptions, queries and
//!   introspection over Apollo's legacy `graphql-ws` protocol, authenticated as the HTTP
//!   requests are, with the token and tenant passed the Python SDK's way (subprotocols
//!   `access-token-<token>`, `x-tenant-context-<tenant>`), the Go SDK's (cookies) or in
//!   `connection_init` (details in the `ws` module); a [`Service`] streams a subscription
//!   with [`Service::subscribe`], and a subscription no service answers streams a few mock
//!   items. Faults: [`Sandbox::drop_subscriptions_after`], [`Sandbox::stall_subscriptions_after`].
//!
//! Every GraphQL request is validated against the checked-in schema and executed by
//! apollo-compiler (introspection included); each root field is answered by the service that
//! registered it (see [below](#services-and-how-to-add-one)), over in-memory state: API clients
//! with roles and seeded tenants with labels and partner subscriptions, which both endpoints
//! share, and each service's own data (such as SSO connections). The bootstrap client ([`Sandbox::client_id`]) is an Administrator of the
//! partner tenant [`Sandbox::tenant_id`], whose children are the other seeded tenants; a
//! client created with the default role is a TenantAnalyst and gets a permission error on
//! tenant mutations. A partner tenant outside that hierarchy (ID 9000, with child 9001) exists
//! but is never visible to the bootstrap client.
//!
//! Every other root field of every bundled schema (Query and Mutation) answers with
//! deterministic, schema-shaped mock data, so any operation that validates also runs: each
//! selected field is made on demand from its schema type, name and arguments, as a pure
//! function of the seed ([`SandboxBuilder::seed`]), the tenant in context, the object's ID and
//! the field. Lists honour size and paging arguments (`limit`, `first`, `count`, `perPage`,
//! `pageSize`, `maxResults`, `page`, `offset`, cursors; at most 1000 items a page) and report
//! consistent totals; an ID read anywhere fetches the same object through a root field taking
//! `id` or `ids` (`investigationRules` then `investigationRule(arguments: {id})`; a
//! detection's `investigation_ids`); `fooId` names the object `foo` returns; enums take schema values;
//! times are RFC 3339, within 97 days before 2026-01-01, `created*` before `updated*`, lists
//! newest first;
//! mutations answer with their input echoed where field names match, and keep no state.
//!
//! Faults can be injected at runtime: latency, random or queued 429 (with `Retry-After`) and
//! 503 responses, short token lifetimes, and revocation of every issued token.
//!
//! Choices where the guides are silent:
//! - GraphQL-level failures (syntax, validation, variables, resolver errors such as
//!   `Existing client in tenant` or `Permission denied: ...`) come back with HTTP 200 and the
//!   standard `errors` list; 400 means the body is not a GraphQL JSON request, 401 a missing,
//!   forged, expired or revoked token (or a deleted client), 403 an `X-Tenant-Context` the token
//!   may not see.
//! - `X-Tenant-Context` (default: the token's tenant) is the tenant new clients, subscriptions
//!   and SSO connections are created in; the `tenants` query returns every tenant the token's
//!   roles reach (its tenant and the tenants below it), whatever the context.
//! - Tenants: `maxResults` defaults to 100 and is capped at 1000; `pageNum` counts from 1;
//!   `cursorPos` is base64 of `<ordering>|<tenant id>` (`aWR8MTAwMTc=` is `id|10017`), valid only
//!   with the ordering it came from; `totalCount` is always filled in.
//! - Clients: `clients(page:)` counts from 1, `clientsSearch(pageOffset:)` from 0; `perPage`
//!   defaults to 100. Administrators and Analysts manage clients; only Administrators change
//!   tenants, labels, subscriptions, support and SSO connections.
//! - SSO connections start as `Draft`; a configuration (metadata URL or XML, or signing
//!   certificate with sign-in endpoint) moves them to `Testing`; then `Enabled`, `Disabled` or
//!   back to `Testing`. `Draft` cannot be set, nor can a Draft be enabled.
//!
//! ```no_run
//! # async fn demo() -> Result<(), taegis_sandbox::SandboxError> {
//! use taegis_sandbox::Sandbox;
//! let sandbox = Sandbox::builder().tenants(25).seed(7).start().await?;
//! println!("{} {} {}", sandbox.base_url(), sandbox.client_id(), sandbox.tenant_id());
//! # Ok(()) }
//! ```
//!
//! # Services, and how to add one
//!
//! The sandbox is a registry of [`Service`]s. A service names the root fields it answers
//! ([`Service::root_fields`], each with its [`Endpoint`]), keeps its own data (behind a
//! `Mutex`, since [`Service::resolve`] takes `&self`), may seed it ([`Service::seed`], with the
//! sandbox's [`seed`](Seed::seed)), and answers each field from its JSON arguments with the
//! field's value as JSON. What several services share (the tenants, the calling client and its
//! [`Role`] on each tenant, the tenant in context, the request time, the selected field names)
//! comes through the [`Context`]. At start-up every `(endpoint, root field)` is routed to one
//! service; the engine looks the field up there, and a root field nobody serves answers with
//! the mock data above.
//!
//! Built in: `tenants` (tenants, labels, support, partner subscriptions; seeds the tenant
//! hierarchy), `clients` (API clients, main endpoint), `sso` (SSO connections), `events`
//! (the `eventQuery`/`eventPage` search subscriptions on `/events/query`, over lazily made,
//! per-tenant rows filtered by CQL), `users` (`currentSubject`, seeded per-tenant user
//! search), and empty
//! placeholders for `audits`, `serviceEvents`, `requestableServices` and `registeredDomains`,
//! one module each under `src/services/`, one line each in `services::builtin`.
//!
//! To add one, implement [`Service`] and register it with one line,
//! [`SandboxBuilder::service`]: `Sandbox::builder().service(Domains::default()).start()`. An
//! added service takes over the fields of a built-in one; a field two added services claim,
//! or one the endpoint's bundled schema does not have, makes `start` fail with
//! [`SandboxError::Config`]. The workspace's `examples/add-service` crate does it end to end:
//! its own operations, a stateful `registerDomain`/`registeredDomains` service, and a test
//! over HTTP through `taegis_sdk::Client`.

#![warn(missing_docs)]

mod auth;
pub mod cql;
mod faults;
mod graphql;
mod mock;
mod server;
mod service;
mod services;
mod state;
mod util;
mod ws;

pub use faults::{FaultKind, FaultTarget, Stats};
pub use service::{Context, Role, Seed, Service, SubscriptionStream};
/// The GraphQL gateways; a [`Service`] names the one its root fields belong to.
pub use taegis_sdk_codegen::Endpoint;

use server::Shared;
use state::{Client, RoleAssignment, State, FIRST_TENANT_ID, ROLES, ROLE_ADMIN};
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Why a sandbox could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum SandboxError {
    /// The requested address is not `127.0.0.1`: the sandbox only ever listens on loopback.
    NotLoopback(SocketAddr),
    /// Binding the listener failed.
    Bind(std::io::Error),
    /// A bundled schema failed to load (a bug in this crate).
    Schema(String),
    /// A builder setting is out of range.
    Config(String),
    /// Writing the startup lines failed.
    Output(std::io::Error),
    /// The operating system's random source, which makes the secrets, failed.
    Random(String),
}

impl std::fmt::Display for SandboxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SandboxError::NotLoopback(addr) => {
                write!(f, "the sandbox only listens on 127.0.0.1, not {addr}")
            }
            SandboxError::Bind(e) => write!(f, "cannot bind the sandbox listener: {e}"),
            SandboxError::Schema(e) => write!(f, "cannot load a bundled schema: {e}"),
            SandboxError::Config(e) => write!(f, "invalid sandbox setting: {e}"),
            SandboxError::Output(e) => write!(f, "cannot write the sandbox settings: {e}"),
            SandboxError::Random(e) => write!(f, "cannot make the sandbox's secrets: {e}"),
        }
    }
}

impl std::error::Error for SandboxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SandboxError::Bind(e) | SandboxError::Output(e) => Some(e),
            _ => None,
        }
    }
}

/// The services added with [`SandboxBuilder::service`].
#[derive(Clone, Default)]
struct Added(Vec<Arc<dyn Service>>);

impl std::fmt::Debug for Added {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|s| s.name()))
            .finish()
    }
}

/// Settings of a sandbox; [`SandboxBuilder::start`] runs it.
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    addr: SocketAddr,
    tenants: u64,
    seed: u64,
    token_ttl: Duration,
    latency: Duration,
    rate_limit_rate: f64,
    unavailable_rate: f64,
    retry_after: Duration,
    alerts_per_tenant: Option<u64>,
    services: Added,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            tenants: 100,
            seed: 0,
            token_ttl: Duration::from_secs(3600),
            latency: Duration::ZERO,
            rate_limit_rate: 0.0,
            unavailable_rate: 0.0,
            retry_after: Duration::from_secs(1),
            alerts_per_tenant: None,
            services: Added::default(),
        }
    }
}

impl SandboxBuilder {
    /// Listen address; must be `127.0.0.1` (port 0, the default, picks a free port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Number of tenants the bootstrap client sees: its partner tenant plus `n - 1` children
    /// (default 100, at least 1).
    pub fn tenants(mut self, n: u64) -> Self {
        self.tenants = n.max(1);
        self
    }

    /// Every tenant gets exactly `n` alerts, at most 100,000 (default: 40 to 199 each, by the
    /// seed), for searches and benchmarks over many alerts; still made on first access.
    pub fn alerts_per_tenant(mut self, n: u64) -> Self {
        self.alerts_per_tenant = Some(n.min(100_000));
        self
    }

    /// Seed of the generated tenant data (default 0): the same seed gives the same tenants.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Lifetime of issued access tokens (default one hour).
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// Delay added before every response (default none).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Share of GraphQL and version requests answered with a fault, half of them 429 (with
    /// `Retry-After`) and half 503 (default 0). Token requests are never failed at random.
    pub fn fail_rate(mut self, rate: f64) -> Self {
        self.rate_limit_rate = rate / 2.0;
        self.unavailable_rate = rate / 2.0;
        self
    }

    /// Share of GraphQL and version requests answered with 429 and `Retry-After`.
    pub fn rate_limit_rate(mut self, rate: f64) -> Self {
        self.rate_limit_rate = rate;
        self
    }

    /// Share of GraphQL and version requests answered with 503.
    pub fn unavailable_rate(mut self, rate: f64) -> Self {
        self.unavailable_rate = rate;
        self
    }

    /// The `Retry-After` sent with 429 responses, rounded up to whole seconds (default 1 s).
    pub fn retry_after(mut self, delay: Duration) -> Self {
        self.retry_after = delay;
        self
    }

    /// Adds a [`Service`]: from now on it answers its root fields, taking over any a built-in
    /// service answers (two added services may not claim the same field: `start` fails).
    /// Services are shared, not copied, by a cloned builder; register an `Arc<S>` to keep a
    /// handle on the service's data.
    pub fn service(mut self, service: impl Service) -> Self {
        self.services.0.push(Arc::new(service));
        self
    }

    /// Starts the sandbox on the current tokio runtime.
    pub async fn start(self) -> Result<Sandbox, SandboxError> {
        if self.addr.ip() != std::net::IpAddr::V4(Ipv4Addr::LOCALHOST) {
            return Err(SandboxError::NotLoopback(self.addr));
        }
        let rates = [self.rate_limit_rate, self.unavailable_rate];
        if rates.iter().any(|r| !(0.0..=1.0).contains(r)) || rates.iter().sum::<f64>() > 1.0 {
            return Err(SandboxError::Config(
                "fault rates must be within 0..=1".to_owned(),
            ));
        }
        if self.tenants > 10_000_000 {
            return Err(SandboxError::Config(
                "at most 10,000,000 tenants".to_owned(),
            ));
        }
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(SandboxError::Bind)?;
        let addr = listener.local_addr().map_err(SandboxError::Bind)?;
        let base_url = format!("http://{addr}");
        // Every gateway whose schema is bundled is served; adding one is adding its schema.
        let engines = Endpoint::ALL
            .iter()
            .filter(|e| taegis_sdk_codegen::bundled_schema(**e).is_some())
            .map(|e| graphql::Engine::new(*e).map_err(SandboxError::Schema))
            .collect::<Result<Vec<_>, _>>()?;
        let roots: Vec<(Endpoint, Vec<String>)> = engines
            .iter()
            .map(|e| (e.endpoint(), e.root_fields()))
            .collect();
        let registry = service::Registry::build(
            services::builtin(self.alerts_per_tenant),
            self.services.0,
            &roots,
        )
        .map_err(SandboxError::Config)?;
        let mut state = State::new(base_url.clone(), FIRST_TENANT_ID + self.tenants);
        registry
            .seed(&mut service::Seed::new(&mut state, self.seed, self.tenants))
            .map_err(SandboxError::Config)?;
        let now = util::now_ms();
        let client_id = util::secure::alnum(32).map_err(SandboxError::Random)?;
        let client_secret = util::secure::alnum(64).map_err(SandboxError::Random)?;
        let admin = ROLES
            .iter()
            .find(|r| r.id == ROLE_ADMIN)
            .expect("known role");
        let bootstrap = Client {
            id: util::secure::uuid().map_err(SandboxError::Random)?,
            name: "sandbox-bootstrap".to_owned(),
            client_id: client_id.clone(),
            secret: client_secret.clone(),
            tenant_id: FIRST_TENANT_ID,
            owner_tenant_id: FIRST_TENANT_ID,
            created_at: now,
            updated_at: now,
            created_by: "sandbox".to_owned(),
            updated_by: "sandbox".to_owned(),
            token_request_time: None,
            token_request_count: 0,
            roles: vec![RoleAssignment {
                id: util::secure::uuid().map_err(SandboxError::Random)?,
                tenant_id: FIRST_TENANT_ID,
                role: admin,
                expires_at: None,
            }],
        };
        state.clients.push(bootstrap);
        state.ensure_indexes();
        let mut faults = faults::Faults::new(self.seed);
        faults.latency = self.latency;
        faults.rate_limit_rate = self.rate_limit_rate;
        faults.unavailable_rate = self.unavailable_rate;
        faults.retry_after = self.retry_after;
        faults.token_ttl = self.token_ttl;
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            registry,
            signer: auth::Signer::random().map_err(SandboxError::Random)?,
            engines,
            faults: Mutex::new(faults),
            stats: Mutex::new(Stats::default()),
            generation: AtomicU64::new(0),
            started_ms: now,
            seed: self.seed,
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = server::router(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Sandbox {
            shared,
            addr,
            base_url,
            client_id,
            client_secret,
            tenant_id: FIRST_TENANT_ID.to_string(),
            tenants: self.tenants,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A running sandbox; it stops when dropped (or with [`Sandbox::shutdown`]).
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: String,
    client_id: String,
    client_secret: String,
    tenant_id: String,
    tenants: u64,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("tenant_id", &self.tenant_id)
            .field("tenants", &self.tenants)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Settings with the defaults: 100 tenants, seed 0, one-hour tokens, no faults.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// The base URL of every endpoint, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bootstrap client's client_id (an Administrator of [`Sandbox::tenant_id`]).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The bootstrap client's secret.
    pub fn client_secret(&self) -> &str {
        &self.client_secret
    }

    /// The bootstrap partner tenant's ID.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// How many tenants were seeded (all visible to the bootstrap client).
    pub fn tenant_count(&self) -> u64 {
        self.tenants
    }

    /// The `KEY=value` lines `taegis sandbox serve` prints, one per line, each ending in `\n`.
    pub fn env_lines(&self) -> String {
        format!(
            "TAEGIS_API_URL={url}\nTAEGIS_TENANTS_URL={url}\nCLIENT_ID={}\nCLIENT_SECRET={}\nTAEGIS_TENANT_ID={}\n",
            self.client_id,
            self.client_secret,
            self.tenant_id,
            url = self.base_url
        )
    }

    /// Makes every token issued so far invalid (401 from now on); clients can get new ones.
    pub fn revoke_all_tokens(&self) {
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Mints an access token for an existing client without a token request (not counted in
    /// [`Stats`]); `ttl` may be zero for an already expired token. `None` if no such client.
    pub fn mint_token(&self, client_id: &str, ttl: Duration) -> Option<String> {
        self.shared
            .mint(client_id, ttl.as_millis() as i64)
            .map(|(t, _)| t)
    }

    fn with_faults<R>(&self, f: impl FnOnce(&mut faults::Faults) -> R) -> R {
        f(&mut self.shared.faults.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Sets the delay added before every response.
    pub fn set_latency(&self, latency: Duration) {
        self.with_faults(|f| f.latency = latency);
    }

    /// Sets the share of GraphQL and version requests answered with 429 and `Retry-After`.
    pub fn set_rate_limit_rate(&self, rate: f64) {
        self.with_faults(|f| f.rate_limit_rate = rate.clamp(0.0, 1.0));
    }

    /// Sets the share of GraphQL and version requests answered with 503.
    pub fn set_unavailable_rate(&self, rate: f64) {
        self.with_faults(|f| f.unavailable_rate = rate.clamp(0.0, 1.0));
    }

    /// Sets both random fault rates at once: `rate / 2` of 429s and `rate / 2` of 503s.
    pub fn set_fail_rate(&self, rate: f64) {
        let half = rate.clamp(0.0, 1.0) / 2.0;
        self.with_faults(|f| {
            f.rate_limit_rate = half;
            f.unavailable_rate = half;
        });
    }

    /// Sets the `Retry-After` of 429 responses (rounded up to whole seconds).
    pub fn set_retry_after(&self, delay: Duration) {
        self.with_faults(|f| f.retry_after = delay);
    }

    /// Sets the lifetime of tokens issued from now on.
    pub fn set_token_ttl(&self, ttl: Duration) {
        self.with_faults(|f| f.token_ttl = ttl);
    }

    /// Answers the next `count` requests matching `target` with `kind`, before any random
    /// fault; queued faults are used in the order they were queued.
    pub fn fail_next(&self, target: FaultTarget, kind: FaultKind, count: u64) {
        self.with_faults(|f| f.queue(target, kind, count));
    }

    /// From now on, each subscription started over a WebSocket has its socket dropped (the
    /// TCP connection closed with no `complete` and no close frame) right after its `n`-th
    /// `data` message: the client sees the connection lost mid-stream. Counted in
    /// [`Stats::subscriptions_dropped`]; [`clear_faults`](Self::clear_faults) ends it.
    pub fn drop_subscriptions_after(&self, n: u64) {
        self.with_faults(|f| f.drop_subscriptions_after = Some(n));
    }

    /// From now on, each subscription started over a WebSocket stalls after its `n`-th
    /// `data` message: its socket stays open but the sandbox sends nothing more on it (no
    /// data, no `complete`, no keep-alive) until the client gives up. Counted in
    /// [`Stats::subscriptions_stalled`]; [`clear_faults`](Self::clear_faults) ends it for
    /// subscriptions started afterwards.
    pub fn stall_subscriptions_after(&self, n: u64) {
        self.with_faults(|f| f.stall_subscriptions_after = Some(n));
    }

    /// Like [`drop_subscriptions_after`](Self::drop_subscriptions_after), for the next
    /// subscription started only (then the standing setting, if any, applies again): one
    /// dropped page for a client that resumes.
    pub fn drop_next_subscription_after(&self, n: u64) {
        self.with_faults(|f| f.drop_next_subscription_after = Some(n));
    }

    /// Like [`stall_subscriptions_after`](Self::stall_subscriptions_after), for the next
    /// subscription started only.
    pub fn stall_next_subscription_after(&self, n: u64) {
        self.with_faults(|f| f.stall_next_subscription_after = Some(n));
    }

    /// Drops queued faults, subscription faults, and sets the random fault rates to zero
    /// (latency stays).
    pub fn clear_faults(&self) {
        self.with_faults(|f| f.clear());
    }

    /// A snapshot of the request counters.
    pub fn stats(&self) -> Stats {
        self.shared
            .stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Resets the request counters to zero.
    pub fn reset_stats(&self) {
        *self.shared.stats.lock().unwrap_or_else(|p| p.into_inner()) = Stats::default();
    }

    /// Stops accepting connections and waits for the server task to finish open requests.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Runs a sandbox for `taegis sandbox serve`: starts it with `builder`, writes the `KEY=value`
/// lines of [`Sandbox::env_lines`] to `out` and flushes, then serves until SIGINT or SIGTERM.
pub async fn serve_forever(
    builder: SandboxBuilder,
    mut out: impl Write,
) -> Result<(), SandboxError> {
    let sandbox = builder.start().await?;
    out.write_all(sandbox.env_lines().as_bytes())
        .map_err(SandboxError::Output)?;
    out.flush().map_err(SandboxError::Output)?;
    shutdown_signal().await;
    sandbox.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
