//! The client: configuration, token cache, tenant context and the request pipeline.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use tracing::Instrument as _;
use zeroize::Zeroizing;

use crate::auth::{
    clean_bearer, jwt_expiry, python_token_cache_path, AccessToken, Credentials, DeviceCodePrompt,
    DeviceCodeStart, TokenCacheFile, TokenProvider, TokenResponse, DEFAULT_TOKEN_LIFETIME,
    DEVICE_CODE_AUTH_PATH, DEVICE_CODE_TOKEN_PATH, TOKEN_PATH,
};
use crate::document::document_kind;
use crate::error::Error;
use crate::net::{
    self, display_url, normalize_base_url, send_and_read, Answer, TlsRoots,
    DEFAULT_MAX_RESPONSE_SIZE, MAX_AUTH_RESPONSE_SIZE,
};
use crate::redact::Redactor;
use crate::region::Region;
use crate::response::{auth_error, decode_error, decode_graphql, http_error, raw_json, request_id};
use crate::retry::{parse_retry_after, Failure, RetryConfig};
use crate::secret::{secrets_equal, SecretString};
use crate::time::{AsyncSleep, SystemTimeSource, TimeSource, TokioSleep};
use crate::{Endpoint, Operation, OperationKind};

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("taegis-sdk-rust/", env!("CARGO_PKG_VERSION"));

/// Default safety margin: a token is replaced this long before it expires.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// A validated tenant ID, sent as `X-Tenant-Context`.
///
/// ```
/// use taegis_sdk::TenantId;
///
/// assert_eq!(TenantId::new("12345").unwrap().as_str(), "12345");
/// assert!(TenantId::new("").is_err());
/// assert!(TenantId::new("12 345").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantId(String);

impl TenantId {
    /// Validates a tenant ID: non-empty, at most 256 characters, ASCII without whitespace or
    /// control characters.
    pub fn new(id: impl Into<String>) -> Result<Self, Error> {
        let id = id.into();
        if id.is_empty() {
            return Err(Error::InvalidTenantId {
                reason: "it is empty",
            });
        }
        if id.chars().count() > 256 {
            return Err(Error::InvalidTenantId {
                reason: "it is longer than 256 characters",
            });
        }
        if id.chars().any(char::is_whitespace) {
            return Err(Error::InvalidTenantId {
                reason: "it contains whitespace",
            });
        }
        if id.chars().any(char::is_control) {
            return Err(Error::InvalidTenantId {
                reason: "it contains control characters",
            });
        }
        // A header may carry other bytes, but servers read them differently (or not at all):
        // refuse them rather than send a tenant context the server may ignore.
        if !id.is_ascii() {
            return Err(Error::InvalidTenantId {
                reason: "it contains non-ASCII characters",
            });
        }
        if HeaderValue::from_str(&id).is_err() {
            return Err(Error::InvalidTenantId {
                reason: "it is not a valid header value",
            });
        }
        Ok(Self(id))
    }

    /// The ID.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for TenantId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

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

/// Builds a [`Client`]. Setters come in pairs: `x(self, value) -> Self` and
/// `set_x(&mut self, Option<value>) -> &mut Self`.
///
/// ```
/// use std::time::Duration;
/// use taegis_sdk::{Client, Region};
///
/// let client = Client::builder()
///     .region(Region::Us2)
///     .client_credentials("my-client-id", "my-client-secret")
///     .tenant_id("12345")
///     .timeout(Duration::from_secs(30))
///     .build()
///     .unwrap();
/// assert_eq!(client.graphql_url(taegis_sdk::Endpoint::MAIN), "https://api.delta.taegis.secureworks.com/graphql");
/// ```
#[derive(Clone, Default)]
pub struct ClientBuilder {
    region: Option<Region>,
    environment: Option<String>,
    api_url: Option<String>,
    tenants_url: Option<String>,
    credentials: Option<Credentials>,
    tenant_id: Option<String>,
    /// Values may be credentials of their own (API gateways): kept redacted in `Debug`.
    headers: Vec<(String, SecretString)>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    retry: Option<RetryConfig>,
    refresh_margin: Option<Duration>,
    python_token_cache: bool,
    token_cache_file: Option<PathBuf>,
    token_cache_section: Option<String>,
    proxy: Option<String>,
    max_response_size: Option<u64>,
    tls_roots: Option<TlsRoots>,
    time_source: Option<Arc<dyn TimeSource>>,
    sleep: Option<Arc<dyn AsyncSleep>>,
}

impl fmt::Debug for ClientBuilder {
    /// Shows the settings without a secret: credentials and header values are redacted, URLs
    /// lose their user name and password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = |u: &Option<String>| u.as_deref().map(display_url);
        f.debug_struct("ClientBuilder")
            .field("region", &self.region)
            .field("environment", &self.environment)
            .field("api_url", &url(&self.api_url))
            .field("tenants_url", &url(&self.tenants_url))
            .field("credentials", &self.credentials)
            .field("tenant_id", &self.tenant_id)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("refresh_margin", &self.refresh_margin)
            .field("python_token_cache", &self.python_token_cache)
            .field("token_cache_file", &self.token_cache_file)
            .field("token_cache_section", &self.token_cache_section)
            .field("proxy", &url(&self.proxy))
            .field("max_response_size", &self.max_response_size)
            .field("tls_roots", &self.tls_roots)
            .finish_non_exhaustive()
    }
}

