//! The error type of every fallible call of the crate, and the stage each error comes from.

use std::fmt;

use serde::Deserialize;

use crate::redact::{escape_controls, is_terminal_control, Redactor};
use crate::region::Region;

/// Boxed error source kept inside [`Error`] variants.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong, as variants a caller can match on.
///
/// Each variant belongs to one stage of a call ([`Error::kind`], [`ErrorKind`]):
/// configuration (nothing was sent), identity (no usable token), dispatch (the connection;
/// [`Error::Dispatch`] says whether the request may have been sent), response (the server
/// answered with a failure), decode (the answer did not fit; names the operation and the
/// JSON path) and facade (a facade's verdict on a well-formed answer: [`Error::NotFound`],
/// [`Error::AlreadyExists`]). Facade verdicts stay their own variants so that a `match` on
/// them reads as before; [`ErrorKind::Facade`] keeps them apart from transport failures.
///
/// No variant's `Display` or `Debug` ever contains a client secret or an access token: body
/// excerpts are redacted (values of keys that look like secrets or tokens are replaced).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The region (environment) name is not one the SDK knows.
    #[error(
        "unknown Taegis region {name:?}; valid names are: {}",
        Region::valid_names()
    )]
    UnknownRegion {
        /// The name that was given.
        name: String,
    },

    /// No credentials were configured (client credentials, access token, token provider or a
    /// device-code login).
    #[error(
        "no Taegis credentials: set CLIENT_ID and CLIENT_SECRET (or the variables \
         ~/.taegis_sdk_python/config names for the region), or TAEGIS_ACCESS_TOKEN, \
         or configure credentials on the client builder, or log in with a device code"
    )]
    MissingCredentials,

    /// A tenant ID was empty or contained whitespace or control characters.
    #[error("invalid tenant id: {reason}")]
    InvalidTenantId {
        /// Why it was refused.
        reason: &'static str,
    },

    /// Credentials would have been sent over plain `http://` to a host that is not loopback.
    #[error("refusing to send credentials over plain http to {url}; use https (plain http is allowed only for loopback hosts)")]
    InsecureTransport {
        /// The offending base URL.
        url: String,
    },

    /// Any other configuration problem (bad URL, bad header, unreadable settings).
    #[error("configuration error: {message}")]
    Config {
        /// What is wrong.
        message: String,
    },

    /// The shared configuration file (`~/.taegis_sdk_python/config`) cannot be used: a
    /// symbolic link, not a regular file, writable by others, too large, binary, or not INI.
    /// The reason names the line, never its content.
    #[error("configuration file {}: {reason}{}", path.display(), line.map(|l| format!(" (line {l})")).unwrap_or_default())]
    ConfigFile {
        /// The file.
        path: std::path::PathBuf,
        /// The offending line (1-based), when one is to blame.
        line: Option<usize>,
        /// What is wrong.
        reason: String,
    },

    /// Authentication failed: the token endpoint refused the credentials, or the API answered
    /// 401 again after a fresh token.
    #[error("authentication failed{}: {message}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    Auth {
        /// HTTP status, when the failure came from an HTTP answer.
        status: Option<u16>,
        /// The server's message (redacted excerpt) or a description.
        message: String,
        /// The `X-Request-Id` response header, when present.
        request_id: Option<String>,
    },

    /// The API answered with a non-success HTTP status.
    #[error("HTTP {status}{}: {body_excerpt}{}",
        request_id.as_ref().map(|r| format!(" (request id {r})")).unwrap_or_default(),
        if *status == 403 { PERMISSION_HINT } else { "" })]
    Http {
        /// The status code.
        status: u16,
        /// The start of the body, redacted.
        body_excerpt: String,
        /// The `X-Request-Id` response header, when present.
        request_id: Option<String>,
    },

    /// The server answered with GraphQL `errors`. `data` holds whatever partial data came
    /// with them.
    #[error("{}", display_graphql(errors))]
    GraphQl {
        /// Every error of the response, in order.
        errors: Vec<GraphQlError>,
        /// The `data` member when the server sent one that is not `null`.
        data: Option<PartialData>,
        /// The `X-Request-Id` response header, when present.
        request_id: Option<String>,
    },

    /// The response could not be decoded into what was expected. `Display` reads
    /// `<operation>: <path>: <message>`, e.g.
    /// `tenants: data.tenants.results[3].id: invalid type: null, expected a string`.
    #[error(
        "{operation}: {}{message} (could not decode {expected}; response starts with: {excerpt})",
        path.as_ref().map(|p| format!("{p}: ")).unwrap_or_default()
    )]
    Decode {
        /// The operation whose answer it was (the GraphQL operation name, `token`,
        /// `device-code`, `version`), never a Rust type name.
        operation: String,
        /// Where in the JSON the decoder stopped (`data.tenants.results[3].id`), when it got
        /// past the syntax.
        path: Option<String>,
        /// What was expected (a format or a part of the answer).
        expected: String,
        /// The decoder's message.
        message: String,
        /// The start of the body, redacted.
        excerpt: String,
    },

    /// The answer was larger than the limit ([`crate::ClientBuilder::max_response_size`]);
    /// reading stopped there and the rest was not downloaded.
    #[error(
        "the response is larger than the limit of {limit} bytes{}",
        declared.map(|d| format!(" (it declares {d} bytes)")).unwrap_or_default()
    )]
    ResponseTooLarge {
        /// The limit in bytes.
        limit: u64,
        /// The `Content-Length` the server declared, when it declared one.
        declared: Option<u64>,
    },

    /// The object asked for does not exist or the caller cannot see it (the API answered
    /// `null`).
    #[error("not found: {what}")]
    NotFound {
        /// What was looked for.
        what: String,
    },

    /// The object to create already exists, e.g. the API's "Existing client in tenant".
    #[error("already exists: {what}")]
    AlreadyExists {
        /// What exists already.
        what: String,
        /// The API's answer.
        #[source]
        source: Box<Error>,
    },

    /// No access token could be obtained within the token load timeout
    /// ([`crate::ClientBuilder::token_load_timeout`]): the token endpoint, the token cache or
    /// the [`crate::TokenProvider`] did not finish. Nothing was sent to the API.
    #[error("no access token within {after:?}: the token request did not finish in time")]
    TokenLoadTimeout {
        /// The bound that was exceeded.
        after: std::time::Duration,
    },

    /// A request could not be carried out: the connection could not be made, broke, or no
    /// complete answer came within the timeout. `may_have_been_sent` tells whether the server
    /// may have received the request (and acted on it): `false` only when the connection was
    /// never made (DNS, TCP connect, TLS handshake, connect timeout).
    #[error("{}{}: {source}",
        if *timed_out { "request timed out" } else { "transport error" },
        if *may_have_been_sent { " (the request may have been sent)" } else { " (the request was not sent)" })]
    Dispatch {
        /// Whether the server may have received the request.
        may_have_been_sent: bool,
        /// Whether the attempt ran out of time (connect or total timeout).
        timed_out: bool,
        /// The HTTP client's error.
        #[source]
        source: BoxError,
    },
}

