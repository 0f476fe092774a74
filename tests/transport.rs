//! Behaviour of the transport and authentication runtime against wiremock servers on
//! 127.0.0.1. Backoff and expiry are driven by an injected clock and a recording sleep, so no
//! test waits for a timer except the timeout test (a fraction of a second).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use common::*;
use serde_json::{json, Value};
use taegis_sdk::ops::main::{clients, Clients, CreateClient};
use taegis_sdk::ops::tenants::{assignable_services, AssignableServices};
use taegis_sdk::{
    AccessToken, BoxFuture, Client, Endpoint, Error, Region, RetryConfig, TimeSource, TokenProvider,
};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------------------------------------
// Token endpoint and token cache

#[tokio::test]
async fn token_request_has_basic_auth_and_json_body() {
    let server = MockServer::start().await;
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    Mock::given(method("POST"))
        .and(path("/auth/api/v2/auth/token"))
        .and(header("authorization", format!("Basic {basic}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"grant_type": "client_credentials"})))
        .respond_with(token_response("tok-1", 36000))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(clients_ok())
        .expect(1)
        .mount(&server)
        .await;

    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep).build().unwrap();
    let data = client.execute::<Clients>(clients_vars()).await.unwrap();
    assert_eq!(
        data.clients.unwrap()[0].as_ref().unwrap().id.as_deref(),
        Some("c1")
    );
    server.verify().await;
}

#[tokio::test]
async fn token_is_fetched_lazily_and_cached() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 36000, None).await;
    mount_graphql(&server, clients_ok()).await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep).build().unwrap();
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "building fetches nothing"
    );

    for _ in 0..3 {
        client.execute::<Clients>(clients_vars()).await.unwrap();
    }
    assert_eq!(
        requests_to(&server, "/auth/api/v2/auth/token").await.len(),
        1
    );
    assert_eq!(requests_to(&server, "/graphql").await.len(), 3);
}

#[tokio::test]
async fn token_is_refreshed_before_expiry() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 3600, Some(1)).await;
    mount_token(&server, "tok-2", 3600, None).await;
    mount_graphql(&server, clients_ok()).await;
    let clock = ManualClock::new();
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep)
        .time_source(clock.clone())
        .token_refresh_margin(Duration::from_secs(60))
        .build()
        .unwrap();

    client.execute::<Clients>(clients_vars()).await.unwrap();
    clock.advance(Duration::from_secs(3500)); // 100 s left: still good
    client.execute::<Clients>(clients_vars()).await.unwrap();
    assert_eq!(
        requests_to(&server, "/auth/api/v2/auth/token").await.len(),
        1
    );
    clock.advance(Duration::from_secs(50)); // 50 s left: inside the 60 s margin
    client.execute::<Clients>(clients_vars()).await.unwrap();

    assert_eq!(
        requests_to(&server, "/auth/api/v2/auth/token").await.len(),
        2
    );
    let auths: Vec<_> = requests_to(&server, "/graphql")
        .await
        .iter()
        .map(|r| header_of(r, "authorization").unwrap())
        .collect();
    assert_eq!(auths, ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]);
}

#[tokio::test]
async fn expiry_from_jwt_exp_when_response_has_no_expiry() {
    let server = MockServer::start().await;
    let clock = ManualClock::new();
    let now = clock.now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let first = jwt(now + 600);
    Mock::given(method("POST"))
        .and(path("/auth/api/v2/auth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": first, "token_type": "Bearer"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_token(&server, "tok-2", 3600, None).await;
    mount_graphql(&server, clients_ok()).await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep)
        .time_source(clock.clone())
        .build()
        .unwrap();

    client.execute::<Clients>(clients_vars()).await.unwrap();
    clock.advance(Duration::from_secs(500));
    client.execute::<Clients>(clients_vars()).await.unwrap();
    assert_eq!(
        requests_to(&server, "/auth/api/v2/auth/token").await.len(),
        1,
        "JWT exp not reached yet"
    );
    clock.advance(Duration::from_secs(60));
    client.execute::<Clients>(clients_vars()).await.unwrap();
    assert_eq!(
        requests_to(&server, "/auth/api/v2/auth/token").await.len(),
        2,
        "inside the margin of exp"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_token_request_for_100_concurrent_tasks_across_expiry() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 3600, Some(1)).await;
    // The refresh is slow, so that every task arrives while it is in flight.
    mount_slow_token(&server, "tok-2", Duration::from_millis(300)).await;
    mount_graphql(&server, clients_ok()).await;
    let clock = ManualClock::new();
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep)
        .time_source(clock.clone())
        .build()
        .unwrap();
    client.execute::<Clients>(clients_vars()).await.unwrap();

    clock.advance(Duration::from_secs(3600)); // tok-1 has expired
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.execute::<Clients>(clients_vars()).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }

    assert_eq!(
        requests_to(&server, "/auth/api/v2/auth/token").await.len(),
        2,
        "one initial token and exactly one refresh"
    );
    let after_refresh = requests_to(&server, "/graphql")
        .await
        .iter()
        .filter(|r| header_of(r, "authorization").as_deref() == Some("Bearer tok-2"))
        .count();
    assert_eq!(after_refresh, 100);
}