macro_rules! setter_pair {
    ($(#[$doc:meta])* $name:ident, $set_name:ident, $field:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, value: $ty) -> Self {
            self.$field = Some(value);
            self
        }
        $(#[$doc])*
        pub fn $set_name(&mut self, value: Option<$ty>) -> &mut Self {
            self.$field = value;
            self
        }
    };
}

impl ClientBuilder {
    /// An empty builder: region US1 unless told otherwise, no credentials, no tenant.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder from the process environment; see [`ClientBuilder::from_env_with`].
    pub fn from_env() -> Result<Self, Error> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// A builder from variables read through `lookup` (empty values count as unset):
    /// `TAEGIS_ENVIRONMENT` (a region name or alias), `TAEGIS_API_URL`, `TAEGIS_TENANTS_URL`
    /// (defaults to `TAEGIS_API_URL` when only that is set), `TAEGIS_ACCESS_TOKEN` (a ready
    /// token; wins over client credentials), `CLIENT_ID` and `CLIENT_SECRET`,
    /// `TAEGIS_TENANT_ID`.
    ///
    /// ```
    /// use taegis_sdk::ClientBuilder;
    ///
    /// let vars = [("TAEGIS_ENVIRONMENT", "delta"), ("CLIENT_ID", "id"), ("CLIENT_SECRET", "secret")];
    /// let builder = ClientBuilder::from_env_with(|name| {
    ///     vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    /// })
    /// .unwrap();
    /// let client = builder.build().unwrap();
    /// assert_eq!(client.region(), Some(taegis_sdk::Region::Us2));
    /// ```
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut builder = Self::new();
        builder.set_environment(get("TAEGIS_ENVIRONMENT"));
        builder.set_api_url(get("TAEGIS_API_URL"));
        builder.set_tenants_url(get("TAEGIS_TENANTS_URL"));
        builder.set_tenant_id(get("TAEGIS_TENANT_ID"));
        let token = lookup("TAEGIS_ACCESS_TOKEN")
            .map(|t| clean_bearer(&t))
            .filter(|t| !t.is_empty());
        match (
            token,
            get("CLIENT_ID"),
            lookup("CLIENT_SECRET").filter(|s| !s.trim().is_empty()),
        ) {
            (Some(token), _, _) => builder.credentials = Some(Credentials::access_token(token)),
            (None, Some(id), Some(secret)) => {
                builder.credentials = Some(Credentials::client_credentials(
                    id,
                    secret.trim().to_owned(),
                ))
            }
            (None, Some(_), None) => {
                return Err(Error::Config {
                    message: "CLIENT_ID is set but CLIENT_SECRET is not".into(),
                })
            }
            (None, None, Some(_)) => {
                return Err(Error::Config {
                    message: "CLIENT_SECRET is set but CLIENT_ID is not".into(),
                })
            }
            (None, None, None) => {}
        }
        Ok(builder)
    }

    setter_pair!(
        /// The region (ignored for an endpoint whose base URL is set).
        region, set_region, region: Region
    );
    setter_pair!(
        /// Credentials to authenticate with.
        credentials, set_credentials, credentials: Credentials
    );
    setter_pair!(
        /// Connect timeout of each attempt (default 10 s).
        connect_timeout, set_connect_timeout, connect_timeout: Duration
    );
    setter_pair!(
        /// Total timeout of each attempt, from sending to the end of the body (default 60 s).
        timeout, set_timeout, timeout: Duration
    );
    setter_pair!(
        /// Retry bounds and pacing (default [`RetryConfig::default`]).
        retry_config, set_retry_config, retry: RetryConfig
    );
    setter_pair!(
        /// How long before expiry a token is replaced (default 60 s).
        token_refresh_margin, set_token_refresh_margin, refresh_margin: Duration
    );
    setter_pair!(
        /// Clock for token expiry (tests inject one).
        time_source, set_time_source, time_source: Arc<dyn TimeSource>
    );
    setter_pair!(
        /// Sleep used between retries (tests inject one).
        sleep_impl, set_sleep_impl, sleep: Arc<dyn AsyncSleep>
    );
    setter_pair!(
        /// The largest answer read, in bytes (default [`DEFAULT_MAX_RESPONSE_SIZE`], 128 MiB).
        /// A larger one fails with [`Error::ResponseTooLarge`] without being downloaded.
        max_response_size, set_max_response_size, max_response_size: u64
    );
    setter_pair!(
        /// The root certificates trusted for TLS (default [`TlsRoots::Platform`], or
        /// [`TlsRoots::Bundled`] with the `bundled-roots` feature). One store, never both.
        tls_roots, set_tls_roots, tls_roots: TlsRoots
    );
    setter_pair!(
        /// Token cache file in the Python SDK's INI format (implies the cache is on).
        token_cache_file, set_token_cache_file, token_cache_file: PathBuf
    );

    /// The region by name or alias, case-insensitive (checked by `build`). The name as given
    /// is also the token cache section.
    pub fn environment(mut self, name: impl Into<String>) -> Self {
        self.environment = Some(name.into());
        self
    }
    /// The region by name or alias, case-insensitive (checked by `build`).
    pub fn set_environment(&mut self, name: Option<String>) -> &mut Self {
        self.environment = name;
        self
    }

    /// Base URL of the main API, replacing the region's (`/graphql`, the token endpoint and
    /// REST calls are under it). The tenants base URL defaults to it.
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = Some(url.into());
        self
    }
    /// Base URL of the main API.
    pub fn set_api_url(&mut self, url: Option<String>) -> &mut Self {
        self.api_url = url;
        self
    }

    /// Base URL of the tenants API, replacing the region's (`/public/query` is under it).
    pub fn tenants_url(mut self, url: impl Into<String>) -> Self {
        self.tenants_url = Some(url.into());
        self
    }
    /// Base URL of the tenants API.
    pub fn set_tenants_url(&mut self, url: Option<String>) -> &mut Self {
        self.tenants_url = url;
        self
    }

    /// OAuth2 client credentials.
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
    ) -> Self {
        self.credentials = Some(Credentials::client_credentials(client_id, client_secret));
        self
    }

    /// A ready bearer token (whitespace and a `Bearer ` prefix are removed).
    pub fn access_token(mut self, token: impl Into<SecretString>) -> Self {
        self.credentials = Some(Credentials::access_token(token));
        self
    }

    /// An application-supplied token source.
    pub fn token_provider(mut self, provider: Arc<dyn TokenProvider>) -> Self {
        self.credentials = Some(Credentials::Provider(provider));
        self
    }

    /// Default tenant context (`X-Tenant-Context`), validated by `build`.
    pub fn tenant_id(mut self, tenant: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant.into());
        self
    }
    /// Default tenant context.
    pub fn set_tenant_id(&mut self, tenant: Option<String>) -> &mut Self {
        self.tenant_id = tenant;
        self
    }

    /// An extra header sent with every API request (validated by `build`; it cannot replace
    /// `Authorization`, `X-Tenant-Context`, `Content-Type` or `Accept`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers
            .push((name.into(), SecretString::new(value.into())));
        self
    }

    /// Proxy for `https` requests, instead of `HTTPS_PROXY` / `ALL_PROXY` from the
    /// environment. `NO_PROXY` is honoured; loopback hosts and plain `http` requests (which
    /// only go to loopback) never use a proxy, so a proxy never sees a credential in clear
    /// text. `HTTP_PROXY` is never used. A password in the proxy URL is never shown.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// Reads and writes tokens in `~/.taegis_sdk_python/config`, as the Python SDK does, so
    /// one login serves both. Off by default.
    pub fn python_token_cache(mut self, enabled: bool) -> Self {
        self.python_token_cache = enabled;
        self
    }

    /// Section of the token cache file. Defaults to the environment name as given, else the
    /// custom API base URL, else the region name, else `charlie` (the Python SDK's default).
    pub fn token_cache_section(mut self, section: impl Into<String>) -> Self {
        self.token_cache_section = Some(section.into());
        self
    }

    /// Validates the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let region = match &self.environment {
            Some(name) => Some(name.parse::<Region>()?),
            None => self.region,
        };
        let custom_api = self
            .api_url
            .as_deref()
            .map(normalize_base_url)
            .transpose()?;
        let custom_tenants = self
            .tenants_url
            .as_deref()
            .map(normalize_base_url)
            .transpose()?;
        let default_region = region.unwrap_or(Region::Us1);
        let api_url = custom_api
            .clone()
            .unwrap_or_else(|| default_region.api_url().to_owned());
        let tenants_url = custom_tenants
            .or(custom_api)
            .unwrap_or_else(|| default_region.tenants_url().to_owned());

        let tenant = self.tenant_id.map(TenantId::new).transpose()?;

        let mut extra_headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| Error::Config {
                message: format!("invalid header name {name:?}"),
            })?;
            if [AUTHORIZATION, CONTENT_TYPE, ACCEPT].contains(&name)
                || name.as_str() == "x-tenant-context"
            {
                return Err(Error::Config {
                    message: format!("header {name} is set by the client and cannot be overridden"),
                });
            }
            let mut value =
                HeaderValue::from_str(value.expose_secret()).map_err(|_| Error::Config {
                    message: format!("invalid value for header {name}"),
                })?;
            value.set_sensitive(true);
            extra_headers.append(name, value);
        }

        let token_cache = if self.python_token_cache || self.token_cache_file.is_some() {
            let path = match self.token_cache_file {
                Some(path) => path,
                None => python_token_cache_path().ok_or_else(|| Error::Config {
                    message: "the token cache needs a home directory (HOME is not set)".into(),
                })?,
            };
            let section = self
                .token_cache_section
                .or_else(|| self.environment.as_ref().map(|e| e.trim().to_owned()))
                // A custom server never shares a section with a real region.
                .or_else(|| self.api_url.is_some().then(|| api_url.clone()))
                .or_else(|| region.map(|r| r.name().to_owned()))
                .unwrap_or_else(|| "charlie".to_owned());
            let accept_unowned = self.credentials.is_none()
                && section
                    .parse::<Region>()
                    .is_ok_and(|r| r.api_url() == api_url);
            Some(TokenCacheFile {
                path,
                section,
                client_id: match &self.credentials {
                    Some(Credentials::ClientCredentials { client_id, .. }) => {
                        Some(client_id.clone())
                    }
                    _ => None,
                },
                api_url: api_url.clone(),
                accept_unowned,
            })
        } else {
            None
        };

        let mut http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10)))
            .timeout(self.timeout.unwrap_or(Duration::from_secs(60)))
            .redirect(reqwest::redirect::Policy::none())
            // No system proxy: `https_proxy` decides which requests may use one.
            .no_proxy();
        http = net::trust(http, self.tls_roots.unwrap_or_default());
        if let Some(proxy) = net::https_proxy(self.proxy.as_deref())? {
            http = http.proxy(proxy);
        }
        let http = http.build().map_err(|e| Error::Config {
            message: format!("cannot build the HTTP client: {e}"),
        })?;

        let redactor = match &self.credentials {
            Some(Credentials::ClientCredentials {
                client_id,
                client_secret,
            }) => Redactor::default()
                .with_client_credentials(client_id, client_secret.expose_secret()),
            Some(Credentials::AccessToken(token)) => {
                Redactor::default().with_secret(token.expose_secret())
            }
            _ => Redactor::default(),
        };
        let initial = match &self.credentials {
            Some(Credentials::AccessToken(token)) => Some(CachedToken {
                token: token.clone(),
                expires_at: None,
            }),
            _ => None,
        };

        Ok(Client {
            inner: Arc::new(Inner {
                http,
                api_url,
                tenants_url,
                region: if self.api_url.is_some() && self.tenants_url.is_some() {
                    None
                } else {
                    region.or(Some(default_region))
                },
                credentials: self.credentials,
                tokens: tokio::sync::Mutex::new(TokenState {
                    current: initial,
                    rejected: None,
                }),
                retry: self.retry.unwrap_or_default(),
                max_response_size: self.max_response_size.unwrap_or(DEFAULT_MAX_RESPONSE_SIZE),
                redactor,
                refresh_margin: self.refresh_margin.unwrap_or(DEFAULT_REFRESH_MARGIN),
                extra_headers,
                token_cache,
                clock: self
                    .time_source
                    .unwrap_or_else(|| Arc::new(SystemTimeSource)),
                sleep: self.sleep.unwrap_or_else(|| Arc::new(TokioSleep)),
                has_clients_search: std::sync::OnceLock::new(),
            }),
            tenant,
        })
    }
}

