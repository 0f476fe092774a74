//! The split runtime against wiremock (and raw sockets) on 127.0.0.1: the identity cache's
//! load timeout and lock-free fast path, and errors by stage (dispatch errors that say whether
//! the request may have been sent, decode errors naming the operation and the JSON path).

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;
use serde_json::json;
use taegis_sdk::api::tenants::TenantsQuery;
use taegis_sdk::ops::main::{Clients, CreateClient};
use taegis_sdk::{AccessToken, BoxFuture, Client, Error, ErrorKind, TimeSource, TokenProvider};
use tokio::io::AsyncReadExt;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A clock the test sets to any second, backwards included.
#[derive(Debug)]
struct SettableClock(AtomicU64);

impl SettableClock {
    fn at(secs: u64) -> Arc<Self> {
        Arc::new(Self(AtomicU64::new(secs)))
    }
    fn set(&self, secs: u64) {
        self.0.store(secs, Ordering::SeqCst);
    }
}

impl TimeSource for SettableClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::SeqCst))
    }
}

// ---------------------------------------------------------------------------------------------
// Identity cache

#[tokio::test]
async fn a_hanging_token_request_is_a_load_timeout_and_the_api_is_not_called() {
    let server = MockServer::start().await;
    mount_slow_token(&server, "tok", Duration::from_secs(10)).await;
    mount_graphql(&server, clients_ok()).await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep)
        .timeout(Duration::from_secs(30)) // the attempt alone would wait 10 s
        .token_load_timeout(Duration::from_millis(300))
        .build()
        .unwrap();

    let started = Instant::now();
    let err = client.execute::<Clients>(clients_vars()).await.unwrap_err();
    assert!(
        matches!(err, Error::TokenLoadTimeout { after } if after == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.kind(), ErrorKind::Identity);
    assert!(err.is_timeout());
    assert!(!err.may_have_been_sent(), "the operation was never sent");
    assert!(!err.to_string().contains(CLIENT_SECRET), "{err}");
    assert!(requests_to(&server, "/graphql").await.is_empty());
    assert_eq!(
        client.config().token_load_timeout(),
        Duration::from_millis(300)
    );
}

/// A provider that never answers.
#[derive(Debug)]
struct Hanging;

