//! HTTP `CONNECT` tunnels through the https proxy, for the WebSocket connections of
//! subscriptions (reqwest carries the HTTP requests through the same proxy itself).
//!
//! The proxy and the hosts it skips are those of the HTTP transport (`net::proxy_setting`):
//! loopback is never proxied, and `NO_PROXY` is read with curl's rules, as reqwest reads it
//! (`*` for every host; a name matches itself and its subdomains, with or without a leading
//! dot; an IP address or a CIDR block matches addresses). Only `wss://` goes through a tunnel,
//! so the proxy carries TLS it cannot read; its own credentials (user and password of the proxy
//! URL) go as `Proxy-Authorization: Basic` and are never shown.

use std::fmt;
use std::net::IpAddr;

use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::error::Error;
use crate::net::{display_url, is_loopback, ProxySetting};
use crate::secret::SecretString;
use crate::subscription::not_sent;

/// The longest answer to `CONNECT` read before the tunnel is given up.
const MAX_CONNECT_ANSWER: usize = 16 * 1024;

/// The proxy that carries `wss://` connections, and the hosts it does not carry.
#[derive(Clone)]
pub(crate) struct TunnelProxy {
    /// `host:port` of the proxy, or why its URL cannot carry a tunnel.
    address: Result<String, String>,
    /// `Basic ...` from the proxy URL's user and password.
    authorization: Option<SecretString>,
    /// The proxy URL without user name or password.
    shown: String,
    skip: NoProxy,
}

impl fmt::Debug for TunnelProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TunnelProxy")
            .field("proxy", &self.shown)
            .finish_non_exhaustive()
    }
}

impl TunnelProxy {
    /// The tunnel side of a proxy setting. A URL without a scheme is `http://`, as reqwest
    /// reads it; a proxy reached over TLS (`https://`) or SOCKS is kept, and refused with its
    /// reason when a connection would need it.
    pub(crate) fn new(setting: &ProxySetting) -> Self {
        let raw = setting.url.trim();
        let with_scheme = if raw.contains("://") {
            raw.to_owned()
        } else {
            format!("http://{raw}")
        };
        let shown = display_url(&with_scheme);
        let (address, authorization) = match url::Url::parse(&with_scheme) {
            Ok(url) if url.scheme() == "http" => match url.host_str() {
                Some(host) => (
                    Ok(format!("{host}:{}", url.port().unwrap_or(80))),
                    basic_authorization(&url),
                ),
                None => (Err(format!("proxy {shown} has no host")), None),
            },
            Ok(url) => (
                Err(format!(
                    "subscriptions can only be tunnelled through an http:// proxy, not {}://",
                    url.scheme()
                )),
                None,
            ),
            Err(_) => (Err(format!("invalid proxy URL {shown:?}")), None),
        };
        TunnelProxy {
            address,
            authorization,
            shown,
            skip: NoProxy::parse(&setting.no_proxy),
        }
    }

    /// Whether a connection to `url` goes through the proxy: `wss` to a host that is neither
    /// loopback nor in `NO_PROXY`.
    pub(crate) fn carries(&self, url: &url::Url) -> bool {
        url.scheme() == "wss" && !is_loopback(url) && !self.skip.matches(url)
    }

    /// Opens a tunnel to `host:port` (`host` as `Url::host_str` gives it) and returns the
    /// connection, ready for TLS. Failures are
    /// [`Error::Dispatch`] with nothing sent to the gateway, or [`Error::Config`] when the
    /// proxy cannot be used at all; none shows the proxy's credentials.
    pub(crate) async fn connect(&self, host: &str, port: u16) -> Result<TcpStream, Error> {
        let address = self.address.as_ref().map_err(|reason| Error::Config {
            message: reason.clone(),
        })?;
        let mut stream = TcpStream::connect(address).await.map_err(|e| {
            not_sent(
                false,
                &format!("could not connect to the proxy {}: {e}", self.shown),
            )
        })?;
        // `host` is as a URL writes it: an IPv6 address keeps its brackets.
        let target = format!("{host}:{port}");
        let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
        if let Some(authorization) = &self.authorization {
            request.push_str("Proxy-Authorization: ");
            request.push_str(authorization.expose_secret());
            request.push_str("\r\n");
        }
        request.push_str("\r\n");
        let request = SecretString::new(request);
        stream
            .write_all(request.expose_secret().as_bytes())
            .await
            .map_err(|e| {
                not_sent(
                    false,
                    &format!("the proxy {} closed the tunnel: {e}", self.shown),
                )
            })?;
        let status = read_connect_answer(&mut stream)
            .await
            .map_err(|e| not_sent(false, &format!("the proxy {} {e}", self.shown)))?;
        match status {
            200..=299 => Ok(stream),
            407 => Err(Error::Config {
                message: format!(
                    "the proxy {} asks for credentials (407) that it did not accept or was not given",
                    self.shown
                ),
            }),
            status => Err(not_sent(false, &format!(
                "the proxy {} refused the tunnel to {target} with status {status}",
                self.shown
            ))),
        }
    }
}