#[derive(Clone)]
struct CachedToken {
    token: SecretString,
    /// `None`: never expires on our side (a static token).
    expires_at: Option<SystemTime>,
}

struct TokenState {
    current: Option<CachedToken>,
    /// The last token the API refused: never taken again from the cache file.
    rejected: Option<SecretString>,
}

struct Inner {
    http: reqwest::Client,
    api_url: String,
    tenants_url: String,
    region: Option<Region>,
    credentials: Option<Credentials>,
    tokens: tokio::sync::Mutex<TokenState>,
    retry: RetryConfig,
    max_response_size: u64,
    /// The forms of the client's own credentials, for scrubbing server text.
    redactor: Redactor,
    refresh_margin: Duration,
    extra_headers: HeaderMap,
    token_cache: Option<TokenCacheFile>,
    clock: Arc<dyn TimeSource>,
    sleep: Arc<dyn AsyncSleep>,
    /// Whether the main endpoint knows `clientsSearch`, once a search has found out: the
    /// clients facade asks once per client (and its clones), not on every page.
    has_clients_search: std::sync::OnceLock<bool>,
}

impl Client {
    /// The memo of whether the server knows `clientsSearch` (see `Inner`).
    pub(crate) fn has_clients_search(&self) -> &std::sync::OnceLock<bool> {
        &self.inner.has_clients_search
    }
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
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("region", &self.inner.region)
            .field("api_url", &self.inner.api_url)
            .field("tenants_url", &self.inner.tenants_url)
            .field("tenant", &self.tenant)
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .field("max_response_size", &self.inner.max_response_size)
            .field(
                "extra_headers",
                &self.inner.extra_headers.keys().collect::<Vec<_>>(),
            )
            .field("token_cache", &self.inner.token_cache)
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
        }
    }

    /// A handle that sends no `X-Tenant-Context`.
    pub fn without_tenant(&self) -> Client {
        Client {
            inner: self.inner.clone(),
            tenant: None,
        }
    }

    /// The tenant context of this handle.
    pub fn tenant_id(&self) -> Option<&TenantId> {
        self.tenant.as_ref()
    }

    /// The region, unless both base URLs were set by hand.
    pub fn region(&self) -> Option<Region> {
        self.inner.region
    }

    /// Base URL of the main API (no trailing slash).
    pub fn api_url(&self) -> &str {
        &self.inner.api_url
    }

    /// Base URL of the tenants API (no trailing slash).
    pub fn tenants_url(&self) -> &str {
        &self.inner.tenants_url
    }

    /// The base URL of a host: the API host or the tenants host.
    pub fn base_url(&self, host: crate::Host) -> &str {
        match host {
            crate::Host::Api => &self.inner.api_url,
            crate::Host::Tenants => &self.inner.tenants_url,
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
    /// operation).
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
                self.graphql_url(Op::ENDPOINT),
                Some(bytes),
                Op::KIND,
                name,
                Op::ENDPOINT.name,
            )
            .await?;
        decode_graphql::<T>(&reply.answer, &reply.redactor(&self.inner), name)
    }

    /// A valid access token (from the cache, or fetched now), with its expiry when known: for
    /// handing the token to another tool (`taegis auth token`).
    pub async fn access_token(&self) -> Result<AccessToken, Error> {
        let token = self.inner.token().await?;
        let state = self.inner.tokens.lock().await;
        let expires_at = state
            .current
            .as_ref()
            .filter(|current| secrets_equal(&current.token, &token))
            .and_then(|current| current.expires_at);
        Ok(match expires_at {
            Some(at) => AccessToken::with_expiry(token, at),
            None => AccessToken::new(token),
        })
    }

    /// The OAuth2 client ID of the client credentials this client signs in with, if any.
    pub fn client_id(&self) -> Option<&str> {
        match &self.inner.credentials {
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
        let reply = self
            .send(
                Method::POST,
                self.graphql_url(endpoint),
                Some(bytes),
                kind,
                operation_name.unwrap_or("(raw)"),
                endpoint.name,
            )
            .await?;
        raw_json(&reply.answer, &reply.redactor(&self.inner))
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
        let url = format!("{}/{service}/version", self.inner.api_url);
        let reply = self
            .send(
                Method::GET,
                url,
                None,
                OperationKind::Query,
                "version",
                "rest",
            )
            .await?;
        serde_json::from_slice(&reply.answer.body).map_err(|e| {
            decode_error(
                &reply.answer,
                &reply.redactor(&self.inner),
                "a service version ({tag, revision, timestamp})",
                e,
            )
        })
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
        let inner = &self.inner;
        let start_url = format!("{}{}", inner.api_url, DEVICE_CODE_AUTH_PATH);
        let answer = inner.plain_post(&start_url, None).await?;
        if !(200..300).contains(&answer.status) {
            return Err(auth_error(&answer, &inner.redactor));
        }
        let start: DeviceCodeStart = serde_json::from_slice(&answer.body)
            .map_err(|e| decode_error(&answer, &inner.redactor, "a device-code answer", e))?;
        let redactor = inner
            .redactor
            .clone()
            .with_secret(start.device_code.expose_secret());
        let url = match (
            &start.verification_uri_complete,
            &start.verification_uri,
            &start.user_code,
        ) {
            (Some(complete), _, _) => complete.clone(),
            (None, Some(uri), Some(code)) => format!("{uri}?user_code={code}"),
            _ => {
                return Err(Error::Auth {
                    status: Some(answer.status),
                    message: "the device-code answer has no verification link".into(),
                    request_id: request_id(&answer.headers),
                })
            }
        };
        prompt(&DeviceCodePrompt {
            url,
            user_code: start.user_code.clone(),
            expires_in: start.expires_in,
        });

        let interval_secs = start
            .interval
            .as_ref()
            .and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .unwrap_or(5)
            .clamp(1, 60);
        let mut interval = Duration::from_secs(interval_secs);
        let deadline =
            Instant::now() + Duration::from_secs(start.expires_in.unwrap_or(900).min(3600));
        let poll_body = serde_json::json!({
            "device_code": start.device_code.expose_secret(),
            "interval": start.interval,
        });
        let token_url = format!("{}{}", inner.api_url, DEVICE_CODE_TOKEN_PATH);
        loop {
            let answer = inner
                .plain_post(
                    &token_url,
                    Some(serde_json::to_vec(&poll_body).unwrap_or_default()),
                )
                .await?;
            if (200..300).contains(&answer.status) {
                let token: TokenResponse = serde_json::from_slice(&answer.body)
                    .map_err(|e| decode_error(&answer, &redactor, "a token answer", e))?;
                let now = inner.clock.now();
                let cached = CachedToken {
                    expires_at: Some(token.expires_at(now)),
                    token: token.access_token,
                };
                inner.store_in_file(&cached.token);
                let result = AccessToken::with_expiry(
                    cached.token.clone(),
                    cached.expires_at.unwrap_or(now),
                );
                let mut state = inner.tokens.lock().await;
                state.current = Some(cached);
                tracing::info!(target: "taegis_sdk::auth", "device-code login completed");
                return Ok(result);
            }
            let code = serde_json::from_slice::<serde_json::Value>(&answer.body)
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
            match code.as_deref() {
                Some("authorization_pending") => {}
                Some("slow_down") => interval += Duration::from_secs(5),
                _ => return Err(auth_error(&answer, &redactor)),
            }
            if Instant::now() + interval > deadline {
                return Err(Error::Auth {
                    status: Some(answer.status),
                    message: "the device code expired before the login completed".into(),
                    request_id: request_id(&answer.headers),
                });
            }
            inner.sleep.sleep(interval).await;
        }
    }

    /// Drops the cached token, so the next request obtains a new one.
    pub async fn clear_token(&self) {
        let mut state = self.inner.tokens.lock().await;
        if !matches!(self.inner.credentials, Some(Credentials::AccessToken(_))) {
            state.current = None;
        }
    }

    /// The request pipeline: token, headers, retries, 401 refresh, status checks.
    async fn send(
        &self,
        method: Method,
        url: String,
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
        let result = self
            .send_inner(method, &url, body.map(bytes::Bytes::from), kind, &span)
            .instrument(span.clone())
            .await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        result
    }

    async fn send_inner(
        &self,
        method: Method,
        url: &str,
        body: Option<bytes::Bytes>,
        kind: OperationKind,
        span: &tracing::Span,
    ) -> Result<Reply, Error> {
        let inner = &self.inner;
        let started = Instant::now();
        let mut attempt: u32 = 0;
        let mut refreshed_after_401 = false;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            let token = inner.token().await?;
            let mut request = inner
                .http
                .request(method.clone(), url)
                .headers(inner.extra_headers.clone())
                .header(ACCEPT, "application/json");
            request = request.header(AUTHORIZATION, bearer_header(&token)?);
            if let Some(tenant) = &self.tenant {
                request = request.header("X-Tenant-Context", tenant.as_str());
            }
            if let Some(body) = &body {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }

            let (failure, error, retry_after) = match send_and_read(
                request,
                inner.max_response_size,
            )
            .await
            {
                Err((failure, error)) => (failure, error, None),
                Ok(answer) => {
                    span.record("status", answer.status);
                    if (200..300).contains(&answer.status) {
                        return Ok(Reply { answer, token });
                    }
                    let redactor = inner.redactor_with(&token);
                    if answer.status == 401 {
                        let can_refresh = inner
                            .credentials
                            .as_ref()
                            .is_some_and(Credentials::can_refresh);
                        if can_refresh && !refreshed_after_401 {
                            refreshed_after_401 = true;
                            attempt -= 1;
                            tracing::info!(target: "taegis_sdk::auth", "API answered 401: dropping the token and fetching a new one");
                            inner.invalidate(&token).await;
                            continue;
                        }
                        if !can_refresh {
                            inner.invalidate(&token).await;
                        }
                        return Err(auth_error(&answer, &redactor));
                    }
                    let retry_after = answer
                        .headers
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, inner.clock.now()));
                    (
                        Failure::Status(answer.status),
                        http_error(&answer, &redactor),
                        retry_after,
                    )
                }
            };

            if !inner.retry.allows(kind, failure) || attempt >= inner.retry.get_max_attempts() {
                return Err(error);
            }
            let delay = match (failure, retry_after) {
                (Failure::Status(429 | 503), Some(after)) => after,
                _ => inner.retry.backoff(attempt),
            };
            if started.elapsed().saturating_add(delay) > inner.retry.get_max_elapsed() {
                tracing::warn!(
                    attempt,
                    delay_ms = delay.as_millis() as u64,
                    "retry budget exhausted; giving up"
                );
                return Err(error);
            }
            tracing::warn!(
                attempt,
                delay_ms = delay.as_millis() as u64,
                reason = %failure_label(failure),
                "retrying Taegis request"
            );
            inner.sleep.sleep(delay).await;
        }
    }
}

