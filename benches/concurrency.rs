//! Concurrency: 64 tasks sharing one `Client` issue 10,000 queries in total (the generated
//! `tenants` query for one tenant). Prints throughput, p50/p99/max latency and the number of
//! token requests the sandbox saw, for:
//!
//! * `taegis`: one shared `Client`, one-hour tokens (expect exactly 1 token request);
//! * `taegis_short_ttl`: the same with 3 s tokens and a 1 s refresh margin, so tokens are
//!   replaced during the run (expect about one token request per 2 s of run time);
//! * `floor_reqwest`: 64 tasks sharing one raw `reqwest::Client` with a pre-set header.
//!
//! Not a criterion bench (one timed run is the measurement): `cargo bench --bench concurrency`
//! prints a human line and a `RESULT {json}` line per case. The sandbox runs in-process (its
//! statistics count the token requests) on its own runtime; TASKS and QUERIES override the
//! defaults.

mod common;

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use std::sync::Arc;
use std::time::{Duration, Instant};
use taegis_sandbox::Sandbox;
use taegis_sdk::ops::tenants::Tenants;
use taegis_sdk::Client;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs `queries` calls of `call` spread over `tasks` tasks; returns (wall, latencies).
async fn drive<F, Fut>(tasks: usize, queries: usize, call: F) -> (Duration, Vec<Duration>)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let call = Arc::new(call);
    let started = Instant::now();
    let mut handles = Vec::new();
    for task in 0..tasks {
        let share = queries / tasks + usize::from(task < queries % tasks);
        let call = call.clone();
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(share);
            for _ in 0..share {
                let t0 = Instant::now();
                call().await;
                latencies.push(t0.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::with_capacity(queries);
    for handle in handles {
        all.extend(handle.await.unwrap());
    }
    (started.elapsed(), all)
}

fn report(
    name: &str,
    tasks: usize,
    wall: Duration,
    mut latencies: Vec<Duration>,
    tokens: Option<u64>,
) {
    latencies.sort();
    let n = latencies.len();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let qps = n as f64 / wall.as_secs_f64();
    let (p50, p99, max) = (
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 99.0)),
        ms(latencies[n - 1]),
    );
    println!(
        "{name:<18} {tasks} tasks, {n} queries in {:.2} s: {qps:.0} queries/s, p50 {p50:.2} ms, \
         p99 {p99:.2} ms, max {max:.2} ms, token requests {}",
        wall.as_secs_f64(),
        tokens.map_or("-".into(), |t| t.to_string())
    );
    println!(
        "RESULT {}",
        serde_json::json!({
            "case": name, "tasks": tasks, "queries": n, "wall_s": wall.as_secs_f64(),
            "qps": qps, "p50_ms": p50, "p99_ms": p99, "max_ms": max, "token_requests": tokens,
        })
    );
}

fn main() {
    let tasks = env_or("TASKS", 64);
    let queries = env_or("QUERIES", 10_000);

    // The sandbox gets its own runtime (and thread), the clients another.
    let server = tokio::runtime::Runtime::new().unwrap();
    let sandbox: Sandbox = server.block_on(async {
        Sandbox::builder()
            .tenants(100)
            .seed(5)
            .start()
            .await
            .expect("sandbox starts")
    });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = sandbox.base_url().to_owned();
    let tenant = sandbox.tenant_id().to_owned();
    let build = |margin: Option<Duration>| {
        let mut builder = Client::builder()
            .api_url(&url)
            .tenants_url(&url)
            .client_credentials(sandbox.client_id(), sandbox.client_secret().to_owned())
            .tenant_id(&tenant);
        if let Some(margin) = margin {
            builder = builder.token_refresh_margin(margin);
        }
        builder.build().unwrap()
    };

    for (name, ttl, margin) in [
        ("taegis", Duration::from_secs(3600), None),
        (
            "taegis_short_ttl",
            Duration::from_secs(3),
            Some(Duration::from_secs(1)),
        ),
    ] {
        sandbox.set_token_ttl(ttl);
        sandbox.reset_stats();
        let client = build(margin);
        let tenant = tenant.clone();
        let (wall, latencies) = runtime.block_on(drive(tasks, queries, move || {
            let client = client.clone();
            let variables = common::one_tenant(&tenant);
            async move {
                let data = client.execute::<Tenants>(variables).await.unwrap();
                assert_eq!(common::result_count(&data), 1);
            }
        }));
        let stats = sandbox.stats();
        assert_eq!(stats.operation("tenants"), queries as u64, "{stats:?}");
        report(name, tasks, wall, latencies, Some(stats.token_requests));
    }

    sandbox.set_token_ttl(Duration::from_secs(3600));
    let token = sandbox
        .mint_token(sandbox.client_id(), Duration::from_secs(3600))
        .expect("token");
    let body = bytes::Bytes::from(
        serde_json::to_vec(&<Tenants as graphql_client::GraphQLQuery>::build_query(
            common::one_tenant(&tenant),
        ))
        .unwrap(),
    );
    let mut headers = HeaderMap::new();
    headers.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    headers.insert("X-Tenant-Context", HeaderValue::from_str(&tenant).unwrap());
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let raw = reqwest::Client::new();
    let endpoint = format!("{url}/public/query");
    sandbox.reset_stats();
    let (wall, latencies) = runtime.block_on(drive(tasks, queries, move || {
        let request = raw
            .post(&endpoint)
            .headers(headers.clone())
            .body(body.clone());
        async move {
            let response = request.send().await.unwrap();
            assert!(response.status().is_success());
            response.bytes().await.unwrap();
        }
    }));
    assert_eq!(sandbox.stats().operation("tenants"), queries as u64);
    report("floor_reqwest", tasks, wall, latencies, None);
    drop(runtime);
    server.block_on(sandbox.shutdown());
}
