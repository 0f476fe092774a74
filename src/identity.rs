//! The identity cache: the access token every API request carries.
//!
//! - **Fast path without a lock.** The current token sits in an [`ArcSwapOption`]; a caller
//!   whose clock says it is fresh (further than the refresh margin from its expiry) takes it
//!   with one atomic load, even while a refresh is in flight.
//! - **Single flight.** Otherwise the caller queues on one async mutex; the first one in
//!   obtains a token (token cache file, static token, [`TokenProvider`], or the token endpoint
//!   through the transport's attempt loop) and the others find it fresh when their turn comes:
//!   one token request however many callers wait.
//! - **Load timeout.** Waiting for the mutex and obtaining the token are bounded by
//!   [`Config::token_load_timeout`]; past it the caller gets [`Error::TokenLoadTimeout`].
//! - **One clock.** Every expiry decision reads the injected [`TimeSource`].
//! - **401 rule.** The transport drops a token the API refused ([`IdentityCache::invalidate`])
//!   and resends once; a refused token is never taken again from the cache file.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwapOption;
use bytes::Bytes;
use reqwest::Method;
use tracing::Instrument as _;

use crate::auth::{
    jwt_expiry, Credentials, TokenCacheFile, TokenProvider, TokenResponse, DEFAULT_TOKEN_LIFETIME,
    TOKEN_PATH,
};
use crate::config::Config;
use crate::error::Error;
use crate::net::MAX_AUTH_RESPONSE_SIZE;
use crate::response::{decode_json, request_id};
use crate::secret::{secrets_equal, SecretString};
use crate::time::{BoxFuture, TimeSource};
use crate::transport::{basic_header, Auth, RequestSpec, Transport};
use crate::OperationKind;

/// A token and when it stops being usable.
#[derive(Clone)]
pub(crate) struct CachedToken {
    pub(crate) token: SecretString,
    /// `None`: never expires on our side (a static token).
    pub(crate) expires_at: Option<SystemTime>,
}

impl CachedToken {
    /// Whether the token is usable at `now` with `margin` to spare.
    fn fresh(&self, now: SystemTime, margin: Duration) -> bool {
        match self.expires_at {
            None => true,
            Some(at) => now.checked_add(margin).is_some_and(|t| t < at),
        }
    }
}

/// The access token of a client, shared by all its handles.
pub(crate) struct IdentityCache {
    current: ArcSwapOption<CachedToken>,
    /// The last token the API refused: never taken again from the cache file.
    rejected: ArcSwapOption<SecretString>,
    /// Held by the one caller obtaining a token (the slow path only).
    refresh: tokio::sync::Mutex<()>,
    credentials: Option<Credentials>,
    token_cache: Option<TokenCacheFile>,
    token_url: String,
    clock: Arc<dyn TimeSource>,
    refresh_margin: Duration,
    load_timeout: Duration,
}

impl IdentityCache {
    /// An empty cache (holding the static token, when that is the credential).
    pub(crate) fn new(config: &Config) -> IdentityCache {
        let initial = match &config.credentials {
            Some(Credentials::AccessToken(token)) => Some(Arc::new(CachedToken {
                token: token.clone(),
                expires_at: None,
            })),
            _ => None,
        };
        IdentityCache {
            current: ArcSwapOption::new(initial),
            rejected: ArcSwapOption::empty(),
            refresh: tokio::sync::Mutex::new(()),
            credentials: config.credentials.clone(),
            token_cache: config.token_cache.clone(),
            token_url: format!("{}{}", config.auth_url, TOKEN_PATH),
            clock: config.time_source.clone(),
            refresh_margin: config.refresh_margin,
            load_timeout: config.token_load_timeout,
        }
    }

    /// Whether a refused token can be replaced by another (not a static token).
    pub(crate) fn can_refresh(&self) -> bool {
        self.credentials
            .as_ref()
            .is_some_and(Credentials::can_refresh)
    }

    fn is_static(&self) -> bool {
        matches!(self.credentials, Some(Credentials::AccessToken(_)))
    }

    /// The current token when it is fresh: one atomic load, no lock.
    fn fresh(&self) -> Option<Arc<CachedToken>> {
        let now = self.clock.now();
        self.current
            .load()
            .as_ref()
            .filter(|c| c.fresh(now, self.refresh_margin))
            .cloned()
    }

