//! The clients service: API clients and their roles, on the main endpoint (`/graphql`). The
//! clients themselves are platform state, since authentication needs them too.

use super::{arg_id, arg_int, arg_list, arg_str, rank, require, tenant_id, Caller, FieldResult};
use crate::service::{Context, Service};
use crate::state::{
    role, Client, RoleAssignment, State, RANK_ADMIN, RANK_CLIENTS, RANK_READ, ROLE_ANALYST,
};
use crate::util::{like, parse_time, secure};
use serde_json::{json, Value};
use taegis_sdk_codegen::Endpoint;

/// API clients (`client`, `clients`, `clientsSearch` and the client mutations).
pub(crate) struct Clients;

impl Service for Clients {
    fn name(&self) -> &str {
        "clients"
    }

    fn root_fields(&self) -> &[(Endpoint, &str)] {
        const M: Endpoint = Endpoint::MAIN;
        &[
            (M, "client"),
            (M, "clients"),
            (M, "clientsSearch"),
            (M, "createClient"),
            (M, "rotateClientSecret"),
            (M, "forceRotateClientSecret"),
            (M, "deleteClient"),
            (M, "appendClientRoles"),
            (M, "removeClientRoles"),
        ]
    }

    fn resolve(&self, ctx: &mut Context<'_>, field: &str, args: &Value) -> FieldResult {
        let (state, caller) = ctx.parts();
        resolve(state, caller, field, args)
    }
}

fn resolve(state: &mut State, caller: &Caller, field: &str, args: &Value) -> FieldResult {
    match field {
        "client" => {
            let id = arg_id(args, "id").unwrap_or_default();
            let pos = visible_client(state, caller, &id)?;
            Ok(State::client_json(&state.clients[pos]))
        }
        "clients" => {
            let found = search(state, caller, args);
            let per_page = arg_int(args, "perPage").filter(|&n| n > 0).unwrap_or(100) as usize;
            let page = arg_int(args, "page").unwrap_or(1).max(1) as usize;
            Ok(Value::Array(
                found
                    .into_iter()
                    .skip((page - 1).saturating_mul(per_page))
                    .take(per_page)
                    .map(|i| State::client_json(&state.clients[i]))
                    .collect(),
            ))
        }
        "clientsSearch" => {
            let filters = args.get("filters").cloned().unwrap_or(Value::Null);
            let mut found = search(state, caller, &filters);
            let unfiltered = search(state, caller, &Value::Null).len();
            let key = |c: &Client| -> (String, i64) {
                match arg_str(&filters, "sortBy").unwrap_or("") {
                    "NAME" => (c.name.to_lowercase(), 0),
                    "CLIENT_ID" => (c.client_id.clone(), 0),
                    "ROLE_ASSIGNMENT_NAME" => (
                        c.roles
                            .first()
                            .map(|r| r.role.name)
                            .unwrap_or("")
                            .to_owned(),
                        0,
                    ),
                    "TOKEN_REQUEST_COUNT" => (String::new(), c.token_request_count),
                    "TOKEN_REQUEST_TIME" => (String::new(), c.token_request_time.unwrap_or(0)),
                    _ => (String::new(), c.created_at),
                }
            };
            found.sort_by_cached_key(|&i| key(&state.clients[i]));
            if arg_str(&filters, "sortOrder") == Some("DESC") {
                found.reverse();
            }
            let total = found.len();
            let per_page = arg_int(&filters, "perPage")
                .filter(|&n| n > 0)
                .unwrap_or(100) as usize;
            let page = arg_int(&filters, "pageOffset").unwrap_or(0).max(0) as usize;
            let results: Vec<Value> = found
                .into_iter()
                .skip(page.saturating_mul(per_page))
                .take(per_page)
                .map(|i| State::client_json(&state.clients[i]))
                .collect();
            Ok(json!({
                "result_count": results.len(), "totalCount": total,
                "totalUnfilteredCount": unfiltered, "results": results,
            }))
        }
        "createClient" => create(state, caller, args),
        "rotateClientSecret" | "forceRotateClientSecret" => {
            let id = arg_id(args, "id").unwrap_or_default();
            let pos = manageable_client(state, caller, &id)?;
            let secret = match arg_str(args, "secret").filter(|s| !s.is_empty()) {
                Some(s) if field == "rotateClientSecret" => s.to_owned(),
                _ => secure::alnum(64)?,
            };
            let client = &mut state.clients[pos];
            client.secret = secret.clone();
            client.updated_at = caller.now;
            client.updated_by = caller.client_id.clone();
            Ok(json!({
                "client": State::client_json(client),
                "client_secret": secret, "clientSecret": secret,
            }))
        }
        "deleteClient" => {
            let id = arg_id(args, "id").unwrap_or_default();
            let pos = manageable_client(state, caller, &id)?;
            let client = state.clients.remove(pos);
            Ok(State::client_json(&client))
        }
        "appendClientRoles" => {
            let id = arg_id(args, "id").unwrap_or_default();
            let pos = role_manageable_client(state, caller, &id)?;
            let mut added = Vec::new();
            for input in args
                .get("roles")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let role_id = arg_id(input, "roleID")
                    .or_else(|| arg_id(input, "role_id"))
                    .ok_or("roleID is required")?;
                let role = role(&role_id).ok_or_else(|| format!("unknown role ID {role_id}"))?;
                let tenant = match arg_id(input, "tenantID").or_else(|| arg_id(input, "tenant_id"))
                {
                    Some(t) => tenant_id(&t)?,
                    None => state.clients[pos].tenant_id,
                };
                require(
                    state,
                    caller,
                    tenant,
                    role.rank.max(RANK_CLIENTS),
                    "Client:update",
                )?;
                let expires = arg_str(input, "expiresAt").or_else(|| arg_str(input, "expires_at"));
                let expires_at = match expires {
                    Some(t) => Some(parse_time(t).ok_or_else(|| format!("invalid time {t}"))?),
                    None => None,
                };
                added.push(RoleAssignment {
                    id: secure::uuid()?,
                    tenant_id: tenant,
                    role,
                    expires_at,
                });
            }
            let client = &mut state.clients[pos];
            client.roles.extend(added);
            client.updated_at = caller.now;
            client.updated_by = caller.client_id.clone();
            Ok(State::client_json(client))
        }
        "removeClientRoles" => {
            let id = arg_id(args, "id").unwrap_or_default();
            let pos = role_manageable_client(state, caller, &id)?;
            let remove = arg_list(args, "roles").unwrap_or_default();
            let client = &mut state.clients[pos];
            client.roles.retain(|a| {
                !remove
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(a.role.id) || *r == a.id)
            });
            client.updated_at = caller.now;
            client.updated_by = caller.client_id.clone();
            Ok(State::client_json(client))
        }
        other => Err(crate::service::unserved(other)),
    }
}

