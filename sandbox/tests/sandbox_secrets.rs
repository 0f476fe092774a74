//! The sandbox's secrets do not come from its seeded generator. The seed is public (`--seed`,
//! default 0) and seeded data is deterministic, so anything drawn from that generator can be
//! replayed by whoever knows the seed: client IDs, secrets and the UUIDs of created objects
//! must come from the operating system's CSPRNG instead.
//!
//! Two checks: one that holds whatever the seeded generator is (two sandboxes with the same
//! seed, driven by the same requests, serve the same seeded data but different secrets), and
//! one attacker who knows the seed and the generator (`fastrand`) replays its streams.

mod common;
use common::get_token;
use reqwest::StatusCode;
use serde_json::{json, Value};
use taegis_sandbox::Sandbox;

const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

async fn graphql(
    http: &reqwest::Client,
    sb: &Sandbox,
    token: &str,
    path: &str,
    query: &str,
) -> Value {
    let response = http
        .post(format!("{}{path}", sb.base_url()))
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    body
}

/// What one sandbox run shows: its seeded data, and the identifiers and secrets it minted.
struct Run {
    seeded: Vec<String>,
    minted: Vec<String>,
}

/// Starts a sandbox with `seed` and makes the same requests every time.
async fn run(seed: u64) -> Run {
    let sb = Sandbox::builder()
        .tenants(20)
        .seed(seed)
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let admin = get_token(&http, &sb, sb.client_id(), sb.client_secret()).await;
    let tenants = graphql(
        &http,
        &sb,
        &admin,
        "/public/query",
        "{ tenants(tenantsQuery: {maxResults: 100}) { results { id name labels { id } services { id } } } }",
    )
    .await;
    let seeded = vec![tenants["data"]["tenants"].to_string()];
    let created = graphql(
        &http,
        &sb,
        &admin,
        "/graphql",
        "mutation { createClient(name: \"low\") { client { id client_id role_assignments { id } } client_secret } }",
    )
    .await;
    let created = &created["data"]["createClient"];
    let mut minted = vec![
        sb.client_id().to_owned(),
        sb.client_secret().to_owned(),
        created["client"]["id"].as_str().unwrap().to_owned(),
        created["client"]["client_id"].as_str().unwrap().to_owned(),
        created["client_secret"].as_str().unwrap().to_owned(),
    ];
    for assignment in created["client"]["role_assignments"].as_array().unwrap() {
        minted.push(assignment["id"].as_str().unwrap().to_owned());
    }
    Run { seeded, minted }
}

#[tokio::test]
async fn same_seed_same_data_but_never_the_same_secrets() {
    let (a, b) = (run(7).await, run(7).await);
    // The seeded generator is deterministic: the same seed gives the same tenants, labels and
    // partner services, down to their UUIDs.
    assert_eq!(a.seeded, b.seeded);
    assert!(a.seeded[0].contains("Sandbox Partner"), "{}", a.seeded[0]);
    // Had any identifier or secret come from it, the same requests would have repeated it.
    for (x, y) in a.minted.iter().zip(&b.minted) {
        assert_ne!(x, y, "minted twice from seed 7");
    }
    assert_eq!(a.minted.len(), b.minted.len());
    assert!(a.minted.len() >= 6);
}

/// `len`-character windows of every plausible alphanumeric derivation of `rng`'s stream.
fn streams(mut rng: fastrand::Rng, draws: usize) -> Vec<String> {
    let mut modulo = String::new();
    let mut alnum = String::new();
    let mut bytes = String::new();
    let mut again = rng.clone();
    for _ in 0..draws {
        let word = rng.u64(..);
        modulo.push(CHARS[(word % CHARS.len() as u64) as usize] as char);
        bytes.push(CHARS[(word as u8 as usize) % CHARS.len()] as char);
    }
    for _ in 0..draws {
        alnum.push(again.alphanumeric());
    }
    vec![modulo, bytes, alnum]
}

#[tokio::test]
async fn an_attacker_who_knows_the_seed_cannot_replay_the_secrets() {
    let seed = 0; // the default, and what `taegis sandbox serve` uses unless told otherwise
    let sb = Sandbox::builder()
        .tenants(5)
        .seed(seed)
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let admin = get_token(&http, &sb, sb.client_id(), sb.client_secret()).await;
    let created = graphql(
        &http,
        &sb,
        &admin,
        "/graphql",
        "mutation { createClient(name: \"low\") { client { id } client_secret } }",
    )
    .await;
    let secret = created["data"]["createClient"]["client_secret"]
        .as_str()
        .unwrap();
    let uuid = created["data"]["createClient"]["client"]["id"]
        .as_str()
        .unwrap()
        .replace('-', "");
    // The data stream and the fault dice, as `fastrand::Rng::with_seed` replays them; the
    // first 12 characters of a secret are 71 bits, so a hit is no accident.
    for stream_seed in [seed, seed ^ 0xFA17] {
        for text in streams(fastrand::Rng::with_seed(stream_seed), 200_000) {
            for needle in [&sb.client_secret()[..12], &secret[..12], sb.client_id()] {
                assert!(
                    !text.contains(needle),
                    "a secret was replayed from the seeded stream {stream_seed}"
                );
            }
        }
        let mut rng = fastrand::Rng::with_seed(stream_seed);
        let hex: String = (0..4096).map(|_| format!("{:016x}", rng.u64(..))).collect();
        assert!(
            !hex.contains(&uuid[..12]),
            "a created client's UUID came from the seeded stream {stream_seed}"
        );
    }
}
