//! Users and subjects on the main gateway (`/graphql`): `currentSubject` (who the token
//! belongs to: an API client, with its tenant and role assignments from the platform state),
//! `currentTDRUser` (an error: an API client is not a user), and user search over a seeded,
//! per-tenant user list: `tdrUsersSearch(filters)` (what taegis-magic's `users search` calls),
//! `tdruser(id)`, `tdrusersByIDs(userIDs)` and the older `tdrusers(...)`.
//!
//! Users are never stored: tenant `T` has 12 to 31 users, user `i` a pure function of
//! (sandbox seed, `T`, `i`), and a user's ID carries `T` and `i`, so the same ID always gives
//! the same user and a user of a tenant the caller cannot read is not found. Search filters:
//! `tenant_IDs` (default: the tenant in context; each must be readable), `email` (`%` as a
//! wildcard, else exact, case-insensitive), `emails` (exact), `role_IDs`, `status`,
//! `tenantStatus`, `name` and `quickLookup` (substring of the name or email); `sortBy`
//! (default `email`) and `sortOrder`; pages of `perPage` (default 20, at most 1000) from
//! `cursorPos` (the `cursor_pos` of the previous page) or `pageOffset` (0-based page).

use super::{arg_id, arg_int, arg_list, arg_str, FieldResult};
use crate::mock::hash;
use crate::service::{Context, Role, Seed, Service};
use crate::state::{State, ROLES};
use crate::util::{like, rfc3339};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use taegis_sdk_codegen::Endpoint;

const GIVEN: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Ken",
    "Margaret",
    "Dennis",
    "Radia",
    "John",
    "Hedy",
    "Linus",
    "Katherine",
    "Tim",
];
const FAMILY: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Perlman",
    "Backus",
    "Lamarr",
    "Torvalds",
    "Johnson",
    "Berners-Lee",
];
const TIMEZONES: &[&str] = &[
    "America/New_York",
    "America/Chicago",
    "Europe/London",
    "UTC",
    "Asia/Tokyo",
];
/// 2025-01-01T00:00:00Z: users were created within 300 days after it.
const CREATED_FROM_MS: i64 = 1_735_689_600_000;
const DEFAULT_PER_PAGE: usize = 20;
const MAX_PER_PAGE: usize = 1000;

/// The users and subjects service.
#[derive(Default)]
pub(crate) struct Users {
    seed: AtomicU64,
}

impl Service for Users {
    fn name(&self) -> &str {
        "users"
    }

    fn root_fields(&self) -> &[(Endpoint, &str)] {
        const M: Endpoint = Endpoint::MAIN;
        &[
            (M, "currentSubject"),
            (M, "currentTDRUser"),
            (M, "tdrUsersSearch"),
            (M, "tdruser"),
            (M, "tdrusersByIDs"),
            (M, "tdrusers"),
        ]
    }

    fn seed(&self, seed: &mut Seed<'_>) -> Result<(), String> {
        self.seed.store(seed.seed(), Ordering::Relaxed);
        Ok(())
    }

    fn resolve(&self, ctx: &mut Context<'_>, field: &str, args: &Value) -> FieldResult {
        let seed = self.seed.load(Ordering::Relaxed);
        match field {
            "currentSubject" => current_subject(ctx),
            "currentTDRUser" => {
                Err("the current subject is an API client, not a TDR user".to_owned())
            }
            "tdruser" => {
                let id = arg_id(args, "id").unwrap_or_default();
                visible_user(ctx, seed, &id).ok_or_else(|| format!("user {id} not found"))
            }
            "tdrusersByIDs" => {
                let ids = arg_list(args, "userIDs").unwrap_or_default();
                Ok(Value::Array(
                    ids.iter()
                        .filter_map(|id| visible_user(ctx, seed, id))
                        .collect(),
                ))
            }
            "tdrusers" => {
                // The older list: the same filters, `page` counted from 1 (0 reads as 1).
                let mut filters = json!({
                    "email": args["email"], "status": args["status"],
                    "role_IDs": args["role_IDs"], "tenant_IDs": args["tenant_IDs"],
                    "perPage": args["perPage"],
                });
                if let Some(t) = arg_id(args, "tenantID") {
                    filters["tenant_IDs"] = json!([t]);
                }
                if let Some(role) = arg_str(args, "role").and_then(crate::state::role) {
                    filters["role_IDs"] = json!([role.id]);
                }
                let page = arg_int(args, "page").unwrap_or(1).max(1);
                filters["pageOffset"] = json!(page - 1);
                Ok(search(ctx, seed, &filters)?["results"].take())
            }
            _ => search(ctx, seed, &args["filters"]),
        }
    }
}

