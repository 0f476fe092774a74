//! Property tests of everything that decodes untrusted input, through public entry points:
//!
//! - GraphQL envelopes, token answers and `Retry-After` headers, served by a raw TCP server on
//!   127.0.0.1 to a real [`Client`], so that the crate's own decoder, excerpt redaction and
//!   expiry parsing run exactly as in production;
//! - serde decoding of the facade types and generated `ResponseData`;
//! - schema loading ([`Schema::from_introspection_str`]) and the operation validator
//!   ([`Schema::check`]).
//!
//! Properties: nothing panics, failures are the documented error variants, and no secret that
//! the server put under a secret-looking key (nor the access token or client secret) appears
//! in an error's `Display` or `Debug`. Seeds come from the API guides' examples. The bounded,
//! longer-running variant is `fuzz/run.sh` (cargo-fuzz, nightly).

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use taegis_sdk::api::clients::{ApiClient, NewApiClient};
use taegis_sdk::api::tenants::{Tenant, TenantPage};
use taegis_sdk::ops::main::{clients, create_client, Clients, CreateClient};
use taegis_sdk::ops::tenants::tenants as tenants_op;
use taegis_sdk::{Client, Endpoint, Error, GraphQlError, RetryConfig, ServiceVersion};
use taegis_sdk_codegen::Schema;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TOKEN: &str = "PROPTEST-ACCESS-TOKEN-0123456789";
const CLIENT_SECRET: &str = "PROPTEST-CLIENT-SECRET-0123456789";

// ---------------------------------------------------------------------------------------------
// A server that answers whatever the current case says

#[derive(Clone)]
struct Canned {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

struct Harness {
    runtime: tokio::runtime::Runtime,
    url: String,
    canned: Arc<Mutex<Canned>>,
}

/// One runtime and one server for every case of the file.
fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let canned = Arc::new(Mutex::new(Canned {
            status: 200,
            headers: vec![],
            body: b"{}".to_vec(),
        }));
        let served = canned.clone();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        runtime.spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let served = served.clone();
                tokio::spawn(async move {
                    // Read the request head and body (Content-Length).
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 8192];
                    let head_end = loop {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buf.len() < head_end + length {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let canned = served.lock().unwrap().clone();
                    let mut answer = format!(
                        "HTTP/1.1 {} X\r\nconnection: close\r\ncontent-length: {}\r\n",
                        canned.status,
                        canned.body.len()
                    )
                    .into_bytes();
                    for (k, v) in &canned.headers {
                        answer.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
                    }
                    answer.extend_from_slice(b"\r\n");
                    answer.extend_from_slice(&canned.body);
                    let _ = stream.write_all(&answer).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Harness {
            runtime,
            url,
            canned,
        }
    })
}

/// Serialises the cases: they share the server's canned answer.
fn case_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

fn serve(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> &'static Harness {
    let h = harness();
    *h.canned.lock().unwrap() = Canned {
        status,
        headers,
        body,
    };
    h
}

/// Clients are built once: building one loads the system's root certificates.
fn token_client(h: &Harness) -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        Client::builder()
            .api_url(&h.url)
            .access_token(TOKEN)
            .retry_config(RetryConfig::disabled())
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap()
    })
}

fn credentials_client(h: &Harness) -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        Client::builder()
            .api_url(&h.url)
            .client_credentials("proptest-id", CLIENT_SECRET)
            .retry_config(RetryConfig::disabled())
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap()
    })
}

fn recorder() -> &'static Arc<Recorder> {
    static RECORDER: OnceLock<Arc<Recorder>> = OnceLock::new();
    RECORDER.get_or_init(|| Arc::new(Recorder::default()))
}

fn retrying_client(h: &Harness) -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        Client::builder()
            .api_url(&h.url)
            .access_token(TOKEN)
            .retry_config(
                RetryConfig::default()
                    .max_attempts(2)
                    .max_elapsed(Duration::from_secs(30)),
            )
            .sleep_impl(recorder().clone())
            .build()
            .unwrap()
    })
}

/// The error's every rendering, for leak checks.
fn renderings(err: &Error) -> String {
    let mut all = format!("{err}\n{err:?}");
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        all.push_str(&format!("\n{s}\n{s:?}"));
        source = s.source();
    }
    all
}