/// A successful answer and the token it was obtained with (to redact it from what is shown).
struct Reply {
    answer: Answer,
    token: SecretString,
}

impl Reply {
    fn redactor(&self, inner: &Inner) -> Redactor {
        inner.redactor_with(&self.token)
    }
}

/// `Authorization: Bearer <token>`, marked sensitive; the text it was built from is wiped.
fn bearer_header(token: &SecretString) -> Result<HeaderValue, Error> {
    let text = Zeroizing::new(format!("Bearer {}", token.expose_secret()));
    sensitive_header(&text, "the access token")
}

/// `Authorization: Basic <base64 of id:secret>`, marked sensitive; the texts it was built
/// from are wiped.
fn basic_header(client_id: &str, secret: &SecretString) -> Result<HeaderValue, Error> {
    use base64::Engine as _;
    let pair = Zeroizing::new(format!("{client_id}:{}", secret.expose_secret()));
    let encoded = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(pair.as_bytes()));
    let text = Zeroizing::new(format!("Basic {}", encoded.as_str()));
    sensitive_header(&text, "the client credentials")
}

fn sensitive_header(text: &str, what: &str) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(text).map_err(|_| Error::Config {
        message: format!("{what} cannot be sent as a header value"),
    })?;
    value.set_sensitive(true);
    Ok(value)
}