/// Positions of the clients the caller can see that match the filters in `f` (the arguments
/// of `clients` or a `ClientsSearchInput`), in creation order.
fn search(state: &State, caller: &Caller, f: &Value) -> Vec<usize> {
    let name = arg_str(f, "name").filter(|n| !n.is_empty());
    let client_ids = arg_list(f, "clientIDs").filter(|l| !l.is_empty());
    let tenant = arg_id(f, "tenantID");
    let tenant_ids = arg_list(f, "tenantIDs").filter(|l| !l.is_empty());
    let role_ids = arg_list(f, "roleIDs").filter(|l| !l.is_empty());
    (0..state.clients.len())
        .filter(|&i| {
            let c = &state.clients[i];
            let tenant_text = c.tenant_id.to_string();
            rank(state, caller, c.tenant_id) >= RANK_READ
                && name.is_none_or(|n| like(n, &c.name))
                && client_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&c.client_id))
                && tenant.as_ref().is_none_or(|t| *t == tenant_text)
                && tenant_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&tenant_text))
                && role_ids.as_ref().is_none_or(|ids| {
                    c.roles
                        .iter()
                        .any(|a| ids.iter().any(|r| r.eq_ignore_ascii_case(a.role.id)))
                })
        })
        .collect()
}

/// A client the caller can see, by UUID or client_id.
fn visible_client(state: &State, caller: &Caller, id: &str) -> Result<usize, String> {
    state
        .client_position(id)
        .filter(|&p| rank(state, caller, state.clients[p].tenant_id) >= RANK_READ)
        .ok_or_else(|| format!("client {id} not found"))
}

/// A client the caller may rotate or delete: itself, or one in a tenant where the caller can
/// manage clients.
fn manageable_client(state: &State, caller: &Caller, id: &str) -> Result<usize, String> {
    let pos = visible_client(state, caller, id)?;
    if state.clients[pos].client_id != caller.client_id {
        require(
            state,
            caller,
            state.clients[pos].tenant_id,
            RANK_CLIENTS,
            "Client:update",
        )?;
    }
    Ok(pos)
}

/// A client whose roles the caller may change: an administrator of its tenant only.
fn role_manageable_client(state: &State, caller: &Caller, id: &str) -> Result<usize, String> {
    let pos = visible_client(state, caller, id)?;
    require(
        state,
        caller,
        state.clients[pos].tenant_id,
        RANK_ADMIN,
        "Client:update",
    )?;
    Ok(pos)
}

fn create(state: &mut State, caller: &Caller, args: &Value) -> FieldResult {
    let name = arg_str(args, "name").unwrap_or("").trim().to_owned();
    if name.is_empty() {
        return Err("name must not be empty".to_owned());
    }
    let tenant = match args.get("input").and_then(|i| arg_id(i, "ownerTenantID")) {
        Some(t) => tenant_id(&t)?,
        None => caller.context_tenant,
    };
    require(state, caller, tenant, RANK_CLIENTS, "Client:create")?;
    if state
        .clients
        .iter()
        .any(|c| c.tenant_id == tenant && c.name == name)
    {
        return Err("Existing client in tenant".to_owned());
    }
    let role_ids = arg_list(args, "roles")
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| vec![ROLE_ANALYST.to_owned()]);
    let mut roles = Vec::new();
    for id in role_ids {
        let role = role(&id).ok_or_else(|| format!("unknown role ID {id}"))?;
        if role.rank > rank(state, caller, tenant) {
            require(
                state,
                caller,
                tenant,
                role.rank,
                "Client:create with this role",
            )?;
        }
        roles.push(RoleAssignment {
            id: secure::uuid()?,
            tenant_id: tenant,
            role,
            expires_at: None,
        });
    }
    let secret = secure::alnum(64)?;
    let client = Client {
        id: secure::uuid()?,
        name,
        client_id: secure::alnum(32)?,
        secret: secret.clone(),
        tenant_id: tenant,
        owner_tenant_id: tenant,
        created_at: caller.now,
        updated_at: caller.now,
        created_by: caller.client_id.clone(),
        updated_by: caller.client_id.clone(),
        token_request_time: None,
        token_request_count: 0,
        roles,
    };
    let out = json!({
        "client": State::client_json(&client),
        "client_secret": secret, "clientSecret": secret,
    });
    state.clients.push(client);
    Ok(out)
}