/// The stage of a call an [`Error`] comes from (see [`Error::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Refused before anything was sent: settings, region, tenant ID, missing credentials,
    /// plain http to a remote host.
    Config,
    /// No usable access token: the token endpoint refused, the API answered 401 again after
    /// a fresh token, or loading a token timed out.
    Identity,
    /// The request could not be carried out (connect, broken connection, timeout); see
    /// [`Error::may_have_been_sent`].
    Dispatch,
    /// The server answered with a failure: an HTTP error status, GraphQL `errors`, or an
    /// answer over the size limit.
    Response,
    /// The answer came but could not be decoded (names the operation and the JSON path).
    Decode,
    /// A facade's verdict on a well-formed answer: not found, already exists.
    Facade,
}

const PERMISSION_HINT: &str =
    "; hint: this looks like a permission failure: the client's role may \
     lack the permission this operation needs (client credentials get the Tenant Analyst role \
     unless created with another)";

impl Error {
    /// The stage this error comes from: configuration, identity (tokens), dispatch (the
    /// connection), the server's answer, decoding, or a facade's verdict.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::UnknownRegion { .. }
            | Error::MissingCredentials
            | Error::InvalidTenantId { .. }
            | Error::InsecureTransport { .. }
            | Error::Config { .. }
            | Error::ConfigFile { .. } => ErrorKind::Config,
            Error::Auth { .. } | Error::TokenLoadTimeout { .. } => ErrorKind::Identity,
            Error::Dispatch { .. } => ErrorKind::Dispatch,
            Error::Http { .. } | Error::GraphQl { .. } | Error::ResponseTooLarge { .. } => {
                ErrorKind::Response
            }
            Error::Decode { .. } => ErrorKind::Decode,
            Error::NotFound { .. } | Error::AlreadyExists { .. } => ErrorKind::Facade,
        }
    }

    /// Whether the request that failed may have reached the server (so a mutation may have
    /// run): `true` when an answer came (HTTP error, GraphQL errors, an undecodable or
    /// oversized answer, a 401) or when a [`Error::Dispatch`] failure happened after the
    /// connection was made; `false` for failures before sending (configuration, a connection
    /// that was never made, a token load timeout). For a facade verdict it is the answer's.
    pub fn may_have_been_sent(&self) -> bool {
        match self {
            Error::Dispatch {
                may_have_been_sent, ..
            } => *may_have_been_sent,
            Error::Http { .. }
            | Error::GraphQl { .. }
            | Error::Decode { .. }
            | Error::ResponseTooLarge { .. }
            | Error::NotFound { .. } => true,
            Error::Auth { status, .. } => status.is_some(),
            Error::AlreadyExists { source, .. } => source.may_have_been_sent(),
            _ => false,
        }
    }

    /// Whether the request ran out of time ([`Error::Dispatch`] with `timed_out`, or
    /// [`Error::TokenLoadTimeout`]).
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            Error::Dispatch {
                timed_out: true,
                ..
            } | Error::TokenLoadTimeout { .. }
        )
    }

    /// Whether any GraphQL error (or a 403) looks like a missing permission.
    pub fn is_permission_denied(&self) -> bool {
        match self {
            Error::GraphQl { errors, .. } => errors
                .iter()
                .any(GraphQlError::looks_like_permission_failure),
            Error::Http { status, .. } => *status == 403,
            _ => false,
        }
    }

    /// The HTTP status behind this error, if it came from an HTTP answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Http { status, .. } => Some(*status),
            Error::Auth { status, .. } => *status,
            _ => None,
        }
    }

    /// Decodes the partial data of a [`Error::GraphQl`] into a typed value (for example a
    /// generated `ResponseData`), when there is some and it fits.
    pub fn partial_data<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        match self {
            Error::GraphQl {
                data: Some(data), ..
            } => serde_json::from_value(data.0.clone()).ok(),
            _ => None,
        }
    }
}