impl Inner {
    /// The client's redactor plus every form of `token`.
    fn redactor_with(&self, token: &SecretString) -> Redactor {
        self.redactor.clone().with_secret(token.expose_secret())
    }

    /// A valid token: the cached one, or exactly one fetch however many callers wait.
    async fn token(&self) -> Result<SecretString, Error> {
        let mut state = self.tokens.lock().await;
        let now = self.clock.now();
        if let Some(current) = &state.current {
            let fresh = match current.expires_at {
                None => true,
                Some(at) => now + self.refresh_margin < at,
            };
            if fresh {
                return Ok(current.token.clone());
            }
        }
        let fetched = self.obtain_token(state.rejected.as_ref()).await?;
        let token = fetched.token.clone();
        state.current = Some(fetched);
        Ok(token)
    }

    /// Drops `stale` if it is still the current token.
    async fn invalidate(&self, stale: &SecretString) {
        let mut state = self.tokens.lock().await;
        if state
            .current
            .as_ref()
            .is_some_and(|c| secrets_equal(&c.token, stale))
        {
            // A static token stays (there is nothing to replace it with); any other is dropped,
            // so the next call obtains a new one (or reports that it cannot).
            if !matches!(self.credentials, Some(Credentials::AccessToken(_))) {
                state.current = None;
            }
            state.rejected = Some(stale.clone());
        }
    }

