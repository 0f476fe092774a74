//! The network rules of the transport: which base URLs are accepted, which requests may use a
//! proxy, which root certificates are trusted, and how much of an answer is read.

use std::net::IpAddr;

use reqwest::header::HeaderMap;
use zeroize::Zeroizing;

use crate::error::{BoxError, Error};
use crate::retry::Failure;

/// The largest answer read by default: 128 MiB. The largest real pages we know of are the
/// search helpers' 10,000 alerts or investigations per request (Python SDK 2.0.4
/// `commons/alerts/search.py`, `limit: int = 10000`), which stay well below it at the
/// ~10 KB of a fully selected alert.
pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 128 * 1024 * 1024;

/// The largest token or device-code answer read: 1 MiB.
pub(crate) const MAX_AUTH_RESPONSE_SIZE: u64 = 1024 * 1024;

/// Which root certificates a client trusts for TLS. Exactly one store is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsRoots {
    /// The platform's certificate store (read by `rustls-native-certs`, which honours
    /// `SSL_CERT_FILE` and `SSL_CERT_DIR`). The default without the `bundled-roots` feature.
    Platform,
    /// The Mozilla root certificates compiled into the binary (`webpki-roots`). The default
    /// with the `bundled-roots` feature.
    Bundled,
}

impl Default for TlsRoots {
    fn default() -> Self {
        if cfg!(feature = "bundled-roots") {
            TlsRoots::Bundled
        } else {
            TlsRoots::Platform
        }
    }
}

/// Makes `builder` trust exactly the `roots` store.
pub(crate) fn trust(builder: reqwest::ClientBuilder, roots: TlsRoots) -> reqwest::ClientBuilder {
    match roots {
        TlsRoots::Platform => builder
            .tls_built_in_webpki_certs(false)
            .tls_built_in_native_certs(true),
        TlsRoots::Bundled => builder
            .tls_built_in_native_certs(false)
            .tls_built_in_webpki_certs(true),
    }
}

/// A URL as it may be shown: user name and password replaced by `***`. Works on text that
/// does not parse as a URL too.
pub(crate) fn display_url(raw: &str) -> String {
    let raw = raw.trim();
    let Some(scheme_end) = raw.find("://") else {
        return match raw.rfind('@') {
            Some(at) => format!("***@{}", &raw[at + 1..]),
            None => raw.to_owned(),
        };
    };
    let authority_start = scheme_end + 3;
    let rest = &raw[authority_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***@{}", &raw[..authority_start], &rest[at + 1..]),
        None => raw.to_owned(),
    }
}

/// Parses a base URL, refuses user information, plain http to a host that is not loopback
/// and other schemes, and drops a trailing `/`. Errors never show a password.
pub(crate) fn normalize_base_url(url: &str) -> Result<String, Error> {
    let shown = display_url(url);
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| Error::Config {
        message: format!("invalid base URL {shown:?}: {e}"),
    })?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::Config {
            message: format!("base URLs must not contain a user name or password: {shown:?}"),
        });
    }
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&parsed) => {}
        "http" => {
            return Err(Error::InsecureTransport {
                url: parsed.to_string(),
            })
        }
        other => {
            return Err(Error::Config {
                message: format!("unsupported URL scheme {other:?}"),
            })
        }
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// Loopback means `localhost`, `127.0.0.0/8` and `::1`; any other name goes to the resolver
/// and may leave the machine (`*.localhost` included).
pub(crate) fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Proxy variables, in the order they are looked up for an `https` request.
const PROXY_VARIABLES: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];

/// Hosts that never go through a proxy, whatever `NO_PROXY` says.
const NEVER_PROXIED: &str = "localhost,127.0.0.0/8,::1";

/// Where `https` traffic goes through a proxy: the proxy URL (user and password included) and
/// the hosts it skips (`NO_PROXY` plus loopback). Not `Debug`: the URL may hold a password.
#[derive(Clone)]
pub(crate) struct ProxySetting {
    /// The proxy URL as given.
    pub(crate) url: String,
    /// Comma-separated hosts that never use the proxy, loopback first.
    pub(crate) no_proxy: String,
}

