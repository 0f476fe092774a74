//! Fault injection: what a caller gets, how many requests were made, and that no mutation is
//! ever executed twice, when the server rate-limits, fails, breaks connections, stalls, revokes
//! tokens or loses its token endpoint.
//!
//! Sandbox cases use the sandbox's fault injection and counters ([`Sandbox::stats`]: requests
//! per route and operations actually executed, by name). Connection-level cases use a tiny raw
//! TCP server on 127.0.0.1 that counts connections and misbehaves on cue. Every test runs under
//! a tokio timeout, so a hang fails instead of blocking the suite; waits between retries go
//! through a recording sleep and take no time.

mod common;

use std::collections::HashSet;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::RecordingSleep;
use futures_util::StreamExt;
use taegis_sandbox::{FaultKind, FaultTarget, Sandbox};
use taegis_sdk::api::clients::ClientFilter;
use taegis_sdk::api::tenants::TenantsQuery;
use taegis_sdk::ops::main::{create_client, CreateClient};
use taegis_sdk::{Client, Error, RetryConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Fails the test instead of hanging: every case must finish well within this.
const HANG_GUARD: Duration = Duration::from_secs(20);

async fn guarded<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(HANG_GUARD, f)
        .await
        .expect("the test hung: a timeout did not fire")
}

async fn sandbox(tenants: u64) -> Sandbox {
    Sandbox::builder()
        .tenants(tenants)
        .seed(9)
        .start()
        .await
        .expect("sandbox starts")
}

fn client_for(sb: &Sandbox, sleep: &Arc<RecordingSleep>, attempts: u32) -> Client {
    Client::builder()
        .api_url(sb.base_url())
        .tenants_url(sb.base_url())
        .client_credentials(sb.client_id(), sb.client_secret())
        .tenant_id(sb.tenant_id())
        .retry_config(RetryConfig::default().max_attempts(attempts))
        .sleep_impl(sleep.clone())
        .build()
        .expect("client builds")
}

async fn clients_named(client: &Client, name: &str) -> usize {
    let page = client
        .clients()
        .search(&ClientFilter {
            name: Some(name.to_owned()),
            ..Default::default()
        })
        .await
        .expect("search works");
    page.results.iter().filter(|c| c.name == name).count()
}