#[tokio::test]
async fn unauthorized_drops_token_fetches_new_one_and_retries_once() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 36000, Some(1)).await;
    mount_token(&server, "tok-2", 36000, None).await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "token revoked"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header("authorization", "Bearer tok-2"))
        .respond_with(clients_ok())
        .mount(&server)
        .await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep).build().unwrap();

    client.execute::<Clients>(clients_vars()).await.unwrap();
    assert_eq!(
        requests_to(&server, "/auth/api/v2/auth/token").await.len(),
        2
    );
    assert_eq!(requests_to(&server, "/graphql").await.len(), 2);
    assert!(sleep.sleeps().is_empty(), "a 401 refresh does not back off");
    // The new token is cached.
    client.execute::<Clients>(clients_vars()).await.unwrap();
    assert_eq!(
        requests_to(&server, "/auth/api/v2/auth/token").await.len(),
        2
    );
}

#[tokio::test]
async fn second_unauthorized_is_an_authentication_error() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 36000, None).await;
    mount_graphql(
        &server,
        ResponseTemplate::new(401)
            .insert_header("x-request-id", "req-401")
            .set_body_json(json!({"message": "invalid token"})),
    )
    .await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep).build().unwrap();

    let err = client.execute::<Clients>(clients_vars()).await.unwrap_err();
    match &err {
        Error::Auth {
            status,
            message,
            request_id,
        } => {
            assert_eq!(*status, Some(401));
            assert!(message.contains("invalid token"), "{message}");
            assert_eq!(request_id.as_deref(), Some("req-401"));
        }
        other => panic!("expected Auth, got {other:?}"),
    }
    assert_eq!(
        requests_to(&server, "/graphql").await.len(),
        2,
        "exactly one retry"
    );
    assert_eq!(
        requests_to(&server, "/auth/api/v2/auth/token").await.len(),
        2
    );
}

#[tokio::test]
async fn static_token_is_sent_as_is_and_a_401_is_final() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header("authorization", "Bearer static-tok"))
        .respond_with(clients_ok())
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_graphql(&server, ResponseTemplate::new(401)).await;
    let client = Client::builder()
        .api_url(server.uri())
        .access_token("Bearer static-tok\n")
        .build()
        .unwrap();

    client.execute::<Clients>(clients_vars()).await.unwrap();
    let err = client.execute::<Clients>(clients_vars()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth {
                status: Some(401),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(requests_to(&server, "/graphql").await.len(), 2);
    assert!(requests_to(&server, "/auth/api/v2/auth/token")
        .await
        .is_empty());
}

#[derive(Debug, Default)]
struct CountingProvider(AtomicUsize);

impl TokenProvider for CountingProvider {
    fn access_token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        Box::pin(async move {
            Ok(AccessToken::with_expiry(
                format!("prov-{n}"),
                SystemTime::now() + Duration::from_secs(3600),
            ))
        })
    }
}

#[tokio::test]
async fn token_provider_is_cached_and_asked_again_after_401() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header("authorization", "Bearer prov-1"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header("authorization", "Bearer prov-2"))
        .respond_with(clients_ok())
        .mount(&server)
        .await;
    let provider = Arc::new(CountingProvider::default());
    let client = Client::builder()
        .api_url(server.uri())
        .token_provider(provider.clone())
        .build()
        .unwrap();

    client.execute::<Clients>(clients_vars()).await.unwrap();
    client.execute::<Clients>(clients_vars()).await.unwrap();
    assert_eq!(provider.0.load(Ordering::SeqCst), 2);
    assert_eq!(requests_to(&server, "/graphql").await.len(), 3);
}

