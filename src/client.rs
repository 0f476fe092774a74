//! The client: a thin handle over the shared [`Config`], identity cache and transport.
//! Configuration lives in [`crate::config`], tokens in [`crate::identity`], the attempt
//! loop in [`crate::transport`], decoding in [`crate::response`] and the device-code login
//! in [`crate::device`].

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use reqwest::Method;
use tracing::Instrument as _;

use crate::auth::{AccessToken, Credentials, DeviceCodePrompt};
use crate::config::{ClientBuilder, Config, TenantId};
use crate::device::DeviceLogin;
use crate::document::document_kind;
use crate::error::Error;
use crate::identity::IdentityCache;
use crate::region::Region;
use crate::response::{decode_graphql, decode_json, raw_json};
use crate::transport::{Auth, Reply, RequestSpec, Transport};
use crate::{Endpoint, Operation, OperationKind};

/// The `tag`, `revision` and `timestamp` of a service, from `GET <api>/<service>/version`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct ServiceVersion {
    /// Release tag, e.g. `0.1.11`.
    #[serde(default)]
    pub tag: String,
    /// Source revision.
    #[serde(default)]
    pub revision: String,
    /// Build time (RFC 3339).
    #[serde(default)]
    pub timestamp: String,
}

/// What every handle of a client shares: the settings, the token and the connections.
struct Inner {
    config: Config,
    identity: IdentityCache,
    transport: Transport,
    /// Whether the main endpoint knows `clientsSearch`, once a search has found out: the
    /// clients facade asks once per client (and its clones), not on every page.
    has_clients_search: std::sync::OnceLock<bool>,
    /// The TLS settings of `wss://` subscriptions, made on the first one and shared by every
    /// later one (the platform store is read once, as for HTTP).
    websocket_tls: std::sync::OnceLock<Arc<rustls::ClientConfig>>,
}