    async fn obtain_token(&self, rejected: Option<&SecretString>) -> Result<CachedToken, Error> {
        let now = self.clock.now();
        let file_allowed = matches!(
            self.credentials,
            None | Some(Credentials::ClientCredentials { .. })
        );
        if let (true, Some(cache)) = (file_allowed, &self.token_cache) {
            if let Some(token) = cache.read() {
                let expires_at = jwt_expiry(token.expose_secret());
                let usable = expires_at.is_some_and(|at| now + self.refresh_margin < at)
                    && !rejected.is_some_and(|r| secrets_equal(r, &token));
                if usable {
                    tracing::debug!(target: "taegis_sdk::auth", "using the token from the cache file");
                    return Ok(CachedToken { token, expires_at });
                }
            }
        }
        match &self.credentials {
            None => Err(Error::MissingCredentials),
            Some(Credentials::AccessToken(token)) => Ok(CachedToken {
                token: token.clone(),
                expires_at: None,
            }),
            Some(Credentials::Provider(provider)) => {
                let token = provider.access_token().await?;
                tracing::info!(target: "taegis_sdk::auth", "obtained an access token from the token provider");
                let expires_at = token.expires_at().unwrap_or(now + DEFAULT_TOKEN_LIFETIME);
                Ok(CachedToken {
                    token: token.token().clone(),
                    expires_at: Some(expires_at),
                })
            }
            Some(Credentials::ClientCredentials {
                client_id,
                client_secret,
            }) => {
                let token = self
                    .fetch_client_credentials(client_id, client_secret)
                    .await?;
                self.store_in_file(&token.token);
                Ok(token)
            }
        }
    }

