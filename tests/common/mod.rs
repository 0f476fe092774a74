//! Helpers shared by the transport test files.
#![allow(dead_code, unused_imports)]

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{json, Value};
use taegis_sdk::ops::main::{clients, create_client, Clients, CreateClient};
use taegis_sdk::ops::tenants::{assignable_services, AssignableServices};
use taegis_sdk::{
    AccessToken, AsyncSleep, BoxFuture, Client, ClientBuilder, Endpoint, Error, Region,
    RetryConfig, TimeSource, TokenProvider,
};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const CLIENT_ID: &str = "test-client-id";
pub const CLIENT_SECRET: &str = "TEST-CLIENT-SECRET-do-not-leak";

// ---------------------------------------------------------------------------------------------
// Helpers

/// Records every requested sleep and returns at once.
#[derive(Debug, Default)]
pub struct RecordingSleep(pub Mutex<Vec<Duration>>);

impl RecordingSleep {
    pub fn sleeps(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

impl AsyncSleep for RecordingSleep {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.0.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

/// A clock that moves only when told.
#[derive(Debug)]
pub struct ManualClock(pub Mutex<SystemTime>);

impl ManualClock {
    pub fn new() -> Arc<Self> {
        Arc::new(Self(Mutex::new(
            UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        )))
    }
    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl TimeSource for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

pub fn token_json(token: &str, expires_in: u64) -> Value {
    json!({"access_token": token, "expires_in": expires_in, "expiry": "2030-01-01T00:00:00Z", "token_type": "Bearer"})
}

pub fn token_response(token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(token_json(token, expires_in))
}

/// Mounts a token answer; `times` limits how many requests it serves.
/// A token endpoint that answers `token` (valid one hour) after `delay`, any number of times.
pub async fn mount_slow_token(server: &MockServer, token: &str, delay: Duration) {
    Mock::given(method("POST"))
        .and(path("/auth/api/v2/auth/token"))
        .respond_with(token_response(token, 3600).set_delay(delay))
        .mount(server)
        .await;
}

pub async fn mount_token(server: &MockServer, token: &str, expires_in: u64, times: Option<u64>) {
    let mut mock = Mock::given(method("POST"))
        .and(path("/auth/api/v2/auth/token"))
        .respond_with(token_response(token, expires_in));
    if let Some(n) = times {
        mock = mock.up_to_n_times(n);
    }
    mock.mount(server).await;
}

pub fn graphql_ok(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "data": data }))
}

pub fn clients_ok() -> ResponseTemplate {
    graphql_ok(json!({"clients": [{"id": "c1", "name": "app"}]}))
}

pub async fn mount_graphql(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(response)
        .mount(server)
        .await;
}

pub fn clients_vars() -> clients::Variables {
    clients::Variables {
        name: Some("%docs%".into()),
        client_i_ds: None,
        tenant_id: None,
        role_i_ds: None,
        tenant_i_ds: None,
        page: None,
        per_page: None,
    }
}

pub fn create_vars() -> create_client::Variables {
    create_client::Variables {
        name: "my_awesome_app".into(),
        roles: None,
    }
}

pub fn builder(server: &MockServer, sleep: &Arc<RecordingSleep>) -> ClientBuilder {
    Client::builder()
        .api_url(server.uri())
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .sleep_impl(sleep.clone())
}

pub async fn requests_to(server: &MockServer, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .collect()
}

pub fn header_of(request: &Request, name: &str) -> Option<String> {
    request
        .headers
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

pub fn jwt(exp: u64) -> String {
    let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.signature",
        enc.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
        enc.encode(format!(r#"{{"exp":{exp},"sub":"client"}}"#))
    )
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A loopback port nothing listens on (bound, then released): connecting to it is refused, so
/// nothing is ever sent there.
#[allow(dead_code)]
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
