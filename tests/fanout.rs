//! The tenant fan-out (`taegis_sdk::fanout`) against the sandbox: every tenant exactly once,
//! one token for all of them, a shared limiter that pauses every worker on 429, failing and
//! timed-out tenants reported with the others succeeding, and cancellation that loses nothing.

#[path = "support/sandbox.rs"]
mod sandbox_support;

use sandbox_support::guarded;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use taegis_sandbox::{FaultKind, FaultTarget, Sandbox};
use taegis_sdk::fanout::FanOutError;
use taegis_sdk::ops::main::{clients, Clients};
use taegis_sdk::{Client, Error, RetryConfig};

/// Fails the test instead of hanging.
const HANG_GUARD: Duration = Duration::from_secs(20);

async fn sandbox(tenants: u64) -> Sandbox {
    sandbox_support::start(tenants, 17).await
}

/// A client of the sandbox's bootstrap client, with enough quick retries that random 503s
/// never exhaust them.
fn client_for(sb: &Sandbox) -> Client {
    sandbox_support::builder_for(sb)
        .retry_config(
            RetryConfig::default()
                .max_attempts(12)
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(40)),
        )
        .build()
        .expect("client builds")
}

/// The sandbox's tenants: the partner and its children, `10000..10000 + n`.
fn tenant_ids(n: u64) -> Vec<String> {
    (10_000..10_000 + n).map(|id| id.to_string()).collect()
}

/// The per-tenant job: the clients of the tenant in context.
async fn count_clients(client: Client) -> Result<usize, Error> {
    let page = client
        .execute::<Clients>(clients::Variables {
            name: None,
            client_i_ds: None,
            tenant_id: None,
            role_i_ds: None,
            tenant_i_ds: None,
            page: None,
            per_page: None,
        })
        .await?;
    Ok(page.clients.map_or(0, |c| c.len()))
}

