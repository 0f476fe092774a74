//! The built-in services, one module each, and the helpers they share. Each takes the coerced
//! arguments as JSON, reads or changes its data or the platform [`State`], and returns the
//! field's value as JSON (with every field of its schema type; the engine picks the selected
//! ones).

mod alerts;
mod clients;
mod events;
mod investigations;
mod placeholders;
mod sso;
mod tenants;
mod tenants_v4;
mod users;

use crate::service::Service;
use crate::state::{State, RANK_READ, ROLES};
use serde_json::Value;
use std::sync::Arc;

/// The built-in services, in seeding order: one line per service. `alerts_per_tenant`:
/// [`SandboxBuilder::alerts_per_tenant`](crate::SandboxBuilder::alerts_per_tenant).
pub(crate) fn builtin(alerts_per_tenant: Option<u64>) -> Vec<Arc<dyn Service>> {
    // Alerts and investigations share one store: their links agree both ways.
    let workflows = Arc::new(alerts::Workflows::new(alerts_per_tenant));
    vec![
        Arc::new(tenants::Tenants),
        Arc::new(tenants_v4::TenantsV4),
        Arc::new(clients::Clients),
        Arc::new(sso::SsoConnections::default()),
        Arc::new(placeholders::EmptyLists),
        Arc::new(alerts::Alerts(workflows.clone())),
        Arc::new(investigations::Investigations(workflows)),
        Arc::new(events::Events::default()),
        Arc::new(users::Users::default()),
    ]
}

/// Who is calling, from the verified token and the `X-Tenant-Context` header.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// The calling client's client_id.
    pub(crate) client_id: String,
    /// The tenant in context: `X-Tenant-Context`, else the home tenant.
    pub(crate) context_tenant: u64,
    /// Request time, milliseconds since the epoch.
    pub(crate) now: i64,
    /// Names of every field the operation selects (`None`: unknown, build everything);
    /// services may leave out costly parts nobody asked for.
    pub(crate) wanted: Option<std::sync::Arc<std::collections::HashSet<String>>>,
}

/// `caller` with the request time cut to whole seconds: the tenants gateway prints times so.
pub(crate) fn whole_seconds(caller: &Caller) -> Caller {
    Caller {
        now: caller.now - caller.now.rem_euclid(1000),
        ..caller.clone()
    }
}

/// A resolver's failure: becomes a GraphQL field error with this message.
pub(crate) type FieldResult = Result<Value, String>;

/// The calling client's role rank on `tenant` (0 when it has none or no longer exists).
pub(crate) fn rank(state: &State, caller: &Caller, tenant: u64) -> u8 {
    match state.client_by_client_id(&caller.client_id) {
        Some(client) if state.tenant(tenant).is_some() => state.rank(client, tenant, caller.now),
        _ => 0,
    }
}

/// Fails unless the caller holds at least `needed` on `tenant`; an invisible tenant reads as
/// not found, a visible one with too little privilege as a permission error naming `action`.
pub(crate) fn require(
    state: &State,
    caller: &Caller,
    tenant: u64,
    needed: u8,
    action: &str,
) -> Result<(), String> {
    let have = rank(state, caller, tenant);
    if have < RANK_READ {
        return Err(format!("tenant {tenant} not found"));
    }
    if have < needed {
        let role_of = |rank: u8| {
            ROLES
                .iter()
                .find(|r| r.rank == rank)
                .map_or("none", |r| r.name)
        };
        return Err(format!(
            "Permission denied: {action} on tenant {tenant} requires the {} role; the client has {}",
            role_of(needed),
            role_of(have)
        ));
    }
    Ok(())
}

/// A non-null string argument or input field.
pub(crate) fn arg_str<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A non-null boolean argument or input field.
pub(crate) fn arg_bool(v: &Value, key: &str) -> Option<bool> {
    v.get(key).and_then(Value::as_bool)
}

/// A non-null integer argument or input field.
pub(crate) fn arg_int(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64)
}

/// An ID argument as text (IDs may arrive as JSON numbers).
pub(crate) fn arg_id(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A list of strings/IDs; null items are skipped, a null list is `None`.
pub(crate) fn arg_list(v: &Value, key: &str) -> Option<Vec<String>> {
    let items = v.get(key)?.as_array()?;
    Some(
        items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
    )
}

/// A tenant ID argument, which must be an integer.
pub(crate) fn tenant_id(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("tenant {text} not found"))
}

/// A required tenant ID argument.
pub(crate) fn arg_tenant(v: &Value, key: &str) -> Result<u64, String> {
    let text = arg_id(v, key).ok_or_else(|| format!("`{key}` is required"))?;
    tenant_id(&text)
}
