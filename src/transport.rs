//! The transport: one attempt loop for every request the client retries, API requests and
//! token requests alike. Each attempt is authorized, sent and read up to a size limit; a
//! failure is classified ([`crate::retry`]) and retried with capped, jittered backoff (or the
//! server's `Retry-After`) through the injected sleep, within the retry budget. Server text
//! kept in an error is redacted of every secret the request carried.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use zeroize::Zeroizing;

use crate::config::{Config, TenantId, USER_AGENT};
use crate::error::Error;
use crate::identity::IdentityCache;
use crate::net::{self, send_and_read, Answer};
use crate::redact::Redactor;
use crate::response::{auth_error, http_error};
use crate::retry::{parse_retry_after, Failure, RetryConfig};
use crate::secret::SecretString;
use crate::time::{AsyncSleep, TimeSource};
use crate::OperationKind;

/// The HTTP client and the retry policy, shared by every handle of a client.
pub(crate) struct Transport {
    http: reqwest::Client,
    retry: RetryConfig,
    sleep: Arc<dyn AsyncSleep>,
    clock: Arc<dyn TimeSource>,
    /// The forms of the client's own credentials, for scrubbing server text.
    redactor: Redactor,
    extra_headers: HeaderMap,
}

/// One request as the loop sends it on every attempt.
pub(crate) struct RequestSpec<'a> {
    pub(crate) method: Method,
    pub(crate) url: &'a str,
    pub(crate) body: Option<Bytes>,
    /// Decides which failures may be retried (token requests count as queries).
    pub(crate) kind: OperationKind,
    /// The largest answer read.
    pub(crate) limit: u64,
    /// `X-Tenant-Context`.
    pub(crate) tenant: Option<&'a TenantId>,
    /// What the retry log calls the request.
    pub(crate) label: &'static str,
    /// A limiter shared with other requests (a fan-out's): waited on before each attempt,
    /// held by every 429 (and 503 with `Retry-After`) this request gets.
    pub(crate) throttle: Option<&'a crate::fanout::Throttle>,
}

/// What authenticates each attempt.
pub(crate) enum Auth<'a> {
    /// A token request: a fixed `Authorization` value (Basic client credentials); a failure
    /// status is an authentication error. The builder's extra headers are not sent.
    Token(HeaderValue),
    /// An API request: a bearer token from the identity cache on every attempt; a 401 drops
    /// the token and resends once with a fresh one (when the credentials can give one).
    Api(&'a IdentityCache),
}

/// A successful answer, the token it was obtained with (to redact it from what is shown)
/// and the number of attempts it took.
pub(crate) struct Reply {
    pub(crate) answer: Answer,
    pub(crate) token: Option<SecretString>,
    pub(crate) attempts: u32,
}

impl Transport {
    /// The HTTP client of `config`: its timeouts, root store and proxy; no redirects.
    pub(crate) fn new(config: &Config) -> Result<Transport, Error> {
        let mut http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            // No system proxy: `https_proxy` decides which requests may use one.
            .no_proxy();
        http = net::trust(http, config.tls_roots);
        if let Some(proxy) = &config.proxy {
            http = http.proxy(proxy.clone());
        }
        let http = http.build().map_err(|e| Error::Config {
            message: format!("cannot build the HTTP client: {e}"),
        })?;
        Ok(Transport {
            http,
            retry: config.retry.clone(),
            sleep: config.sleep.clone(),
            clock: config.time_source.clone(),
            redactor: config.redactor.clone(),
            extra_headers: config.extra_headers.clone(),
        })
    }

    /// The client's redactor plus every form of `token`.
    pub(crate) fn redactor_with(&self, token: Option<&SecretString>) -> Redactor {
        match token {
            Some(token) => self.redactor.clone().with_secret(token.expose_secret()),
            None => self.redactor.clone(),
        }
    }