/// Every outcome by tenant, asserting that no tenant comes out twice.
async fn collect<T, E>(
    stream: impl futures_util::Stream<Item = (String, Result<T, FanOutError<E>>)> + Unpin,
) -> HashMap<String, Result<T, FanOutError<E>>> {
    let mut stream = stream;
    let mut seen = HashMap::new();
    while let Some((tenant, result)) = stream.next().await {
        assert!(
            seen.insert(tenant.clone(), result).is_none(),
            "tenant {tenant} reported twice"
        );
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousand_tenants_each_exactly_once_with_one_token() {
    guarded(HANG_GUARD, async {
        let sb = sandbox(1000).await;
        let client = client_for(&sb);
        let tenants = tenant_ids(1000);
        let results = collect(
            client
                .fan_out()
                .concurrency(32)
                .run(futures_util::stream::iter(tenants.clone()), count_clients),
        )
        .await;
        assert_eq!(results.len(), 1000);
        for tenant in &tenants {
            match &results[tenant] {
                Ok(_) => {}
                Err(e) => panic!("tenant {tenant} failed: {e}"),
            }
        }
        let stats = sb.stats();
        assert_eq!(stats.token_requests, 1, "one token for every tenant");
        assert_eq!(stats.operation("clients"), 1000, "one query per tenant");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_429_storm_pauses_every_worker_and_503_bursts_lose_no_tenant() {
    guarded(HANG_GUARD, async {
        let sb = Sandbox::builder()
            .tenants(300)
            .seed(17)
            .retry_after(Duration::from_secs(1))
            .start()
            .await
            .expect("sandbox starts");
        let client = client_for(&sb);
        // Sign in first, so the first GraphQL requests are the ones the storm hits.
        client.access_token().await.expect("token");
        // 12 of the first 16 GraphQL requests are refused with `Retry-After: 1` (the other 4
        // workers would go on without the shared limiter); then one request
        // in ten answers 503.
        sb.fail_next(FaultTarget::GraphQl, FaultKind::RateLimited, 12);
        sb.set_unavailable_rate(0.1);

        // Samples the sandbox's counters, to see what was sent while the limiter was held.
        let mut samples: Vec<(Instant, u64, u64)> = Vec::new();
        let fan_out = client.fan_out().concurrency(16);
        let throttle = fan_out.throttle();
        let started = Instant::now();
        let mut stream = fan_out.run(futures_util::stream::iter(tenant_ids(300)), count_clients);
        let mut results = HashMap::new();
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        loop {
            tokio::select! {
                next = stream.next() => match next {
                    Some((tenant, result)) => {
                        assert!(results.insert(tenant.clone(), result).is_none(), "{tenant} twice");
                    }
                    None => break,
                },
                _ = tick.tick() => {
                    let s = sb.stats();
                    samples.push((Instant::now(), s.graphql_requests, s.rate_limited));
                }
            }
        }
        let elapsed = started.elapsed();

        assert_eq!(results.len(), 300);
        for (tenant, result) in &results {
            if let Err(e) = result {
                panic!("tenant {tenant} failed: {e}");
            }
        }
        let stats = sb.stats();
        assert_eq!(stats.rate_limited, 12);
        assert!(stats.unavailable > 0, "the 503 bursts happened");
        assert_eq!(
            stats.operation("clients"),
            300,
            "each tenant's query ran once"
        );
        assert_eq!(stats.token_requests, 1);
        assert!(throttle.holds() >= 1, "the limiter was held");
        assert!(
            elapsed >= Duration::from_secs(1),
            "Retry-After was honoured: {elapsed:?}"
        );

        // While the limiter was held after the first 429 (for 1 s), no worker sent anything.
        let (t0, at_t0, _) = *samples
            .iter()
            .find(|(_, _, limited)| *limited > 0)
            .expect("a sample saw the first 429");
        let window: Vec<u64> = samples
            .iter()
            .filter(|(t, _, _)| {
                *t >= t0 + Duration::from_millis(150) && *t <= t0 + Duration::from_millis(800)
            })
            .map(|(_, requests, _)| *requests)
            .collect();
        assert!(!window.is_empty(), "samples inside the window");
        // At most the requests already on the wire when the sample was taken.
        assert!(
            window.iter().all(|r| *r <= at_t0 + 16),
            "requests went out while the limiter was held: {at_t0} then {window:?}"
        );
        assert_eq!(
            window.first(),
            window.last(),
            "requests went out while the limiter was held: {window:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failing_tenants_are_reported_and_the_others_succeed() {
    guarded(HANG_GUARD, async {
        let sb = sandbox(50).await;
        let client = client_for(&sb);
        let mut tenants = tenant_ids(50);
        // Outside the bootstrap client's hierarchy (403), and an ID that cannot be sent.
        tenants.insert(10, "9000".to_owned());
        tenants.insert(30, "9001".to_owned());
        tenants.push("not a tenant".to_owned());
        let results = collect(
            client
                .fan_out()
                .concurrency(8)
                .run(futures_util::stream::iter(tenants.clone()), count_clients),
        )
        .await;
        assert_eq!(results.len(), tenants.len());
        for (tenant, result) in &results {
            match (tenant.as_str(), result) {
                ("9000" | "9001", Err(FanOutError::Failed(e))) => {
                    assert!(e.is_permission_denied(), "{tenant}: {e}")
                }
                ("not a tenant", Err(FanOutError::InvalidTenant(_))) => {}
                (_, Ok(_)) if tenant.starts_with("10") => {}
                (_, other) => panic!("{tenant}: unexpected {:?}", other.as_ref().err()),
            }
        }
        assert_eq!(sb.stats().operation("clients"), 50);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_tenant_times_out_alone() {
    guarded(HANG_GUARD, async {
        let sb = sandbox(20).await;
        let client = client_for(&sb);
        let started = Instant::now();
        let results = collect(
            client
                .fan_out()
                .concurrency(4)
                .per_tenant_timeout(Duration::from_millis(300))
                .run(
                    futures_util::stream::iter(tenant_ids(20)),
                    |c: Client| async move {
                        if c.tenant_id().map(|t| t.as_str()) == Some("10007") {
                            tokio::time::sleep(Duration::from_secs(30)).await;
                        }
                        count_clients(c).await
                    },
                ),
        )
        .await;
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(results.len(), 20);
        for (tenant, result) in &results {
            match result {
                Err(FanOutError::TimedOut(d)) => {
                    assert_eq!(tenant, "10007");
                    assert_eq!(*d, Duration::from_millis(300));
                }
                Ok(_) => assert_ne!(tenant, "10007"),
                Err(e) => panic!("{tenant}: {e}"),
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancellation_lets_in_flight_finish_and_reports_the_rest_not_started() {
    guarded(HANG_GUARD, async {
        let sb = sandbox(200).await;
        let client = client_for(&sb);
        let fan_out = client.fan_out().concurrency(4);
        let cancel = fan_out.canceller();
        let mut stream = fan_out.run(
            futures_util::stream::iter(tenant_ids(200)),
            |c: Client| async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                count_clients(c).await
            },
        );
        let mut results = HashMap::new();
        let mut ok_before_cancel = 0;
        while let Some((tenant, result)) = stream.next().await {
            if result.is_ok() && !cancel.is_cancelled() {
                ok_before_cancel += 1;
                if ok_before_cancel == 10 {
                    cancel.cancel();
                }
            }
            assert!(
                results.insert(tenant.clone(), result).is_none(),
                "{tenant} twice"
            );
        }
        assert_eq!(results.len(), 200, "every tenant reported");
        let ok = results.values().filter(|r| r.is_ok()).count();
        let not_started = results
            .values()
            .filter(|r| matches!(r, Err(FanOutError::NotStarted)))
            .count();
        assert_eq!(ok + not_started, 200, "nothing else happened");
        // The in-flight ones (at most the concurrency) finished after the cancel.
        assert!((10..=14).contains(&ok), "{ok} succeeded");
        assert_eq!(
            sb.stats().operation("clients"),
            ok as u64,
            "nothing was sent for the tenants not started"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_a_hold_requests_ramp_back_up_instead_of_jumping() {
    guarded(HANG_GUARD, async {
        let sb = Sandbox::builder()
            .tenants(400)
            .seed(17)
            .retry_after(Duration::from_secs(1))
            .latency(Duration::from_millis(20))
            .start()
            .await
            .expect("sandbox starts");
        let client = client_for(&sb);
        client.access_token().await.expect("token");
        sb.fail_next(FaultTarget::GraphQl, FaultKind::RateLimited, 12);

        let fan_out = client.fan_out().concurrency(16);
        let throttle = fan_out.throttle();
        let mut stream = fan_out.run(futures_util::stream::iter(tenant_ids(400)), count_clients);
        let mut results = HashMap::new();
        // (held, limit, in flight, requests the sandbox has seen), in order.
        let mut samples: Vec<(bool, Option<usize>, usize, u64)> = Vec::new();
        let mut tick = tokio::time::interval(Duration::from_millis(5));
        loop {
            tokio::select! {
                next = stream.next() => match next {
                    Some((tenant, result)) => {
                        assert!(results.insert(tenant.clone(), result).is_none(), "{tenant} twice");
                    }
                    None => break,
                },
                _ = tick.tick() => {
                    let in_flight = throttle.in_flight();
                    samples.push((
                        throttle.remaining().is_some(),
                        throttle.limit(),
                        in_flight,
                        sb.stats().graphql_requests,
                    ));
                }
            }
        }
        assert_eq!(results.len(), 400);
        assert!(
            results.values().all(|r| r.is_ok()),
            "every tenant succeeded"
        );
        assert_eq!(sb.stats().operation("clients"), 400, "each query ran once");
        assert_eq!(sb.stats().token_requests, 1);

        // The storm halved the window: 16 in flight, so 8.
        let held_from = samples
            .iter()
            .position(|s| s.0)
            .expect("a sample saw the hold");
        let resumed = held_from
            + samples[held_from..]
                .iter()
                .position(|s| !s.0)
                .expect("a sample after the hold");
        let (_, limit_at_resume, in_flight_at_resume, requests_at_resume) = samples[resumed];
        let halved = limit_at_resume.expect("a bound after the storm");
        assert!(halved <= 8, "halved from 16, got {halved}");
        assert!(
            in_flight_at_resume <= halved,
            "no jump back to 16 in flight: {in_flight_at_resume}"
        );
        // From then on, never more in flight than the bound, which grows one step at a time.
        let after = &samples[resumed..];
        for pair in after.windows(2) {
            let (a, b) = (pair[0].1.unwrap(), pair[1].1.unwrap());
            assert!(b >= a, "the bound never shrinks without a new hold");
        }
        assert!(after.iter().all(|s| s.2 <= s.1.unwrap()), "{after:?}");
        // Growing from `halved` back to 16 takes halved + (halved+1) + ... + 15 successes:
        // counted on the sandbox (with a margin for the samples' lag).
        let full = after
            .iter()
            .find(|s| s.1 == Some(16))
            .expect("the bound grew back to the concurrency");
        let needed: u64 = (halved as u64..16).sum();
        assert!(
            full.3 - requests_at_resume + 16 >= needed,
            "{} requests to grow from {halved} to 16, at least {needed} expected",
            full.3 - requests_at_resume
        );
        // In between, the bound took every value from the halved one to 16, in order.
        let mut steps: Vec<usize> = after.iter().filter_map(|s| s.1).collect();
        steps.dedup();
        assert_eq!(steps.first(), Some(&halved));
        assert_eq!(steps.last(), Some(&16));
    })
    .await;
}