    /// A valid token: the cached one, or exactly one fetch however many callers wait, within
    /// the load timeout.
    pub(crate) async fn token(&self, transport: &Transport) -> Result<Arc<CachedToken>, Error> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let slow = async {
            let _flight = self.refresh.lock().await;
            // Whoever held the lock before may have obtained one.
            if let Some(token) = self.fresh() {
                return Ok(token);
            }
            let rejected = self.rejected.load_full();
            let fetched = Arc::new(self.obtain(transport, rejected.as_deref()).await?);
            self.current.store(Some(fetched.clone()));
            Ok(fetched)
        };
        match tokio::time::timeout(self.load_timeout, slow).await {
            Ok(result) => result,
            Err(_) => {
                tracing::warn!(target: "taegis_sdk::auth", timeout_ms = self.load_timeout.as_millis() as u64, "no access token within the load timeout");
                Err(Error::TokenLoadTimeout {
                    after: self.load_timeout,
                })
            }
        }
    }

    /// After a 401 answered to `token`: whether one more try with a fresh token is worth it
    /// (once per request, `retried` remembers), dropping `token` when it is retried or can
    /// never be refreshed.
    pub(crate) fn after_unauthorized(&self, token: &SecretString, retried: &mut bool) -> bool {
        let can_refresh = self.can_refresh();
        let retry = can_refresh && !*retried;
        if retry || !can_refresh {
            self.invalidate(token);
        }
        *retried |= retry;
        retry
    }

    /// Drops `stale` if it is still the current token (a static token stays: there is
    /// nothing to replace it with) and remembers it as refused.
    pub(crate) fn invalidate(&self, stale: &SecretString) {
        let current = self.current.load();
        if current
            .as_ref()
            .is_some_and(|c| secrets_equal(&c.token, stale))
        {
            if !self.is_static() {
                self.current.compare_and_swap(&*current, None);
            }
            self.rejected.store(Some(Arc::new(stale.clone())));
        }
    }

    /// Installs a token obtained elsewhere (a device-code login).
    pub(crate) fn install(&self, token: CachedToken) {
        self.current.store(Some(Arc::new(token)));
    }

    /// Drops the cached token (a static token stays).
    pub(crate) fn clear(&self) {
        if !self.is_static() {
            self.current.store(None);
        }
    }

    /// Writes `token` to the token cache file, when one is on.
    pub(crate) fn store_in_file(&self, token: &SecretString) {
        if let Some(cache) = &self.token_cache {
            if let Err(e) = cache.write(token) {
                tracing::warn!(target: "taegis_sdk::auth", error = %e, "could not write the token cache file");
            }
        }
    }

    /// A new token from the cache file or the credentials. Boxed: the token request goes
    /// through the transport, whose API requests come here.
    fn obtain<'a>(
        &'a self,
        transport: &'a Transport,
        rejected: Option<&'a SecretString>,
    ) -> BoxFuture<'a, Result<CachedToken, Error>> {
        Box::pin(async move {
            let now = self.clock.now();
            let file_allowed = matches!(
                self.credentials,
                None | Some(Credentials::ClientCredentials { .. })
            );
            if let (true, Some(cache)) = (file_allowed, &self.token_cache) {
                if let Some(token) = cache.read() {
                    let cached = CachedToken {
                        expires_at: jwt_expiry(token.expose_secret()),
                        token,
                    };
                    let usable = cached.expires_at.is_some()
                        && cached.fresh(now, self.refresh_margin)
                        && !rejected.is_some_and(|r| secrets_equal(r, &cached.token));
                    if usable {
                        tracing::debug!(target: "taegis_sdk::auth", "using the token from the cache file");
                        return Ok(cached);
                    }
                }
            }
            match &self.credentials {
                None => Err(Error::MissingCredentials),
                Some(Credentials::AccessToken(token)) => Ok(CachedToken {
                    token: token.clone(),
                    expires_at: None,
                }),
                Some(Credentials::Provider(provider)) => self.ask_provider(provider.as_ref()).await,
                Some(Credentials::ClientCredentials {
                    client_id,
                    client_secret,
                }) => {
                    let token = self
                        .client_credentials(transport, client_id, client_secret)
                        .await?;
                    self.store_in_file(&token.token);
                    Ok(token)
                }
            }
        })
    }

    async fn ask_provider(&self, provider: &dyn TokenProvider) -> Result<CachedToken, Error> {
        let token = provider.access_token().await?;
        tracing::info!(target: "taegis_sdk::auth", "obtained an access token from the token provider");
        let now = self.clock.now();
        let expires_at = token
            .expires_at()
            .or_else(|| now.checked_add(DEFAULT_TOKEN_LIFETIME))
            .unwrap_or(now);
        Ok(CachedToken {
            token: token.token().clone(),
            expires_at: Some(expires_at),
        })
    }

    /// `POST <api>/auth/api/v2/auth/token` with Basic auth and
    /// `{"grant_type":"client_credentials"}`, through the transport's attempt loop (retried
    /// like a query).
    async fn client_credentials(
        &self,
        transport: &Transport,
        client_id: &str,
        secret: &SecretString,
    ) -> Result<CachedToken, Error> {
        let span = tracing::info_span!(
            "taegis.token",
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        let spec = RequestSpec {
            method: Method::POST,
            url: &self.token_url,
            body: Some(Bytes::from_static(
                br#"{"grant_type":"client_credentials"}"#,
            )),
            kind: OperationKind::Query,
            limit: MAX_AUTH_RESPONSE_SIZE,
            tenant: None,
            label: "the token request",
            throttle: None,
        };
        let reply = transport
            .send(spec, Auth::Token(basic_header(client_id, secret)?), &span)
            .instrument(span.clone())
            .await?;
        let answer = &reply.answer;
        let parsed: TokenResponse = decode_json(
            answer,
            transport.redactor(),
            "token",
            "a token answer ({access_token, expires_in, expiry, token_type})",
        )?;
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
            attempt = reply.attempts,
            expires_in_s = expires_at.duration_since(now).unwrap_or_default().as_secs(),
            "fetched an access token with client credentials"
        );
        Ok(CachedToken {
            token: parsed.access_token,
            expires_at: Some(expires_at),
        })
    }
}