    /// The client's redactor.
    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The attempt loop: authorize, send, read, classify, back off, until an answer with a
    /// success status, a failure that may not be retried, or the end of the attempts or of
    /// the budget. Records `attempt` and `status` on `span`.
    pub(crate) async fn send(
        &self,
        spec: RequestSpec<'_>,
        auth: Auth<'_>,
        span: &tracing::Span,
    ) -> Result<Reply, Error> {
        let started = Instant::now();
        let mut attempt: u32 = 0;
        let mut refreshed_after_401 = false;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            let (authorization, token) = match &auth {
                Auth::Token(value) => (value.clone(), None),
                Auth::Api(identity) => {
                    let token = identity.token(self).await?.token.clone();
                    (bearer_header(&token)?, Some(token))
                }
            };
            let mut request = self.http.request(spec.method.clone(), spec.url);
            if matches!(auth, Auth::Api(_)) {
                request = request.headers(self.extra_headers.clone());
            }
            request = request
                .header(ACCEPT, "application/json")
                .header(AUTHORIZATION, authorization);
            if let Some(tenant) = spec.tenant {
                request = request.header("X-Tenant-Context", tenant.as_str());
            }
            if let Some(body) = &spec.body {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }

            // A slot of the shared limiter's window, held while the request is out.
            let slot = match spec.throttle {
                Some(throttle) => Some(throttle.admit(&*self.sleep).await),
                None => None,
            };
            let sent = send_and_read(request, spec.limit).await;
            drop(slot);
            let (failure, error, retry_after) = match sent {
                Err((failure, error)) => (failure, error, None),
                Ok(answer) => {
                    span.record("status", answer.status);
                    if (200..300).contains(&answer.status) {
                        if let Some(throttle) = spec.throttle {
                            throttle.record_success();
                        }
                        return Ok(Reply {
                            answer,
                            token,
                            attempts: attempt,
                        });
                    }
                    let redactor = self.redactor_with(token.as_ref());
                    let error = match (&auth, &token) {
                        (Auth::Api(identity), Some(token)) if answer.status == 401 => {
                            if identity.after_unauthorized(token, &mut refreshed_after_401) {
                                attempt -= 1;
                                tracing::info!(target: "taegis_sdk::auth", "API answered 401: dropping the token and fetching a new one");
                                continue;
                            }
                            return Err(auth_error(&answer, &redactor));
                        }
                        (Auth::Api(_), _) => http_error(&answer, &redactor),
                        (Auth::Token(_), _) => auth_error(&answer, &redactor),
                    };
                    let retry_after = answer
                        .headers
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, self.clock.now()));
                    (Failure::Status(answer.status), error, retry_after)
                }
            };

            if !self.retry.allows(spec.kind, failure) || attempt >= self.retry.get_max_attempts() {
                return Err(error);
            }
            let delay = match (failure, retry_after) {
                (Failure::Status(429 | 503), Some(after)) => after,
                _ => self.retry.backoff(attempt),
            };
            // Every worker sharing the limiter backs off, not only this one: on a 429 always,
            // on a 503 only when the server said for how long.
            if let Some(throttle) = spec.throttle {
                if failure == Failure::Status(429)
                    || (failure == Failure::Status(503) && retry_after.is_some())
                {
                    throttle.hold(delay);
                }
            }
            if started.elapsed().saturating_add(delay) > self.retry.get_max_elapsed() {
                tracing::warn!(
                    attempt,
                    delay_ms = delay.as_millis() as u64,
                    "retry budget exhausted; giving up on the {}",
                    spec.label
                );
                return Err(error);
            }
            tracing::warn!(
                attempt,
                delay_ms = delay.as_millis() as u64,
                reason = %failure_label(failure),
                "retrying {}",
                spec.label
            );
            self.sleep.sleep(delay).await;
        }
    }

    /// One unauthenticated JSON POST (device-code flow), never retried. A body means the
    /// token exchange, which a server may hold open until the user has logged in: it gets
    /// five minutes (as the Python SDK allows) instead of the usual timeout.
    pub(crate) async fn plain_post(
        &self,
        url: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, Error> {
        let mut request = self.http.post(url).header(ACCEPT, "application/json");
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body)
                .timeout(Duration::from_secs(300));
        }
        send_and_read(request, net::MAX_AUTH_RESPONSE_SIZE)
            .await
            .map_err(|(_, e)| e)
    }
}

/// `Authorization: Bearer <token>`, marked sensitive; the text it was built from is wiped.
pub(crate) fn bearer_header(token: &SecretString) -> Result<HeaderValue, Error> {
    let text = Zeroizing::new(format!("Bearer {}", token.expose_secret()));
    sensitive_header(&text, "the access token")
}

/// `Authorization: Basic <base64 of id:secret>`, marked sensitive; the texts it was built
/// from are wiped.
pub(crate) fn basic_header(client_id: &str, secret: &SecretString) -> Result<HeaderValue, Error> {
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

fn failure_label(failure: Failure) -> String {
    match failure {
        Failure::Connect => "connection failed".into(),
        Failure::Broken => "connection broken".into(),
        Failure::TimedOut => "timed out".into(),
        Failure::TooLarge => "answer too large".into(),
        Failure::Status(s) => format!("HTTP {s}"),
    }
}