impl Error {
    /// Removes every form of the secrets `redactor` knows from the server text this error
    /// carries (a server or proxy may echo what it received).
    pub(crate) fn redact(mut self, redactor: &Redactor) -> Error {
        let clean = |text: &mut String| redactor.redact_string(text);
        let clean_id = |id: &mut Option<String>| id.iter_mut().for_each(clean);
        match &mut self {
            Error::Auth {
                message,
                request_id,
                ..
            } => {
                clean(message);
                clean_id(request_id);
            }
            Error::Http {
                body_excerpt,
                request_id,
                ..
            } => {
                clean(body_excerpt);
                clean_id(request_id);
            }
            Error::Decode {
                message,
                excerpt,
                path,
                ..
            } => {
                clean(message);
                clean(excerpt);
                clean_id(path);
            }
            Error::GraphQl {
                errors,
                data,
                request_id,
            } => {
                for error in errors.iter_mut() {
                    clean(&mut error.message);
                    for value in error
                        .path
                        .iter_mut()
                        .chain(error.locations.iter_mut())
                        .flatten()
                        .chain(error.extensions.iter_mut())
                    {
                        redactor.redact_json(value);
                    }
                }
                if let Some(data) = data {
                    redactor.redact_json(&mut data.0);
                }
                clean_id(request_id);
            }
            Error::AlreadyExists { source, .. } => {
                let inner = std::mem::replace(source.as_mut(), Error::MissingCredentials);
                **source = inner.redact(redactor);
            }
            _ => {}
        }
        self
    }
}

fn display_graphql(errors: &[GraphQlError]) -> String {
    let mut out = String::from("GraphQL error");
    if errors.len() != 1 {
        out.push('s');
    }
    out.push_str(": ");
    let parts: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    out.push_str(&parts.join("; "));
    if errors
        .iter()
        .any(GraphQlError::looks_like_permission_failure)
    {
        out.push_str(PERMISSION_HINT);
    }
    out
}

/// The `data` of a response that also carried errors. Its `Debug` redacts values of keys that
/// look like secrets (a `createClient` answer holds a client secret).
#[derive(Clone, PartialEq)]
pub struct PartialData(pub serde_json::Value);

impl fmt::Debug for PartialData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut redacted = self.0.clone();
        redact_value(&mut redacted);
        write!(f, "PartialData({redacted})")
    }
}

/// One entry of a GraphQL response's `errors`.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
pub struct GraphQlError {
    /// The message.
    #[serde(default)]
    pub message: String,
    /// Where in the response the error occurred (field names and list indexes).
    #[serde(default)]
    pub path: Option<Vec<serde_json::Value>>,
    /// Where in the document the error occurred.
    #[serde(default)]
    pub locations: Option<Vec<serde_json::Value>>,
    /// Server-specific details, such as a `code`.
    #[serde(default)]
    pub extensions: Option<serde_json::Value>,
}