impl TokenProvider for Hanging {
    fn access_token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn a_hanging_token_provider_is_a_load_timeout_for_every_waiter() {
    let server = MockServer::start().await;
    mount_graphql(&server, clients_ok()).await;
    let client = Client::builder()
        .api_url(server.uri())
        .token_provider(Arc::new(Hanging))
        .token_load_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    let waiters: Vec<_> = (0..5)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.execute::<Clients>(clients_vars()).await })
        })
        .collect();
    for waiter in waiters {
        let err = waiter.await.unwrap().unwrap_err();
        assert!(matches!(err, Error::TokenLoadTimeout { .. }), "{err:?}");
    }
    // Waiting for the refresh lock counts against the bound too: the five waiters do not
    // time out one after the other.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(requests_to(&server, "/graphql").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_token_is_read_without_waiting_for_an_inflight_refresh() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 3600, Some(1)).await;
    mount_slow_token(&server, "tok-2", Duration::from_secs(3)).await;
    let start = 1_700_000_000;
    let clock = SettableClock::at(start);
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep)
        .time_source(clock.clone())
        .build()
        .unwrap();
    let first = client.access_token().await.unwrap();
    assert_eq!(first.token().expose_secret(), "tok-1");

    // For this caller tok-1 has expired: it starts the (slow) refresh.
    clock.set(start + 3600);
    let refreshing = {
        let client = client.clone();
        tokio::spawn(async move { client.access_token().await })
    };
    let deadline = Instant::now() + Duration::from_secs(2);
    while requests_to(&server, "/auth/api/v2/auth/token").await.len() < 2 {
        assert!(Instant::now() < deadline, "the refresh never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // For the next caller tok-1 is fresh again: it is read at once, the refresh still running.
    clock.set(start);
    let read = tokio::time::timeout(Duration::from_millis(500), client.access_token())
        .await
        .expect("a fresh token is read without waiting for the refresh")
        .unwrap();
    assert_eq!(read.token().expose_secret(), "tok-1");
    assert!(!refreshing.is_finished(), "the refresh was still in flight");

    let refreshed = refreshing.await.unwrap().unwrap();
    assert_eq!(refreshed.token().expose_secret(), "tok-2");
    assert_eq!(
        requests_to(&server, "/auth/api/v2/auth/token").await.len(),
        2
    );
}

// ---------------------------------------------------------------------------------------------
// Dispatch errors

#[tokio::test]
async fn dispatch_errors_say_whether_the_request_may_have_been_sent() {
    // Nothing listens: the connection is refused, nothing was sent.
    let port = common::closed_port();
    let sleep = Arc::new(RecordingSleep::default());
    let refused = Client::builder()
        .api_url(format!("http://127.0.0.1:{port}"))
        .access_token("tok")
        .sleep_impl(sleep.clone())
        .build()
        .unwrap()
        .execute::<CreateClient>(create_vars())
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            Error::Dispatch {
                may_have_been_sent: false,
                timed_out: false,
                ..
            }
        ),
        "{refused:?}"
    );
    assert!(!refused.may_have_been_sent());
    assert_eq!(refused.kind(), ErrorKind::Dispatch);
    assert!(
        refused.to_string().contains("the request was not sent"),
        "{refused}"
    );

    // A server that reads the whole request, then closes without a word (or says nothing
    // until the timeout): the mutation may have run.
    for stall in [false, true] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            let mut chunk = [0u8; 4096];
            // Until the end of the JSON body: the whole request was written.
            while !seen.ends_with(b"}") {
                let n = stream.read(&mut chunk).await.unwrap();
                assert!(n > 0, "the client closed first");
                seen.extend_from_slice(&chunk[..n]);
            }
            if stall {
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
            String::from_utf8_lossy(&seen).into_owned()
        });
        let sleep = Arc::new(RecordingSleep::default());
        let err = Client::builder()
            .api_url(format!("http://{addr}"))
            .access_token("tok")
            .timeout(Duration::from_millis(300))
            .sleep_impl(sleep.clone())
            .build()
            .unwrap()
            .execute::<CreateClient>(create_vars())
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Dispatch { may_have_been_sent: true, timed_out, .. } if timed_out == stall),
            "stall {stall}: {err:?}"
        );
        assert!(err.may_have_been_sent(), "stall {stall}");
        assert!(err.to_string().contains("may have been sent"), "{err}");
        assert!(
            sleep.sleeps().is_empty(),
            "a mutation that may have run is not resent"
        );
        if !stall {
            let request = server.await.unwrap();
            assert!(request.contains("createClient"), "{request}");
        } else {
            server.abort();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Decode errors

#[tokio::test]
async fn decode_errors_name_the_operation_and_the_json_path() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600, None).await;
    let tenant = |id: serde_json::Value| json!({"id": id, "name": "t", "support_enabled": false});
    Mock::given(method("POST"))
        .and(path("/public/query"))
        .respond_with(graphql_ok(json!({"tenants": {
            "cursorPos": null, "count": 4, "hasMore": false, "totalCount": 4,
            "results": [tenant(json!("1")), tenant(json!("2")), tenant(json!("3")), tenant(json!(null))]
        }})))
        .mount(&server)
        .await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep).build().unwrap();

    let err = client
        .tenants()
        .list(TenantsQuery::default())
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            operation, path, ..
        } => {
            assert_eq!(operation, "tenants", "{err}");
            assert_eq!(path.as_deref(), Some("data.tenants.results[3].id"), "{err}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert!(
        err.to_string().starts_with(
            "tenants: data.tenants.results[3].id: invalid type: null, expected a string"
        ),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.may_have_been_sent());
}

#[tokio::test]
async fn token_answer_decode_errors_name_the_token_operation_and_path() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/api/v2/auth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": 42, "client_secret": CLIENT_SECRET})),
        )
        .mount(&server)
        .await;
    let sleep = Arc::new(RecordingSleep::default());
    let err = builder(&server, &sleep)
        .build()
        .unwrap()
        .execute::<Clients>(clients_vars())
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            operation, path, ..
        } => {
            assert_eq!(operation, "token");
            assert_eq!(path.as_deref(), Some("access_token"));
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert!(!format!("{err} {err:?}").contains(CLIENT_SECRET), "{err:?}");
    assert!(requests_to(&server, "/graphql").await.is_empty());
}
