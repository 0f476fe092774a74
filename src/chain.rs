//! The credential chain: where a client's credentials come from when the application did not
//! set them.
//!
//! 1. **Explicit** credentials on the builder (`client_credentials`, `access_token`,
//!    `token_provider`; `taegis --token-file`).
//! 2. **The environment**: `TAEGIS_ACCESS_TOKEN`, else the client ID and secret from the
//!    variables the shared configuration file names for the environment (`[US1] client_id =
//!    US1_CLIENT_ID`, as `write_to_config("US1", "CLIENT_ID", "US1_CLIENT_ID")` writes),
//!    by default `CLIENT_ID` and `CLIENT_SECRET`.
//! 3. **A cached token** still valid (JWT `exp` at least 15 s ahead, the Python SDK's rule) in
//!    the shared file's section for the environment (`[US1] access_token = ...`).
//! 4. **The device-code login**, never automatic: only `Client::login_with_device_code`, or
//!    `taegis --device-login` when a person is at a terminal.
//!
//! With universal authentication the section is `universal` for steps 2 and 3, whatever the
//! region (the Python SDK's `authentication_environment`).
//!
//! A step that is not configured falls through to the next; a configured step that fails
//! (one variable of the pair set without the other, an unreadable shared file) stops the
//! chain with its error. Each decision is logged at debug level (target `taegis_sdk::auth`),
//! which `taegis -v` shows; no value is ever logged.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::auth::{clean_bearer, jwt_expiry, Credentials, TokenCacheFile};
use crate::config_file::SharedConfig;
use crate::error::Error;

/// Reads one environment variable (`None`: unset).
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// A cached token must stay valid at least this long to be taken (the Python SDK's margin).
const CACHED_TOKEN_MARGIN: Duration = Duration::from_secs(15);

/// Where a client's credentials came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSource {
    /// Set on the builder by the application.
    Explicit,
    /// The `TAEGIS_ACCESS_TOKEN` variable.
    EnvironmentToken,
    /// Client credentials read from these two variables.
    Environment {
        /// The variable holding the client ID.
        client_id_var: String,
        /// The variable holding the client secret.
        client_secret_var: String,
    },
    /// A still-valid token cached in the shared configuration file.
    CachedToken {
        /// The file.
        path: PathBuf,
        /// Its section (the environment name).
        section: String,
    },
    /// Nothing configured: requests fail with [`Error::MissingCredentials`] unless a
    /// device-code login supplies a token.
    None,
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Explicit => f.write_str("explicit credentials"),
            CredentialSource::EnvironmentToken => f.write_str("TAEGIS_ACCESS_TOKEN"),
            CredentialSource::Environment {
                client_id_var,
                client_secret_var,
            } => write!(
                f,
                "client credentials from {client_id_var} and {client_secret_var}"
            ),
            CredentialSource::CachedToken { path, section } => {
                write!(f, "cached token in [{section}] of {}", path.display())
            }
            CredentialSource::None => f.write_str("none"),
        }
    }
}

/// What the chain looks at.
pub(crate) struct ChainInput<'a> {
    /// Credentials set on the builder.
    pub(crate) explicit: Option<Credentials>,
    /// The environment, when the builder reads it.
    pub(crate) lookup: Option<&'a EnvLookup>,
    /// The shared configuration file, when one is used (already loaded).
    pub(crate) shared: Option<&'a SharedConfig>,
    /// The environment name the variable names are looked up for.
    pub(crate) environment: &'a str,
    /// The section cached tokens are keyed by.
    pub(crate) cache_section: &'a str,
    /// The API base URL the token is for.
    pub(crate) api_url: &'a str,
    /// The time a cached token must still be valid at (minus the margin).
    pub(crate) now: SystemTime,
}

/// The chain's verdict.
pub(crate) struct ChainOutcome {
    pub(crate) credentials: Option<Credentials>,
    pub(crate) source: CredentialSource,
    /// The cache file to read the token from, when step 3 was taken.
    pub(crate) token_cache: Option<TokenCacheFile>,
}

fn skip(step: &str, why: &str) {
    tracing::debug!(target: "taegis_sdk::auth", "credential chain: {step}: not configured ({why})");
}

/// Runs the chain.
pub(crate) fn resolve(input: ChainInput<'_>) -> Result<ChainOutcome, Error> {
    let found = |credentials: Option<Credentials>, source: CredentialSource| {
        tracing::debug!(target: "taegis_sdk::auth", "credential chain: using {source}");
        ChainOutcome {
            credentials,
            source,
            token_cache: None,
        }
    };
    if let Some(explicit) = input.explicit {
        return Ok(found(Some(explicit), CredentialSource::Explicit));
    }
    skip("1 explicit credentials", "none set on the builder");

    if let Some(lookup) = input.lookup {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        if let Some(token) = get("TAEGIS_ACCESS_TOKEN")
            .map(|t| clean_bearer(&t))
            .filter(|t| !t.is_empty())
        {
            return Ok(found(
                Some(Credentials::access_token(token)),
                CredentialSource::EnvironmentToken,
            ));
        }
        let (id_var, secret_var) = match input.shared {
            Some(shared) => (
                shared.client_id_var(input.environment),
                shared.client_secret_var(input.environment),
            ),
            None => ("CLIENT_ID".to_owned(), "CLIENT_SECRET".to_owned()),
        };
        let named_by = input
            .shared
            .filter(|s| s.environment_section(input.environment).is_some())
            .map(|s| format!(" (names from {})", s.path().display()))
            .unwrap_or_default();
        match (get(&id_var), get(&secret_var)) {
            (Some(id), Some(secret)) => {
                return Ok(found(
                    Some(Credentials::client_credentials(
                        id.trim(),
                        secret.trim().to_owned(),
                    )),
                    CredentialSource::Environment {
                        client_id_var: id_var,
                        client_secret_var: secret_var,
                    },
                ))
            }
            (Some(_), None) => {
                return Err(Error::Config {
                    message: format!("{id_var} is set but {secret_var} is not{named_by}"),
                })
            }
            (None, Some(_)) => {
                return Err(Error::Config {
                    message: format!("{secret_var} is set but {id_var} is not{named_by}"),
                })
            }
            (None, None) => skip(
                "2 environment",
                &format!("TAEGIS_ACCESS_TOKEN, {id_var} and {secret_var} are unset"),
            ),
        }
    } else {
        skip("2 environment", "the builder does not read it");
    }

    if let Some(shared) = input.shared {
        let cache = TokenCacheFile {
            path: shared.path().to_path_buf(),
            section: input.cache_section.to_owned(),
            client_id: None,
            api_url: input.api_url.to_owned(),
            accept_unowned: true,
        };
        let valid = cache.read().is_some_and(|token| {
            jwt_expiry(token.expose_secret())
                .is_some_and(|exp| input.now.checked_add(CACHED_TOKEN_MARGIN) <= Some(exp))
        });
        if valid {
            let source = CredentialSource::CachedToken {
                path: cache.path.clone(),
                section: cache.section.clone(),
            };
            let mut outcome = found(None, source);
            outcome.token_cache = Some(cache);
            return Ok(outcome);
        }
        skip(
            "3 cached token",
            &format!(
                "no valid token in [{}] of {}",
                input.cache_section,
                shared.path().display()
            ),
        );
    } else {
        skip("3 cached token", "no shared configuration file is used");
    }
    skip(
        "4 device-code login",
        "only on request: Client::login_with_device_code or taegis --device-login",
    );
    Ok(found(None, CredentialSource::None))
}