// ---------------------------------------------------------------------------------------------
// Strategies

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("data".to_owned()),
        Just("errors".to_owned()),
        Just("message".to_owned()),
        Just("path".to_owned()),
        Just("extensions".to_owned()),
        Just("clients".to_owned()),
        Just("createClient".to_owned()),
        Just("client".to_owned()),
        Just("id".to_owned()),
        Just("name".to_owned()),
        Just("tenants".to_owned()),
        Just("results".to_owned()),
        Just("hasMore".to_owned()),
        Just("cursorPos".to_owned()),
        Just("count".to_owned()),
        "[a-zA-Z_]{1,8}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,16}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 96, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(key(), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{16,32}".prop_map(|s| format!("SEKRIT{s}"))
}

/// Keys under which a server may put a secret, in the forms real APIs use.
fn secret_key() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("clientSecret"),
        Just("client_secret"),
        Just("access_token"),
        Just("refresh_token"),
        Just("password"),
        Just("Authorization"),
    ]
}

/// A GraphQL envelope, a secret hidden somewhere in its `data`, and where to cut the body.
fn envelope() -> impl Strategy<Value = (Value, String, Option<usize>)> {
    (
        proptest::option::of(json_value()),
        proptest::option::of(prop_oneof![
            json_value(),
            vec(
                (".{0,24}", proptest::option::of(json_value()))
                    .prop_map(|(m, e)| json!({"message": m, "extensions": e})),
                0..3
            )
            .prop_map(Value::Array)
        ]),
        secret(),
        secret_key(),
        proptest::option::of(any::<usize>()),
    )
        .prop_map(|(data, errors, secret, key, cut)| {
            let mut data = match data {
                Some(Value::Object(m)) => m,
                Some(other) => {
                    let mut m = Map::new();
                    m.insert("clients".into(), other);
                    m
                }
                None => Map::new(),
            };
            data.insert(
                "createClient".into(),
                json!({ key: secret.clone(), "client": {"id": "x", "name": "n", "clientID": "c"} }),
            );
            let mut envelope = Map::new();
            envelope.insert("data".into(), Value::Object(data));
            if let Some(errors) = errors {
                envelope.insert("errors".into(), errors);
            }
            (Value::Object(envelope), secret, cut)
        })
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding through the client

proptest! {
    #![proptest_config(config(192))]

    /// Any envelope, whole or cut anywhere, under any status: the client returns data or a
    /// documented error, never panics, and never shows the hidden secret or the token.
    #[test]
    fn graphql_envelopes_never_panic_or_leak(
        (envelope, secret, cut) in envelope(),
        status in prop_oneof![Just(200u16), Just(200), Just(200), Just(400), Just(403), Just(500), Just(502)],
    ) {
        let _guard = case_lock();
        let mut body = serde_json::to_vec(&envelope).unwrap();
        if let Some(cut) = cut {
            body.truncate(cut % (body.len() + 1));
        }
        let h = serve(status, vec![], body);
        let client = token_client(h);
        let outcomes = h.runtime.block_on(async {
            vec![
                client.execute::<Clients>(clients::Variables {
                    name: None, client_i_ds: None, tenant_id: None, role_i_ds: None,
                    tenant_i_ds: None, page: None, per_page: None,
                }).await.err(),
                client.execute::<CreateClient>(create_client::Variables {
                    name: "n".into(), roles: None,
                }).await.err(),
                client.execute_as::<CreateClient, Value>(create_client::Variables {
                    name: "n".into(), roles: None,
                }).await.err(),
                client.execute_raw(Endpoint::MAIN, "{ clients { id } }", None, None).await.err(),
            ]
        });
        for err in outcomes.into_iter().flatten() {
            prop_assert!(
                matches!(err, Error::GraphQl { .. } | Error::Decode { .. } | Error::Http { .. } | Error::Auth { .. }),
                "unexpected variant: {err:?}"
            );
            let text = renderings(&err);
            prop_assert!(!text.contains(&secret), "secret leaked: {text}");
            prop_assert!(!text.contains(TOKEN), "token leaked: {text}");
            if let Error::Http { status: s, .. } = err {
                prop_assert_eq!(s, status);
            }
        }
    }

    /// Token answers with any `expires_in`, `expiry` and `access_token`: a token or an error,
    /// never a panic, and the client secret and the answer's token never in an error.
    #[test]
    fn token_answers_never_panic_or_leak(
        token in prop_oneof![secret(), Just(String::new()), "[ -~]{0,40}".prop_map(|s| format!("SEKRIT{s}"))],
        expires_in in proptest::option::of(prop_oneof![
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
            Just(json!(u64::MAX)),
            Just(json!(1e300)),
            ".{0,12}".prop_map(Value::String),
            json_value(),
        ]),
        expiry in proptest::option::of(prop_oneof![
            ".{0,32}",
            // RFC 3339 shapes with odd digits, zones and fractions.
            ("[0-9]{4}", "[0-9]{2}", "[0-9]{2}", "[Tt ]", "[0-9]{2}:[0-9]{2}:[0-9]{2}",
             "(\\.[0-9]{0,12})?", "(Z|z|[+-][0-9]{2}:[0-9]{2}|[+-][0-9é]{1,2}[:é]?[0-9é]{1,2}|[+-].{5}|.{0,4})")
                .prop_map(|(y, mo, d, t, hms, f, z)| format!("{y}-{mo}-{d}{t}{hms}{f}{z}")),
        ]),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let _guard = case_lock();
        let mut answer = Map::new();
        answer.insert("access_token".into(), Value::String(token.clone()));
        if let Some(e) = expires_in { answer.insert("expires_in".into(), e); }
        if let Some(e) = expiry { answer.insert("expiry".into(), Value::String(e)); }
        let mut body = serde_json::to_vec(&answer).unwrap();
        if let Some(cut) = cut {
            body.truncate(cut % (body.len() + 1));
        }
        let h = serve(200, vec![], body);
        let client = credentials_client(h);
        let outcome = h.runtime.block_on(async {
            client.clear_token().await;
            client.access_token().await
        });
        match outcome {
            Ok(got) => {
                prop_assert_eq!(got.token().expose_secret(), token.as_str());
            }
            Err(err) => {
                prop_assert!(matches!(err, Error::Decode { .. } | Error::Auth { .. }), "{err:?}");
                let text = renderings(&err);
                prop_assert!(!text.contains(CLIENT_SECRET), "{text}");
                if token.len() >= 16 {
                    prop_assert!(!text.contains(&token), "{text}");
                }
            }
        }
    }

    /// Token answers whose only expiry is an `expiry` timestamp of RFC 3339 shape with odd
    /// zones, fractions and non-ASCII bytes where digits belong.
    #[test]
    fn token_expiry_timestamps_never_panic(
        date in "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        sep in "[Tt é]",
        time in "[0-9]{2}:[0-9]{2}:[0-9]{2}",
        frac in "(\\.[0-9]{0,12})?",
        zone in prop_oneof!["[-+Zz.0-9:é]{0,7}", "[-+][0-9é][0-9é:][0-9é:]{0,3}"],
    ) {
        let _guard = case_lock();
        let expiry = format!("{date}{sep}{time}{frac}{zone}");
        let body = serde_json::to_vec(&json!({"access_token": "tok-123", "expiry": expiry})).unwrap();
        let h = serve(200, vec![], body);
        let client = credentials_client(h);
        let got = h.runtime.block_on(async {
            client.clear_token().await;
            client.access_token().await
        });
        let token = got.expect("a token");
        prop_assert_eq!(token.token().expose_secret(), "tok-123");
    }

    /// `Retry-After` in any form on a 429: the call ends (error after the attempts, or a
    /// give-up when the wait exceeds the budget), never panics, never sleeps past the budget.
    #[test]
    fn retry_after_headers_never_panic(
        value in prop_oneof![
            "[0-9]{1,25}",
            "-[0-9]{1,5}",
            "[ -~]{0,30}",
            ("(Mon|Tue|Wed|Xyz)", "[0-9]{1,3}", "(Jan|Oct|Dec|Foo)", "[0-9]{1,10}", "[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}")
                .prop_map(|(d, n, m, y, t)| format!("{d}, {n} {m} {y} {t} GMT")),
        ],
    ) {
        let _guard = case_lock();
        let h = serve(429, vec![("retry-after".into(), value)], b"{}".to_vec());
        let client = retrying_client(h);
        recorder().0.lock().unwrap().clear();
        let err = h.runtime.block_on(client.execute_raw(Endpoint::MAIN, "{ x }", None, None)).unwrap_err();
        prop_assert_eq!(err.status(), Some(429));
        for slept in recorder().0.lock().unwrap().iter() {
            prop_assert!(*slept <= Duration::from_secs(30), "{slept:?}");
        }
    }
}

#[derive(Debug, Default)]
struct Recorder(Mutex<Vec<Duration>>);

impl taegis_sdk::AsyncSleep for Recorder {
    fn sleep(&self, duration: Duration) -> taegis_sdk::BoxFuture<'static, ()> {
        self.0.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

// ---------------------------------------------------------------------------------------------
// Facade types and generated ResponseData

fn decode_all(value: &Value) {
    let _ = serde_json::from_value::<Tenant>(value.clone());
    let _ = serde_json::from_value::<TenantPage>(value.clone());
    let _ = serde_json::from_value::<ApiClient>(value.clone());
    let _ = serde_json::from_value::<ServiceVersion>(value.clone());
    let _ = serde_json::from_value::<GraphQlError>(value.clone());
    let _ = serde_json::from_value::<Vec<GraphQlError>>(value.clone());
    let _ = serde_json::from_value::<clients::ResponseData>(value.clone());
    let _ = serde_json::from_value::<create_client::ResponseData>(value.clone());
    let _ = serde_json::from_value::<tenants_op::ResponseData>(value.clone());
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn facade_types_decode_any_json_without_panicking(value in json_value()) {
        decode_all(&value);
    }

    /// A decoded new client never shows its secret in `Debug`.
    #[test]
    fn new_client_debug_hides_the_secret(secret in secret(), name in ".{0,12}") {
        let new: NewApiClient = serde_json::from_value(json!({
            "clientSecret": secret,
            "client": {"id": "1", "name": name, "clientID": "cid"},
        })).unwrap();
        let text = format!("{new:?}");
        prop_assert!(!text.contains(&secret), "{text}");
        prop_assert_eq!(new.secret.expose_secret(), secret.as_str());
    }
}

// ---------------------------------------------------------------------------------------------
// Schema loading and the operation validator

fn bundled(endpoint: taegis_sdk_codegen::Endpoint) -> Value {
    serde_json::from_str(taegis_sdk_codegen::bundled_schema(endpoint).expect("bundled")).unwrap()
}

fn main_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::bundled(taegis_sdk_codegen::Endpoint::MAIN).unwrap())
}