#[tokio::test]
async fn token_endpoint_refusal_is_an_auth_error_with_the_server_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/api/v2/auth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": "client authentication failed",
            "echo": {"client_secret": CLIENT_SECRET}
        })))
        .mount(&server)
        .await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep).build().unwrap();

    let err = client.execute::<Clients>(clients_vars()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth {
                status: Some(401),
                ..
            }
        ),
        "{err:?}"
    );
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("invalid_client: client authentication failed"),
        "{text}"
    );
    assert!(!text.contains(CLIENT_SECRET));
    assert_eq!(
        requests_to(&server, "/auth/api/v2/auth/token").await.len(),
        1,
        "refusals are not retried"
    );
    assert!(requests_to(&server, "/graphql").await.is_empty());
}

#[tokio::test]
async fn token_endpoint_down_then_up() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/api/v2/auth/token"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    mount_token(&server, "tok", 3600, None).await;
    mount_graphql(&server, clients_ok()).await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep).build().unwrap();

    client.execute::<Clients>(clients_vars()).await.unwrap();
    assert_eq!(
        requests_to(&server, "/auth/api/v2/auth/token").await.len(),
        3
    );
    assert_eq!(sleep.sleeps().len(), 2);
}

#[tokio::test]
async fn python_sdk_token_cache_is_written_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".taegis_sdk_python").join("config");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        "[delta]\nclient_id = DELTA_CLIENT_ID\naccess_token = other-env-token\n",
    )
    .unwrap();

    let server = MockServer::start().await;
    let cached = jwt(unix_now() + 36000);
    Mock::given(method("POST"))
        .and(path("/auth/api/v2/auth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_json(&cached, 36000)))
        .mount(&server)
        .await;
    mount_graphql(&server, clients_ok()).await;
    let sleep = Arc::new(RecordingSleep::default());
    let make = || {
        builder(&server, &sleep)
            .token_cache_file(file.clone())
            .token_cache_section("sandbox")
            .build()
            .unwrap()
    };

    make().execute::<Clients>(clients_vars()).await.unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains(&format!("[sandbox]\naccess_token = {cached}\n")),
        "{text}"
    );
    assert!(
        text.contains("[delta]\nclient_id = DELTA_CLIENT_ID\naccess_token = other-env-token"),
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // A second client (another process, in real life) reuses the cached token.
    make().execute::<Clients>(clients_vars()).await.unwrap();
    assert_eq!(
        requests_to(&server, "/auth/api/v2/auth/token").await.len(),
        1
    );
    let auths: Vec<_> = requests_to(&server, "/graphql")
        .await
        .iter()
        .map(|r| header_of(r, "authorization").unwrap())
        .collect();
    assert_eq!(
        auths,
        [format!("Bearer {cached}"), format!("Bearer {cached}")]
    );
}

#[tokio::test]
async fn refused_cached_token_is_replaced_not_reread() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");
    let server = MockServer::start().await;
    let stale = jwt(unix_now() + 36000);
    std::fs::write(
        &file,
        format!(
            "[{}]\naccess_token = {stale}\n{}\n",
            server.uri(),
            owner_line(&server.uri(), &stale)
        ),
    )
    .unwrap();
    mount_token(&server, "fresh-tok", 3600, None).await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header("authorization", format!("Bearer {stale}").as_str()))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header("authorization", "Bearer fresh-tok"))
        .respond_with(clients_ok())
        .mount(&server)
        .await;
    let sleep = Arc::new(RecordingSleep::default());
    // No section given: a custom server's tokens go to a section named after its URL.
    let client = builder(&server, &sleep)
        .token_cache_file(file.clone())
        .build()
        .unwrap();

    client.execute::<Clients>(clients_vars()).await.unwrap();
    assert_eq!(requests_to(&server, "/graphql").await.len(), 2);
    assert_eq!(
        requests_to(&server, "/auth/api/v2/auth/token").await.len(),
        1
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        text,
        format!(
            "[{}]\naccess_token = fresh-tok\n{}\n",
            server.uri(),
            owner_line(&server.uri(), "fresh-tok")
        )
    );
}

