//! Credentials, access tokens, token providers and the Python SDK's token cache file.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::config_file::{self, ini_set, SharedConfig};
use crate::error::Error;
use crate::secret::SecretString;
use crate::time::BoxFuture;

/// Path of the client-credentials token endpoint, relative to the main API base URL.
pub const TOKEN_PATH: &str = "/auth/api/v2/auth/token";
/// Path that starts a device-code login, relative to the main API base URL.
pub const DEVICE_CODE_AUTH_PATH: &str = "/universal-auth/device/code/auth";
/// Path that exchanges a device code for a token, relative to the main API base URL.
pub const DEVICE_CODE_TOKEN_PATH: &str = "/universal-auth/device/code/token";

/// Lifetime assumed for a token whose response tells no expiry and that is not a JWT.
pub(crate) const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// A bearer token and, when known, when it stops being valid.
#[derive(Debug, Clone)]
pub struct AccessToken {
    token: SecretString,
    expires_at: Option<SystemTime>,
}

impl AccessToken {
    /// A token; its expiry is read from its JWT `exp` claim when it has one.
    pub fn new(token: impl Into<SecretString>) -> Self {
        let token = token.into();
        let expires_at = jwt_expiry(token.expose_secret());
        Self { token, expires_at }
    }

    /// A token with a known expiry.
    pub fn with_expiry(token: impl Into<SecretString>, expires_at: SystemTime) -> Self {
        Self {
            token: token.into(),
            expires_at: Some(expires_at),
        }
    }

    /// The token.
    pub fn token(&self) -> &SecretString {
        &self.token
    }

    /// When it expires, if known.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }
}

/// A source of access tokens supplied by the application (a vault, another login flow).
///
/// The client caches what it returns until `expires_at` (minus the refresh margin) or until
/// the API answers 401, and never calls it twice at once.
///
/// ```
/// use taegis_sdk::{AccessToken, BoxFuture, Error, TokenProvider};
///
/// #[derive(Debug)]
/// struct FromVault;
///
/// impl TokenProvider for FromVault {
///     fn access_token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
///         Box::pin(async { Ok(AccessToken::new("token-from-vault")) })
///     }
/// }
/// ```
pub trait TokenProvider: Send + Sync + fmt::Debug {
    /// Returns a fresh token.
    fn access_token(&self) -> BoxFuture<'_, Result<AccessToken, Error>>;
}

/// How the client authenticates.
#[derive(Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// OAuth2 client credentials, exchanged at the token endpoint and refreshed as needed.
    ClientCredentials {
        /// The client ID.
        client_id: String,
        /// The client secret.
        client_secret: SecretString,
    },
    /// A ready bearer token (for example copied from the browser). Never refreshed.
    AccessToken(SecretString),
    /// An application-supplied token source.
    Provider(Arc<dyn TokenProvider>),
}

impl Credentials {
    /// Client credentials.
    pub fn client_credentials(
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
    ) -> Self {
        Credentials::ClientCredentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }

    /// A static bearer token. Surrounding whitespace and a leading `Bearer ` are removed.
    pub fn access_token(token: impl Into<SecretString>) -> Self {
        let token: SecretString = token.into();
        Credentials::AccessToken(SecretString::new(clean_bearer(token.expose_secret())))
    }

    /// Whether a new token can be obtained after the API refused the current one.
    pub(crate) fn can_refresh(&self) -> bool {
        !matches!(self, Credentials::AccessToken(_))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::ClientCredentials { client_id, .. } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .field("client_secret", &"<redacted>")
                .finish(),
            Credentials::AccessToken(_) => f.write_str("AccessToken(<redacted>)"),
            Credentials::Provider(p) => f.debug_tuple("Provider").field(p).finish(),
        }
    }
}

pub use taegis_platform::bearer::strip_bearer;

/// Removes whitespace and a `Bearer ` prefix from a pasted token.
pub(crate) fn clean_bearer(token: &str) -> String {
    strip_bearer(token).to_owned()
}