fn tenants_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::bundled(taegis_sdk_codegen::Endpoint::TENANTS).unwrap())
}

/// An edit of an introspection result: which type, what to do, and a value.
#[derive(Debug, Clone)]
enum Edit {
    RemoveType(usize),
    RenameType(usize, String),
    SetKind(usize, String),
    RetypeField(usize, usize, String),
    NullField(usize, usize),
    DropFields(usize),
    Replace(usize, Value),
}

fn edit() -> impl Strategy<Value = Edit> {
    let name = prop_oneof![
        "[A-Za-z_][A-Za-z0-9_]{0,8}",
        Just("String".to_owned()),
        Just("Query".to_owned()),
        Just("".to_owned()),
        ".{0,6}",
    ];
    prop_oneof![
        any::<usize>().prop_map(Edit::RemoveType),
        (any::<usize>(), name.clone()).prop_map(|(i, n)| Edit::RenameType(i, n)),
        (
            any::<usize>(),
            prop_oneof![
                Just("OBJECT".to_owned()),
                Just("SCALAR".to_owned()),
                Just("ENUM".to_owned()),
                Just("INTERFACE".to_owned()),
                Just("UNION".to_owned()),
                Just("INPUT_OBJECT".to_owned()),
                Just("LIST".to_owned()),
                Just("NON_NULL".to_owned()),
                ".{0,6}"
            ]
        )
            .prop_map(|(i, k)| Edit::SetKind(i, k)),
        (any::<usize>(), any::<usize>(), name).prop_map(|(i, f, n)| Edit::RetypeField(i, f, n)),
        (any::<usize>(), any::<usize>()).prop_map(|(i, f)| Edit::NullField(i, f)),
        any::<usize>().prop_map(Edit::DropFields),
        (any::<usize>(), json_value()).prop_map(|(i, v)| Edit::Replace(i, v)),
    ]
}