/// The line that says a cached token belongs to `CLIENT_ID` at `api_url`.
fn owner_line(api_url: &str, token: &str) -> String {
    use sha2::Digest as _;
    let digest: String = sha2::Sha256::digest(token.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("taegis_rs_token_owner = {CLIENT_ID} {api_url} {digest}")
}

#[tokio::test]
async fn token_cache_is_off_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    mount_token(&server, &jwt(unix_now() + 3600), 3600, None).await;
    mount_graphql(&server, clients_ok()).await;
    let sleep = Arc::new(RecordingSleep::default());
    builder(&server, &sleep)
        .build()
        .unwrap()
        .execute::<Clients>(clients_vars())
        .await
        .unwrap();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let debug = format!("{:?}", builder(&server, &sleep).build().unwrap());
    assert!(debug.contains("token_cache: None"), "{debug}");
}

#[tokio::test]
async fn device_code_login_is_explicit_and_installs_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/universal-auth/device/code/auth"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "device_code": "device-code-secret",
            "user_code": "ABCD-EFGH",
            "verification_uri": "https://login.example/device",
            "interval": 2,
            "expires_in": 600
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/universal-auth/device/code/token"))
        .and(body_json(
            json!({"device_code": "device-code-secret", "interval": 2}),
        ))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"error": "authorization_pending"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/universal-auth/device/code/token"))
        .respond_with(token_response("device-tok", 3600))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header("authorization", "Bearer device-tok"))
        .respond_with(clients_ok())
        .mount(&server)
        .await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = Client::builder()
        .api_url(server.uri())
        .sleep_impl(sleep.clone())
        .build()
        .unwrap();

    // Without credentials nothing is sent, and no login starts by itself.
    let err = client.execute::<Clients>(clients_vars()).await.unwrap_err();
    assert!(matches!(err, Error::MissingCredentials), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());

    let mut shown = None;
    let token = client
        .login_with_device_code(|p| shown = Some(p.clone()))
        .await
        .unwrap();
    assert_eq!(token.token().expose_secret(), "device-tok");
    let prompt = shown.unwrap();
    assert_eq!(
        prompt.url,
        "https://login.example/device?user_code=ABCD-EFGH"
    );
    assert_eq!(
        sleep.sleeps(),
        [Duration::from_secs(2)],
        "waited one interval while pending"
    );

    client
        .with_tenant("5")
        .unwrap()
        .execute::<Clients>(clients_vars())
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Retries

#[tokio::test]
async fn status_429_honours_retry_after_seconds() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600, None).await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "7"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_graphql(&server, clients_ok()).await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep).build().unwrap();

    client.execute::<Clients>(clients_vars()).await.unwrap();
    assert_eq!(sleep.sleeps(), [Duration::from_secs(7)]);
    assert_eq!(requests_to(&server, "/graphql").await.len(), 2);
}

#[tokio::test]
async fn status_429_honours_retry_after_http_date_and_mutations_retry_on_429() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600, None).await;
    let clock = ManualClock::new(); // 2023-11-14T22:13:20Z
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "Tue, 14 Nov 2023 22:13:50 GMT"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_graphql(
        &server,
        graphql_ok(json!({"createClient": {"clientSecret": "new-secret", "client": {"id": "x"}}})),
    )
    .await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep).time_source(clock).build().unwrap();

    client.execute::<CreateClient>(create_vars()).await.unwrap();
    assert_eq!(sleep.sleeps(), [Duration::from_secs(30)]);
    assert_eq!(requests_to(&server, "/graphql").await.len(), 2);
}

#[tokio::test]
async fn retry_after_beyond_the_budget_gives_up_at_once() {
    // An hour, and a hostile u64::MAX seconds (must not overflow).
    for after in ["3600", "18446744073709551615"] {
        let server = MockServer::start().await;
        mount_token(&server, "tok", 3600, None).await;
        mount_graphql(
            &server,
            ResponseTemplate::new(429).insert_header("retry-after", after),
        )
        .await;
        let sleep = Arc::new(RecordingSleep::default());
        let client = builder(&server, &sleep)
            .retry_config(
                RetryConfig::default()
                    .max_attempts(5)
                    .max_elapsed(Duration::from_secs(60)),
            )
            .build()
            .unwrap();

        let err = client.execute::<Clients>(clients_vars()).await.unwrap_err();
        assert_eq!(err.status(), Some(429), "{after}");
        assert!(sleep.sleeps().is_empty(), "{after}");
        assert_eq!(requests_to(&server, "/graphql").await.len(), 1, "{after}");
    }
}

