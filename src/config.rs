//! Configuration: [`ClientBuilder`] validates the settings once and builds an immutable
//! [`Config`], which a [`Client`] holds for its whole life (clones and tenant handles share
//! it).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};

use crate::auth::{python_token_cache_path, Credentials, TokenCacheFile, TokenProvider};
use crate::chain::{self, ChainInput, CredentialSource, EnvLookup};
use crate::client::Client;
use crate::config_file::SharedConfig;
use crate::error::Error;
use crate::net::{self, display_url, normalize_base_url, TlsRoots, DEFAULT_MAX_RESPONSE_SIZE};
use crate::redact::Redactor;
use crate::region::Region;
use crate::retry::RetryConfig;
use crate::secret::SecretString;
use crate::time::{AsyncSleep, SystemTimeSource, TimeSource, TokioSleep};
use crate::tunnel::TunnelProxy;

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("taegis-sdk-rust/", env!("CARGO_PKG_VERSION"));

/// Base URL of universal authentication (the Python SDK's `UNIVERSAL_AUTHENTICATION_URL`).
pub const UNIVERSAL_AUTH_URL: &str = "https://api.taegis.secureworks.com";

/// The shared file's section of universal authentication (`UNIVERSAL_ENVIRONMENT`).
pub const UNIVERSAL_ENVIRONMENT: &str = "universal";

/// Default safety margin: a token is replaced this long before it expires.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Default bound on obtaining an access token (token endpoint with its retries, token cache
/// file or token provider): three minutes, the worst case of the default retry policy (a
/// 120 s budget plus one last 60 s attempt).
pub const DEFAULT_TOKEN_LOAD_TIMEOUT: Duration = Duration::from_secs(180);