fn apply(schema: &mut Value, edit: &Edit) {
    let Some(types) = schema["data"]["__schema"]["types"].as_array_mut() else {
        return;
    };
    if types.is_empty() {
        return;
    }
    let len = types.len();
    if !types[edit_index(edit) % len].is_object() {
        return;
    }
    match edit {
        Edit::RemoveType(i) => {
            types.remove(i % len);
        }
        Edit::RenameType(i, n) => types[i % len]["name"] = json!(n),
        Edit::SetKind(i, k) => types[i % len]["kind"] = json!(k),
        Edit::RetypeField(i, f, n) => {
            if let Some(fields) = types[i % len]["fields"].as_array_mut() {
                if !fields.is_empty() {
                    let flen = fields.len();
                    fields[f % flen]["type"] = json!({"kind": "OBJECT", "name": n, "ofType": null});
                }
            }
        }
        Edit::NullField(i, f) => {
            if let Some(fields) = types[i % len]["fields"].as_array_mut() {
                if !fields.is_empty() {
                    let flen = fields.len();
                    fields[f % flen] = Value::Null;
                }
            }
        }
        Edit::DropFields(i) => types[i % len]["fields"] = Value::Null,
        Edit::Replace(i, v) => types[i % len] = v.clone(),
    }
}

fn edit_index(edit: &Edit) -> usize {
    match edit {
        Edit::RemoveType(i)
        | Edit::RenameType(i, _)
        | Edit::SetKind(i, _)
        | Edit::RetypeField(i, _, _)
        | Edit::NullField(i, _)
        | Edit::DropFields(i)
        | Edit::Replace(i, _) => *i,
    }
}

