//! Shared by the benches: where the sandbox is, and the request every bench sends.
#![allow(dead_code)]

use taegis_sandbox::Sandbox;
use taegis_sdk::ops::tenants::tenants;
use taegis_sdk::Client;

/// A sandbox to talk to: the one described by the environment (`TAEGIS_API_URL`, `CLIENT_ID`,
/// `CLIENT_SECRET`, `TAEGIS_TENANT_ID`, as `taegis sandbox serve` prints them) when
/// `TAEGIS_API_URL` is set, so the client and the server do not share a process; otherwise
/// one started in this process (`_guard` keeps it alive).
pub struct Target {
    pub url: String,
    pub client_id: String,
    pub client_secret: String,
    pub tenant_id: String,
    pub _guard: Option<Sandbox>,
}

pub async fn target(tenants: u64) -> Target {
    if let Ok(url) = std::env::var("TAEGIS_API_URL") {
        let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
        return Target {
            url,
            client_id: var("CLIENT_ID"),
            client_secret: var("CLIENT_SECRET"),
            tenant_id: var("TAEGIS_TENANT_ID"),
            _guard: None,
        };
    }
    let sandbox = Sandbox::builder()
        .tenants(tenants)
        .seed(5)
        .start()
        .await
        .expect("sandbox starts");
    Target {
        url: sandbox.base_url().to_owned(),
        client_id: sandbox.client_id().to_owned(),
        client_secret: sandbox.client_secret().to_owned(),
        tenant_id: sandbox.tenant_id().to_owned(),
        _guard: Some(sandbox),
    }
}

impl Target {
    pub fn client(&self) -> Client {
        Client::builder()
            .api_url(&self.url)
            .tenants_url(&self.url)
            .client_credentials(&self.client_id, self.client_secret.clone())
            .tenant_id(&self.tenant_id)
            .build()
            .expect("client builds")
    }
}

/// The benchmarked request: the generated `tenants` query for one tenant by ID (the whole
/// tenant selection of `queries/tenants/tenants/tenants.graphql`).
pub fn one_tenant(tenant_id: &str) -> tenants::Variables {
    tenants::Variables {
        tenants_query: tenants::TenantsQuery {
            ids: Some(vec![tenant_id.to_owned()]),
            max_results: Some(1),
            ..Default::default()
        },
    }
}

/// How many tenants an answer to [`one_tenant`] holds.
pub fn result_count(data: &tenants::ResponseData) -> usize {
    data.tenants.as_ref().map_or(0, |t| t.results.len())
}