/// The calling client as a `Subject`, its identity a `Client`.
fn current_subject(ctx: &mut Context<'_>) -> FieldResult {
    let (state, caller) = ctx.parts();
    let Some(client) = state.client_by_client_id(&caller.client_id) else {
        return Err("the token's client no longer exists".to_owned());
    };
    let mut identity = State::client_json(client);
    identity["__typename"] = json!("Client");
    let assignments: Vec<Value> = client
        .roles
        .iter()
        .map(|a| {
            json!({
                "roleId": a.role.id, "tenantID": a.tenant_id.to_string(), "roleName": a.role.name,
                "createdAt": rfc3339(client.created_at, true), "updatedAt": rfc3339(client.updated_at, true),
                "deactivated": a.expires_at.is_some_and(|e| e <= caller.now),
                "expiresAt": a.expires_at.map(|e| rfc3339(e, true)),
                "isScwxRoleAssignment": false, "isParentRoleAssignment": false,
            })
        })
        .collect();
    let mut tenants: Vec<u64> = client.roles.iter().map(|a| a.tenant_id).collect();
    tenants.sort_unstable();
    tenants.dedup();
    let partners: Vec<String> = tenants
        .iter()
        .filter(|t| state.tenant(**t).is_some_and(|t| t.is_partner))
        .map(u64::to_string)
        .collect();
    Ok(json!({
        "id": client.id,
        "name": client.name,
        "displayName": client.name,
        "identity": identity,
        "roleAssignmentData": {
            "assignedTenantIDs": tenants.iter().map(u64::to_string).collect::<Vec<_>>(),
            "assignedPartnerIDs": partners,
            "canReadAllTenants": false,
            "hasSupportAccess": false,
            "hasScwxRoleAssignment": false,
            "roleAssignments": assignments,
        },
    }))
}

/// How many users `tenant` has.
fn user_count(seed: u64, tenant: u64) -> u64 {
    12 + hash(seed ^ 0x05E4, &[b"count", &tenant.to_le_bytes()]) % 20
}

fn user_hash(seed: u64, tenant: u64, index: u64) -> u64 {
    hash(
        seed ^ 0x05E4,
        &[&tenant.to_le_bytes(), &index.to_le_bytes()],
    )
}

/// The ID of user `index` of `tenant`: UUID-shaped, carrying both.
fn user_id(seed: u64, tenant: u64, index: u64) -> String {
    let h = user_hash(seed, tenant, index);
    format!(
        "{:08x}-{index:04x}-4{:03x}-8{:03x}-{tenant:012x}",
        h >> 32,
        h & 0xfff,
        (h >> 12) & 0xfff
    )
}

/// (tenant, index) of a user ID this sandbox made.
fn parse_user_id(seed: u64, id: &str) -> Option<(u64, u64)> {
    let parts: Vec<&str> = id.split('-').collect();
    if parts.len() != 5 || parts[1].len() != 4 || parts[4].len() != 12 {
        return None;
    }
    let index = u64::from_str_radix(parts[1], 16).ok()?;
    let tenant = u64::from_str_radix(parts[4], 16).ok()?;
    (index < user_count(seed, tenant) && user_id(seed, tenant, index) == id)
        .then_some((tenant, index))
}

