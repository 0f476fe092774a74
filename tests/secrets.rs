//! Secrets never reach `Debug`, error messages or `tracing` output. In a file of its own so
//! that its subscriber is the process-wide default and sees every event.

mod common;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::json;
use taegis_sdk::ops::main::{Clients, CreateClient};
use taegis_sdk::{Client, Error};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------------------------------------
// Secrets

/// A tracing subscriber that writes every span and event field into a string.
#[derive(Clone, Default)]
struct Capture {
    text: Arc<Mutex<String>>,
    next_id: Arc<AtomicU64>,
}

struct Visitor<'a>(&'a mut String);

impl tracing::field::Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        use std::fmt::Write;
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut text = self.text.lock().unwrap();
        text.push_str(span.metadata().name());
        text.push(' ');
        span.record(&mut Visitor(&mut text));
        text.push('\n');
        tracing::span::Id::from_u64(self.next_id.fetch_add(1, Ordering::SeqCst) + 1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut text = self.text.lock().unwrap();
        values.record(&mut Visitor(&mut text));
        text.push('\n');
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut text = self.text.lock().unwrap();
        event.record(&mut Visitor(&mut text));
        text.push('\n');
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn secrets_absent_from_debug_errors_and_logs() {
    let capture = Capture::default();
    tracing::subscriber::set_global_default(capture.clone()).unwrap();

    let server = MockServer::start().await;
    let access_token = "ACCESS-TOKEN-do-not-leak";
    let new_secret = "NEW-CLIENT-SECRET-do-not-leak";
    mount_token(&server, access_token, 3600, Some(1)).await;
    mount_token(&server, "ACCESS-TOKEN-2-do-not-leak", 3600, None).await;
    // 401 (refresh), then 429 (retry), then a truncated createClient answer with a secret.
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(401))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            format!(
                r#"{{"data":{{"createClient":{{"clientSecret":"{new_secret}","client":{{"id":"x""#
            ),
            "application/json",
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"createClient": {"clientSecret": new_secret, "client": null}},
            "errors": [{"message": "client half created", "path": ["createClient", "client"]}]
        })))
        .mount(&server)
        .await;
    let sleep = Arc::new(RecordingSleep::default());
    let builder = builder(&server, &sleep)
        .tenant_id("50530")
        .header("X-Gateway-Key", "GATEWAY-KEY-do-not-leak");
    let builder_debug = format!("{builder:?}");
    let client = builder.build().unwrap();

    let decode = client
        .execute::<CreateClient>(create_vars())
        .await
        .unwrap_err();
    assert!(matches!(decode, Error::Decode { .. }), "{decode:?}");
    let partial = client
        .execute::<CreateClient>(create_vars())
        .await
        .unwrap_err();
    assert!(
        matches!(partial, Error::GraphQl { data: Some(_), .. }),
        "{partial:?}"
    );

    let refused = {
        let s = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(400).set_body_string(format!("bad secret {CLIENT_SECRET}")),
            )
            .mount(&s)
            .await;
        builder_for_refusal(&s)
            .execute::<Clients>(clients_vars())
            .await
            .unwrap_err()
    };

    let everything = format!(
        "{builder_debug}\n{client:?}\n{decode}\n{decode:?}\n{partial}\n{partial:?}\n{refused}\n{refused:?}\n{}",
        capture.text.lock().unwrap()
    );
    for secret in [
        CLIENT_SECRET,
        access_token,
        "ACCESS-TOKEN-2-do-not-leak",
        "GATEWAY-KEY-do-not-leak",
        new_secret,
    ] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked in:\n{everything}"
        );
    }
    // The capture did see the traffic, so its silence about secrets means something.
    let logs = capture.text.lock().unwrap().clone();
    assert!(logs.contains("taegis.request"), "{logs}");
    assert!(logs.contains("operation=createClient"), "{logs}");
    assert!(logs.contains("tenant=\"50530\""), "{logs}");
    assert!(logs.contains("attempt=2"), "{logs}");
    assert!(logs.contains("status=429"), "{logs}");
    assert!(logs.contains("retrying Taegis request"), "{logs}");
    assert!(logs.contains("fetched an access token"), "{logs}");
    assert!(
        everything.contains(CLIENT_ID),
        "the client id is not a secret and helps debugging"
    );
}

fn builder_for_refusal(server: &MockServer) -> Client {
    Client::builder()
        .api_url(server.uri())
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .build()
        .unwrap()
}
