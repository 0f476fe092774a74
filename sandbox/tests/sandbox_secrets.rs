//! The sandbox's secrets cannot be predicted from the identifiers a client can see: a
//! low-privilege client that reads its own UUIDs must not be able to rebuild the generator
//! that minted the bootstrap administrator's secret.

use reqwest::StatusCode;
use serde_json::{json, Value};
use taegis_sandbox::Sandbox;

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
const M1: u64 = 0xBF58_476D_1CE4_E5B9;
const M2: u64 = 0x94D0_49BB_1331_11EB;
const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// SplitMix64's output function for a state.
fn mix(state: u64) -> u64 {
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(M1);
    z = (z ^ (z >> 27)).wrapping_mul(M2);
    z ^ (z >> 31)
}

/// The inverse of `x ^ (x >> shift)`.
fn unshift(mut y: u64, shift: u32) -> u64 {
    let mut x = y;
    for _ in 0..64 / shift {
        y >>= shift;
        x ^= y;
    }
    x
}

/// The multiplicative inverse of an odd `a` modulo 2^64 (Newton's iteration).
fn inverse(a: u64) -> u64 {
    let mut x = a;
    for _ in 0..6 {
        x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
    }
    x
}

/// The state whose output is `z`.
fn unmix(z: u64) -> u64 {
    let mut x = unshift(z, 31);
    x = unshift(x.wrapping_mul(inverse(M2)), 27);
    unshift(x.wrapping_mul(inverse(M1)), 30)
}

/// The two 64-bit words of a UUID, as printed.
fn words(uuid: &str) -> (u64, u64) {
    let hex: String = uuid.chars().filter(|c| *c != '-').collect();
    assert_eq!(hex.len(), 32, "{uuid}");
    (
        u64::from_str_radix(&hex[..16], 16).unwrap(),
        u64::from_str_radix(&hex[16..], 16).unwrap(),
    )
}

/// Generator states consistent with `uuid` having been made of two consecutive outputs
/// (the state after the first output), as a version-4 UUID made from SplitMix64 would be.
fn states_behind(uuid: &str) -> Vec<u64> {
    let (a, b) = words(uuid);
    (0..16u64)
        .map(|nibble| (a & !0xF000) | (nibble << 12))
        .map(unmix)
        .filter(|&state| {
            let next = mix(state.wrapping_add(GAMMA));
            next & 0x3FFF_FFFF_FFFF_FFFF == b & 0x3FFF_FFFF_FFFF_FFFF
        })
        .collect()
}

/// `len` characters as the sandbox's `alnum` derives them from the state before the first.
fn alnum_from(mut state: u64, len: usize) -> String {
    (0..len)
        .map(|_| {
            state = state.wrapping_add(GAMMA);
            CHARS[(mix(state) % CHARS.len() as u64) as usize] as char
        })
        .collect()
}

async fn token(http: &reqwest::Client, sb: &Sandbox, id: &str, secret: &str) -> String {
    let response = http
        .post(format!("{}/auth/api/v2/auth/token", sb.base_url()))
        .basic_auth(id, Some(secret))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn graphql(http: &reqwest::Client, sb: &Sandbox, token: &str, query: &str) -> Value {
    let response = http
        .post(format!("{}/graphql", sb.base_url()))
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

#[tokio::test]
async fn a_low_privilege_client_cannot_predict_the_bootstrap_secret() {
    let sb = Sandbox::builder().tenants(3).start().await.unwrap();
    let http = reqwest::Client::new();
    let admin = token(&http, &sb, sb.client_id(), sb.client_secret()).await;
    let created = graphql(
        &http,
        &sb,
        &admin,
        "mutation { createClient(name: \"low\") { client { client_id } client_secret } }",
    )
    .await;
    let low_id = created["data"]["createClient"]["client"]["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let low_secret = created["data"]["createClient"]["client_secret"]
        .as_str()
        .unwrap()
        .to_owned();

    // The attacker: the new client, with the default role, reads the UUIDs it can see.
    let low = token(&http, &sb, &low_id, &low_secret).await;
    let own = graphql(
        &http,
        &sb,
        &low,
        &format!("{{ client(id: \"{low_id}\") {{ id role_assignments {{ id }} }} }}"),
    )
    .await;
    let client = &own["data"]["client"];
    let mut uuids = vec![client["id"].as_str().unwrap().to_owned()];
    for assignment in client["role_assignments"].as_array().unwrap() {
        uuids.push(assignment["id"].as_str().unwrap().to_owned());
    }

    // Invert SplitMix64, walk back and forth, and derive every 64-character secret.
    let mut recovered = 0;
    for uuid in &uuids {
        for state in states_behind(uuid) {
            recovered += 1;
            for step in -4096i64..=4096 {
                let start = state.wrapping_add(GAMMA.wrapping_mul(step as u64));
                let candidate = alnum_from(start, 64);
                assert_ne!(
                    candidate,
                    sb.client_secret(),
                    "the bootstrap secret was rebuilt from the UUID {uuid} ({step} steps away)"
                );
                assert_ne!(
                    candidate, low_secret,
                    "the client's own secret was rebuilt from the UUID {uuid} ({step} steps away)"
                );
            }
        }
    }
    // With 64 random bits per UUID word, a consistent state is a 2^-58 accident.
    assert_eq!(
        recovered, 0,
        "a generator state was recovered from {uuids:?}"
    );
}