/// The expiry (`exp` claim) of a JWT, read without verifying the signature.
pub(crate) fn jwt_expiry(token: &str) -> Option<SystemTime> {
    let mut parts = token.split('.');
    let (_header, payload, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?.as_f64()?;
    if !(0.0..1e12).contains(&exp) {
        return None;
    }
    UNIX_EPOCH.checked_add(Duration::from_secs_f64(exp))
}

/// The token endpoint's answer.
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub(crate) access_token: SecretString,
    #[serde(default)]
    pub(crate) expires_in: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) expiry: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    pub(crate) token_type: Option<String>,
}

impl TokenResponse {
    /// Expiry from `expires_in`, else `expiry`, else the JWT `exp` claim, else a default.
    pub(crate) fn expires_at(&self, now: SystemTime) -> SystemTime {
        let from_expires_in = self.expires_in.as_ref().and_then(|v| match v {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        if let Some(secs) = from_expires_in.filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e10) {
            return now + Duration::from_secs_f64(secs);
        }
        if let Some(at) = self.expiry.as_deref().and_then(crate::time::parse_rfc3339) {
            return at;
        }
        jwt_expiry(self.access_token.expose_secret()).unwrap_or(now + DEFAULT_TOKEN_LIFETIME)
    }
}

/// What the device-code login asks the user to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodePrompt {
    /// The page to open, with the code filled in when the server provided such a link.
    pub url: String,
    /// The code to enter, when the server sent one.
    pub user_code: Option<String>,
    /// Seconds until the code expires, when known.
    pub expires_in: Option<u64>,
}

/// The device-code endpoint's first answer.
#[derive(Deserialize)]
pub(crate) struct DeviceCodeStart {
    pub(crate) device_code: SecretString,
    #[serde(default)]
    pub(crate) user_code: Option<String>,
    #[serde(default)]
    pub(crate) verification_uri: Option<String>,
    #[serde(default)]
    pub(crate) verification_uri_complete: Option<String>,
    #[serde(default)]
    pub(crate) interval: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) expires_in: Option<u64>,
}

/// Where the optional token cache lives, which section (environment) it uses, and whose
/// tokens this client may take from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenCacheFile {
    pub(crate) path: PathBuf,
    pub(crate) section: String,
    /// The client ID tokens are obtained with (`None`: no client credentials).
    pub(crate) client_id: Option<String>,
    /// The API base URL tokens are used with.
    pub(crate) api_url: String,
    /// Whether a token with no owner line (as the Python SDK writes them) may be taken: only
    /// without client credentials, for a section naming the region of `api_url`.
    pub(crate) accept_unowned: bool,
}

/// `~/.taegis_sdk_python/config`, the Python SDK's settings and token cache file
/// (see [`crate::config_file`]).
pub fn python_token_cache_path() -> Option<PathBuf> {
    crate::config_file::default_path()
}

/// The key beside `access_token` that says whose token it is:
/// `<client ID or -> <API URL> <SHA-256 of the token, first 32 hex digits>`.
const OWNER_KEY: &str = "taegis_rs_token_owner";

/// Whether text can be stored as one INI value and sent as a header: printable ASCII without
/// spaces (a JWT, a client ID, a URL).
fn is_plain_value(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_graphic())
}

