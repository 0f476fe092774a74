//! The opt-in token cache file (the Python SDK's `~/.taegis_sdk_python/config`): no INI
//! injection, a cached token only for the client and API URL that obtained it, and no lost
//! update when several writers run at once.

mod common;

use std::path::Path;

use common::*;
use taegis_sdk::Client;
use wiremock::MockServer;

fn cached_client(server: &MockServer, file: &Path, client_id: &str, section: &str) -> Client {
    Client::builder()
        .api_url(server.uri())
        .client_credentials(client_id, CLIENT_SECRET)
        .token_cache_file(file.to_path_buf())
        .token_cache_section(section)
        .build()
        .unwrap()
}

async fn token_requests(server: &MockServer) -> usize {
    requests_to(server, "/auth/api/v2/auth/token").await.len()
}

#[tokio::test]
async fn a_token_holding_newlines_is_never_written() {
    let server = MockServer::start().await;
    let evil = format!("{}\n[charlie]\naccess_token = evil", jwt(unix_now() + 3600));
    mount_token(&server, &evil, 3600, None).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");
    std::fs::write(&file, "[charlie]\naccess_token = keep-me\n").unwrap();
    let client = cached_client(&server, &file, CLIENT_ID, "mine");
    let _ = client.access_token().await;
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("evil"), "{text}");
    assert_eq!(text.matches("[charlie]").count(), 1, "{text}");
    assert!(text.contains("access_token = keep-me"), "{text}");
}

#[tokio::test]
async fn a_cached_token_serves_only_its_own_client_and_api_url() {
    let server = MockServer::start().await;
    let token = jwt(unix_now() + 3600);
    mount_token(&server, &token, 3600, None).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");

    cached_client(&server, &file, "client-a", "shared")
        .access_token()
        .await
        .unwrap();
    assert_eq!(token_requests(&server).await, 1);

    // The same client reuses it.
    cached_client(&server, &file, "client-a", "shared")
        .access_token()
        .await
        .unwrap();
    assert_eq!(token_requests(&server).await, 1, "reused by its own client");

    // Another client ID in the same section gets its own token.
    cached_client(&server, &file, "client-b", "shared")
        .access_token()
        .await
        .unwrap();
    assert_eq!(
        token_requests(&server).await,
        2,
        "not reused by another client"
    );

    // The same client against another API URL gets its own token too.
    let other = MockServer::start().await;
    mount_token(&other, &jwt(unix_now() + 3600), 3600, None).await;
    cached_client(&other, &file, "client-b", "shared")
        .access_token()
        .await
        .unwrap();
    assert_eq!(
        token_requests(&other).await,
        1,
        "not reused for another API URL"
    );

    // A token without an owner line (as the Python SDK writes them) is not taken by client
    // credentials.
    std::fs::write(&file, format!("[shared]\naccess_token = {token}\n")).unwrap();
    cached_client(&other, &file, "client-b", "shared")
        .access_token()
        .await
        .unwrap();
    assert_eq!(token_requests(&other).await, 2);
}

#[tokio::test]
async fn a_python_sdk_token_serves_a_client_without_credentials_for_its_region() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");
    let token = jwt(unix_now() + 3600);
    std::fs::write(&file, format!("[charlie]\naccess_token = {token}\n")).unwrap();
    let client = Client::builder()
        .environment("charlie")
        .token_cache_file(file)
        .build()
        .unwrap();
    // No network: the token comes from the file.
    let got = client.access_token().await.unwrap();
    assert_eq!(got.token().expose_secret(), token);
}

#[test]
fn concurrent_writers_lose_no_section() {
    const WRITERS: usize = 24;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        mount_token(&server, &jwt(unix_now() + 3600), 3600, None).await;
        server
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");
    let barrier = std::sync::Barrier::new(WRITERS);
    std::thread::scope(|scope| {
        for i in 0..WRITERS {
            let (server, file, barrier) = (&server, &file, &barrier);
            scope.spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let client = cached_client(server, file, CLIENT_ID, &format!("writer-{i}"));
                barrier.wait();
                rt.block_on(client.access_token()).unwrap();
            });
        }
    });
    let text = std::fs::read_to_string(&file).unwrap();
    for i in 0..WRITERS {
        assert!(
            text.contains(&format!("[writer-{i}]")),
            "writer {i} lost:\n{text}"
        );
    }
}