    fn store_in_file(&self, token: &SecretString) {
        if let Some(cache) = &self.token_cache {
            if let Err(e) = cache.write(token) {
                tracing::warn!(target: "taegis_sdk::auth", error = %e, "could not write the token cache file");
            }
        }
    }

    /// `POST <api>/auth/api/v2/auth/token` with Basic auth and
    /// `{"grant_type":"client_credentials"}`, retried like a query.
    async fn fetch_client_credentials(
        &self,
        client_id: &str,
        secret: &SecretString,
    ) -> Result<CachedToken, Error> {
        let url = format!("{}{}", self.api_url, TOKEN_PATH);
        let started = Instant::now();
        let mut attempt = 0;
        let authorization = basic_header(client_id, secret)?;
        loop {
            attempt += 1;
            let request = self
                .http
                .post(&url)
                .header(AUTHORIZATION, authorization.clone())
                .header(CONTENT_TYPE, "application/json")
                .header(ACCEPT, "application/json")
                .body(r#"{"grant_type":"client_credentials"}"#);
            let (failure, error, retry_after) = match send_and_read(request, MAX_AUTH_RESPONSE_SIZE)
                .await
            {
                Err((failure, error)) => (failure, error, None),
                Ok(answer) if (200..300).contains(&answer.status) => {
                    let parsed: TokenResponse =
                        serde_json::from_slice(&answer.body).map_err(|e| {
                            decode_error(
                                &answer,
                                &self.redactor,
                                "a token answer ({access_token, expires_in, expiry, token_type})",
                                e,
                            )
                        })?;
                    if parsed.access_token.is_empty() {
                        return Err(Error::Auth {
                            status: Some(answer.status),
                            message: "the token endpoint returned an empty access_token".into(),
                            request_id: request_id(&answer.headers),
                        });
                    }
                    let now = self.clock.now();
                    let expires_at = parsed.expires_at(now);
                    tracing::info!(
                        target: "taegis_sdk::auth",
                        attempt,
                        expires_in_s = expires_at.duration_since(now).unwrap_or_default().as_secs(),
                        "fetched an access token with client credentials"
                    );
                    return Ok(CachedToken {
                        token: parsed.access_token,
                        expires_at: Some(expires_at),
                    });
                }
                Ok(answer) => {
                    let retry_after = answer
                        .headers
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, self.clock.now()));
                    (
                        Failure::Status(answer.status),
                        auth_error(&answer, &self.redactor),
                        retry_after,
                    )
                }
            };
            if !self.retry.allows(OperationKind::Query, failure)
                || attempt >= self.retry.get_max_attempts()
            {
                return Err(error);
            }
            let delay = match (failure, retry_after) {
                (Failure::Status(429 | 503), Some(after)) => after,
                _ => self.retry.backoff(attempt),
            };
            if started.elapsed().saturating_add(delay) > self.retry.get_max_elapsed() {
                return Err(error);
            }
            tracing::warn!(
                target: "taegis_sdk::auth",
                attempt,
                delay_ms = delay.as_millis() as u64,
                reason = %failure_label(failure),
                "retrying the token request"
            );
            self.sleep.sleep(delay).await;
        }
    }

    /// An unauthenticated JSON POST (device-code flow), without retries. A body means the
    /// token exchange, which a server may hold open until the user has logged in: it gets
    /// five minutes (as the Python SDK allows) instead of the usual timeout.
    async fn plain_post(&self, url: &str, body: Option<Vec<u8>>) -> Result<Answer, Error> {
        let mut request = self.http.post(url).header(ACCEPT, "application/json");
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body)
                .timeout(Duration::from_secs(300));
        }
        send_and_read(request, MAX_AUTH_RESPONSE_SIZE)
            .await
            .map_err(|(_, e)| e)
    }
}