/// Default bound on a subscription's silence (no data, no keep-alive): 90 s, three times the
/// 30 s keep-alive interval of Apollo's `graphql-ws` servers.
pub const DEFAULT_SUBSCRIPTION_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

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
    token_load_timeout: Option<Duration>,
    python_token_cache: bool,
    token_cache_file: Option<PathBuf>,
    token_cache_section: Option<String>,
    universal_authentication: bool,
    auth_url: Option<String>,
    /// Where the credential chain reads the environment (`None`: it does not).
    env_lookup: Option<EnvLookup>,
    /// The shared configuration file (variable names, custom regions, cached tokens).
    shared_config_file: Option<PathBuf>,
    proxy: Option<String>,
    max_response_size: Option<u64>,
    tls_roots: Option<TlsRoots>,
    subscription_idle_timeout: Option<Duration>,
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
            .field("token_load_timeout", &self.token_load_timeout)
            .field("python_token_cache", &self.python_token_cache)
            .field("token_cache_file", &self.token_cache_file)
            .field("token_cache_section", &self.token_cache_section)
            .field("universal_authentication", &self.universal_authentication)
            .field("auth_url", &url(&self.auth_url))
            .field("reads_environment", &self.env_lookup.is_some())
            .field("shared_config_file", &self.shared_config_file)
            .field("proxy", &url(&self.proxy))
            .field("max_response_size", &self.max_response_size)
            .field("tls_roots", &self.tls_roots)
            .field("subscription_idle_timeout", &self.subscription_idle_timeout)
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

    /// A builder from the process environment and the shared configuration file
    /// (`~/.taegis_sdk_python/config`, when there is a home directory); see
    /// [`ClientBuilder::from_env_with`] and [`ClientBuilder::credential_chain`].
    pub fn from_env() -> Result<Self, Error> {
        let mut builder = Self::from_env_with(|name| std::env::var(name).ok())?;
        builder.shared_config_file = crate::config_file::default_path();
        Ok(builder)
    }

    /// A builder from variables read through `lookup` (empty values count as unset):
    /// `TAEGIS_ENVIRONMENT` (a region name or alias, or a custom region of the shared file),
    /// `TAEGIS_API_URL`, `TAEGIS_TENANTS_URL` (defaults to `TAEGIS_API_URL` when only that is
    /// set), `TAEGIS_TENANT_ID`. Credentials are read by `build`, for the environment then
    /// chosen, through the credential chain (see [`crate::chain`]): `TAEGIS_ACCESS_TOKEN` (a
    /// ready token), else the client ID and secret variables the shared file names for the
    /// environment (default `CLIENT_ID` and `CLIENT_SECRET`).
    ///
    /// ```
    /// use taegis_sdk::ClientBuilder;
    ///
    /// let vars = [("TAEGIS_ENVIRONMENT", "delta"), ("CLIENT_ID", "id"), ("CLIENT_SECRET", "secret")];
    /// let builder = ClientBuilder::from_env_with(move |name| {
    ///     vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    /// })
    /// .unwrap();
    /// let client = builder.build().unwrap();
    /// assert_eq!(client.region(), Some(taegis_sdk::Region::Us2));
    /// ```
    pub fn from_env_with(
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Result<Self, Error> {
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
        builder.env_lookup = Some(Arc::new(lookup));
        Ok(builder)
    }

    /// Turns on the whole credential chain (see [`crate::chain`]) for credentials not set on
    /// the builder: the process environment, with the variable names of the shared
    /// configuration file (`~/.taegis_sdk_python/config`), then a still-valid token cached
    /// there. Custom regions of that file become valid environment names.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), taegis_sdk::Error> {
    /// // EU's credentials, from the variables `[eu]` names (default CLIENT_ID/CLIENT_SECRET).
    /// let eu = taegis_sdk::Client::builder().environment("eu").credential_chain().build()?;
    /// # Ok(()) }
    /// ```
    pub fn credential_chain(mut self) -> Self {
        self.env_lookup = Some(Arc::new(|name: &str| std::env::var(name).ok()));
        self.shared_config_file = crate::config_file::default_path();
        self
    }

    /// The shared configuration file the credential chain and custom regions read, instead
    /// of `~/.taegis_sdk_python/config` (see [`crate::config_file`]).
    pub fn shared_config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.shared_config_file = Some(path.into());
        self
    }

    /// The shared configuration file (`None`: none is read).
    pub fn set_shared_config_file(&mut self, path: Option<PathBuf>) -> &mut Self {
        self.shared_config_file = path;
        self
    }

    /// Universal authentication, as the Python SDK's `use_universal_authentication`: tokens
    /// come from [`UNIVERSAL_AUTH_URL`] (client credentials and device code), and the shared
    /// file's `[universal]` section holds the credential variable names and the cached token,
    /// whatever the region the API calls go to. Off by default.
    pub fn universal_authentication(mut self, enabled: bool) -> Self {
        self.universal_authentication = enabled;
        self
    }

    /// Universal authentication (`None`: off).
    pub fn set_universal_authentication(&mut self, enabled: Option<bool>) -> &mut Self {
        self.universal_authentication = enabled.unwrap_or(false);
        self
    }

    /// Base URL of the token and device-code endpoints, instead of the API base URL (or
    /// [`UNIVERSAL_AUTH_URL`] with universal authentication).
    pub fn auth_url(mut self, url: impl Into<String>) -> Self {
        self.auth_url = Some(url.into());
        self
    }

    /// Base URL of the token and device-code endpoints.
    pub fn set_auth_url(&mut self, url: Option<String>) -> &mut Self {
        self.auth_url = url;
        self
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
        /// The longest wait for an access token: the token request with its retries, the
        /// token cache file or the token provider (default [`DEFAULT_TOKEN_LOAD_TIMEOUT`]).
        /// Past it the call fails with [`Error::TokenLoadTimeout`] and nothing is sent.
        token_load_timeout, set_token_load_timeout, token_load_timeout: Duration
    );
    setter_pair!(
        /// Clock for every token expiry decision (tests inject one).
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
        /// How long a subscription may stay silent (no data and no keep-alive) before it
        /// fails with a timed-out [`Error::Dispatch`] (default
        /// [`DEFAULT_SUBSCRIPTION_IDLE_TIMEOUT`]).
        subscription_idle_timeout, set_subscription_idle_timeout, subscription_idle_timeout: Duration
    );
    setter_pair!(
        /// Token cache file in the Python SDK's INI format (implies the cache is on).
        token_cache_file, set_token_cache_file, token_cache_file: PathBuf
    );

    /// The region by name or alias, case-insensitive, or a custom region of the shared
    /// configuration file (checked by `build`). The name as given is also the section of the
    /// shared file its credential variable names and cached token are read from.
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

    /// Section of the token cache file.
    pub fn set_token_cache_section(&mut self, section: Option<String>) -> &mut Self {
        self.token_cache_section = section;
        self
    }

    /// Proxy for `https` requests (see [`ClientBuilder::proxy`]).
    pub fn set_proxy(&mut self, url: Option<String>) -> &mut Self {
        self.proxy = url;
        self
    }

    /// Whether the Python SDK's token cache file is used (`None`: off).
    pub fn set_python_token_cache(&mut self, enabled: Option<bool>) -> &mut Self {
        self.python_token_cache = enabled.unwrap_or(false);
        self
    }

    /// Replaces every extra header (see [`ClientBuilder::header`]); `None` removes them.
    pub fn set_headers(&mut self, headers: Option<Vec<(String, String)>>) -> &mut Self {
        self.headers = headers
            .unwrap_or_default()
            .into_iter()
            .map(|(name, value)| (name, SecretString::new(value)))
            .collect();
        self
    }

    /// OAuth2 client credentials (`None` removes any credentials).
    pub fn set_client_credentials(
        &mut self,
        credentials: Option<(String, SecretString)>,
    ) -> &mut Self {
        self.credentials =
            credentials.map(|(id, secret)| Credentials::client_credentials(id, secret));
        self
    }

    /// A ready bearer token (`None` removes any credentials).
    pub fn set_access_token(&mut self, token: Option<SecretString>) -> &mut Self {
        self.credentials = token.map(Credentials::access_token);
        self
    }

    /// An application-supplied token source (`None` removes any credentials).
    pub fn set_token_provider(&mut self, provider: Option<Arc<dyn TokenProvider>>) -> &mut Self {
        self.credentials = provider.map(Credentials::Provider);
        self
    }

    /// Validates the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        Client::from_config(self.build_config()?)
    }

    /// Validates the settings into the immutable [`Config`] a [`Client`] is made from
    /// ([`Client::from_config`]).
    pub fn build_config(self) -> Result<Config, Error> {
        let mut shared = LazyShared::new(self.shared_config_file.clone());
        // A built-in name always wins over a custom region of the same name, so a file never
        // redirects a real region's credentials.
        let (region, custom_region_url) = match &self.environment {
            Some(name) => match name.parse::<Region>() {
                Ok(region) => (Some(region), None),
                Err(unknown) => match shared.get()?.and_then(|s| s.custom_region_url(name)) {
                    Some(url) => (None, Some(url.to_owned())),
                    None => return Err(unknown),
                },
            },
            None => (self.region, None),
        };
        let custom_api = self
            .api_url
            .as_deref()
            .or(custom_region_url.as_deref())
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

        let auth_url = match (&self.auth_url, self.universal_authentication) {
            (Some(url), _) => normalize_base_url(url)?,
            (None, true) => UNIVERSAL_AUTH_URL.to_owned(),
            (None, false) => api_url.clone(),
        };
        // The Python SDK's authentication environment: `universal`, else the environment.
        let auth_environment = if self.universal_authentication {
            Some(UNIVERSAL_ENVIRONMENT.to_owned())
        } else {
            self.environment.as_deref().map(|e| e.trim().to_owned())
        };
        let environment = auth_environment
            .clone()
            .or_else(|| region.map(|r| r.name().to_owned()))
            .unwrap_or_else(|| "charlie".to_owned());
        let cache_section = self
            .token_cache_section
            .clone()
            .or_else(|| auth_environment.clone())
            // A custom server never shares a section with a real region.
            .or_else(|| self.api_url.is_some().then(|| api_url.clone()))
            .or_else(|| region.map(|r| r.name().to_owned()))
            .unwrap_or_else(|| "charlie".to_owned());
        let needs_file = self.credentials.is_none();
        let outcome = chain::resolve(ChainInput {
            explicit: self.credentials.clone(),
            lookup: self.env_lookup.as_ref(),
            shared: if needs_file { shared.get()? } else { None },
            environment: &environment,
            cache_section: &cache_section,
            api_url: &auth_url,
            now: self
                .time_source
                .as_ref()
                .map(|t| t.now())
                .unwrap_or_else(std::time::SystemTime::now),
        })?;
        let credentials = outcome.credentials;

        let token_cache = if self.python_token_cache || self.token_cache_file.is_some() {
            let path = match self.token_cache_file {
                Some(path) => path,
                None => python_token_cache_path().ok_or_else(|| Error::Config {
                    message: "the token cache needs a home directory (HOME is not set)".into(),
                })?,
            };
            let section = cache_section;
            // Without credentials: a Python SDK token the chain took (step 3), or one in a
            // section naming this region.
            let accept_unowned = credentials.is_none()
                && (outcome.token_cache.is_some()
                    || section
                        .parse::<Region>()
                        .is_ok_and(|r| r.api_url() == auth_url));
            Some(TokenCacheFile {
                path,
                section,
                client_id: match &credentials {
                    Some(Credentials::ClientCredentials { client_id, .. }) => {
                        Some(client_id.clone())
                    }
                    _ => None,
                },
                api_url: auth_url.clone(),
                accept_unowned,
            })
        } else {
            outcome.token_cache
        };

        let proxy_setting = net::proxy_setting(self.proxy.as_deref());
        let proxy = proxy_setting.as_ref().map(net::https_proxy).transpose()?;
        let tunnel_proxy = proxy_setting.as_ref().map(TunnelProxy::new);

        let redactor = match &credentials {
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

        Ok(Config {
            region: if custom_region_url.is_some()
                || (self.api_url.is_some() && self.tenants_url.is_some())
            {
                None
            } else {
                region.or(Some(default_region))
            },
            api_url,
            auth_url,
            tenants_url,
            tenant,
            credentials,
            credential_source: outcome.source,
            extra_headers,
            connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
            retry: self.retry.unwrap_or_default(),
            refresh_margin: self.refresh_margin.unwrap_or(DEFAULT_REFRESH_MARGIN),
            token_load_timeout: self
                .token_load_timeout
                .unwrap_or(DEFAULT_TOKEN_LOAD_TIMEOUT),
            token_cache,
            proxy,
            tunnel_proxy,
            proxy_shown: self.proxy.as_deref().map(display_url),
            max_response_size: self.max_response_size.unwrap_or(DEFAULT_MAX_RESPONSE_SIZE),
            tls_roots: self.tls_roots.unwrap_or_default(),
            subscription_idle_timeout: self
                .subscription_idle_timeout
                .unwrap_or(DEFAULT_SUBSCRIPTION_IDLE_TIMEOUT),
            redactor,
            time_source: self
                .time_source
                .unwrap_or_else(|| Arc::new(SystemTimeSource)),
            sleep: self.sleep.unwrap_or_else(|| Arc::new(TokioSleep)),
        })
    }
}

