//! Step 4: the sandbox service. It answers `registerDomain` and `registeredDomains` on the
//! tenants endpoint (the sandbox's own `registeredDomains` is an always-empty placeholder, which
//! this takes over), keeps the registered domains per tenant in its own state, and seeds the
//! bootstrap partner tenant with one verified domain.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Mutex;
use taegis_sandbox::{Context, Endpoint, Role, Seed, Service};

/// One registered domain.
struct Domain {
    id: String,
    domain: String,
    verified: bool,
    verification_txt: String,
    created_at: String,
    created_by: String,
}

/// Registered domains, per tenant ID.
#[derive(Default)]
pub struct Domains {
    by_tenant: Mutex<BTreeMap<u64, Vec<Domain>>>,
}

/// The `RegisteredDomain` object of the tenants schema, for `tenant`.
fn json_of(tenant: u64, d: &Domain) -> Value {
    json!({
        "id": d.id, "tenantID": tenant.to_string(), "domain": d.domain,
        "verified": d.verified, "verificationTxt": d.verification_txt,
        "createdAt": d.created_at, "updatedAt": d.created_at,
        "createdBy": d.created_by, "updatedBy": d.created_by, "ssoConnections": [],
    })
}

impl Service for Domains {
    fn name(&self) -> &str {
        "registered domains"
    }

    fn root_fields(&self) -> &[(Endpoint, &str)] {
        &[
            (Endpoint::TENANTS, "registerDomain"),
            (Endpoint::TENANTS, "registeredDomains"),
        ]
    }

    fn seed(&self, seed: &mut Seed<'_>) -> Result<(), String> {
        let partner = seed.bootstrap_tenant_id();
        let domain = Domain {
            id: format!("seeded-domain-{partner}"),
            domain: "sandbox-partner.example".to_owned(),
            verified: true,
            verification_txt: String::new(),
            created_at: "2019-01-01T00:00:00Z".to_owned(),
            created_by: "sandbox".to_owned(),
        };
        let mut by_tenant = self.by_tenant.lock().map_err(|_| "poisoned")?;
        by_tenant.entry(partner).or_default().push(domain);
        Ok(())
    }

    fn resolve(&self, ctx: &mut Context<'_>, field: &str, args: &Value) -> Result<Value, String> {
        // The tenant in context: `X-Tenant-Context`, checked by the sandbox, else the token's.
        let tenant = ctx.tenant_id();
        let mut by_tenant = self.by_tenant.lock().map_err(|_| "poisoned")?;
        match field {
            "registerDomain" => {
                ctx.require(tenant, Role::Administrator, "RegisteredDomain:create")?;
                let name = args["input"]["domain"]
                    .as_str()
                    .unwrap_or("")
                    .trim()
                    .to_lowercase();
                if !name.contains('.') || name.contains('@') || name.contains(' ') {
                    return Err(format!("`{name}` is not a domain name"));
                }
                let list = by_tenant.entry(tenant).or_default();
                if list.iter().any(|d| d.domain == name) {
                    return Err(format!("{name} is already registered to tenant {tenant}"));
                }
                list.push(Domain {
                    id: ctx.new_id()?,
                    domain: name,
                    verified: false,
                    verification_txt: format!("taegis-domain-verification={}", ctx.new_id()?),
                    created_at: ctx.now_rfc3339(),
                    created_by: ctx.client_id().to_owned(),
                });
                Ok(list.last().map_or(Value::Null, |d| json_of(tenant, d)))
            }
            _ => {
                ctx.require(tenant, Role::Auditor, "RegisteredDomain:read")?;
                let list = by_tenant
                    .get(&tenant)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                Ok(list.iter().map(|d| json_of(tenant, d)).collect())
            }
        }
    }
}