fn failure_label(failure: Failure) -> String {
    match failure {
        Failure::Connect => "connection failed".into(),
        Failure::Broken => "connection broken".into(),
        Failure::TimedOut => "timed out".into(),
        Failure::TooLarge => "answer too large".into(),
        Failure::Status(s) => format!("HTTP {s}"),
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

    #[test]
    fn tenant_ids_are_validated() {
        for bad in [
            "",
            " ",
            "12 34",
            "12\n34",
            "12\t",
            "\u{7f}",
            "12\u{0}",
            "１２３",
            "12\u{200b}",
            "x\u{202e}y",
        ] {
            assert!(
                matches!(TenantId::new(bad), Err(Error::InvalidTenantId { .. })),
                "{bad:?}"
            );
        }
        assert!(TenantId::new("x".repeat(257)).is_err());
        assert_eq!(TenantId::new("50530").unwrap().to_string(), "50530");
    }

    #[test]
    fn env_configuration() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let c = ClientBuilder::from_env_with(env(&[("TAEGIS_ENVIRONMENT", "ECHO")]))
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(c.region(), Some(Region::Eu));
        assert_eq!(
            c.tenants_url(),
            "https://api-tenants.echo.taegis.secureworks.com"
        );

        let c = ClientBuilder::from_env_with(env(&[("TAEGIS_API_URL", "http://127.0.0.1:9/")]))
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(c.api_url(), "http://127.0.0.1:9");
        assert_eq!(
            c.tenants_url(),
            "http://127.0.0.1:9",
            "tenants URL defaults to the API URL"
        );
        assert_eq!(
            c.graphql_url(Endpoint::TENANTS),
            "http://127.0.0.1:9/public/query"
        );

        let c = ClientBuilder::from_env_with(env(&[
            ("TAEGIS_API_URL", "http://127.0.0.1:9"),
            ("TAEGIS_TENANTS_URL", "http://127.0.0.1:10"),
            ("TAEGIS_TENANT_ID", "777"),
            ("TAEGIS_ACCESS_TOKEN", "Bearer abc\n"),
            ("CLIENT_ID", "id"),
            ("CLIENT_SECRET", "secret"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(c.tenants_url(), "http://127.0.0.1:10");
        assert_eq!(c.region(), None);
        assert_eq!(c.tenant_id().unwrap().as_str(), "777");
        assert!(
            matches!(c.inner.credentials, Some(Credentials::AccessToken(ref t)) if t.expose_secret() == "abc")
        );

        let c = ClientBuilder::from_env_with(env(&[("CLIENT_ID", "id"), ("CLIENT_SECRET", "s")]))
            .unwrap()
            .build()
            .unwrap();
        assert!(
            matches!(c.inner.credentials, Some(Credentials::ClientCredentials { ref client_id, .. }) if client_id == "id")
        );
        assert_eq!(c.region(), Some(Region::Us1), "US1 is the default region");

        assert!(matches!(
            ClientBuilder::from_env_with(env(&[("CLIENT_ID", "id")])),
            Err(Error::Config { .. })
        ));
        assert!(matches!(
            ClientBuilder::from_env_with(env(&[("TAEGIS_ENVIRONMENT", "nowhere")]))
                .unwrap()
                .build(),
            Err(Error::UnknownRegion { .. })
        ));
        assert!(matches!(
            ClientBuilder::from_env_with(env(&[("TAEGIS_TENANT_ID", "1 2")]))
                .unwrap()
                .build(),
            Err(Error::InvalidTenantId { .. })
        ));
    }

    #[test]
    fn reserved_headers_cannot_be_overridden() {
        for name in ["Authorization", "X-Tenant-Context", "content-type"] {
            assert!(
                matches!(
                    Client::builder().header(name, "x").build(),
                    Err(Error::Config { .. })
                ),
                "{name}"
            );
        }
        assert!(Client::builder().header("X-Custom", "1").build().is_ok());
    }
}