fn token_digest(token: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(token.as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

impl TokenCacheFile {
    fn owner_line(&self, token: &str) -> String {
        format!(
            "{} {} {}",
            self.client_id.as_deref().unwrap_or("-"),
            self.api_url,
            token_digest(token)
        )
    }

    /// The cached token of the section, if it is this client's: obtained with the same client
    /// ID for the same API URL (or, when `accept_unowned`, written by the Python SDK). A file
    /// that cannot be used (a link, corrupt, writable by others) holds no token.
    pub(crate) fn read(&self) -> Option<SecretString> {
        let file = match SharedConfig::load(&self.path) {
            Ok(file) => file,
            Err(error) => {
                tracing::warn!(target: "taegis_sdk::auth", %error, "ignoring the token cache file");
                return None;
            }
        };
        let token = file.cached_token(&self.section)?;
        if !is_plain_value(token.expose_secret()) {
            return None;
        }
        let owned = match file.get(&self.section, OWNER_KEY) {
            Some(owner) => owner == self.owner_line(token.expose_secret()),
            None => self.accept_unowned,
        };
        owned.then_some(token)
    }

    /// Stores a token in the section with its owner line, keeping the rest of the file, under
    /// the Python SDK's lock file (`config.lock`); the file gets mode 0600 and a symbolic link
    /// is refused. Tokens or client IDs that are not plain printable ASCII are refused (no
    /// line can be injected).
    pub(crate) fn write(&self, token: &SecretString) -> Result<(), Error> {
        let token = token.expose_secret();
        let plain_id = self.client_id.as_deref().is_none_or(is_plain_value);
        if !is_plain_value(token) || !plain_id || !is_plain_value(&self.api_url) {
            return Err(Error::ConfigFile {
                path: self.path.clone(),
                line: None,
                reason: "the token or client ID holds characters a cache file cannot keep".into(),
            });
        }
        let owner = self.owner_line(token);
        config_file::update(&self.path, |existing| {
            let with_token =
                Zeroizing::new(ini_set(existing, &self.section, "access_token", token));
            Some(ini_set(&with_token, &self.section, OWNER_KEY, &owner))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(exp: u64) -> String {
        let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.sig",
            enc.encode(br#"{"alg":"none"}"#),
            enc.encode(format!(r#"{{"exp":{exp},"sub":"x"}}"#))
        )
    }

    #[test]
    fn jwt_exp_is_read() {
        assert_eq!(
            jwt_expiry(&jwt(1_700_000_000)),
            Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        );
        assert_eq!(jwt_expiry("not-a-jwt"), None);
        assert_eq!(jwt_expiry("a.b.c"), None);
    }

    #[test]
    fn expiry_prefers_expires_in_then_expiry_then_jwt() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let parse = |s: &str| serde_json::from_str::<TokenResponse>(s).unwrap();
        let r = parse(
            r#"{"access_token":"t","expires_in":36000,"expiry":"2022-04-22T09:40:06.677Z","token_type":"Bearer"}"#,
        );
        assert_eq!(r.expires_at(now), now + Duration::from_secs(36000));
        let r = parse(r#"{"access_token":"t","expiry":"1970-01-12T13:46:41Z"}"#);
        assert_eq!(
            r.expires_at(now),
            UNIX_EPOCH + Duration::from_secs(1_000_001)
        );
        let r = parse(&format!(r#"{{"access_token":"{}"}}"#, jwt(2_000_000)));
        assert_eq!(
            r.expires_at(now),
            UNIX_EPOCH + Duration::from_secs(2_000_000)
        );
        let r = parse(r#"{"access_token":"opaque"}"#);
        assert_eq!(r.expires_at(now), now + DEFAULT_TOKEN_LIFETIME);
    }

    #[test]
    fn bearer_prefix_and_whitespace_are_removed() {
        assert_eq!(clean_bearer("  Bearer abc.def\n"), "abc.def");
        assert_eq!(clean_bearer("bearer abc"), "abc");
        assert_eq!(clean_bearer("abc\n"), "abc");
    }

    #[test]
    fn credentials_debug_hides_secrets() {
        let c = Credentials::client_credentials("my-id", "my-secret-value");
        let t = Credentials::access_token("my-token-value");
        let debug = format!("{c:?} {t:?}");
        assert!(debug.contains("my-id"));
        assert!(
            !debug.contains("my-secret-value") && !debug.contains("my-token-value"),
            "{debug}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn cache_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let cache = TokenCacheFile {
            path: dir.path().join("sub").join("config"),
            section: "charlie".into(),
            client_id: Some("id".into()),
            api_url: "https://api.ctpx.secureworks.com".into(),
            accept_unowned: false,
        };
        cache.write(&SecretString::new("tok")).unwrap();
        for bad in ["t\nok", "tok\n[x]\naccess_token = evil", "t ok", ""] {
            assert!(cache.write(&SecretString::new(bad)).is_err(), "{bad:?}");
        }
        let mode = std::fs::metadata(&cache.path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(cache.read().unwrap().expose_secret(), "tok");
    }
}