impl GraphQlError {
    /// Whether the error reads like an authorization failure.
    pub fn looks_like_permission_failure(&self) -> bool {
        const CODES: &[&str] = &[
            "FORBIDDEN",
            "UNAUTHORIZED",
            "PERMISSION_DENIED",
            "ACCESS_DENIED",
            "NOT_AUTHORIZED",
        ];
        const WORDS: &[&str] = &[
            "permission",
            "not authorized",
            "unauthorized",
            "forbidden",
            "access denied",
            "not allowed",
            "insufficient",
        ];
        let code_matches = self
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .and_then(|c| c.as_str())
            .is_some_and(|c| CODES.iter().any(|k| k.eq_ignore_ascii_case(c)));
        let message = self.message.to_lowercase();
        code_matches || WORDS.iter().any(|w| message.contains(w))
    }
}

impl fmt::Display for GraphQlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape_controls(&self.message))?;
        if let Some(path) = &self.path {
            let path: Vec<String> = path
                .iter()
                .map(|p| match p {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            write!(f, " (at {})", escape_controls(&path.join(".")))?;
        }
        if let Some(code) = self
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .and_then(|c| c.as_str())
        {
            write!(f, " [{}]", escape_controls(code))?;
        }
        Ok(())
    }
}

/// Longest body excerpt kept in an error, in characters.
pub(crate) const EXCERPT_CHARS: usize = 300;

/// The start of a body, redacted (values of secret-looking keys, then every form of the
/// secrets `redactor` knows, before cutting), with control characters escaped, at most
/// [`EXCERPT_CHARS`] characters.
pub(crate) fn excerpt(body: &[u8], redactor: &Redactor) -> String {
    let text = String::from_utf8_lossy(body);
    let redacted = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(mut value) => {
            redact_value(&mut value);
            redactor.redact_json(&mut value);
            value.to_string()
        }
        Err(_) => redactor.redact(&redact_text(&text)).into_owned(),
    };
    let mut out = String::new();
    for (i, c) in redacted.chars().enumerate() {
        if i == EXCERPT_CHARS {
            out.push_str("...");
            break;
        }
        if is_terminal_control(c) {
            out.push_str(&escape_controls(c.encode_utf8(&mut [0; 4])));
        } else {
            out.push(c);
        }
    }
    if out.is_empty() {
        out.push_str("<empty body>");
    }
    out
}

/// Whether a JSON key names something secret.
pub(crate) fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("secret") || k.contains("token") || k.contains("password") || k == "authorization"
}