fn page_query(n: i64) -> TenantsQuery {
    TenantsQuery {
        max_results: Some(n),
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------------
// 429 storms

#[tokio::test]
async fn rate_limit_storm_is_waited_out_with_retry_after() {
    guarded(async {
        let sb = Sandbox::builder()
            .tenants(10)
            .retry_after(Duration::from_secs(2))
            .start()
            .await
            .unwrap();
        let sleep = Arc::new(RecordingSleep::default());
        let client = client_for(&sb, &sleep, 3);

        sb.fail_next(FaultTarget::GraphQl, FaultKind::RateLimited, 2);
        let page = client.tenants().list(page_query(5)).await.unwrap();
        assert_eq!(page.results.len(), 5);
        let stats = sb.stats();
        assert_eq!(stats.graphql_requests, 3, "two refused, one served");
        assert_eq!(stats.rate_limited, 2);
        assert_eq!(stats.operation("tenants"), 1);
        assert_eq!(stats.token_requests, 1);
        assert_eq!(
            sleep.sleeps(),
            vec![Duration::from_secs(2); 2],
            "each wait is the server's Retry-After"
        );
    })
    .await;
}

#[tokio::test]
async fn rate_limit_storm_longer_than_the_attempts_is_reported() {
    guarded(async {
        let sb = sandbox(10).await;
        let sleep = Arc::new(RecordingSleep::default());
        let client = client_for(&sb, &sleep, 4);

        sb.fail_next(FaultTarget::GraphQl, FaultKind::RateLimited, 10);
        let err = client.tenants().list(page_query(5)).await.unwrap_err();
        assert!(matches!(err, Error::Http { status: 429, .. }), "{err:?}");
        assert_eq!(err.status(), Some(429));
        let stats = sb.stats();
        assert_eq!(stats.graphql_requests, 4, "exactly max_attempts requests");
        assert_eq!(stats.operation("tenants"), 0);
        assert_eq!(sleep.sleeps().len(), 3);

        // A Retry-After beyond the retry budget is not waited for at all.
        sb.clear_faults();
        sb.reset_stats();
        sb.set_retry_after(Duration::from_secs(600));
        sb.fail_next(FaultTarget::GraphQl, FaultKind::RateLimited, 1);
        let err = client.tenants().list(page_query(5)).await.unwrap_err();
        assert_eq!(err.status(), Some(429));
        assert_eq!(sb.stats().graphql_requests, 1);
        assert_eq!(sleep.sleeps().len(), 3, "no new wait");
    })
    .await;
}

#[tokio::test]
async fn mutations_under_a_rate_limit_storm_run_exactly_once() {
    guarded(async {
        let sb = sandbox(5).await;
        let sleep = Arc::new(RecordingSleep::default());
        let client = client_for(&sb, &sleep, 12);

        // Queued: the first create meets three 429s in a row.
        sb.fail_next(FaultTarget::GraphQl, FaultKind::RateLimited, 3);
        let created = client.clients().create("storm-0", &[]).await.unwrap();
        assert!(!created.secret.expose_secret().is_empty());
        assert_eq!(sb.stats().graphql_requests, 4);
        assert_eq!(sb.stats().operation("createClient"), 1);

        // Random: 40% of requests refused while 30 creates run one after the other.
        sb.reset_stats();
        sb.set_rate_limit_rate(0.4);
        sb.set_retry_after(Duration::ZERO);
        for i in 1..=30 {
            client
                .clients()
                .create(&format!("storm-{i}"), &[])
                .await
                .unwrap_or_else(|e| panic!("create storm-{i}: {e}"));
        }
        sb.clear_faults();
        let stats = sb.stats();
        assert_eq!(stats.operation("createClient"), 30, "each create ran once");
        assert_eq!(stats.graphql_requests, 30 + stats.rate_limited);
        assert!(stats.rate_limited > 0, "the storm happened");
        assert_eq!(stats.unavailable, 0);
        for i in 0..=30 {
            assert_eq!(clients_named(&client, &format!("storm-{i}")).await, 1);
        }
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 503 bursts

#[tokio::test]
async fn unavailable_burst_is_retried_with_capped_backoff() {
    guarded(async {
        let sb = sandbox(10).await;
        let sleep = Arc::new(RecordingSleep::default());
        let client = Client::builder()
            .api_url(sb.base_url())
            .client_credentials(sb.client_id(), sb.client_secret())
            .tenant_id(sb.tenant_id())
            .retry_config(
                RetryConfig::default()
                    .max_attempts(5)
                    .initial_backoff(Duration::from_millis(100))
                    .max_backoff(Duration::from_millis(250)),
            )
            .sleep_impl(sleep.clone())
            .build()
            .unwrap();

        sb.fail_next(FaultTarget::GraphQl, FaultKind::Unavailable, 4);
        let page = client.tenants().list(page_query(3)).await.unwrap();
        assert_eq!(page.results.len(), 3);
        let stats = sb.stats();
        assert_eq!(stats.graphql_requests, 5);
        assert_eq!(stats.unavailable, 4);
        assert_eq!(stats.operation("tenants"), 1);
        let sleeps = sleep.sleeps();
        assert_eq!(sleeps.len(), 4);
        for (i, (slept, cap)) in sleeps.iter().zip([100, 200, 250, 250]).enumerate() {
            assert!(
                *slept <= Duration::from_millis(cap),
                "wait {i} is {slept:?}, above {cap} ms"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn mutation_answered_503_is_not_resent_by_default() {
    guarded(async {
        let sb = sandbox(5).await;
        let sleep = Arc::new(RecordingSleep::default());
        let client = client_for(&sb, &sleep, 3);

        // A gateway may answer 503 after its upstream acted: by default the caller gets the
        // 503 and the mutation is not sent again.
        sb.fail_next(FaultTarget::GraphQl, FaultKind::Unavailable, 1);
        let err = client
            .clients()
            .create("burst-default", &[])
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Http { status: 503, .. }), "{err:?}");
        assert_eq!(sb.stats().graphql_requests, 1);
        assert!(sleep.sleeps().is_empty(), "no retry was scheduled");
    })
    .await;
}

#[tokio::test]
async fn mutation_through_a_503_burst_runs_once_when_503_retries_are_opted_in() {
    guarded(async {
        let sb = sandbox(5).await;
        let sleep = Arc::new(RecordingSleep::default());
        // This sandbox answers 503 before acting, so opting in is safe here.
        let client = Client::builder()
            .api_url(sb.base_url())
            .tenants_url(sb.base_url())
            .client_credentials(sb.client_id(), sb.client_secret())
            .tenant_id(sb.tenant_id())
            .retry_config(
                RetryConfig::default()
                    .max_attempts(3)
                    .retry_mutations_on([503]),
            )
            .sleep_impl(sleep.clone())
            .build()
            .expect("client builds");

        sb.fail_next(FaultTarget::GraphQl, FaultKind::Unavailable, 2);
        client.clients().create("burst-ok", &[]).await.unwrap();
        let stats = sb.stats();
        assert_eq!(stats.graphql_requests, 3);
        assert_eq!(stats.operation("createClient"), 1);

        // A burst longer than the attempts: the caller gets the 503 and nothing was created.
        sb.reset_stats();
        sb.fail_next(FaultTarget::GraphQl, FaultKind::Unavailable, 3);
        let err = client
            .clients()
            .create("burst-lost", &[])
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Http { status: 503, .. }), "{err:?}");
        let stats = sb.stats();
        assert_eq!(stats.graphql_requests, 3);
        assert_eq!(stats.operation("createClient"), 0);
        assert_eq!(clients_named(&client, "burst-lost").await, 0);
        assert_eq!(clients_named(&client, "burst-ok").await, 1);

        // Mixed 429 and 503 on one mutation, then success: still one execution.
        sb.reset_stats();
        sb.set_retry_after(Duration::ZERO);
        sb.fail_next(FaultTarget::GraphQl, FaultKind::RateLimited, 1);
        sb.fail_next(FaultTarget::GraphQl, FaultKind::Unavailable, 1);
        client.clients().create("burst-mixed", &[]).await.unwrap();
        assert_eq!(sb.stats().operation("createClient"), 1);
        assert_eq!(sb.stats().graphql_requests, 3);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// A raw TCP server that misbehaves

#[derive(Debug, Clone, Copy)]
enum Act {
    /// Sends a `200` with a `Content-Length` of 4096, a few bytes of body, then closes.
    HeadersThenClose,
    /// Closes without a byte of answer.
    CloseSilently,
    /// Never answers.
    Stall,
    /// Sends the status line and headers, then never sends the body.
    StallAfterHeaders,
    /// A complete, valid GraphQL answer.
    Ok,
}

struct RawServer {
    addr: SocketAddr,
    /// Requests read, in order: (path, body).
    requests: Arc<Mutex<Vec<(String, String)>>>,
}

impl RawServer {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn count(&self, path: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == path)
            .count()
    }
}

const OK_BODY: &str = r#"{"data":{"clients":[{"id":"c1","name":"app"}],"createClient":{"clientSecret":"s","client":{"id":"x"}}}}"#;

/// Serves one request per connection: the n-th request gets `script[n]`, later ones `then`.
async fn raw_server(script: Vec<Act>, then: Act) -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    let next = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let seen = seen.clone();
            let next = next.clone();
            let script = script.clone();
            tokio::spawn(async move {
                let mut stream = stream;
                let Some((path, body)) = read_request(&mut stream).await else {
                    return;
                };
                seen.lock().unwrap().push((path, body));
                let n = next.fetch_add(1, Ordering::SeqCst);
                let act = script.get(n).copied().unwrap_or(then);
                act_on(stream, act).await;
            });
        }
    });
    RawServer { addr, requests }
}

async fn read_request(stream: &mut TcpStream) -> Option<(String, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
    Some((path, body))
}

async fn act_on(mut stream: TcpStream, act: Act) {
    match act {
        Act::HeadersThenClose => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 4096\r\n\r\n{\"data\":{\"clients\":[")
                .await;
            let _ = stream.flush().await;
        }
        Act::CloseSilently => {}
        Act::Stall => tokio::time::sleep(Duration::from_secs(60)).await,
        Act::StallAfterHeaders => {
            let _ = stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n",
                )
                .await;
            let _ = stream.flush().await;
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        Act::Ok => {
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{OK_BODY}",
                OK_BODY.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
            let _ = stream.flush().await;
        }
    }
    // Dropping the stream closes the connection.
}

fn raw_client(server: &RawServer, sleep: &Arc<RecordingSleep>, timeout: Duration) -> Client {
    Client::builder()
        .api_url(server.url())
        .access_token("static-token")
        .retry_config(RetryConfig::default().max_attempts(3))
        .timeout(timeout)
        .sleep_impl(sleep.clone())
        .build()
        .unwrap()
}

fn clients_vars() -> taegis_sdk::ops::main::clients::Variables {
    common::clients_vars()
}

fn create_vars(name: &str) -> create_client::Variables {
    create_client::Variables {
        name: name.to_owned(),
        roles: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Connection resets mid-body

#[tokio::test]
async fn query_survives_connections_broken_mid_body() {
    guarded(async {
        let server = raw_server(vec![Act::HeadersThenClose, Act::CloseSilently], Act::Ok).await;
        let sleep = Arc::new(RecordingSleep::default());
        let client = raw_client(&server, &sleep, Duration::from_secs(5));
        let data = client
            .execute::<taegis_sdk::ops::main::Clients>(clients_vars())
            .await
            .unwrap();
        assert_eq!(data.clients.unwrap().len(), 1);
        assert_eq!(server.count("/graphql"), 3, "two broken, one answered");
        assert_eq!(sleep.sleeps().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn query_broken_on_every_attempt_is_a_transport_error() {
    guarded(async {
        let server = raw_server(vec![], Act::HeadersThenClose).await;
        let sleep = Arc::new(RecordingSleep::default());
        let client = raw_client(&server, &sleep, Duration::from_secs(5));
        let err = client
            .execute::<taegis_sdk::ops::main::Clients>(clients_vars())
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Dispatch {
                    may_have_been_sent: true,
                    timed_out: false,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.may_have_been_sent());
        assert!(!err.to_string().contains("static-token"));
        assert_eq!(server.count("/graphql"), 3, "max_attempts, no more");
    })
    .await;
}

#[tokio::test]
async fn mutation_broken_mid_body_is_never_resent() {
    guarded(async {
        for act in [Act::HeadersThenClose, Act::CloseSilently] {
            let server = raw_server(vec![act], Act::Ok).await;
            let sleep = Arc::new(RecordingSleep::default());
            let client = raw_client(&server, &sleep, Duration::from_secs(5));
            let err = client
                .execute::<CreateClient>(create_vars("once"))
                .await
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Dispatch {
                        may_have_been_sent: true,
                        timed_out: false,
                        ..
                    }
                ),
                "{act:?}: {err:?}"
            );
            assert!(err.may_have_been_sent(), "{act:?}: the body was written");
            assert_eq!(
                server.count("/graphql"),
                1,
                "{act:?}: the server may have acted, so the mutation is not sent again"
            );
            assert!(sleep.sleeps().is_empty());
        }
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Stalling servers

#[tokio::test]
async fn stalled_servers_time_out_and_nothing_hangs() {
    guarded(async {
        for act in [Act::Stall, Act::StallAfterHeaders] {
            let server = raw_server(vec![], act).await;
            let sleep = Arc::new(RecordingSleep::default());
            let client = raw_client(&server, &sleep, Duration::from_millis(300));

            let started = Instant::now();
            let err = client
                .execute::<taegis_sdk::ops::main::Clients>(clients_vars())
                .await
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Dispatch {
                        may_have_been_sent: true,
                        timed_out: true,
                        ..
                    }
                ),
                "{act:?}: {err:?}"
            );
            let err = client
                .execute::<CreateClient>(create_vars("stalled"))
                .await
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Dispatch {
                        may_have_been_sent: true,
                        timed_out: true,
                        ..
                    }
                ),
                "{act:?}: {err:?}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "{act:?}: took {:?}",
                started.elapsed()
            );
            // A timed-out request may still be running on the server: never sent again.
            assert_eq!(server.count("/graphql"), 2, "{act:?}");
            assert!(sleep.sleeps().is_empty());
        }
    })
    .await;
}

#[tokio::test]
async fn stalled_token_endpoint_times_out_without_calling_the_api() {
    guarded(async {
        let server = raw_server(vec![], Act::Stall).await;
        let sleep = Arc::new(RecordingSleep::default());
        let client = Client::builder()
            .api_url(server.url())
            .client_credentials("id", "TOKEN-STALL-SECRET")
            .timeout(Duration::from_millis(300))
            .sleep_impl(sleep.clone())
            .build()
            .unwrap();
        let err = client
            .execute::<CreateClient>(create_vars("never"))
            .await
            .unwrap_err();
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
        assert!(!format!("{err} {err:?}").contains("TOKEN-STALL-SECRET"));
        assert_eq!(server.count("/auth/api/v2/auth/token"), 1);
        assert_eq!(server.count("/graphql"), 0);
    })
    .await;
}

#[tokio::test]
async fn slow_sandbox_times_out_then_recovers() {
    guarded(async {
        let sb = sandbox(5).await;
        let sleep = Arc::new(RecordingSleep::default());
        let client = Client::builder()
            .api_url(sb.base_url())
            .client_credentials(sb.client_id(), sb.client_secret())
            .tenant_id(sb.tenant_id())
            .timeout(Duration::from_millis(400))
            .sleep_impl(sleep.clone())
            .build()
            .unwrap();
        // Get the token first, so that the stall hits the GraphQL request.
        client.access_token().await.unwrap();
        sb.set_latency(Duration::from_secs(3));
        let err = client.clients().create("slow", &[]).await.unwrap_err();
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
        assert_eq!(
            sb.stats().graphql_requests,
            1,
            "a stalled mutation is not resent"
        );

        sb.set_latency(Duration::ZERO);
        client.clients().create("fast", &[]).await.unwrap();
        assert_eq!(sb.stats().graphql_requests, 2);
        assert!(clients_named(&client, "slow").await <= 1);
        assert_eq!(clients_named(&client, "fast").await, 1);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Token revocation mid-stream

#[tokio::test]
async fn tenant_stream_survives_token_revocation_and_yields_each_tenant_once() {
    guarded(async {
        let sb = sandbox(230).await;
        let sleep = Arc::new(RecordingSleep::default());
        let client = client_for(&sb, &sleep, 3);

        let mut stream = std::pin::pin!(client.tenants().stream(page_query(20)));
        let mut ids = Vec::new();
        let mut revocations = 0;
        while let Some(tenant) = stream.next().await {
            let tenant = tenant.expect("the stream recovers");
            ids.push(tenant.id);
            // Revoke in the middle of pages 2 and 7: the next page fetch meets a 401.
            if ids.len() == 30 || ids.len() == 135 {
                sb.revoke_all_tokens();
                revocations += 1;
            }
        }
        assert_eq!(revocations, 2);
        assert_eq!(ids.len(), 230, "every tenant");
        let unique: HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), 230, "none twice");
        let stats = sb.stats();
        assert_eq!(stats.tokens_issued, 3, "one fresh token per revocation");
        assert_eq!(stats.token_requests, 3);
        assert_eq!(stats.unauthorized, 2);
        assert_eq!(
            stats.operation("tenants"),
            12,
            "12 pages of 20, none fetched twice"
        );
        assert_eq!(stats.graphql_requests, 14);
        assert!(sleep.sleeps().is_empty(), "a 401 refresh does not wait");
    })
    .await;
}

#[tokio::test]
async fn mutation_after_revocation_runs_once_with_a_fresh_token() {
    guarded(async {
        let sb = sandbox(5).await;
        let sleep = Arc::new(RecordingSleep::default());
        let client = client_for(&sb, &sleep, 3);
        client.access_token().await.unwrap();
        sb.revoke_all_tokens();
        client.clients().create("after-revoke", &[]).await.unwrap();
        let stats = sb.stats();
        assert_eq!(
            stats.graphql_requests, 2,
            "refused with 401, then sent again"
        );
        assert_eq!(stats.unauthorized, 1);
        assert_eq!(stats.operation("createClient"), 1);
        assert_eq!(stats.tokens_issued, 2);
        assert_eq!(clients_named(&client, "after-revoke").await, 1);

        // Revoked again and again: a second 401 after the refresh is final (no loop).
        let forged = Client::builder()
            .api_url(sb.base_url())
            .access_token("not-a-sandbox-token")
            .build()
            .unwrap();
        sb.reset_stats();
        let err = forged.clients().create("forged", &[]).await.unwrap_err();
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
        assert_eq!(sb.stats().graphql_requests, 1);
        assert_eq!(sb.stats().operation("createClient"), 0);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Token endpoint down, then up

#[tokio::test]
async fn token_endpoint_down_then_up() {
    guarded(async {
        let sb = Sandbox::builder()
            .tenants(5)
            .retry_after(Duration::from_secs(3))
            .start()
            .await
            .unwrap();
        let sleep = Arc::new(RecordingSleep::default());
        let client = client_for(&sb, &sleep, 3);

        // Down for three requests: all attempts fail, the API is never called.
        sb.fail_next(FaultTarget::Token, FaultKind::Unavailable, 3);
        let err = client.clients().create("down", &[]).await.unwrap_err();
        assert_eq!(err.status(), Some(503), "{err:?}");
        assert!(!err.to_string().contains(sb.client_secret()));
        let stats = sb.stats();
        assert_eq!(stats.token_requests, 3);
        assert_eq!(stats.tokens_issued, 0);
        assert_eq!(stats.graphql_requests, 0, "no mutation without a token");

        // Down for two (one 503, one 429 with Retry-After), then up: one call succeeds.
        sb.reset_stats();
        sb.fail_next(FaultTarget::Token, FaultKind::Unavailable, 1);
        sb.fail_next(FaultTarget::Token, FaultKind::RateLimited, 1);
        let before = sleep.sleeps().len();
        client.clients().create("up", &[]).await.unwrap();
        let stats = sb.stats();
        assert_eq!(stats.token_requests, 3);
        assert_eq!(stats.tokens_issued, 1);
        assert_eq!(stats.graphql_requests, 1);
        assert_eq!(stats.operation("createClient"), 1);
        let sleeps = sleep.sleeps();
        assert_eq!(sleeps.len(), before + 2);
        assert_eq!(sleeps.last(), Some(&Duration::from_secs(3)), "Retry-After");

        // The token is cached: later calls do not touch the token endpoint.
        client.tenants().list(page_query(2)).await.unwrap();
        assert_eq!(sb.stats().token_requests, 3);
        assert_eq!(clients_named(&client, "down").await, 0);
        assert_eq!(clients_named(&client, "up").await, 1);
    })
    .await;
}

#[tokio::test]
async fn concurrent_callers_share_one_token_fetch_through_an_outage() {
    guarded(async {
        let sb = sandbox(5).await;
        let sleep = Arc::new(RecordingSleep::default());
        let client = client_for(&sb, &sleep, 3);
        sb.fail_next(FaultTarget::Token, FaultKind::Unavailable, 2);
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.tenants().list(page_query(1)).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let stats = sb.stats();
        assert_eq!(
            stats.token_requests, 3,
            "single flight: two failures, one success"
        );
        assert_eq!(stats.tokens_issued, 1);
        assert_eq!(stats.graphql_requests, 16);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Redirects

#[tokio::test]
async fn redirects_are_not_followed_and_credentials_stay_put() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    guarded(async {
        let elsewhere = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
            .mount(&elsewhere)
            .await;
        let server = MockServer::start().await;
        for p in ["/auth/api/v2/auth/token", "/graphql"] {
            Mock::given(method("POST"))
                .and(path(p))
                .respond_with(
                    ResponseTemplate::new(307)
                        .insert_header("location", format!("{}{p}", elsewhere.uri())),
                )
                .mount(&server)
                .await;
        }
        let sleep = Arc::new(RecordingSleep::default());
        // A token request answered with a redirect: the client secret is not re-sent.
        let client = Client::builder()
            .api_url(server.uri())
            .client_credentials("id", "REDIRECT-SECRET")
            .sleep_impl(sleep.clone())
            .build()
            .unwrap();
        let err = client.access_token().await.unwrap_err();
        assert_eq!(err.status(), Some(307), "{err:?}");
        // A mutation answered with a redirect: the bearer token is not re-sent.
        let client = Client::builder()
            .api_url(server.uri())
            .access_token("REDIRECT-TOKEN")
            .sleep_impl(sleep.clone())
            .build()
            .unwrap();
        let err = client
            .execute::<CreateClient>(create_vars("redirected"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Http { status: 307, .. }), "{err:?}");
        assert!(
            elsewhere.received_requests().await.unwrap().is_empty(),
            "nothing reached the redirect target"
        );
        assert_eq!(server.received_requests().await.unwrap().len(), 2);
    })
    .await;
}