#[tokio::test]
async fn status_503_backs_off_exponentially_with_jitter() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600, None).await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    mount_graphql(&server, clients_ok()).await;
    let sleep = Arc::new(RecordingSleep::default());
    let retry = RetryConfig::default()
        .max_attempts(4)
        .initial_backoff(Duration::from_millis(100))
        .max_backoff(Duration::from_secs(1));
    let client = builder(&server, &sleep)
        .retry_config(retry)
        .build()
        .unwrap();

    client.execute::<Clients>(clients_vars()).await.unwrap();
    let sleeps = sleep.sleeps();
    assert_eq!(sleeps.len(), 2);
    assert!(sleeps[0] <= Duration::from_millis(100), "{sleeps:?}");
    assert!(sleeps[1] <= Duration::from_millis(200), "{sleeps:?}");
    assert_eq!(requests_to(&server, "/graphql").await.len(), 3);
}

#[tokio::test]
async fn retries_stop_at_max_attempts() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600, None).await;
    mount_graphql(&server, ResponseTemplate::new(503)).await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep)
        .retry_config(RetryConfig::default().max_attempts(4))
        .build()
        .unwrap();

    let err = client.execute::<Clients>(clients_vars()).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(requests_to(&server, "/graphql").await.len(), 4);
    assert_eq!(sleep.sleeps().len(), 3);
}

#[tokio::test]
async fn queries_retry_on_408_500_502_504_but_not_400() {
    for status in [408u16, 500, 502, 504] {
        let server = MockServer::start().await;
        mount_token(&server, "tok", 3600, None).await;
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .respond_with(ResponseTemplate::new(status))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        mount_graphql(&server, clients_ok()).await;
        let sleep = Arc::new(RecordingSleep::default());
        builder(&server, &sleep)
            .build()
            .unwrap()
            .execute::<Clients>(clients_vars())
            .await
            .unwrap();
        assert_eq!(requests_to(&server, "/graphql").await.len(), 2, "{status}");
    }
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600, None).await;
    mount_graphql(
        &server,
        ResponseTemplate::new(400).set_body_string("bad request"),
    )
    .await;
    let sleep = Arc::new(RecordingSleep::default());
    let err = builder(&server, &sleep)
        .build()
        .unwrap()
        .execute::<Clients>(clients_vars())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(requests_to(&server, "/graphql").await.len(), 1);
}

#[tokio::test]
async fn mutation_is_not_retried_on_500_502_504_408() {
    for status in [500u16, 502, 504, 408] {
        let server = MockServer::start().await;
        mount_token(&server, "tok", 3600, None).await;
        mount_graphql(&server, ResponseTemplate::new(status)).await;
        let sleep = Arc::new(RecordingSleep::default());
        let client = builder(&server, &sleep).build().unwrap();

        let err = client
            .execute::<CreateClient>(create_vars())
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Http { status: s, .. } if s == status),
            "{err:?}"
        );
        assert_eq!(
            requests_to(&server, "/graphql").await.len(),
            1,
            "createClient sent once on {status}"
        );
        assert!(sleep.sleeps().is_empty());
    }
}

#[tokio::test]
async fn mutation_is_retried_on_503_only_when_opted_in() {
    for opted_in in [false, true] {
        let server = MockServer::start().await;
        mount_token(&server, "tok", 3600, None).await;
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        mount_graphql(
            &server,
            graphql_ok(json!({"createClient": {"clientSecret": "s", "client": {"id": "x"}}})),
        )
        .await;
        let sleep = Arc::new(RecordingSleep::default());
        let retry = if opted_in {
            RetryConfig::default().retry_mutations_on([503])
        } else {
            RetryConfig::default()
        };
        let client = builder(&server, &sleep)
            .retry_config(retry)
            .build()
            .unwrap();

        let outcome = client.execute::<CreateClient>(create_vars()).await;
        if opted_in {
            let created = outcome.unwrap();
            assert_eq!(
                created.create_client.unwrap().client.unwrap().id.as_deref(),
                Some("x")
            );
            assert_eq!(requests_to(&server, "/graphql").await.len(), 2);
        } else {
            assert!(matches!(outcome, Err(Error::Http { status: 503, .. })));
            assert_eq!(requests_to(&server, "/graphql").await.len(), 1);
        }
    }
}