/// `(file, source)` of a GraphQL file.
type SourceFile = (String, String);

/// `(file, source, shared fragments of its service folder)` of every checked-in operation.
fn operation_files() -> Vec<(String, String, Vec<SourceFile>)> {
    let mut out = Vec::new();
    for endpoint in ["main", "tenants"] {
        let root = format!("{}/queries/{endpoint}", env!("CARGO_MANIFEST_DIR"));
        for service in std::fs::read_dir(root).unwrap() {
            let folder = service.unwrap().path();
            let fragments_path = folder.join("fragments.graphql");
            let fragments: Vec<SourceFile> = std::fs::read_to_string(&fragments_path)
                .map(|text| vec![(fragments_path.display().to_string(), text)])
                .unwrap_or_default();
            for entry in std::fs::read_dir(&folder).unwrap() {
                let path = entry.unwrap().path();
                if path == fragments_path {
                    continue;
                }
                out.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap(),
                    fragments.clone(),
                ));
            }
        }
    }
    out
}

/// Bits of GraphQL to assemble documents from, some valid, some hostile.
fn token_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("query".to_owned()),
        Just("mutation".to_owned()),
        Just("subscription".to_owned()),
        Just("fragment F on Client".to_owned()),
        Just("...F".to_owned()),
        Just("... on Tenant".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(":".to_owned()),
        Just("!".to_owned()),
        Just("$id".to_owned()),
        Just("$tenantsQuery".to_owned()),
        Just("ID".to_owned()),
        Just("TenantsQuery".to_owned()),
        Just("clients".to_owned()),
        Just("client".to_owned()),
        Just("createClient".to_owned()),
        Just("tenants".to_owned()),
        Just("tenantsQuery".to_owned()),
        Just("results".to_owned()),
        Just("id".to_owned()),
        Just("name".to_owned()),
        Just("__typename".to_owned()),
        Just("__schema { types { name } }".to_owned()),
        Just("@skip(if: true)".to_owned()),
        Just("@include(if: $x)".to_owned()),
        Just("\"str\\\"ing\"".to_owned()),
        Just("\"\"\"block\"\"\"".to_owned()),
        Just("# comment\n".to_owned()),
        Just("=".to_owned()),
        Just("1".to_owned()),
        Just("-1.5e300".to_owned()),
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("x: id".to_owned()),
        Just("\u{feff}".to_owned()),
        Just("é".to_owned()),
        "[a-zA-Z_]{1,6}",
        ".{0,3}",
    ]
}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn schema_loading_never_panics_on_edited_introspection(
        endpoint in prop_oneof![Just(taegis_sdk_codegen::Endpoint::MAIN), Just(taegis_sdk_codegen::Endpoint::TENANTS)],
        edits in vec(edit(), 1..4),
    ) {
        let mut schema = bundled(endpoint);
        for e in &edits {
            apply(&mut schema, e);
        }
        if let Ok(loaded) = Schema::from_introspection_str(&schema.to_string(), "edited.json") {
            let folder = format!("/{}/", endpoint.name);
            for (file, source, fragments) in operation_files().into_iter().filter(|(f, _, _)| f.contains(&folder)) {
                if let Err(diagnostics) = loaded.check_with(&source, &file, &fragments) {
                    for d in diagnostics {
                        let _ = d.to_string();
                    }
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn schema_loading_never_panics_on_any_json(value in json_value(), text in ".{0,64}") {
        let _ = Schema::from_introspection_str(&value.to_string(), "any.json");
        let _ = Schema::from_introspection_str(&json!({"data": {"__schema": value}}).to_string(), "any.json");
        let _ = Schema::from_introspection_str(&text, "text.json");
    }

    #[test]
    fn validator_never_panics_on_assembled_documents(pieces in vec(token_piece(), 0..40)) {
        let document = pieces.join(" ");
        for schema in [main_schema(), tenants_schema()] {
            match schema.check(&document, "fuzz.graphql") {
                Ok(_) => {}
                Err(diagnostics) => {
                    prop_assert!(!diagnostics.is_empty());
                    for d in diagnostics {
                        let _ = d.to_string();
                    }
                }
            }
        }
    }

    #[test]
    fn validator_never_panics_on_any_text(document in "(?s).{0,200}") {
        let _ = main_schema().check(&document, "fuzz.graphql");
    }

    /// Edits of the checked-in operations (a byte dropped, a piece spliced in).
    #[test]
    fn validator_never_panics_on_mutated_operations(
        which in any::<usize>(),
        at in any::<usize>(),
        drop in 0usize..8,
        piece in token_piece(),
    ) {
        let files = operation_files();
        let (file, source, fragments) = &files[which % files.len()];
        let mut chars: Vec<char> = source.chars().collect();
        let at = at % (chars.len() + 1);
        let end = (at + drop).min(chars.len());
        chars.splice(at..end, piece.chars());
        let document: String = chars.into_iter().collect();
        let schema = if file.contains("/tenants/") { tenants_schema() } else { main_schema() };
        let _ = schema.check_with(&document, file, fragments);
    }
}

/// The checked-in operations and the guides' examples pass the validator as they are
/// (the corpus the property tests mutate).
#[test]
fn seeds_are_valid() {
    for (file, source, fragments) in operation_files() {
        let schema = if file.contains("/tenants/") {
            tenants_schema()
        } else {
            main_schema()
        };
        if let Err(d) = schema.check_with(&source, &file, &fragments) {
            panic!("{file}: {d:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions found by the properties above

/// A token answer whose `expiry` has a non-ASCII character inside its zone offset
/// (`+0é00`) made the client panic on a byte slice in the middle of a character.
#[test]
fn regression_expiry_with_non_ascii_zone_does_not_panic() {
    let _guard = case_lock();
    for expiry in [
        "2030-01-01T00:00:00+0é00",
        "2030-01-01T00:00:00.5-1é:0",
        "2030-01-01T00:00:00+00:é",
        "2030-01-01T00:00:00+é0000",
    ] {
        let body =
            serde_json::to_vec(&json!({"access_token": "tok-123", "expiry": expiry})).unwrap();
        let h = serve(200, vec![], body);
        let client = credentials_client(h);
        let token = h
            .runtime
            .block_on(async {
                client.clear_token().await;
                client.access_token().await
            })
            .unwrap_or_else(|e| panic!("{expiry}: {e}"));
        assert_eq!(token.token().expose_secret(), "tok-123");
    }
}
