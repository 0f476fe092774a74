//! Tenants v4 on the main gateway (`/graphql`): `tenants` and `tenant`, answered over the same
//! platform tenants, visibility rules, filters and paging as the tenants host
//! ([`super::tenants::query_page`]), in main's `TenantResults`/`TenantV4` shape.

use super::tenants::query_page;
use super::{arg_id, arg_list, arg_str, rank, Caller, FieldResult};
use crate::service::{Context, Service};
use crate::state::{State, Tenant, RANK_READ};
use crate::util::rfc3339;
use serde_json::{json, Map, Value};
use taegis_sdk_codegen::Endpoint;

/// `TenantRegion`/`TenantEnvironment` values of the main schema.
const REGIONS: [&str; 21] = [
    "CHARLIE",
    "DELTA",
    "ECHO",
    "FOXTROT",
    "GOLF",
    "HOTEL",
    "INDIA",
    "JULIET",
    "KILO",
    "QUEBEC",
    "PILOT",
    "PILOT_CHARLIE",
    "PILOT_DELTA",
    "PILOT_ECHO",
    "PILOT_FOXTROT",
    "PILOT_GOLF",
    "PILOT_HOTEL",
    "PILOT_INDIA",
    "PILOT_JULIET",
    "PILOT_KILO",
    "PILOT_QUEBEC",
];

/// Main-gateway `TenantsQuery` fields the sandbox does not filter on: asking for one fails
/// rather than silently returning unfiltered tenants.
const UNSUPPORTED: [&str; 16] = [
    "isPartnerRoot",
    "hierarchyPaths",
    "partners",
    "organizations",
    "mdrProviders",
    "enabled",
    "beforeCursor",
    "cql",
    "readPartnerRoots",
    "enabledIn",
    "enabledInEnvironments",
    "subscriptionsMatch",
    "licenseLevel",
    "licenseCapabilitiesAny",
    "licenseCapabilitiesAll",
    "licenseCapabilitiesNone",
];

/// Tenants v4 (`tenants`, `tenant`) on the main gateway.
pub(crate) struct TenantsV4;

impl Service for TenantsV4 {
    fn name(&self) -> &str {
        "tenants4"
    }

    fn root_fields(&self) -> &[(Endpoint, &str)] {
        const M: Endpoint = Endpoint::MAIN;
        &[(M, "tenants"), (M, "tenant")]
    }

    fn resolve(&self, ctx: &mut Context<'_>, field: &str, args: &Value) -> FieldResult {
        let (state, caller) = ctx.parts();
        // Same clock as the tenants host; v4 field names differ, so build every field.
        let caller = Caller {
            wanted: None,
            ..super::whole_seconds(caller)
        };
        match field {
            "tenants" => tenants(
                state,
                &caller,
                args.get("tenantsQuery").unwrap_or(&Value::Null),
            ),
            "tenant" => {
                let Some(id) = arg_id(args, "id").and_then(|i| i.trim().parse::<u64>().ok()) else {
                    return Ok(Value::Null);
                };
                if rank(state, &caller, id) < RANK_READ {
                    return Ok(Value::Null);
                }
                Ok(state
                    .tenant(id)
                    .map_or(Value::Null, |t| tenant_v4(state, t)))
            }
            other => Err(crate::service::unserved(other)),
        }
    }
}

