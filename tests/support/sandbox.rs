//! A sandbox for the library's tests, and a client builder pointed at it with the sandbox's
//! bootstrap credentials (each test adds its own settings).
#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use taegis_sandbox::Sandbox;
use taegis_sdk::{Client, ClientBuilder};

/// A sandbox of `tenants` tenants (the partner and its children) seeded with `seed`.
pub async fn start(tenants: u64, seed: u64) -> Sandbox {
    Sandbox::builder()
        .tenants(tenants)
        .seed(seed)
        .start()
        .await
        .expect("sandbox starts")
}

/// Both base URLs at the sandbox, signing in as its bootstrap client.
pub fn builder_for(sb: &Sandbox) -> ClientBuilder {
    Client::builder()
        .api_url(sb.base_url())
        .tenants_url(sb.base_url())
        .client_credentials(sb.client_id(), sb.client_secret())
}

/// Runs `f`, failing the test instead of hanging when it takes longer than `limit`.
pub async fn guarded<F: Future>(limit: Duration, f: F) -> F::Output {
    tokio::time::timeout(limit, f).await.expect("the test hung")
}