/// `Basic base64(user:password)` from the URL's user information, percent-decoded.
fn basic_authorization(url: &url::Url) -> Option<SecretString> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |text: &str| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    };
    let pair = SecretString::new(format!(
        "{}:{}",
        decode(url.username()),
        decode(url.password().unwrap_or(""))
    ));
    let encoded = base64::engine::general_purpose::STANDARD.encode(pair.expose_secret());
    Some(SecretString::new(format!("Basic {encoded}")))
}

/// Reads the proxy's answer to `CONNECT` up to the blank line and returns its status. Nothing
/// may follow the blank line of a success: the gateway speaks only after the client's TLS
/// hello.
async fn read_connect_answer(stream: &mut TcpStream) -> Result<u16, String> {
    let mut answer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let read = stream
            .read(&mut chunk)
            .await
            .map_err(|e| format!("closed the tunnel: {e}"))?;
        if read == 0 {
            return Err("closed the connection before answering CONNECT".into());
        }
        answer.extend_from_slice(&chunk[..read]);
        if let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
            let status = connect_status(&answer)?;
            // A refusal may carry a body; an open tunnel carries nothing yet.
            if (200..300).contains(&status) && end + 4 != answer.len() {
                return Err("sent data before the tunnel was open".into());
            }
            return Ok(status);
        }
        if answer.len() > MAX_CONNECT_ANSWER {
            return Err(format!(
                "answered CONNECT with more than {MAX_CONNECT_ANSWER} bytes of headers"
            ));
        }
    }
}

/// The status of the answer's first line (`HTTP/1.x NNN ...`).
fn connect_status(answer: &[u8]) -> Result<u16, String> {
    let line = answer.split(|&b| b == b'\r').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split_whitespace();
    match (parts.next(), parts.next().map(str::parse::<u16>)) {
        (Some(version), Some(Ok(status))) if version.starts_with("HTTP/1.") => Ok(status),
        _ => Err("did not answer CONNECT with an HTTP status line".into()),
    }
}

/// The hosts `NO_PROXY` exempts, read with curl's rules (those reqwest applies to HTTP).
#[derive(Clone, Debug, Default)]
struct NoProxy {
    everything: bool,
    names: Vec<String>,
    blocks: Vec<(IpAddr, u8)>,
}

impl NoProxy {
    /// Parses a comma-separated list; blank entries are skipped.
    fn parse(list: &str) -> Self {
        let mut skip = NoProxy::default();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry == "*" {
                skip.everything = true;
            } else if let Some(block) = ip_block(entry) {
                skip.blocks.push(block);
            } else {
                let name = entry.trim_start_matches('.').to_ascii_lowercase();
                if !name.is_empty() {
                    skip.names.push(name);
                }
            }
        }
        skip
    }

    /// Whether `url`'s host is exempt.
    fn matches(&self, url: &url::Url) -> bool {
        if self.everything {
            return true;
        }
        match url.host() {
            Some(url::Host::Ipv4(ip)) => self.matches_ip(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => self.matches_ip(IpAddr::V6(ip)),
            Some(url::Host::Domain(host)) => {
                let host = host.trim_end_matches('.').to_ascii_lowercase();
                self.names.iter().any(|name| {
                    host == *name
                        || host
                            .strip_suffix(name.as_str())
                            .is_some_and(|rest| rest.ends_with('.'))
                })
            }
            None => false,
        }
    }

    fn matches_ip(&self, ip: IpAddr) -> bool {
        self.blocks
            .iter()
            .any(|&(network, prefix)| in_block(ip, network, prefix))
    }
}

/// An address (`10.1.2.3`, `::1`, `[::1]`) as a full-length block, or `address/prefix`.
fn ip_block(entry: &str) -> Option<(IpAddr, u8)> {
    let (address, prefix) = match entry.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix.parse::<u8>().ok()?)),
        None => (entry, None),
    };
    let address = address
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok()?;
    let full = if address.is_ipv4() { 32 } else { 128 };
    let prefix = prefix.unwrap_or(full);
    (prefix <= full).then_some((address, prefix))
}