/// Main's `TenantsQuery` as the tenants host's `TenantsQuery`.
pub(crate) fn host_query(q: &Value) -> Result<Value, String> {
    let set = |k: &str| {
        q.get(k)
            .is_some_and(|v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
    };
    if let Some(k) = UNSUPPORTED.iter().find(|k| set(k)) {
        return Err(format!("TenantsQuery.{k} is not supported by the sandbox"));
    }
    let mut out = Map::new();
    let mut put = |k: &str, v: Value| {
        if !v.is_null() {
            out.insert(k.to_owned(), v);
        }
    };
    let get = |k: &str| q.get(k).cloned().unwrap_or(Value::Null);
    put("ids", get("ids"));
    if let Some(names) = arg_list(q, "names").filter(|n| !n.is_empty()) {
        if names.len() > 1 {
            return Err("TenantsQuery.names: the sandbox matches one name at a time".to_owned());
        }
        put("name", Value::String(names[0].clone()));
    }
    put("forHierarchies", get("hierarchies"));
    put("isOrganization", get("isOrganization"));
    put("withSupport", get("supportEnabled"));
    let cursor = arg_str(q, "afterCursor")
        .or_else(|| arg_str(q, "cursorPos"))
        .filter(|c| !c.is_empty());
    put("cursorPos", cursor.map_or(Value::Null, |c| json!(c)));
    put("maxResults", get("count"));
    if let Some(o) = arg_str(q, "orderBy") {
        let host = match o {
            "ID" => "Id",
            "NAME" => "Name",
            "CREATED_AT" => "CreatedAt",
            "UPDATED_AT" => "UpdatedAt",
            other => return Err(format!("orderBy {other} is not supported by the sandbox")),
        };
        put("orderBy", json!(host));
    }
    if let Some(d) = arg_str(q, "orderDir") {
        put("orderDir", json!(d.to_ascii_lowercase()));
    }
    if let Some(labels) = q.get("labelsMatch").and_then(Value::as_array) {
        if labels.len() > 1 {
            return Err("TenantsQuery.labelsMatch: the sandbox matches one label".to_owned());
        }
        if let Some(l) = labels.first() {
            put(
                "labelFilter",
                json!({ "label_name": l.get("name"), "label_value": l.get("value") }),
            );
        }
    }
    Ok(Value::Object(out))
}

fn tenants(state: &mut State, caller: &Caller, q: &Value) -> FieldResult {
    let page = query_page(state, caller, &host_query(q)?)?;
    let state: &State = state;
    Ok(json!({
        "tenants": page
            .slots
            .iter()
            .map(|&s| tenant_v4(state, &state.tenants[s as usize]))
            .collect::<Vec<_>>(),
        "cursorPos": page.cursor,
        "count": page.slots.len(),
        "hasMore": page.has_more,
        "totalCount": page.total,
        "firstIndex": null,
        "lastIndex": null,
    }))
}

/// A platform tenant as main's `TenantV4`.
pub(crate) fn tenant_v4(state: &State, t: &Tenant) -> Value {
    let time = |ms: i64| rfc3339(ms, false);
    let parent = t.parent.map(|p| p.to_string());
    let partner_name = t
        .parent
        .and_then(|p| state.tenant(p))
        .map(|p| p.name.clone());
    let regions: Vec<String> = t
        .environments
        .iter()
        .filter(|e| e.enabled)
        .map(|e| e.name.to_ascii_uppercase())
        .filter(|e| REGIONS.contains(&e.as_str()))
        .collect();
    let labels: Vec<Value> = t
        .labels
        .iter()
        .map(|l| {
            json!({
                "id": l.id, "name": l.name, "value": l.value,
                "ownerPartnerId": l.owner_partner_tenant_id.map(|o| o.to_string()),
            })
        })
        .collect();
    json!({
        "id": t.id.to_string(),
        "parentTenantID": parent,
        "partnerTenantID": parent,
        "partnerName": partner_name,
        "organizationTenantID": null,
        "organizationName": null,
        "mdrProviderID": null,
        "name": t.name,
        "enabled": t.enabled(),
        "hierarchyPath": null,
        "isOrganization": false,
        "isPartner": t.is_partner,
        "isSophosMDRProvider": false,
        "isMDRProvider": false,
        "hasSupportEnabled": t.support_enabled,
        "supportInherited": false,
        "allowResponseActions": t.allow_response_actions,
        "actionsApprover": null,
        "expiresAt": t.expires_at.map(time),
        "createdAt": time(t.created_at),
        "updatedAt": time(t.updated_at),
        "mdrProviderType": null,
        "enabledAtRegions": regions,
        "enabledAtEnvironments": regions,
        "labels": labels,
        "subscriptions": null,
        "centralTenant": null,
        "dataRetentionPolicy": { "months": t.data_retention_months, "period": null },
        "licenseLevel": null,
        "licenseCapabilities": null,
    })
}