/// Replaces the values of secret-looking keys, recursively.
pub(crate) fn redact_value(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret_key(k) && !v.is_null() {
                    *v = serde_json::Value::String("<redacted>".into());
                } else {
                    redact_value(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

/// Redacts `"secretish_key": "value"` pairs in text that is not valid JSON (a truncated
/// body). The value is cut from the opening quote to the closing quote or the end.
pub(crate) fn redact_text(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            // Read a quoted key.
            let start = i + 1;
            let mut j = start;
            while j < bytes.len() && bytes[j] != b'"' {
                if bytes[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            let end = j.min(bytes.len());
            let key = &text[start..end];
            out.push_str(&text[i..(end + 1).min(bytes.len())]);
            i = end + 1;
            if is_secret_key(key) {
                // Skip whitespace and a colon, then redact a string value.
                let mut k = i;
                while k < bytes.len() && (bytes[k] as char).is_ascii_whitespace() {
                    k += 1;
                }
                if k < bytes.len() && bytes[k] == b':' {
                    k += 1;
                    while k < bytes.len() && (bytes[k] as char).is_ascii_whitespace() {
                        k += 1;
                    }
                    if k < bytes.len() && bytes[k] == b'"' {
                        let mut m = k + 1;
                        while m < bytes.len() && bytes[m] != b'"' {
                            if bytes[m] == b'\\' {
                                m += 1;
                            }
                            m += 1;
                        }
                        out.push_str(&text[i..k]);
                        out.push_str("\"<redacted>\"");
                        i = (m + 1).min(bytes.len());
                    }
                }
            }
        } else {
            let c = text[i..].chars().next().unwrap_or('?');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn excerpt_redacts_json_and_truncated_json() {
        let full = br#"{"data":{"createClient":{"clientSecret":"S3CR3T","client":{"id":"1"}}}}"#;
        let e = excerpt(full, &Redactor::default());
        assert!(!e.contains("S3CR3T"), "{e}");
        assert!(e.contains("<redacted>"));
        let truncated = br#"{"access_token":"eyJabc.def","expires_in":36"#;
        let e = excerpt(truncated, &Redactor::default());
        assert!(!e.contains("eyJabc"), "{e}");
        assert!(e.contains("expires_in"));
        let cut_inside = br#"{"clientSecret":"S3CR"#;
        assert!(!excerpt(cut_inside, &Redactor::default()).contains("S3CR"));
    }

    #[test]
    fn excerpt_is_bounded_and_escapes_controls() {
        let body = "x\n".repeat(1000);
        let e = excerpt(body.as_bytes(), &Redactor::default());
        assert!(e.ends_with("..."));
        assert!(!e.contains('\n'));
        assert_eq!(excerpt(b"", &Redactor::default()), "<empty body>");
    }

    #[test]
    fn permission_failures_get_a_hint() {
        let err = Error::GraphQl {
            errors: vec![GraphQlError {
                message: "user does not have permission to perform createTenant".into(),
                path: Some(vec![json!("createTenant")]),
                locations: None,
                extensions: None,
            }],
            data: None,
            request_id: None,
        };
        assert!(err.is_permission_denied());
        let msg = err.to_string();
        assert!(msg.contains("at createTenant"), "{msg}");
        assert!(msg.contains("role may lack the permission"), "{msg}");

        let by_code = GraphQlError {
            message: "nope".into(),
            path: None,
            locations: None,
            extensions: Some(json!({"code": "FORBIDDEN"})),
        };
        assert!(by_code.looks_like_permission_failure());
        let plain = GraphQlError {
            message: "tenant not found".into(),
            path: None,
            locations: None,
            extensions: None,
        };
        assert!(!plain.looks_like_permission_failure());
    }

    #[test]
    fn redact_removes_known_secrets() {
        let err = Error::Auth {
            status: Some(400),
            message: "bad secret hunter22".into(),
            request_id: None,
        };
        assert_eq!(
            err.redact(&Redactor::default().with_secret("hunter22"))
                .to_string(),
            "authentication failed (HTTP 400): bad secret <redacted>"
        );
    }

    #[test]
    fn stages_and_may_have_been_sent() {
        let dispatch = |sent, timed_out| Error::Dispatch {
            may_have_been_sent: sent,
            timed_out,
            source: "x".into(),
        };
        assert!(!dispatch(false, false).may_have_been_sent());
        assert!(dispatch(true, true).may_have_been_sent());
        assert!(dispatch(true, true).is_timeout());
        assert_eq!(dispatch(false, false).kind(), ErrorKind::Dispatch);
        let http = Error::Http {
            status: 500,
            body_excerpt: String::new(),
            request_id: None,
        };
        assert_eq!(http.kind(), ErrorKind::Response);
        assert!(http.may_have_been_sent());
        let exists = Error::AlreadyExists {
            what: "x".into(),
            source: Box::new(http),
        };
        assert_eq!(exists.kind(), ErrorKind::Facade);
        assert!(exists.may_have_been_sent());
        assert_eq!(
            Error::NotFound { what: "x".into() }.kind(),
            ErrorKind::Facade
        );
        assert_eq!(Error::MissingCredentials.kind(), ErrorKind::Config);
        assert!(!Error::MissingCredentials.may_have_been_sent());
        let load = Error::TokenLoadTimeout {
            after: std::time::Duration::from_secs(1),
        };
        assert_eq!(load.kind(), ErrorKind::Identity);
        assert!(load.is_timeout() && !load.may_have_been_sent());
    }

    #[test]
    fn decode_errors_show_operation_and_path_redacted() {
        let err = Error::Decode {
            operation: "tenants".into(),
            path: Some("data.hunter22.id".into()),
            expected: "the data of tenants".into(),
            message: "invalid type: null, expected a string".into(),
            excerpt: "{}".into(),
        };
        assert!(err
            .to_string()
            .starts_with("tenants: data.hunter22.id: invalid type: null, expected a string"));
        let err = err.redact(&Redactor::default().with_secret("hunter22"));
        assert!(!err.to_string().contains("hunter22"), "{err}");
    }

    #[test]
    fn partial_data_debug_is_redacted() {
        let data = PartialData(json!({"createClient": {"clientSecret": "S3CR3T"}}));
        let debug = format!("{data:?}");
        assert!(!debug.contains("S3CR3T"), "{debug}");
    }
}