/// A Taegis XDR API client. Cheap to clone: clones share the connection pool and the token
/// cache.
///
/// ```no_run
/// # async fn demo() -> Result<(), taegis_sdk::Error> {
/// use taegis_sdk::ops::main::{clients, Clients};
///
/// let client = taegis_sdk::Client::from_env()?;
/// let page = client
///     .with_tenant("12345")?
///     .execute::<Clients>(clients::Variables {
///         name: Some("%docs%".into()),
///         client_i_ds: None,
///         tenant_id: None,
///         role_i_ds: None,
///         tenant_i_ds: None,
///         page: None,
///         per_page: None,
///     })
///     .await?;
/// println!("{} clients", page.clients.map_or(0, |c| c.len()));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    tenant: Option<TenantId>,
    /// A rate limiter shared with other handles (see [`Client::with_throttle`]).
    throttle: Option<Arc<crate::fanout::Throttle>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &self.inner.config;
        f.debug_struct("Client")
            .field("region", &config.region)
            .field("api_url", &config.api_url)
            .field("tenants_url", &config.tenants_url)
            .field("tenant", &self.tenant)
            .field("credentials", &config.credentials)
            .field("retry", &config.retry)
            .field("max_response_size", &config.max_response_size)
            .field(
                "extra_headers",
                &config.extra_headers.keys().collect::<Vec<_>>(),
            )
            .field("token_cache", &config.token_cache)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured from the environment ([`ClientBuilder::from_env_with`] lists the
    /// variables).
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// A client from validated settings ([`ClientBuilder::build_config`]); builds the HTTP
    /// client (connection pool, root store, proxy).
    pub fn from_config(config: Config) -> Result<Client, Error> {
        let transport = Transport::new(&config)?;
        let identity = IdentityCache::new(&config);
        let tenant = config.tenant.clone();
        Ok(Client {
            inner: Arc::new(Inner {
                config,
                identity,
                transport,
                has_clients_search: std::sync::OnceLock::new(),
                websocket_tls: std::sync::OnceLock::new(),
            }),
            tenant,
            throttle: None,
        })
    }

    /// The memo of whether the server knows `clientsSearch` (see `Inner`).
    pub(crate) fn has_clients_search(&self) -> &std::sync::OnceLock<bool> {
        &self.inner.has_clients_search
    }

    /// The settings this client was built with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// A handle whose requests carry `X-Tenant-Context: <tenant>`, sharing this client's
    /// connections and token cache.
    pub fn with_tenant(&self, tenant: impl Into<String>) -> Result<Client, Error> {
        Ok(self.with_tenant_id(TenantId::new(tenant)?))
    }

    /// Like [`Client::with_tenant`], with an already validated ID.
    pub fn with_tenant_id(&self, tenant: TenantId) -> Client {
        Client {
            inner: self.inner.clone(),
            tenant: Some(tenant),
            throttle: self.throttle.clone(),
        }
    }

    /// A handle that sends no `X-Tenant-Context`.
    pub fn without_tenant(&self) -> Client {
        Client {
            inner: self.inner.clone(),
            tenant: None,
            throttle: self.throttle.clone(),
        }
    }

    /// A handle whose requests share `throttle` with every other handle given it: each
    /// request waits while the limiter is held, and a 429 (or a 503 with `Retry-After`) on
    /// any of them holds it for the server's `Retry-After` (else the retry backoff), so all
    /// of them back off together. [`crate::fanout::FanOut`] gives one to every tenant.
    pub fn with_throttle(&self, throttle: Arc<crate::fanout::Throttle>) -> Client {
        Client {
            inner: self.inner.clone(),
            tenant: self.tenant.clone(),
            throttle: Some(throttle),
        }
    }

    /// The tenant context of this handle.
    pub fn tenant_id(&self) -> Option<&TenantId> {
        self.tenant.as_ref()
    }

    /// The region, unless both base URLs were set by hand.
    pub fn region(&self) -> Option<Region> {
        self.inner.config.region
    }

    /// Base URL of the main API (no trailing slash).
    pub fn api_url(&self) -> &str {
        &self.inner.config.api_url
    }

    /// Base URL of the tenants API (no trailing slash).
    pub fn tenants_url(&self) -> &str {
        &self.inner.config.tenants_url
    }

    /// The base URL of a host: the API host or the tenants host.
    pub fn base_url(&self, host: crate::Host) -> &str {
        match host {
            crate::Host::Api => self.api_url(),
            crate::Host::Tenants => self.tenants_url(),
        }
    }

    /// The GraphQL URL of an endpoint: its host's base URL and its path.
    pub fn graphql_url(&self, endpoint: Endpoint) -> String {
        format!("{}{}", self.base_url(endpoint.host), endpoint.path)
    }

    /// Runs a generated operation on its endpoint and decodes its data.
    ///
    /// GraphQL `errors` become [`Error::GraphQl`], which keeps any partial data.
    pub async fn execute<Op: Operation>(
        &self,
        variables: Op::Variables,
    ) -> Result<Op::ResponseData, Error> {
        self.execute_as::<Op, Op::ResponseData>(variables).await
    }

    /// Runs a generated operation like [`Client::execute`], decoding its `data` into `T`
    /// instead of the generated `ResponseData`: any type whose shape matches the operation's
    /// selection (the facades use this to return one `Tenant` type from every tenant
    /// operation). A decode failure names the operation and the JSON path.
    pub async fn execute_as<Op: Operation, T: serde::de::DeserializeOwned>(
        &self,
        variables: Op::Variables,
    ) -> Result<T, Error> {
        let body = Op::build_query(variables);
        let name = body.operation_name;
        let bytes = serde_json::to_vec(&body).map_err(|e| Error::Config {
            message: format!("cannot encode the variables of {name}: {e}"),
        })?;
        let reply = self
            .send(
                Method::POST,
                &self.graphql_url(Op::ENDPOINT),
                Some(bytes),
                Op::KIND,
                name,
                Op::ENDPOINT.name,
            )
            .await?;
        decode_graphql::<T>(&reply.answer, &self.redactor(&reply), name)
    }

    /// Starts a generated subscription operation on its endpoint over WebSocket and returns
    /// its results as a stream (see [`Subscription`](crate::Subscription) for the protocol,
    /// errors and how it ends).
    ///
    /// ```no_run
    /// # async fn demo<Op: taegis_sdk::Operation>(client: taegis_sdk::Client, variables: Op::Variables)
    /// # -> Result<(), taegis_sdk::Error> where Op::ResponseData: Send + 'static {
    /// use futures_util::StreamExt;
    ///
    /// let mut results = client.subscribe::<Op>(variables).await?;
    /// while let Some(result) = results.next().await {
    ///     let _data: Op::ResponseData = result?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn subscribe<Op: Operation>(
        &self,
        variables: Op::Variables,
    ) -> Result<crate::Subscription<Op::ResponseData>, Error>
    where
        Op::ResponseData: Send + 'static,
    {
        self.subscribe_as::<Op, Op::ResponseData>(variables).await
    }

    /// Starts a generated subscription like [`Client::subscribe`], decoding each result's
    /// `data` into `T` instead of the generated `ResponseData` (as [`Client::execute_as`]).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use futures_util::StreamExt;
    /// use taegis_sdk::ops::events::{event_page, EventPage};
    ///
    /// // Only the `next` of each message, whatever else the operation selects.
    /// #[derive(serde::Deserialize)]
    /// struct Next { #[serde(rename = "eventPage")] page: Option<serde_json::Value> }
    /// let mut pages = client
    ///     .subscribe_as::<EventPage, Next>(event_page::Variables { id: "page-2".into() })
    ///     .await?;
    /// while let Some(message) = pages.next().await {
    ///     println!("{:?}", message?.page.and_then(|p| p.get("next").cloned()));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn subscribe_as<Op: Operation, T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        variables: Op::Variables,
    ) -> Result<crate::Subscription<T>, Error> {
        let body = Op::build_query(variables);
        let payload = serde_json::to_value(&body).map_err(|e| Error::Config {
            message: format!(
                "cannot encode the variables of {}: {e}",
                body.operation_name
            ),
        })?;
        self.start_subscription(Op::ENDPOINT, body.operation_name, payload)
            .await
    }

    /// Starts any subscription document on `endpoint` and streams the `data` of each result
    /// as JSON, like [`Client::subscribe`] without generated types.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use futures_util::TryStreamExt;
    /// let messages: Vec<serde_json::Value> = client
    ///     .subscribe_raw(
    ///         taegis_sdk::Endpoint::EVENTS,
    ///         "subscription q($q: String!) { eventQuery(query: $q) { next } }",
    ///         Some(serde_json::json!({"q": "FROM process EARLIEST=-1h"})),
    ///         Some("q"),
    ///     )
    ///     .await?
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn subscribe_raw(
        &self,
        endpoint: Endpoint,
        query: &str,
        variables: Option<serde_json::Value>,
        operation_name: Option<&str>,
    ) -> Result<crate::Subscription<serde_json::Value>, Error> {
        let mut payload = serde_json::json!({"query": query});
        if let Some(v) = variables {
            payload["variables"] = v;
        }
        if let Some(name) = operation_name {
            payload["operationName"] = name.into();
        }
        self.start_subscription(endpoint, operation_name.unwrap_or("(raw)"), payload)
            .await
    }

    /// Opens the connection with a valid token; a handshake refused with 401 is tried once
    /// more with a fresh token when one can be had.
    async fn start_subscription<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        endpoint: Endpoint,
        operation: &str,
        payload: serde_json::Value,
    ) -> Result<crate::Subscription<T>, Error> {
        let mut refreshed = false;
        loop {
            let cached = self.inner.identity.token(&self.inner.transport).await?;
            let start = crate::subscription::Start {
                url: self.graphql_url(endpoint),
                config: &self.inner.config,
                tls: &self.inner.websocket_tls,
                tenant: self.tenant.as_ref(),
                token: cached.token.clone(),
                redactor: self.inner.transport.redactor_with(Some(&cached.token)),
                operation: operation.to_owned(),
                payload: payload.clone(),
            };
            match crate::subscription::start(start).await {
                Ok(subscription) => return Ok(subscription),
                Err(crate::subscription::HandshakeFailure::Unauthorized(error)) => {
                    if !self
                        .inner
                        .identity
                        .after_unauthorized(&cached.token, &mut refreshed)
                    {
                        return Err(error);
                    }
                }
                Err(crate::subscription::HandshakeFailure::Other(error)) => return Err(error),
            }
        }
    }

    /// A valid access token (from the cache, or fetched now), with its expiry when known: for
    /// handing the token to another tool (`taegis auth token`).
    pub async fn access_token(&self) -> Result<AccessToken, Error> {
        let cached = self.inner.identity.token(&self.inner.transport).await?;
        Ok(match cached.expires_at {
            Some(at) => AccessToken::with_expiry(cached.token.clone(), at),
            None => AccessToken::new(cached.token.clone()),
        })
    }

    /// The OAuth2 client ID of the client credentials this client signs in with, if any.
    pub fn client_id(&self) -> Option<&str> {
        match &self.inner.config.credentials {
            Some(Credentials::ClientCredentials { client_id, .. }) => Some(client_id),
            _ => None,
        }
    }

    /// Runs any GraphQL document and returns the whole JSON response (`data`, `errors`,
    /// `extensions`) as the server sent it, even when it holds `errors` (every form of the
    /// client's secrets redacted). The document is parsed to tell which operation runs
    /// (`operation_name`, else the only one): a mutation, a subscription, or a document that
    /// may run one (unparsable, several operations without a name) gets the mutation retry
    /// rules and is never resent after the server may have acted.
    pub async fn execute_raw(
        &self,
        endpoint: Endpoint,
        query: &str,
        variables: Option<serde_json::Value>,
        operation_name: Option<&str>,
    ) -> Result<serde_json::Value, Error> {
        let mut body = serde_json::Map::new();
        body.insert("query".into(), query.into());
        if let Some(v) = variables {
            body.insert("variables".into(), v);
        }
        if let Some(name) = operation_name {
            body.insert("operationName".into(), name.into());
        }
        let bytes = serde_json::to_vec(&body).map_err(|e| Error::Config {
            message: e.to_string(),
        })?;
        let kind = document_kind(query, operation_name);
        let operation = operation_name.unwrap_or("(raw)");
        let reply = self
            .send(
                Method::POST,
                &self.graphql_url(endpoint),
                Some(bytes),
                kind,
                operation,
                endpoint.name,
            )
            .await?;
        raw_json(&reply.answer, &self.redactor(&reply), operation)
    }

    /// `GET <api>/<service>/version`.
    pub async fn service_version(&self, service: &str) -> Result<ServiceVersion, Error> {
        if service.is_empty()
            || !service
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(Error::Config {
                message: format!("invalid service name {service:?}"),
            });
        }
        let url = format!("{}/{service}/version", self.api_url());
        let reply = self
            .send(
                Method::GET,
                &url,
                None,
                OperationKind::Query,
                "version",
                "rest",
            )
            .await?;
        decode_json(
            &reply.answer,
            &self.redactor(&reply),
            "version",
            "a service version ({tag, revision, timestamp})",
        )
    }

    /// Logs in with the device-code flow: asks the server for a code, calls `prompt` so the
    /// user can open the link, then waits for the login to complete. The token is used by
    /// this client (and its handles) and written to the token cache file when one is on.
    ///
    /// Never called automatically.
    pub async fn login_with_device_code(
        &self,
        prompt: impl FnOnce(&DeviceCodePrompt),
    ) -> Result<AccessToken, Error> {
        let inner = &*self.inner;
        DeviceLogin {
            api_url: &inner.config.auth_url,
            transport: &inner.transport,
            identity: &inner.identity,
            clock: inner.config.time_source.as_ref(),
            sleep: inner.config.sleep.as_ref(),
        }
        .run(prompt)
        .await
    }

    /// Drops the cached token, so the next request obtains a new one.
    pub async fn clear_token(&self) {
        self.inner.identity.clear();
    }

    /// The client's redactor plus the token `reply` was obtained with.
    fn redactor(&self, reply: &Reply) -> crate::redact::Redactor {
        self.inner.transport.redactor_with(reply.token.as_ref())
    }

    /// An API request through the transport, in a `taegis.request` span.
    async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<Vec<u8>>,
        kind: OperationKind,
        operation: &str,
        endpoint: &'static str,
    ) -> Result<Reply, Error> {
        let span = tracing::info_span!(
            "taegis.request",
            operation = %operation,
            endpoint,
            tenant = self.tenant.as_ref().map(TenantId::as_str).unwrap_or(""),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let spec = RequestSpec {
            method,
            url,
            body: body.map(bytes::Bytes::from),
            kind,
            limit: self.inner.config.max_response_size,
            tenant: self.tenant.as_ref(),
            label: "Taegis request",
            throttle: self.throttle.as_deref(),
        };
        let result = self
            .inner
            .transport
            .send(spec, Auth::Api(&self.inner.identity), &span)
            .instrument(span.clone())
            .await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_futures_are_thread_safe() {
        fn send_sync<T: Send + Sync + 'static>() {}
        fn send<T: Send>(_: &T) {}
        send_sync::<Client>();
        send_sync::<Error>();
        let client = Client::builder().access_token("t").build().unwrap();
        let clients = crate::ops::main::clients::Variables {
            name: None,
            client_i_ds: None,
            tenant_id: None,
            role_i_ds: None,
            tenant_i_ds: None,
            page: None,
            per_page: None,
        };
        send(&client.execute::<crate::ops::main::Clients>(clients));
        send(&client.execute_raw(Endpoint::MAIN, "{ x }", None, None));
        send(&client.service_version("assets"));
        send(&client.login_with_device_code(|_| {}));
    }
}
