//! The service registry: unserved root fields, services added with `SandboxBuilder::service`
//! (what their `Context` and `Seed` show, taking over a built-in field, seeding), and the
//! registrations `start` refuses.

mod common;
use common::bootstrap_token;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use taegis_sandbox::{Context, Endpoint, Role, Sandbox, SandboxError, Seed, Service};

/// POSTs `query` to the tenants endpoint, with `tenant` as `X-Tenant-Context` if given.
async fn tenants(sb: &Sandbox, tenant: Option<&str>, query: &str) -> Value {
    let http = reqwest::Client::new();
    let mut request = http
        .post(format!("{}/public/query", sb.base_url()))
        .bearer_auth(bootstrap_token(&http, sb).await)
        .json(&json!({ "query": query }));
    if let Some(t) = tenant {
        request = request.header("X-Tenant-Context", t);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn first_error(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or("")
}

#[tokio::test]
async fn a_root_field_no_service_registers_answers_with_mock_data() {
    let sb = Sandbox::builder().tenants(3).start().await.unwrap();
    let body = tenants(
        &sb,
        None,
        "mutation { deleteRegisteredDomain(domain: \"a.example\") { id } }",
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert!(
        body["data"]["deleteRegisteredDomain"]["id"].is_string(),
        "{body}"
    );
    // The placeholders keep answering with empty lists.
    let body = tenants(
        &sb,
        None,
        "{ registeredDomains { id } requestableServices { id } }",
    )
    .await;
    assert_eq!(
        body["data"],
        json!({"registeredDomains": [], "requestableServices": []})
    );
}

/// Records what its `Context` shows, answers `registeredDomains` with its seeded domain, and
/// panics on `deleteRegisteredDomain`.
#[derive(Default)]
struct Probe {
    seen: Mutex<Vec<Value>>,
    seeded: Mutex<Option<String>>,
}

impl Service for Probe {
    fn name(&self) -> &str {
        "probe"
    }

    fn root_fields(&self) -> &[(Endpoint, &str)] {
        &[
            (Endpoint::TENANTS, "registeredDomains"),
            (Endpoint::TENANTS, "deleteRegisteredDomain"),
        ]
    }

    fn seed(&self, seed: &mut Seed<'_>) -> Result<(), String> {
        let ids = seed.tenant_ids();
        let mut rng = fastrand::Rng::with_seed(seed.seed());
        *self.seeded.lock().unwrap() = Some(format!(
            "{}-{}-{}.example",
            seed.bootstrap_tenant_id(),
            ids.len(),
            rng.u32(..)
        ));
        Ok(())
    }

    fn resolve(&self, ctx: &mut Context<'_>, field: &str, _args: &Value) -> Result<Value, String> {
        if field == "deleteRegisteredDomain" {
            panic!("a bug in a user's service");
        }
        self.seen.lock().unwrap().push(json!({
            "client": ctx.client_id(), "tenant": ctx.tenant_id(),
            "role": format!("{:?}", ctx.role(ctx.tenant_id())),
            "admin": ctx.require(ctx.tenant_id(), Role::Administrator, "x").is_ok(),
            "wants_domain": ctx.wants("domain"), "wants_verified": ctx.wants("verified"),
            "now": ctx.now_ms(), "exists": ctx.tenant_exists(ctx.tenant_id()),
        }));
        let domain = self.seeded.lock().unwrap().clone();
        Ok(
            json!([{ "id": ctx.new_id()?, "domain": domain, "tenantID": ctx.tenant_id().to_string() }]),
        )
    }
}

#[tokio::test]
async fn an_added_service_takes_over_a_field_and_sees_the_platform() {
    let probe = Arc::new(Probe::default());
    let sb = Sandbox::builder()
        .tenants(4)
        .seed(3)
        .service(probe.clone())
        .start()
        .await
        .unwrap();
    let body = tenants(
        &sb,
        Some("10002"),
        "{ registeredDomains { id domain tenantID } }",
    )
    .await;
    let listed = &body["data"]["registeredDomains"][0];
    let expected = format!("10000-6-{}.example", fastrand::Rng::with_seed(3).u32(..));
    assert_eq!(listed["domain"], expected.as_str(), "{body}");
    assert_eq!(listed["tenantID"], "10002");
    assert_eq!(listed["id"].as_str().unwrap().len(), 36);
    let seen = probe.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["client"], sb.client_id());
    assert_eq!(seen[0]["tenant"], 10002);
    assert_eq!(seen[0]["role"], "Some(Administrator)");
    assert_eq!(seen[0]["admin"], true);
    assert_eq!(seen[0]["exists"], true);
    assert_eq!(seen[0]["wants_domain"], true);
    assert_eq!(seen[0]["wants_verified"], false);
    assert!(seen[0]["now"].as_i64().unwrap() > 1_700_000_000_000);

    // A panic in a service fails its field, and the sandbox goes on serving.
    let body = tenants(
        &sb,
        None,
        "mutation { deleteRegisteredDomain(domain: \"a.example\") { id } }",
    )
    .await;
    assert_eq!(
        first_error(&body),
        "the sandbox's `probe` service failed on `deleteRegisteredDomain`"
    );
    let body = tenants(&sb, None, "{ registeredDomains { tenantID } }").await;
    assert_eq!(body["data"]["registeredDomains"][0]["tenantID"], "10000");
}

/// Claims the fields it is given.
struct Claims(&'static str, Vec<(Endpoint, &'static str)>);

impl Service for Claims {
    fn name(&self) -> &str {
        self.0
    }
    fn root_fields(&self) -> &[(Endpoint, &str)] {
        &self.1
    }
    fn resolve(&self, _: &mut Context<'_>, _: &str, _: &Value) -> Result<Value, String> {
        Ok(Value::Null)
    }
}

async fn refused(services: Vec<Claims>) -> String {
    let mut builder = Sandbox::builder().tenants(2);
    for s in services {
        builder = builder.service(s);
    }
    match builder.start().await {
        Err(SandboxError::Config(message)) => message,
        other => panic!("started: {other:?}"),
    }
}

#[tokio::test]
async fn start_refuses_conflicting_or_unknown_fields() {
    let t = Endpoint::TENANTS;
    let message = refused(vec![
        Claims("one", vec![(t, "registerDomain")]),
        Claims("two", vec![(t, "registerDomain")]),
    ])
    .await;
    assert_eq!(
        message,
        "services `one` and `two` both claim `registerDomain` on the tenants endpoint"
    );
    let message = refused(vec![Claims("typo", vec![(t, "registerDomains")])]).await;
    assert!(
        message.contains("`registerDomains`, which is not a root field of the tenants schema"),
        "{message}"
    );
    let message = refused(vec![Claims(
        "main",
        vec![(Endpoint::MAIN, "assignableServices")],
    )])
    .await;
    assert!(
        message.contains("not a root field of the main schema"),
        "{message}"
    );
    let message = refused(vec![Claims("events", vec![(Endpoint::EVENTS, "eventz")])]).await;
    assert!(
        message.contains("`eventz`, which is not a root field of the events schema"),
        "{message}"
    );
    // Taking over built-in fields is allowed, even several at once.
    let sb = Sandbox::builder()
        .tenants(2)
        .service(Claims(
            "mine",
            vec![(t, "tenants"), (Endpoint::MAIN, "clients")],
        ))
        .start()
        .await
        .unwrap();
    let body = tenants(&sb, None, "{ tenants(tenantsQuery: {}) { totalCount } }").await;
    assert_eq!(body["data"]["tenants"], Value::Null, "{body}");
}