#[tokio::test]
async fn connect_errors_are_retried_for_mutations_and_queries() {
    // A port with nothing listening: the connection is refused, so nothing was sent.
    let port = common::closed_port();
    let sleep = Arc::new(RecordingSleep::default());
    let client = Client::builder()
        .api_url(format!("http://127.0.0.1:{port}"))
        .access_token("tok")
        .sleep_impl(sleep.clone())
        .retry_config(RetryConfig::default().max_attempts(3))
        .build()
        .unwrap();

    let err = client
        .execute::<CreateClient>(create_vars())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Dispatch {
                may_have_been_sent: false,
                timed_out: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        !err.may_have_been_sent(),
        "a refused connection sent nothing"
    );
    assert_eq!(
        sleep.sleeps().len(),
        2,
        "two retries after the first refused connection"
    );
    let err = client.execute::<Clients>(clients_vars()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Dispatch {
                may_have_been_sent: false,
                timed_out: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        !err.may_have_been_sent(),
        "a refused connection sent nothing"
    );
    assert_eq!(sleep.sleeps().len(), 4);
}

// ---------------------------------------------------------------------------------------------
// Requests

#[tokio::test]
async fn tenant_header_default_override_and_none_share_one_token() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600, None).await;
    mount_graphql(&server, clients_ok()).await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep).tenant_id("111").build().unwrap();
    let other = client.with_tenant("222").unwrap();
    let none = client.without_tenant();

    client.execute::<Clients>(clients_vars()).await.unwrap();
    other.execute::<Clients>(clients_vars()).await.unwrap();
    none.execute::<Clients>(clients_vars()).await.unwrap();
    client.execute::<Clients>(clients_vars()).await.unwrap();

    let tenants: Vec<_> = requests_to(&server, "/graphql")
        .await
        .iter()
        .map(|r| header_of(r, "x-tenant-context"))
        .collect();
    assert_eq!(
        tenants,
        [
            Some("111".to_owned()),
            Some("222".to_owned()),
            None,
            Some("111".to_owned())
        ]
    );
    assert_eq!(
        requests_to(&server, "/auth/api/v2/auth/token").await.len(),
        1,
        "handles share the token cache"
    );
    for bad in ["", "1 2", "12\n", "\u{1b}[31m"] {
        assert!(
            matches!(client.with_tenant(bad), Err(Error::InvalidTenantId { .. })),
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn headers_user_agent_content_type_accept_and_extra() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600, None).await;
    mount_graphql(&server, clients_ok()).await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep)
        .header("X-Custom", "custom-value")
        .build()
        .unwrap();
    client.execute::<Clients>(clients_vars()).await.unwrap();

    let request = &requests_to(&server, "/graphql").await[0];
    assert_eq!(
        header_of(request, "user-agent").unwrap(),
        format!("taegis-sdk-rust/{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        header_of(request, "content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        header_of(request, "accept").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        header_of(request, "x-custom").as_deref(),
        Some("custom-value")
    );
    assert_eq!(
        header_of(request, "authorization").as_deref(),
        Some("Bearer tok")
    );
    let body: Value = request.body_json().unwrap();
    assert_eq!(body["operationName"], "clients");
    assert_eq!(body["variables"], json!({"name": "%docs%"}));
}

#[tokio::test]
async fn tenants_operations_go_to_the_tenants_endpoint() {
    let api = MockServer::start().await;
    let tenants_server = MockServer::start().await;
    mount_token(&api, "tok", 3600, None).await;
    Mock::given(method("POST"))
        .and(path("/public/query"))
        .and(header("authorization", "Bearer tok"))
        .respond_with(graphql_ok(
            json!({"assignableServices": [{"id": "svc-1", "name": "MDR"}]}),
        ))
        .expect(1)
        .mount(&tenants_server)
        .await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&api, &sleep)
        .tenants_url(tenants_server.uri())
        .build()
        .unwrap();

    let vars = assignable_services::Variables {
        tenant_id: Some("5".into()),
        service_i_ds: None,
    };
    let services = client.execute::<AssignableServices>(vars).await.unwrap();
    assert_eq!(
        services.assignable_services.unwrap()[0]
            .as_ref()
            .unwrap()
            .id
            .as_deref(),
        Some("svc-1")
    );
    assert!(requests_to(&api, "/graphql").await.is_empty());
    tenants_server.verify().await;
}

