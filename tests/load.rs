//! Load: 64 concurrent tasks send 10,000 requests through one client (one connection pool,
//! one token cache) to the sandbox, which answers 1% of them with 503. Every request must
//! succeed, retries must be bounded and account for every 503, and the token endpoint must be
//! asked once per token lifetime (4 s here, so several times during the run), however many
//! tasks need a token at the moment it expires.
//!
//! Nine requests in ten are a light `query ping { __typename }` on either endpoint, one in ten
//! a typed facade call with a full selection: the transport is what is under load, and the
//! sandbox validates and executes the full selections about ten times slower in a debug build.
//! The run takes about 10 to 20 s on 2 cores in a debug build.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use taegis_sandbox::Sandbox;
use taegis_sdk::api::tenants::TenantsQuery;
use taegis_sdk::ops::main::{clients, Clients};
use taegis_sdk::{Client, Endpoint, RetryConfig};

const TASKS: u64 = 64;
const REQUESTS: u64 = 10_000;
const TOKEN_TTL: Duration = Duration::from_secs(4);
const REFRESH_MARGIN: Duration = Duration::from_secs(1);
const PING: &str = "query ping { __typename }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_requests_from_64_tasks_with_one_percent_503() {
    let sb = Sandbox::builder()
        .tenants(20)
        .seed(3)
        .unavailable_rate(0.01)
        .token_ttl(TOKEN_TTL)
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .api_url(sb.base_url())
        .tenants_url(sb.base_url())
        .client_credentials(sb.client_id(), sb.client_secret())
        .tenant_id(sb.tenant_id())
        .token_refresh_margin(REFRESH_MARGIN)
        .retry_config(
            RetryConfig::default()
                .max_attempts(6)
                .initial_backoff(Duration::from_millis(2))
                .max_backoff(Duration::from_millis(20)),
        )
        .build()
        .unwrap();

    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let run = async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let client = client.clone();
                let next = next.clone();
                tokio::spawn(async move {
                    let mut errors = Vec::new();
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if n >= REQUESTS {
                            return errors;
                        }
                        // Mostly a light query on either endpoint; every tenth request is a
                        // typed operation with a full selection (those cost the sandbox ten
                        // times more to validate and execute in a debug build).
                        let outcome = match n % 20 {
                            0 => client
                                .tenants()
                                .list(TenantsQuery {
                                    max_results: Some(3),
                                    ..Default::default()
                                })
                                .await
                                .map(|page| assert_eq!(page.results.len(), 3)),
                            10 => client
                                .execute::<Clients>(clients::Variables {
                                    name: Some("%sandbox%".into()),
                                    client_i_ds: None,
                                    tenant_id: None,
                                    role_i_ds: None,
                                    tenant_i_ds: None,
                                    page: None,
                                    per_page: None,
                                })
                                .await
                                .map(|data| assert!(data.clients.is_some())),
                            _ => {
                                let endpoint = if n.is_multiple_of(2) {
                                    Endpoint::MAIN
                                } else {
                                    Endpoint::TENANTS
                                };
                                client
                                    .execute_raw(endpoint, PING, None, None)
                                    .await
                                    .map(|v| assert!(v["data"]["__typename"].is_string(), "{v}"))
                            }
                        };
                        if let Err(e) = outcome {
                            errors.push(format!("request {n}: {e}"));
                        }
                    }
                })
            })
            .collect();
        let mut errors = Vec::new();
        for task in tasks {
            errors.extend(task.await.expect("no task panicked"));
        }
        errors
    };
    let errors = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the load run finished");
    let elapsed = started.elapsed();
    let stats = sb.stats();
    eprintln!("{REQUESTS} requests from {TASKS} tasks in {elapsed:?}: {stats:?}");

    assert!(
        errors.is_empty(),
        "{} errors: {:?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
    assert_eq!(stats.operation("tenants"), REQUESTS / 20);
    assert_eq!(stats.operation("clients"), REQUESTS / 20);
    assert_eq!(
        stats.operation("ping"),
        REQUESTS - REQUESTS / 10,
        "every request executed exactly once"
    );
    assert_eq!(
        stats.graphql_requests,
        REQUESTS + stats.unavailable,
        "every retry answers one 503, nothing else was resent"
    );
    assert!(stats.unavailable > 0, "the faults happened");
    // 1% of ~10,100 is ~101 (standard deviation ~10): far above that means retry storms.
    assert!(
        stats.unavailable < 250,
        "bounded retries: {}",
        stats.unavailable
    );
    assert_eq!(stats.rate_limited, 0);
    assert_eq!(
        stats.unauthorized, 0,
        "tokens are replaced before they expire"
    );

    // One token request per token lifetime: a token is used for TTL - margin.
    let lifetime = (TOKEN_TTL - REFRESH_MARGIN).as_secs_f64();
    let allowed = (elapsed.as_secs_f64() / lifetime).ceil() as u64 + 1;
    assert_eq!(stats.token_requests, stats.tokens_issued);
    assert!(
        stats.token_requests >= 1 && stats.token_requests <= allowed,
        "{} token requests in {elapsed:?} (at most {allowed})",
        stats.token_requests
    );
}