/// Whether `ip` lies in `network/prefix` (addresses of the other family never do).
fn in_block(ip: IpAddr, network: IpAddr, prefix: u8) -> bool {
    let (ip, network, bits) = match (ip, network) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    if prefix == 0 {
        return true;
    }
    let shift = bits - u32::from(prefix);
    (ip >> shift) == (network >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exempt(list: &str, url: &str) -> bool {
        NoProxy::parse(list).matches(&url::Url::parse(url).unwrap())
    }

    #[test]
    fn no_proxy_follows_curls_rules() {
        let list = "example.com, .corp.test ,10.0.0.0/8,2001:db8::/32,192.168.1.5,[::2]";
        for (url, expected) in [
            ("wss://example.com/x", true),
            ("wss://api.EXAMPLE.com/x", true),
            ("wss://example.com./x", true),
            ("wss://badexample.com/x", false),
            ("wss://corp.test/x", true),
            ("wss://gw.corp.test/x", true),
            ("wss://xcorp.test/x", false),
            ("wss://10.200.3.4/x", true),
            ("wss://11.0.0.1/x", false),
            ("wss://[2001:db8::7]/x", true),
            ("wss://[2001:db9::7]/x", false),
            ("wss://192.168.1.5/x", true),
            ("wss://192.168.1.6/x", false),
            ("wss://[::2]/x", true),
        ] {
            assert_eq!(exempt(list, url), expected, "{url}");
        }
        assert!(exempt(" * ", "wss://api.ctpx.secureworks.com/graphql"));
        assert!(!exempt("", "wss://api.ctpx.secureworks.com/graphql"));
        assert!(!exempt(",,", "wss://api.ctpx.secureworks.com/graphql"));
        // A malformed block is a name that matches nothing, never a panic.
        assert!(!exempt("10.0.0.0/99,300.1.1.1", "wss://10.0.0.1/x"));
        assert!(exempt("0.0.0.0/0", "wss://8.8.8.8/x"));
    }

    #[test]
    fn only_a_remote_wss_outside_no_proxy_is_carried() {
        let proxy = TunnelProxy::new(&ProxySetting {
            url: "http://user:pw@proxy.corp:3128".into(),
            no_proxy: ".internal".into(),
        });
        let carries = |url: &str| proxy.carries(&url::Url::parse(url).unwrap());
        assert!(carries("wss://api.ctpx.secureworks.com/events/query"));
        assert!(!carries("wss://gw.internal/graphql"));
        assert!(!carries("wss://localhost:8443/graphql"));
        assert!(!carries("wss://127.0.0.1:8443/graphql"));
        assert!(!carries("ws://127.0.0.1:8080/graphql"));
        assert_eq!(proxy.address.as_deref(), Ok("proxy.corp:3128"));
        let shown = format!("{proxy:?}");
        assert!(
            !shown.contains("pw") && !shown.contains("dXNlcjpwdw"),
            "{shown}"
        );
    }

    #[test]
    fn a_proxy_without_scheme_is_http_and_other_schemes_say_why_they_cannot_tunnel() {
        let setting = |url: &str| ProxySetting {
            url: url.into(),
            no_proxy: String::new(),
        };
        let bare = TunnelProxy::new(&setting("proxy.corp:8080"));
        assert_eq!(bare.address.as_deref(), Ok("proxy.corp:8080"));
        assert!(bare.authorization.is_none());
        let default_port = TunnelProxy::new(&setting("http://proxy.corp"));
        assert_eq!(default_port.address.as_deref(), Ok("proxy.corp:80"));
        let tls = TunnelProxy::new(&setting("https://u:secret@proxy.corp"));
        let reason = tls.address.unwrap_err();
        assert!(reason.contains("https://"), "{reason}");
        assert!(!reason.contains("secret"), "{reason}");
    }

    #[test]
    fn a_connect_answer_needs_an_http_status_line() {
        assert_eq!(
            connect_status(b"HTTP/1.1 200 Connection established\r\n\r\n"),
            Ok(200)
        );
        assert_eq!(connect_status(b"HTTP/1.0 407 Auth\r\n\r\n<html>"), Ok(407));
        for garbage in [
            &b"SSH-2.0-OpenSSH\r\n\r\n"[..],
            b"HTTP/1.1 abc\r\n\r\n",
            b"\r\n\r\n",
            b"\xff\xfe",
        ] {
            assert!(connect_status(garbage).is_err(), "{garbage:?}");
        }
    }

    #[test]
    fn proxy_credentials_are_percent_decoded_into_basic() {
        let url = url::Url::parse("http://us%40er:p%3Ass@proxy:1").unwrap();
        let header = basic_authorization(&url).unwrap();
        let encoded = base64::engine::general_purpose::STANDARD.encode("us@er:p:ss");
        assert_eq!(header.expose_secret(), format!("Basic {encoded}"));
    }
}