#[tokio::test]
async fn execute_raw_returns_the_whole_response_and_classifies_mutations() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600, None).await;
    let full = json!({"data": {"tenants": null}, "errors": [{"message": "boom"}], "extensions": {"cost": 1}});
    Mock::given(method("POST"))
        .and(path("/public/query"))
        .and(body_json(json!({"query": "query q { tenants { count } }", "variables": {"a": 1}, "operationName": "q"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(full.clone()))
        .mount(&server)
        .await;
    mount_graphql(&server, ResponseTemplate::new(500)).await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep).build().unwrap();

    let got = client
        .execute_raw(
            Endpoint::TENANTS,
            "query q { tenants { count } }",
            Some(json!({"a": 1})),
            Some("q"),
        )
        .await
        .unwrap();
    assert_eq!(got, full);

    let err = client
        .execute_raw(
            Endpoint::MAIN,
            "mutation { deleteClient(id: \"1\") { id } }",
            None,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(
        requests_to(&server, "/graphql").await.len(),
        1,
        "raw mutation not retried on 500"
    );
}

#[tokio::test]
async fn service_version_is_a_get_with_the_token() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600, None).await;
    Mock::given(method("GET"))
        .and(path("/assets/version"))
        .and(header("authorization", "Bearer tok"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "tag": "0.1.11", "revision": "1332dad18827c3d6e60b801e6b4b44737e8f11f6", "timestamp": "2019-10-02T06:01:28Z"
        })))
        .mount(&server)
        .await;
    let sleep = Arc::new(RecordingSleep::default());
    let version = builder(&server, &sleep)
        .build()
        .unwrap()
        .service_version("assets")
        .await
        .unwrap();
    assert_eq!(version.tag, "0.1.11");
    assert_eq!(version.timestamp, "2019-10-02T06:01:28Z");
}

#[tokio::test]
async fn plain_http_is_refused_unless_loopback() {
    for url in [
        "http://api.example.com",
        "http://10.1.2.3:8080",
        "http://localhost.evil.example",
    ] {
        let err = Client::builder()
            .api_url(url)
            .client_credentials(CLIENT_ID, CLIENT_SECRET)
            .build()
            .unwrap_err();
        assert!(
            matches!(err, Error::InsecureTransport { .. }),
            "{url}: {err:?}"
        );
        let err = Client::builder()
            .tenants_url(url)
            .access_token("t")
            .build()
            .unwrap_err();
        assert!(
            matches!(err, Error::InsecureTransport { .. }),
            "{url}: {err:?}"
        );
    }
    for url in [
        "http://127.0.0.1:1",
        "http://localhost:1",
        "http://[::1]:1",
        "https://api.example.com",
    ] {
        Client::builder()
            .api_url(url)
            .access_token("t")
            .build()
            .unwrap();
    }
}

#[tokio::test]
async fn regions_and_unknown_region() {
    let client = Client::builder()
        .environment("FOXTROT")
        .access_token("t")
        .build()
        .unwrap();
    assert_eq!(client.region(), Some(Region::Us3));
    assert_eq!(
        client.graphql_url(Endpoint::MAIN),
        "https://api.foxtrot.taegis.secureworks.com/graphql"
    );
    assert_eq!(
        client.graphql_url(Endpoint::TENANTS),
        "https://api-tenants.foxtrot.taegis.secureworks.com/public/query"
    );
    let err = Client::builder().environment("us9").build().unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::UnknownRegion { .. }));
    assert!(
        msg.contains("us1 (charlie, production)") && msg.contains("cac1 (quebec)"),
        "{msg}"
    );
}

// ---------------------------------------------------------------------------------------------
// Errors