/// The shared configuration file, read the first time it is needed.
struct LazyShared {
    path: Option<PathBuf>,
    loaded: Option<SharedConfig>,
}

impl LazyShared {
    fn new(path: Option<PathBuf>) -> Self {
        Self { path, loaded: None }
    }

    /// The file (`None`: none is used); an unusable file is an error.
    fn get(&mut self) -> Result<Option<&SharedConfig>, Error> {
        if self.loaded.is_none() {
            if let Some(path) = &self.path {
                self.loaded = Some(SharedConfig::load(path)?);
            }
        }
        Ok(self.loaded.as_ref())
    }
}

/// The validated, immutable settings of a [`Client`], built by
/// [`ClientBuilder::build_config`]. Cheap to clone; its `Debug` shows no secret.
#[derive(Clone)]
pub struct Config {
    pub(crate) region: Option<Region>,
    pub(crate) api_url: String,
    /// Base URL of the token and device-code endpoints.
    pub(crate) auth_url: String,
    pub(crate) tenants_url: String,
    pub(crate) tenant: Option<TenantId>,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) credential_source: CredentialSource,
    pub(crate) extra_headers: HeaderMap,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryConfig,
    pub(crate) refresh_margin: Duration,
    pub(crate) token_load_timeout: Duration,
    pub(crate) token_cache: Option<TokenCacheFile>,
    pub(crate) proxy: Option<reqwest::Proxy>,
    /// The same proxy, for the `CONNECT` tunnels of `wss://` subscriptions.
    pub(crate) tunnel_proxy: Option<TunnelProxy>,
    /// The proxy URL without user name or password.
    pub(crate) proxy_shown: Option<String>,
    pub(crate) max_response_size: u64,
    pub(crate) tls_roots: TlsRoots,
    pub(crate) subscription_idle_timeout: Duration,
    /// The forms of the client's own credentials, for scrubbing server text.
    pub(crate) redactor: Redactor,
    pub(crate) time_source: Arc<dyn TimeSource>,
    pub(crate) sleep: Arc<dyn AsyncSleep>,
}