/// The proxy for `https` traffic: `explicit`, else `HTTPS_PROXY` / `ALL_PROXY` (either case),
/// skipping the hosts of `NO_PROXY` (either case) and always loopback. `HTTP_PROXY` is never
/// read: plain `http` only ever goes to loopback, which is never proxied, so no proxy sees a
/// credential in clear text.
pub(crate) fn proxy_setting(explicit: Option<&str>) -> Option<ProxySetting> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let url = explicit
        .map(str::to_owned)
        .or_else(|| PROXY_VARIABLES.iter().find_map(|name| env(name)))?;
    let no_proxy = match env("NO_PROXY").or_else(|| env("no_proxy")) {
        Some(list) => format!("{NEVER_PROXIED},{list}"),
        None => NEVER_PROXIED.to_owned(),
    };
    Some(ProxySetting { url, no_proxy })
}

/// The reqwest proxy of a setting (for HTTP; WebSockets go through `tunnel`).
pub(crate) fn https_proxy(setting: &ProxySetting) -> Result<reqwest::Proxy, Error> {
    let proxy = reqwest::Proxy::https(setting.url.trim()).map_err(|_| Error::Config {
        message: format!("invalid proxy URL {:?}", display_url(&setting.url)),
    })?;
    Ok(proxy.no_proxy(reqwest::NoProxy::from_string(&setting.no_proxy)))
}

/// An HTTP answer, its body read whole (and wiped when dropped).
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Zeroizing<Vec<u8>>,
}

/// Sends a request and reads the body up to `limit` bytes, classifying failures. An answer
/// declaring more is refused before its body is read; one that grows past the limit stops
/// being read there (the connection is dropped).
pub(crate) async fn send_and_read(
    request: reqwest::RequestBuilder,
    limit: u64,
) -> Result<Answer, (Failure, Error)> {
    let mut response = request.send().await.map_err(classify)?;
    let too_large = |declared| {
        (
            Failure::TooLarge,
            Error::ResponseTooLarge { limit, declared },
        )
    };
    let declared = response.content_length();
    if declared.is_some_and(|length| length > limit) {
        return Err(too_large(declared));
    }
    let status = response.status().as_u16();
    let headers = std::mem::take(response.headers_mut());
    let capacity = declared.unwrap_or(16 * 1024).min(limit);
    let mut body = Zeroizing::new(Vec::with_capacity(
        usize::try_from(capacity).unwrap_or(usize::MAX),
    ));
    while let Some(chunk) = response.chunk().await.map_err(classify)? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(too_large(declared));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// A failed connection (even a connect timeout) means nothing was sent; a timeout after
/// that means the server may still be working on it.
pub(crate) fn classify(e: reqwest::Error) -> (Failure, Error) {
    let failure = if e.is_connect() {
        Failure::Connect
    } else if e.is_timeout() {
        Failure::TimedOut
    } else {
        Failure::Broken
    };
    let error = Error::Dispatch {
        may_have_been_sent: failure != Failure::Connect,
        timed_out: e.is_timeout(),
        source: Box::new(e) as BoxError,
    };
    (failure, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_passwords() {
        assert_eq!(
            display_url("https://u:p@example.com/x@y"),
            "https://***@example.com/x@y"
        );
        assert_eq!(display_url("https://u:p@exa mple"), "https://***@exa mple");
        assert_eq!(display_url("u:p@host:1"), "***@host:1");
        assert_eq!(display_url("https://example.com"), "https://example.com");
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            normalize_base_url("https://example.com/").unwrap(),
            "https://example.com"
        );
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8080/x/").unwrap(),
            "http://127.0.0.1:8080/x"
        );
        assert!(normalize_base_url("http://localhost:1").is_ok());
        assert!(normalize_base_url("http://LOCALHOST:1").is_ok());
        assert!(normalize_base_url("http://[::1]:1").is_ok());
        for refused in [
            "http://api.example.com",
            "http://10.0.0.1",
            "http://localhost.example.com",
            "http://a.localhost",
            "http://[::ffff:127.0.0.1]",
        ] {
            assert!(
                matches!(
                    normalize_base_url(refused),
                    Err(Error::InsecureTransport { .. })
                ),
                "{refused}"
            );
        }
        assert!(matches!(
            normalize_base_url("ftp://example.com"),
            Err(Error::Config { .. })
        ));
        assert!(matches!(
            normalize_base_url("https://u:p@example.com"),
            Err(Error::Config { .. })
        ));
    }
}