#[tokio::test]
async fn html_502_page_is_an_http_error_with_excerpt_and_request_id() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600, None).await;
    let html = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>";
    mount_graphql(
        &server,
        ResponseTemplate::new(502)
            .insert_header("content-type", "text/html")
            .insert_header("x-request-id", "req-502")
            .set_body_string(html),
    )
    .await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep).build().unwrap();

    let err = client.execute::<Clients>(clients_vars()).await.unwrap_err();
    match &err {
        Error::Http {
            status,
            body_excerpt,
            request_id,
        } => {
            assert_eq!(*status, 502);
            assert!(body_excerpt.contains("502 Bad Gateway"), "{body_excerpt}");
            assert_eq!(request_id.as_deref(), Some("req-502"));
        }
        other => panic!("expected Http, got {other:?}"),
    }
    assert!(err.to_string().contains("request id req-502"));
    assert_eq!(
        requests_to(&server, "/graphql").await.len(),
        3,
        "a query is retried up to max attempts"
    );
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_with_excerpt() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600, None).await;
    mount_graphql(
        &server,
        ResponseTemplate::new(200).set_body_raw(
            r#"{"data":{"clients":[{"id":"c1","name":"ap"#,
            "application/json",
        ),
    )
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
            excerpt, message, ..
        } => {
            assert!(excerpt.starts_with(r#"{"data":{"clients""#), "{excerpt}");
            assert!(message.contains("EOF"), "{message}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn wrong_shape_is_a_decode_error_naming_the_operation() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600, None).await;
    mount_graphql(&server, graphql_ok(json!({"clients": "not a list"}))).await;
    let sleep = Arc::new(RecordingSleep::default());
    let err = builder(&server, &sleep)
        .build()
        .unwrap()
        .execute::<Clients>(clients_vars())
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            expected, excerpt, ..
        } => {
            assert_eq!(expected, "the data of clients", "names the operation");
            assert!(excerpt.contains("not a list"));
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn graphql_errors_without_data() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600, None).await;
    mount_graphql(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({
            "errors": [{"message": "client not found", "path": ["clients"], "extensions": {"code": "NOT_FOUND"}}],
            "data": null
        })),
    )
    .await;
    let sleep = Arc::new(RecordingSleep::default());
    let err = builder(&server, &sleep)
        .build()
        .unwrap()
        .execute::<Clients>(clients_vars())
        .await
        .unwrap_err();
    match &err {
        Error::GraphQl { errors, data, .. } => {
            assert!(data.is_none());
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].message, "client not found");
            assert_eq!(errors[0].path, Some(vec![json!("clients")]));
            assert_eq!(errors[0].extensions, Some(json!({"code": "NOT_FOUND"})));
        }
        other => panic!("expected GraphQl, got {other:?}"),
    }
    assert!(!err.is_permission_denied());
    assert_eq!(
        err.to_string(),
        "GraphQL error: client not found (at clients) [NOT_FOUND]"
    );
    assert_eq!(
        requests_to(&server, "/graphql").await.len(),
        1,
        "GraphQL errors are not retried"
    );
}

#[tokio::test]
async fn graphql_errors_with_partial_data_and_permission_hint() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600, None).await;
    mount_graphql(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({
            "data": {"clients": [{"id": "c1"}, null]},
            "errors": [{"message": "Permission denied: missing clients:read for tenant 5", "path": ["clients", 1]}]
        })),
    )
    .await;
    let sleep = Arc::new(RecordingSleep::default());
    let err = builder(&server, &sleep)
        .build()
        .unwrap()
        .execute::<Clients>(clients_vars())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::GraphQl { data: Some(_), .. }),
        "{err:?}"
    );
    let partial: clients::ResponseData = err.partial_data().unwrap();
    let list = partial.clients.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].as_ref().unwrap().id.as_deref(), Some("c1"));
    assert!(list[1].is_none());
    assert!(err.is_permission_denied());
    let msg = err.to_string();
    assert!(msg.contains("(at clients.1)"), "{msg}");
    assert!(
        msg.contains("the client's role may lack the permission"),
        "{msg}"
    );
}

#[tokio::test]
async fn timeout_is_reported_and_a_stalled_query_is_not_resent() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600, None).await;
    mount_graphql(&server, clients_ok().set_delay(Duration::from_secs(2))).await;
    let sleep = Arc::new(RecordingSleep::default());
    let client = builder(&server, &sleep)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();

    let err = client.execute::<Clients>(clients_vars()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Dispatch {
                may_have_been_sent: true,
                timed_out: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.may_have_been_sent() && err.is_timeout());
    assert!(err.to_string().contains("timed out"));
    assert_eq!(requests_to(&server, "/graphql").await.len(), 1);
}