impl fmt::Debug for Config {
    /// Shows the settings without a secret: credentials and header values are redacted, URLs
    /// lose their user name and password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("region", &self.region)
            .field("api_url", &self.api_url)
            .field("auth_url", &self.auth_url)
            .field("tenants_url", &self.tenants_url)
            .field("tenant", &self.tenant)
            .field("credentials", &self.credentials)
            .field("credential_source", &self.credential_source)
            .field(
                "extra_headers",
                &self.extra_headers.keys().collect::<Vec<_>>(),
            )
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("refresh_margin", &self.refresh_margin)
            .field("token_load_timeout", &self.token_load_timeout)
            .field("token_cache", &self.token_cache)
            .field("proxy", &self.proxy_shown)
            .field("max_response_size", &self.max_response_size)
            .field("tls_roots", &self.tls_roots)
            .field("subscription_idle_timeout", &self.subscription_idle_timeout)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The region, unless both base URLs were set by hand.
    pub fn region(&self) -> Option<Region> {
        self.region
    }
    /// Base URL of the main API (no trailing slash).
    pub fn api_url(&self) -> &str {
        &self.api_url
    }
    /// Base URL of the token and device-code endpoints (no trailing slash).
    pub fn auth_url(&self) -> &str {
        &self.auth_url
    }
    /// Base URL of the tenants API (no trailing slash).
    pub fn tenants_url(&self) -> &str {
        &self.tenants_url
    }
    /// The default tenant context.
    pub fn tenant_id(&self) -> Option<&TenantId> {
        self.tenant.as_ref()
    }
    /// The credentials (secrets redacted in `Debug`).
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }
    /// Which step of the credential chain supplied the credentials.
    pub fn credential_source(&self) -> &CredentialSource {
        &self.credential_source
    }
    /// Connect timeout of each attempt.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
    /// Total timeout of each attempt.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
    /// Retry bounds and pacing.
    pub fn retry_config(&self) -> &RetryConfig {
        &self.retry
    }
    /// How long before expiry a token is replaced.
    pub fn token_refresh_margin(&self) -> Duration {
        self.refresh_margin
    }
    /// The longest wait for an access token (fetch, retries and provider included).
    pub fn token_load_timeout(&self) -> Duration {
        self.token_load_timeout
    }
    /// The largest answer read, in bytes.
    pub fn max_response_size(&self) -> u64 {
        self.max_response_size
    }
    /// The root certificates trusted for TLS.
    pub fn tls_roots(&self) -> TlsRoots {
        self.tls_roots
    }
    /// How long a subscription may stay silent before it fails.
    pub fn subscription_idle_timeout(&self) -> Duration {
        self.subscription_idle_timeout
    }
    /// The clock used for every token expiry decision.
    pub fn time_source(&self) -> &Arc<dyn TimeSource> {
        &self.time_source
    }
    /// The sleep used between retries and device-code polls.
    pub fn sleep_impl(&self) -> &Arc<dyn AsyncSleep> {
        &self.sleep
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Endpoint;

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
            matches!(c.config().credentials, Some(Credentials::AccessToken(ref t)) if t.expose_secret() == "abc")
        );

        let c = ClientBuilder::from_env_with(env(&[("CLIENT_ID", "id"), ("CLIENT_SECRET", "s")]))
            .unwrap()
            .build()
            .unwrap();
        assert!(
            matches!(c.config().credentials, Some(Credentials::ClientCredentials { ref client_id, .. }) if client_id == "id")
        );
        assert_eq!(c.region(), Some(Region::Us1), "US1 is the default region");

        assert!(matches!(
            ClientBuilder::from_env_with(env(&[("CLIENT_ID", "id")]))
                .unwrap()
                .build(),
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
