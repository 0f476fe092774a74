//! Client overhead per request: one generated query round trip through `Client::execute`,
//! compared in the same run with the floor, a raw `reqwest` POST of the same bytes with the
//! headers set in advance (and the floor plus decoding the same typed response, to show
//! where the difference goes). The floor runs first and again last, to bracket drift.
//!
//! Against the sandbox described by the environment (`TAEGIS_API_URL`, `CLIENT_ID`,
//! `CLIENT_SECRET`, `TAEGIS_TENANT_ID`) if set, else one started in-process. Run with
//! `cargo bench --bench overhead`; `benches/compare.py` runs it next to the Python SDK.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use graphql_client::{GraphQLQuery, Response};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use std::time::Duration;
use taegis_sdk::ops::tenants::{tenants, Tenants};

fn overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let target = runtime.block_on(common::target(100));
    let client = target.client();
    let variables = || common::one_tenant(&target.tenant_id);

    // Warm up ours (token fetched and cached, connection open) and check the answer.
    let data = runtime
        .block_on(client.execute::<Tenants>(variables()))
        .expect("the query works");
    assert_eq!(common::result_count(&data), 1);
    let token = runtime.block_on(client.access_token()).expect("token");

    // The floor: the same request body, serialized once, headers prepared once.
    let url = format!("{}/public/query", target.url);
    let body = bytes::Bytes::from(serde_json::to_vec(&Tenants::build_query(variables())).unwrap());
    let mut headers = HeaderMap::new();
    headers.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {}", token.token().expose_secret())).unwrap(),
    );
    headers.insert(
        "X-Tenant-Context",
        HeaderValue::from_str(&target.tenant_id).unwrap(),
    );
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    let raw = reqwest::Client::new();
    let floor = || async {
        let response = raw
            .post(&url)
            .headers(headers.clone())
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        response.bytes().await.unwrap()
    };
    let first = runtime.block_on(floor());
    let parsed: Response<tenants::ResponseData> = serde_json::from_slice(&first).unwrap();
    assert_eq!(common::result_count(&parsed.data.unwrap()), 1);

    let mut group = c.benchmark_group("request");
    group
        .sample_size(200)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    group.bench_function("floor_reqwest", |b| b.to_async(&runtime).iter(&floor));
    group.bench_function("floor_reqwest_typed_decode", |b| {
        b.to_async(&runtime).iter(|| async {
            let bytes = floor().await;
            let parsed: Response<tenants::ResponseData> = serde_json::from_slice(&bytes).unwrap();
            parsed.data.unwrap()
        })
    });
    group.bench_function("taegis_execute", |b| {
        b.to_async(&runtime)
            .iter(|| async { client.execute::<Tenants>(variables()).await.unwrap() })
    });
    // The floor again, last: on a shared machine the load drifts during the run, so the floor
    // is measured before and after and the comparison uses both.
    group.bench_function("floor_reqwest_after", |b| b.to_async(&runtime).iter(&floor));
    group.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