/// User `index` of `tenant`.
fn user(seed: u64, tenant: u64, index: u64) -> Value {
    let h = user_hash(seed, tenant, index);
    let id = user_id(seed, tenant, index);
    let pick = |list: &[&'static str], salt: u32| list[((h >> salt) % list.len() as u64) as usize];
    let given = pick(GIVEN, 3);
    let family = pick(FAMILY, 11);
    let email = format!("{}.{}{index}@tenant{tenant}.example.com", given, family).to_lowercase();
    let role = &ROLES[((h >> 19) % ROLES.len() as u64) as usize];
    let (status, tenant_status) = match (h >> 23) % 10 {
        0 => ("Invited", "Invited"),
        1 => ("Deactivated", "Deactivated"),
        _ => ("Registered", "Active"),
    };
    let created =
        CREATED_FROM_MS + ((h >> 27) % 300) as i64 * 86_400_000 + ((h >> 5) % 86_400) as i64 * 1000;
    let updated = created + ((h >> 37) % 30 + 1) as i64 * 86_400_000;
    let time = |ms: i64| rfc3339(ms, true);
    let registered = (status != "Invited").then(|| time(created + 3_600_000));
    let tenant_text = tenant.to_string();
    let mut user = json!({
        "id": id, "id_uuid": id,
        "idp_user_id": format!("auth0|{h:016x}"), "user_id": format!("auth0|{h:016x}"),
        "user_id_v1": null,
        "created_at": time(created), "updated_at": time(updated),
        "created_by": "sandbox", "updated_by": "sandbox",
        "last_login": (status == "Registered").then(|| time(updated)),
        "last_ip": (status == "Registered").then(|| format!("198.51.100.{}", h % 250 + 1)),
        "invited_date": time(created), "registered_date": registered,
        "deactivated_date": (status == "Deactivated").then(|| time(updated)),
        "status": status, "status_localized": status,
        "email": email, "email_normalized": email,
        "given_name": given, "family_name": family,
        "phone_number": null, "phone_extension": null,
        "secondary_phone_number": null, "secondary_phone_extension": null,
    });
    let rest = json!({
        "roles": [role.id],
        "environments": ["sandbox"],
        "timezone": pick(TIMEZONES, 41),
        "tenant_status": tenant_status, "tenant_status_localized": tenant_status,
        "entitlement_channel": null, "allowed_entitlement_channels": [],
        "masked": false, "community_role": null, "is_scwx": false, "is_partner": false,
        "pre_verified": false, "managed_by_central": false, "is_sophos_mdr": false,
        "is_mfa_reset_eligible": status == "Registered",
        "tenants": [{"id": tenant_text}],
        "tenants_v2": [{"id": tenant_text, "role": role.name}],
        "accessible_tenants": [],
        "role_assignments": [{
            "id": format!("{:016x}", hash(h, &[b"assignment"])),
            "tenant_id": tenant_text, "role_id": role.id, "role_name": role.name,
            "role_display_name": role.name, "deactivated": status == "Deactivated",
            "expires_at": null, "created_at": time(created), "updated_at": time(updated),
            "created_by": "sandbox", "updated_by": "sandbox", "allowed_environments": [],
        }],
        "eula": null,
        "preferred_language": "en",
    });
    if let (Some(user), Value::Object(rest)) = (user.as_object_mut(), rest) {
        user.extend(rest);
    }
    user
}

/// The user with this ID, if it exists in a tenant the caller can read.
fn visible_user(ctx: &Context<'_>, seed: u64, id: &str) -> Option<Value> {
    let (tenant, index) = parse_user_id(seed, id)?;
    ctx.role(tenant)?;
    Some(user(seed, tenant, index))
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or("").to_owned()
}

/// `tdrUsersSearch(filters)`.
fn search(ctx: &Context<'_>, seed: u64, filters: &Value) -> FieldResult {
    let tenants: Vec<u64> = match arg_list(filters, "tenant_IDs").filter(|l| !l.is_empty()) {
        Some(ids) => ids
            .iter()
            .map(|t| {
                let t = super::tenant_id(t)?;
                ctx.require(t, Role::Auditor, "User:read").map(|()| t)
            })
            .collect::<Result<_, String>>()?,
        None => vec![ctx.tenant_id()],
    };
    let email = arg_str(filters, "email").filter(|e| !e.is_empty());
    let emails = arg_list(filters, "emails").filter(|l| !l.is_empty());
    let roles = arg_list(filters, "role_IDs").filter(|l| !l.is_empty());
    let status = arg_str(filters, "status").filter(|s| !s.is_empty());
    let tenant_status = arg_str(filters, "tenantStatus").filter(|s| !s.is_empty());
    let contains = |needle: Option<&str>, user: &Value, keys: &[&str]| {
        needle.filter(|n| !n.is_empty()).is_none_or(|n| {
            let n = n.to_lowercase().replace('%', "");
            let hay = keys
                .iter()
                .map(|k| text(user, k))
                .collect::<Vec<_>>()
                .join(" ");
            hay.to_lowercase().contains(&n)
        })
    };
    let mut total_unfiltered = 0u64;
    let mut found: Vec<Value> = Vec::new();
    for &tenant in &tenants {
        let count = user_count(seed, tenant);
        total_unfiltered += count;
        for index in 0..count {
            let u = user(seed, tenant, index);
            let mail = text(&u, "email");
            let keep = email.is_none_or(|e| like(e, &mail))
                && emails
                    .as_ref()
                    .is_none_or(|l| l.iter().any(|e| e.eq_ignore_ascii_case(&mail)))
                && roles.as_ref().is_none_or(|l| {
                    l.iter().any(|r| {
                        u["roles"].as_array().is_some_and(|rs| {
                            rs.iter()
                                .any(|x| x.as_str().is_some_and(|x| x.eq_ignore_ascii_case(r)))
                        })
                    })
                })
                && status.is_none_or(|s| s.eq_ignore_ascii_case(&text(&u, "status")))
                && tenant_status.is_none_or(|s| s.eq_ignore_ascii_case(&text(&u, "tenant_status")))
                && contains(arg_str(filters, "name"), &u, &["given_name", "family_name"])
                && contains(
                    arg_str(filters, "quickLookup"),
                    &u,
                    &["given_name", "family_name", "email"],
                );
            if keep {
                found.push(u);
            }
        }
    }
    let key = match arg_str(filters, "sortBy").unwrap_or("email") {
        "firstname" => "given_name",
        "lastname" => "family_name",
        "status" => "status",
        "tenantStatus" => "tenant_status",
        "timezone" => "timezone",
        "phone" => "phone_number",
        _ => "email",
    };
    found.sort_by(|a, b| {
        text(a, key)
            .to_lowercase()
            .cmp(&text(b, key).to_lowercase())
            .then_with(|| text(a, "id").cmp(&text(b, "id")))
    });
    if arg_str(filters, "sortOrder") == Some("desc") {
        found.reverse();
    }
    let per_page = arg_int(filters, "perPage")
        .filter(|n| *n > 0)
        .map_or(DEFAULT_PER_PAGE, |n| (n as usize).min(MAX_PER_PAGE));
    let start = match arg_str(filters, "cursorPos").filter(|c| !c.is_empty()) {
        Some(cursor) => cursor
            .parse::<usize>()
            .map_err(|_| format!("invalid cursorPos `{cursor}`"))?,
        None => {
            (arg_int(filters, "pageOffset").unwrap_or(0).max(0) as usize).saturating_mul(per_page)
        }
    };
    let total = found.len();
    let page: Vec<Value> = found.into_iter().skip(start).take(per_page).collect();
    let end = start.saturating_add(page.len());
    let more = end < total;
    Ok(json!({
        "result_count": page.len(),
        "cursor_pos": more.then(|| end.to_string()),
        "pageOffset": start / per_page,
        "has_next_page": more,
        "total_count": total,
        "total_unfiltered_count": total_unfiltered,
        "results": page,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_round_trip_and_are_checked() {
        let id = user_id(4, 10_001, 3);
        assert_eq!(parse_user_id(4, &id), Some((10_001, 3)));
        assert_eq!(parse_user_id(5, &id), None);
        assert_eq!(parse_user_id(4, &id.replace("-4", "-5")), None);
        assert_eq!(parse_user_id(4, "not-an-id"), None);
        assert_eq!(user(4, 10_001, 3), user(4, 10_001, 3));
        assert_eq!(user(4, 10_001, 3)["id"], id);
    }
}
