//! One root store is trusted, never the union: a server whose certificate chains only to the
//! platform store (here `SSL_CERT_FILE`, which `rustls-native-certs` reads instead of the
//! system store) is trusted with `TlsRoots::Platform` and refused with `TlsRoots::Bundled`.
//! In a file of its own: it sets `SSL_CERT_FILE` for the whole process.

#[path = "support/tls.rs"]
mod tls;

use taegis_sdk::{Client, Endpoint, Error, RetryConfig, TlsRoots};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A TLS server on 127.0.0.1 with a certificate for `localhost` signed by a fresh CA; returns
/// its port and the CA in PEM.
async fn tls_server() -> (u16, String) {
    let (acceptor, ca_pem) = tls::acceptor_for(&["localhost"]);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut buf = vec![0u8; 16 * 1024];
                let _ = tls.read(&mut buf).await;
                let body = r#"{"data":{"__typename":"Query"}}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, ca_pem)
}

fn client(port: u16, roots: Option<TlsRoots>) -> Client {
    let mut builder = Client::builder()
        .api_url(format!("https://localhost:{port}"))
        .access_token("t")
        .retry_config(RetryConfig::disabled());
    builder.set_tls_roots(roots);
    builder.build().unwrap()
}

#[tokio::test]
async fn exactly_one_root_store_is_trusted() {
    let (port, ca_pem) = tls_server().await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    std::env::set_var("SSL_CERT_FILE", &ca_file);

    let query = "{ __typename }";
    let platform = client(port, Some(TlsRoots::Platform))
        .execute_raw(Endpoint::MAIN, query, None, None)
        .await;
    assert!(
        platform.is_ok(),
        "the platform store trusts the CA: {platform:?}"
    );

    let bundled = client(port, Some(TlsRoots::Bundled))
        .execute_raw(Endpoint::MAIN, query, None, None)
        .await;
    assert!(
        matches!(
            bundled,
            Err(Error::Dispatch {
                may_have_been_sent: false,
                ..
            })
        ),
        "the bundled Mozilla roots alone must refuse it: {bundled:?}"
    );

    // The default follows the `bundled-roots` feature, and is one store either way.
    let default = client(port, None)
        .execute_raw(Endpoint::MAIN, query, None, None)
        .await;
    assert_eq!(
        default.is_ok(),
        !cfg!(feature = "bundled-roots"),
        "{default:?}"
    );
}
