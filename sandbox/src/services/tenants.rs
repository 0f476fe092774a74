//! The tenants service (tenants endpoint, `/public/query` and `/query`): tenants, their
//! labels, support and response-action flags, partner subscriptions, and the seeded tenant
//! hierarchy. Tenants are platform state (every service checks roles against them); this
//! service seeds and changes them.

use super::{
    arg_bool, arg_id, arg_int, arg_list, arg_str, arg_tenant, rank, require, tenant_id, Caller,
    FieldResult,
};
use crate::service::{Context, Seed, Service};
use crate::state::{
    Assignment, Env, Label, Order, PartnerService, State, Tenant, FIRST_TENANT_ID,
    OUTSIDE_PARTNER_ID, RANK_ADMIN, RANK_READ,
};
use crate::util::{chance, like, parse_time, pick, secure, seeded_uuid};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};
use taegis_sdk_codegen::Endpoint;

/// Default page size of the tenants query.
pub(crate) const DEFAULT_MAX_RESULTS: usize = 100;
/// Largest page the tenants query returns.
pub(crate) const MAX_RESULTS_CAP: usize = 1000;

/// Tenants, labels, support and partner subscriptions; seeds the tenant hierarchy.
pub(crate) struct Tenants;

impl Service for Tenants {
    fn name(&self) -> &str {
        "tenants"
    }

    fn root_fields(&self) -> &[(Endpoint, &str)] {
        const T: Endpoint = Endpoint::TENANTS;
        &[
            (T, "tenants"),
            (T, "createTenant"),
            (T, "updateTenant"),
            (T, "updateAllowResponseAction"),
            (T, "enableTenantSupport"),
            (T, "disableTenantSupport"),
            (T, "createTenantLabel"),
            (T, "updateTenantLabel"),
            (T, "deleteTenantLabel"),
            (T, "createSubscription"),
            (T, "updateSubscription"),
            (T, "deleteSubscription"),
            (T, "assignSubscription"),
            (T, "unassignSubscription"),
            (T, "assignableServices"),
        ]
    }

    fn seed(&self, seed: &mut Seed<'_>) -> Result<(), String> {
        let (tenants, value) = (seed.tenant_count(), seed.seed());
        seed_tenants(seed.state(), tenants, value);
        Ok(())
    }

    fn resolve(&self, ctx: &mut Context<'_>, field: &str, args: &Value) -> FieldResult {
        let (state, caller) = ctx.parts();
        // Tenant-service times have whole seconds, as the API prints them.
        resolve(state, &super::whole_seconds(caller), field, args)
    }
}

fn resolve(state: &mut State, caller: &Caller, field: &str, args: &Value) -> FieldResult {
    match field {
        "tenants" => query(
            state,
            caller,
            args.get("tenantsQuery").unwrap_or(&Value::Null),
        ),
        "createTenant" => {
            create_tenant(state, caller, args.get("newTenant").unwrap_or(&Value::Null))
        }
        "updateTenant" => update_tenant(state, caller, args),
        "updateAllowResponseAction" => {
            let id = arg_tenant(args, "tenant_id")?;
            require(state, caller, id, RANK_ADMIN, "Tenant:update")?;
            let allowed = arg_bool(args, "allowed").unwrap_or(false);
            let t = touch(state, caller, id);
            t.allow_response_actions = allowed;
            Ok(tenant_json(state, caller, id))
        }
        "enableTenantSupport" | "disableTenantSupport" => {
            let id = arg_tenant(args, "tenantID")?;
            require(state, caller, id, RANK_ADMIN, "Tenant:update")?;
            touch(state, caller, id).support_enabled = field == "enableTenantSupport";
            Ok(tenant_json(state, caller, id))
        }
        "createTenantLabel" | "updateTenantLabel" | "deleteTenantLabel" => {
            label_mutation(state, caller, field, args)
        }
        "createSubscription" | "updateSubscription" | "deleteSubscription" => {
            subscription_mutation(state, caller, field, args)
        }
        "assignSubscription" | "unassignSubscription" => assignment(state, caller, field, args),
        "assignableServices" => {
            let tenant = match arg_id(args, "tenantID") {
                Some(t) => Some(tenant_id(&t)?),
                None => None,
            };
            if let Some(t) = tenant {
                require(state, caller, t, RANK_READ, "Tenant:read")?;
            }
            let ids = arg_list(args, "serviceIDs").filter(|l| !l.is_empty());
            Ok(Value::Array(
                state
                    .services
                    .iter()
                    .filter(|s| rank(state, caller, s.owner_tenant_id) >= RANK_ADMIN)
                    .filter(|s| tenant.is_none_or(|t| state.is_within(t, s.owner_tenant_id)))
                    .filter(|s| ids.as_ref().is_none_or(|ids| ids.contains(&s.id)))
                    .map(State::service_json)
                    .collect(),
            ))
        }
        other => Err(crate::service::unserved(other)),
    }
}

fn tenant_json(state: &State, caller: &Caller, id: u64) -> Value {
    state
        .tenant(id)
        .map(|t| state.tenant_json(t, caller.wanted.as_deref()))
        .unwrap_or(Value::Null)
}

/// The tenant to change, with `updated_at` set to now.
fn touch<'a>(state: &'a mut State, caller: &Caller, id: u64) -> &'a mut Tenant {
    let t = state.tenant_mut(id).expect("checked by require");
    t.updated_at = caller.now;
    t
}

/// Encodes a cursor: base64 of `<ordering>|<tenant id>`, e.g. `aWR8MTAwMTc=` for `id|10017`.
pub(crate) fn encode_cursor(order: Order, id: u64) -> String {
    STANDARD.encode(format!("{}|{id}", order.cursor_key()))
}

fn decode_cursor(cursor: &str) -> Option<(String, u64)> {
    let bytes = STANDARD.decode(cursor.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (key, id) = text.rsplit_once('|')?;
    Some((key.to_owned(), id.parse().ok()?))
}

/// A compiled `TenantsQuery` filter.
struct Filter {
    ids: Option<Vec<String>>,
    name: Option<String>,
    hierarchies: Option<Vec<u64>>,
    env_name: Option<String>,
    env_enabled: Option<bool>,
    label_name: Option<String>,
    label_value: Option<String>,
    subscriptions: Vec<Vec<String>>,
    is_partner: Option<bool>,
    is_organization: Option<bool>,
    with_support: Option<bool>,
    in_production: Option<bool>,
    in_pilot: Option<bool>,
    retention: Option<Vec<i64>>,
    created: (Option<i64>, Option<i64>),
    modified: (Option<i64>, Option<i64>),
    impossible: bool,
}

fn time_range(q: &Value, key: &str) -> Result<(Option<i64>, Option<i64>), String> {
    let Some(f) = q.get(key).filter(|v| v.is_object()) else {
        return Ok((None, None));
    };
    let parse = |k: &str| -> Result<Option<i64>, String> {
        match arg_str(f, k) {
            Some(t) => parse_time(t)
                .map(Some)
                .ok_or_else(|| format!("invalid time `{t}` in {key}.{k}")),
            None => Ok(None),
        }
    };
    Ok((parse("startTime")?, parse("endTime")?))
}

impl Filter {
    fn new(q: &Value) -> Result<Filter, String> {
        let env = q.get("environmentFilter").unwrap_or(&Value::Null);
        let label = q.get("labelFilter").unwrap_or(&Value::Null);
        let mut subscriptions = Vec::new();
        let mut one = |v: Option<&str>| {
            if let Some(s) = v {
                subscriptions.push(vec![s.to_owned()]);
            }
        };
        one(arg_str(q, "withPartnerSubscription"));
        one(arg_str(q, "withService"));
        one(q
            .get("partnership")
            .and_then(|p| arg_str(p, "withSubscription")));
        for key in ["withPartnerSubscriptions", "withServices"] {
            if let Some(list) = arg_list(q, key).filter(|l| !l.is_empty()) {
                subscriptions.push(list);
            }
        }
        let hierarchies = arg_list(q, "forHierarchies")
            .filter(|l| !l.is_empty())
            .map(|list| list.iter().filter_map(|t| t.parse().ok()).collect());
        let impossible = arg_list(q, "withRequestedServices").is_some_and(|l| !l.is_empty())
            || arg_list(q, "withMDRProviderIDs").is_some_and(|l| !l.is_empty())
            || arg_bool(q, "withPendingPostDisablement") == Some(true);
        Ok(Filter {
            ids: arg_list(q, "ids"),
            name: arg_str(q, "name")
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            hierarchies,
            env_name: arg_str(env, "name").map(str::to_owned),
            env_enabled: arg_bool(env, "enabled"),
            label_name: arg_str(label, "label_name").map(str::to_owned),
            label_value: arg_str(label, "label_value").map(str::to_owned),
            subscriptions,
            is_partner: arg_bool(q, "isPartner"),
            is_organization: arg_bool(q, "isOrganization"),
            with_support: arg_bool(q, "withSupport"),
            in_production: arg_bool(q, "enabledInProduction"),
            in_pilot: arg_bool(q, "enabledInPilot"),
            retention: q
                .get("withDataRetentionMonths")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_i64).collect())
                .filter(|l: &Vec<i64>| !l.is_empty()),
            created: time_range(q, "createdTimeFilter")?,
            modified: time_range(q, "modifiedTimeFilter")?,
            impossible,
        })
    }

    /// True when no filter is set.
    fn is_empty(&self) -> bool {
        let Filter {
            ids,
            name,
            hierarchies,
            env_name,
            env_enabled,
            label_name,
            label_value,
            subscriptions,
            is_partner,
            is_organization,
            with_support,
            in_production,
            in_pilot,
            retention,
            created,
            modified,
            impossible,
        } = self;
        ids.is_none()
            && name.is_none()
            && hierarchies.is_none()
            && env_name.is_none()
            && env_enabled.is_none()
            && label_name.is_none()
            && label_value.is_none()
            && subscriptions.is_empty()
            && is_partner.is_none()
            && is_organization.is_none()
            && with_support.is_none()
            && in_production.is_none()
            && in_pilot.is_none()
            && retention.is_none()
            && *created == (None, None)
            && *modified == (None, None)
            && !impossible
    }

    fn matches(&self, state: &State, t: &Tenant) -> bool {
        let in_range = |(start, end): (Option<i64>, Option<i64>), at: i64| {
            start.is_none_or(|s| at >= s) && end.is_none_or(|e| at <= e)
        };
        let id = t.id.to_string();
        !self.impossible
            && self.ids.as_ref().is_none_or(|ids| ids.contains(&id))
            && self
                .name
                .as_ref()
                .is_none_or(|n| *n == id || like(n, &t.name))
            && self
                .hierarchies
                .as_ref()
                .is_none_or(|h| h.iter().any(|&a| state.is_within(t.id, a)))
            && (self.env_name.is_none() && self.env_enabled.is_none()
                || t.environments.iter().any(|e| {
                    self.env_name
                        .as_ref()
                        .is_none_or(|n| e.name.eq_ignore_ascii_case(n))
                        && self.env_enabled.is_none_or(|b| e.enabled == b)
                }))
            && (self.label_name.is_none() && self.label_value.is_none()
                || t.labels.iter().any(|l| {
                    self.label_name.as_ref().is_none_or(|n| like(n, &l.name))
                        && self.label_value.as_ref().is_none_or(|v| like(v, &l.value))
                }))
            && self.subscriptions.iter().all(|any_of| {
                t.subscriptions.iter().any(|a| {
                    state
                        .service(&a.service_id)
                        .is_some_and(|s| any_of.iter().any(|p| like(p, &s.name) || *p == s.id))
                })
            })
            && self.is_partner.is_none_or(|b| t.is_partner == b)
            && self.is_organization.is_none_or(|b| !b)
            && self.with_support.is_none_or(|b| t.support_enabled == b)
            && self
                .in_production
                .is_none_or(|b| t.enabled_where(false) == b)
            && self.in_pilot.is_none_or(|b| t.enabled_where(true) == b)
            && self
                .retention
                .as_ref()
                .is_none_or(|r| r.contains(&t.data_retention_months))
            && in_range(self.created, t.created_at)
            && in_range(self.modified, t.updated_at)
    }
}

/// One page of the `tenants` query, before it becomes JSON.
pub(crate) struct Page {
    /// Slots (indexes into `State::tenants`) of the tenants on the page, in order.
    pub(crate) slots: Vec<u32>,
    /// Cursor after the last tenant on the page.
    pub(crate) cursor: Option<String>,
    /// Whether more matches follow the page.
    pub(crate) has_more: bool,
    /// Every match visible to the caller.
    pub(crate) total: usize,
}

/// The `tenants` query: filters, ordering, and page or cursor pagination over the indexes.
fn query(state: &mut State, caller: &Caller, q: &Value) -> FieldResult {
    let page = query_page(state, caller, q)?;
    let state: &State = state;
    Ok(json!({
        "results": page.slots.iter().map(|&s| state.tenant_json(&state.tenants[s as usize], caller.wanted.as_deref())).collect::<Vec<_>>(),
        "cursorPos": page.cursor,
        "count": page.slots.len(),
        "hasMore": page.has_more,
        "totalCount": page.total,
    }))
}

/// The tenants the caller may see that match the tenants-host `TenantsQuery` `q` (filters,
/// ordering, page or cursor), one page of them: shared by the tenants host and tenants v4.
pub(crate) fn query_page(state: &mut State, caller: &Caller, q: &Value) -> Result<Page, String> {
    state.ensure_indexes();
    let state: &State = state;
    let order = match arg_str(q, "orderBy") {
        Some(o) => Order::parse(o).ok_or_else(|| format!("unknown orderBy {o}"))?,
        None => Order::Id,
    };
    let desc = arg_str(q, "orderDir") == Some("desc");
    let max = match arg_int(q, "maxResults") {
        Some(n) if n < 0 => return Err("maxResults must not be negative".to_owned()),
        Some(0) | None => DEFAULT_MAX_RESULTS,
        Some(n) => (n as usize).min(MAX_RESULTS_CAP),
    };
    let filter = Filter::new(q)?;
    let client = state
        .client_by_client_id(&caller.client_id)
        .ok_or("client not found")?;
    // Every role lets its holder read its tenant and the tenants below it.
    let roots: Vec<u32> = client
        .roles
        .iter()
        .filter(|a| a.expires_at.is_none_or(|e| e > caller.now) && a.role.rank >= RANK_READ)
        .filter_map(|a| state.tenant_slot.get(&a.tenant_id).map(|&s| s as u32))
        .collect();
    let unfiltered = filter.is_empty();
    let visible = |slot: u32| -> bool {
        state.slot_within(slot, &roots)
            && (unfiltered || filter.matches(state, &state.tenants[slot as usize]))
    };
    let (sorted, position) = state.order(order);
    let n = sorted.len();
    let at = |i: usize| if desc { sorted[n - 1 - i] } else { sorted[i] };

    // Where to start, and how many matches to skip first.
    let (start, skip) = match arg_id(q, "cursorPos").filter(|c| !c.is_empty()) {
        Some(cursor) => {
            let (key, id) =
                decode_cursor(&cursor).ok_or_else(|| format!("invalid cursorPos {cursor}"))?;
            if key != order.cursor_key() {
                return Err(format!(
                    "cursorPos {cursor} belongs to ordering `{key}`, not `{}`",
                    order.cursor_key()
                ));
            }
            let slot = *state
                .tenant_slot
                .get(&id)
                .ok_or_else(|| format!("invalid cursorPos {cursor}"))?;
            let pos = position[slot] as usize;
            (if desc { n - pos } else { pos + 1 }, 0)
        }
        None => {
            let page = arg_int(q, "pageNum").unwrap_or(1).max(1) as usize;
            (0, (page - 1).saturating_mul(max))
        }
    };
    let total = (0..n).filter(|&i| visible(at(i))).count();
    let mut results = Vec::with_capacity(max.min(n));
    let mut skipped = 0;
    let mut has_more = false;
    for i in start..n {
        let slot = at(i);
        if !visible(slot) {
            continue;
        }
        if skipped < skip {
            skipped += 1;
            continue;
        }
        if results.len() == max {
            has_more = true;
            break;
        }
        results.push(slot);
    }
    let cursor = results
        .last()
        .map(|&s| encode_cursor(order, state.tenants[s as usize].id));
    Ok(Page {
        slots: results,
        cursor,
        has_more,
        total,
    })
}

fn parse_opt_time(v: &Value, key: &str) -> Result<Option<i64>, String> {
    match arg_str(v, key) {
        Some(t) => parse_time(t)
            .map(Some)
            .ok_or_else(|| format!("invalid time `{t}` for {key}")),
        None => Ok(None),
    }
}

fn create_tenant(state: &mut State, caller: &Caller, input: &Value) -> FieldResult {
    let name = arg_str(input, "name").unwrap_or("").trim().to_owned();
    if name.is_empty() {
        return Err("name is required".to_owned());
    }
    let parent = match arg_id(input, "parentTenantID").or_else(|| arg_id(input, "partnerTenantID"))
    {
        Some(p) => tenant_id(&p)?,
        None => caller.context_tenant,
    };
    require(state, caller, parent, RANK_ADMIN, "Tenant:create")?;
    if !state.tenant(parent).is_some_and(|p| p.is_partner) {
        return Err(format!(
            "tenant {parent} is not a partner: child tenants can only be created under a partner"
        ));
    }
    if arg_bool(input, "isPartner") == Some(true) {
        return Err(
            "Permission denied: creating partner tenants requires a Secureworks role".to_owned(),
        );
    }
    let now = caller.now;
    let envs = arg_list(input, "environments")
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| vec!["charlie".to_owned()]);
    let mut environments: Vec<Env> = Vec::new();
    for e in envs {
        if !environments.iter().any(|x| x.name == e) {
            environments.push(Env {
                name: e,
                enabled: true,
                created_at: now,
                updated_at: now,
            });
        }
    }
    let mut labels = Vec::new();
    for l in input
        .get("labels")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        labels.push(new_label(state, caller, parent, l)?);
    }
    let id = state.next_tenant_id;
    state.next_tenant_id += 1;
    let tenant = Tenant {
        id,
        name,
        description: None,
        domain: None,
        created_at: now,
        updated_at: now,
        expires_at: parse_opt_time(input, "expiresAt")?,
        parent: Some(parent),
        children: Vec::new(),
        is_partner: false,
        support_enabled: false,
        allow_response_actions: false,
        environments,
        labels,
        subscriptions: Vec::new(),
        data_retention_months: 12,
        mdr_provider_type: arg_str(input, "mdrProviderType")
            .unwrap_or("NONE")
            .to_owned(),
        license_level: "XDR_ITDR".to_owned(),
    };
    state.insert_tenant(tenant);
    Ok(tenant_json(state, caller, id))
}

/// A label from an `InputTenantLabel`; its owner must be the tenant's partner (an ancestor).
fn new_label(
    state: &mut State,
    caller: &Caller,
    tenant_parent: u64,
    l: &Value,
) -> Result<Label, String> {
    let name = arg_str(l, "name").unwrap_or("").trim().to_owned();
    if name.is_empty() {
        return Err("label name is required".to_owned());
    }
    let owner = match arg_id(l, "owner_partner_tenant_id") {
        Some(o) => {
            let o = tenant_id(&o)?;
            if !state.is_within(tenant_parent, o) {
                return Err(format!(
                    "label owner {o} must be a parent partner of the tenant"
                ));
            }
            require(state, caller, o, RANK_ADMIN, "Tenant:update")?;
            Some(o)
        }
        None => None,
    };
    Ok(Label {
        id: secure::uuid()?,
        name,
        value: arg_str(l, "value").unwrap_or("").to_owned(),
        owner_partner_tenant_id: owner,
    })
}

const RETENTION: [(&str, i64); 11] = [
    ("ZERO_MONTHS", 0),
    ("ONE_MONTH", 1),
    ("THREE_MONTHS", 3),
    ("TWELVE_MONTHS", 12),
    ("THIRTEEN_MONTHS", 13),
    ("EIGHTEEN_MONTHS", 18),
    ("TWENTY_FOUR_MONTHS", 24),
    ("THIRTY_SIX_MONTHS", 36),
    ("SIXTY_MONTHS", 60),
    ("EIGHTY_FOUR_MONTHS", 84),
    ("ONE_HUNDRED_TWENTY_MONTHS", 120),
];

fn update_tenant(state: &mut State, caller: &Caller, args: &Value) -> FieldResult {
    let id = arg_tenant(args, "tenantID")?;
    let u = args.get("tenantUpdate").unwrap_or(&Value::Null);
    require(state, caller, id, RANK_ADMIN, "Tenant:update")?;
    let expires = parse_opt_time(u, "expiresAt")?;
    let clear = arg_bool(u, "clearExpiration") == Some(true);
    if expires.is_some() && clear {
        return Err("expiresAt and clearExpiration cannot be used together".to_owned());
    }
    if let Some(name) = arg_str(u, "name") {
        if name.trim().is_empty() {
            return Err("name must not be empty".to_owned());
        }
    }
    let new_parent = match arg_id(u, "parentTenantID") {
        Some(p) => {
            let p = tenant_id(&p)?;
            require(state, caller, p, RANK_ADMIN, "TenantHierarchy:update")?;
            if state.is_within(p, id) {
                return Err(format!(
                    "tenant {p} is within tenant {id}: that would make a cycle"
                ));
            }
            if !state.tenant(p).is_some_and(|t| t.is_partner) {
                return Err(format!("tenant {p} is not a partner"));
            }
            Some(p)
        }
        None => None,
    };
    let retention = match arg_str(u, "dataRetentionMonths") {
        Some(r) => Some(
            RETENTION
                .iter()
                .find(|(n, _)| *n == r)
                .map(|(_, m)| *m)
                .ok_or("bad retention")?,
        ),
        None => None,
    };
    let now = caller.now;
    let old_parent = state.tenant(id).and_then(|t| t.parent);
    let t = touch(state, caller, id);
    if let Some(name) = arg_str(u, "name") {
        t.name = name.trim().to_owned();
    }
    if arg_bool(u, "disable") == Some(true) {
        for e in &mut t.environments {
            e.enabled = false;
            e.updated_at = now;
        }
    }
    for e in u
        .get("environments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = arg_str(e, "name") else {
            continue;
        };
        let enabled = arg_bool(e, "enabled").unwrap_or(true);
        match t.environments.iter_mut().find(|x| x.name == name) {
            Some(x) => {
                x.enabled = enabled;
                x.updated_at = now;
            }
            None => t.environments.push(Env {
                name: name.to_owned(),
                enabled,
                created_at: now,
                updated_at: now,
            }),
        }
    }
    if let Some(e) = expires {
        t.expires_at = Some(e);
    }
    if clear {
        t.expires_at = None;
    }
    if let Some(m) = retention {
        t.data_retention_months = m;
    }
    if let Some(m) = arg_str(u, "mdrProviderType") {
        t.mdr_provider_type = m.to_owned();
    }
    if let Some(p) = new_parent {
        t.parent = Some(p);
        if old_parent != Some(p) {
            if let Some(old) = old_parent.and_then(|o| state.tenant_mut(o)) {
                old.children.retain(|&c| c != id);
            }
            if let Some(newp) = state.tenant_mut(p) {
                newp.children.push(id);
            }
        }
    }
    Ok(tenant_json(state, caller, id))
}

fn label_json(tenant: u64, l: &Label) -> Value {
    json!({
        "id": l.id, "tenant_id": tenant.to_string(), "name": l.name, "value": l.value,
        "owner_partner_tenant_id": l.owner_partner_tenant_id.map(|o| o.to_string()),
    })
}

fn label_mutation(state: &mut State, caller: &Caller, field: &str, args: &Value) -> FieldResult {
    let tenant = arg_tenant(args, "tenant_id")?;
    require(state, caller, tenant, RANK_ADMIN, "Tenant:update")?;
    let input = args.get("label_input").unwrap_or(&Value::Null);
    let parent = state
        .tenant(tenant)
        .and_then(|t| t.parent)
        .unwrap_or(tenant);
    if field == "createTenantLabel" {
        let label = new_label(state, caller, parent, input)?;
        let t = touch(state, caller, tenant);
        if t.labels.iter().any(|l| {
            l.name == label.name && l.owner_partner_tenant_id == label.owner_partner_tenant_id
        }) {
            return Err(format!(
                "label {} already exists on tenant {tenant}",
                label.name
            ));
        }
        t.labels.push(label.clone());
        return Ok(label_json(tenant, &label));
    }
    let label_id = arg_id(args, "label_id").unwrap_or_default();
    let pos = state
        .tenant(tenant)
        .and_then(|t| t.labels.iter().position(|l| l.id == label_id))
        .ok_or_else(|| format!("label {label_id} not found on tenant {tenant}"))?;
    if field == "deleteTenantLabel" {
        let label = touch(state, caller, tenant).labels.remove(pos);
        return Ok(label_json(tenant, &label));
    }
    let owner = match arg_id(input, "owner_partner_tenant_id") {
        Some(o) => {
            let o = tenant_id(&o)?;
            if !state.is_within(parent, o) {
                return Err(format!(
                    "label owner {o} must be a parent partner of the tenant"
                ));
            }
            Some(Some(o))
        }
        None => None,
    };
    let t = touch(state, caller, tenant);
    let label = &mut t.labels[pos];
    if let Some(name) = arg_str(input, "name") {
        label.name = name.to_owned();
    }
    if let Some(value) = arg_str(input, "value") {
        label.value = value.to_owned();
    }
    if let Some(o) = owner {
        label.owner_partner_tenant_id = o;
    }
    let label = label.clone();
    Ok(label_json(tenant, &label))
}

fn subscription_mutation(
    state: &mut State,
    caller: &Caller,
    field: &str,
    args: &Value,
) -> FieldResult {
    let input = args.get("input").unwrap_or(&Value::Null);
    let now = caller.now;
    match field {
        "createSubscription" => {
            let owner = match arg_id(input, "owner_tenant_id") {
                Some(o) => tenant_id(&o)?,
                None => caller.context_tenant,
            };
            require(state, caller, owner, RANK_ADMIN, "Tenant:update")?;
            if !state.tenant(owner).is_some_and(|t| t.is_partner) {
                return Err(format!("tenant {owner} is not a partner"));
            }
            let name = arg_str(input, "name").unwrap_or("").trim().to_owned();
            if name.is_empty() {
                return Err("name is required".to_owned());
            }
            let service = PartnerService {
                id: secure::uuid()?,
                name,
                description: arg_str(input, "description").unwrap_or("").to_owned(),
                owner_tenant_id: owner,
                created_at: now,
                updated_at: now,
                requires_present_ids: Vec::new(),
                requires_absent_ids: Vec::new(),
            };
            let out = State::service_json(&service);
            state.services.push(service);
            Ok(out)
        }
        "updateSubscription" => {
            let id = arg_id(input, "id").unwrap_or_default();
            let pos = admin_service(state, caller, &id)?;
            let s = &mut state.services[pos];
            if let Some(n) = arg_str(input, "name") {
                s.name = n.to_owned();
            }
            if let Some(d) = arg_str(input, "description") {
                s.description = d.to_owned();
            }
            if let Some(l) = arg_list(input, "requires_present_ids") {
                s.requires_present_ids = l;
            }
            if let Some(l) = arg_list(input, "requires_absent_ids") {
                s.requires_absent_ids = l;
            }
            s.updated_at = now;
            Ok(State::service_json(s))
        }
        _ => {
            let id = arg_id(args, "id").unwrap_or_default();
            let pos = admin_service(state, caller, &id)?;
            let assigned = state
                .tenants
                .iter()
                .filter(|t| t.subscriptions.iter().any(|a| a.service_id == id))
                .count();
            if assigned > 0 {
                return Err(format!(
                    "subscription {id} is still assigned to {assigned} tenant(s)"
                ));
            }
            Ok(State::service_json(&state.services.remove(pos)))
        }
    }
}

fn admin_service(state: &State, caller: &Caller, id: &str) -> Result<usize, String> {
    let pos = state
        .services
        .iter()
        .position(|s| s.id == id)
        .filter(|&p| rank(state, caller, state.services[p].owner_tenant_id) >= RANK_READ)
        .ok_or_else(|| format!("subscription {id} not found"))?;
    require(
        state,
        caller,
        state.services[pos].owner_tenant_id,
        RANK_ADMIN,
        "Tenant:update",
    )?;
    Ok(pos)
}

fn assignment(state: &mut State, caller: &Caller, field: &str, args: &Value) -> FieldResult {
    let tenant = arg_tenant(args, "tenant_id")?;
    require(state, caller, tenant, RANK_ADMIN, "Tenant:update")?;
    let sub = arg_id(args, "subscription_id").unwrap_or_default();
    if field == "assignSubscription" {
        let service = state
            .service(&sub)
            .filter(|s| rank(state, caller, s.owner_tenant_id) >= RANK_READ)
            .ok_or_else(|| format!("subscription {sub} not found"))?;
        if service.owner_tenant_id == tenant || !state.is_within(tenant, service.owner_tenant_id) {
            return Err(format!(
                "subscription {sub} can only be assigned to child tenants of partner {}",
                service.owner_tenant_id
            ));
        }
        let id = secure::uuid()?;
        let t = touch(state, caller, tenant);
        if t.subscriptions.iter().any(|a| a.service_id == sub) {
            return Err(format!(
                "subscription {sub} is already assigned to tenant {tenant}"
            ));
        }
        let now = caller.now;
        t.subscriptions.push(Assignment {
            id,
            service_id: sub,
            created_at: now,
            updated_at: now,
        });
    } else {
        let t = touch(state, caller, tenant);
        let before = t.subscriptions.len();
        t.subscriptions
            .retain(|a| a.id != sub && a.service_id != sub);
        if t.subscriptions.len() == before {
            return Err(format!(
                "subscription {sub} is not assigned to tenant {tenant}"
            ));
        }
    }
    Ok(tenant_json(state, caller, tenant))
}

const ADJECTIVES: [&str; 32] = [
    "Acme", "Blue", "Bright", "Cedar", "Coastal", "Crimson", "Delta", "Eastern", "Emerald",
    "First", "Golden", "Granite", "Harbor", "Iron", "Lakeside", "Maple", "Meridian", "Northern",
    "Oak", "Pacific", "Pioneer", "Prairie", "Quantum", "Redwood", "Silver", "Summit", "Sunrise",
    "Tidal", "Union", "Valley", "Western", "Zenith",
];
const NOUNS: [&str; 32] = [
    "Analytics",
    "Bank",
    "Bakery",
    "Biotech",
    "Builders",
    "Capital",
    "Clinic",
    "Logistics",
    "Dynamics",
    "Energy",
    "Foods",
    "Freight",
    "Health",
    "Hotels",
    "Insurance",
    "Labs",
    "Legal",
    "Media",
    "Metals",
    "Motors",
    "Networks",
    "Partners",
    "Pharma",
    "Power",
    "Retail",
    "Robotics",
    "Schools",
    "Shipping",
    "Software",
    "Telecom",
    "Textiles",
    "Utilities",
];
const KINDS: [&str; 8] = [
    "Inc", "LLC", "Ltd", "GmbH", "Group", "Holdings", "Co", "Systems",
];
const REGIONS: [&str; 4] = ["charlie", "delta", "echo", "foxtrot"];
const TIERS: [&str; 3] = ["gold", "silver", "bronze"];
const INDUSTRIES: [&str; 5] = [
    "finance",
    "healthcare",
    "retail",
    "manufacturing",
    "education",
];
/// 2019-01-01T00:00:00Z.
const BASE_TIME_MS: i64 = 1_546_300_800_000;

/// Seeds `tenants` tenants (the bootstrap partner plus `tenants - 1` children), a partner
/// outside that hierarchy with one child, three partner services, deterministically from
/// `seed` (`fastrand`'s generator).
fn seed_tenants(state: &mut State, tenants: u64, seed: u64) {
    let data = &mut fastrand::Rng::with_seed(seed);
    state.tenants.reserve(tenants as usize + 2);
    state.tenant_slot.reserve(tenants as usize + 2);
    state.next_tenant_id = FIRST_TENANT_ID + tenants.max(1);
    let env = |name: &str, enabled: bool, at: i64| Env {
        name: name.to_owned(),
        enabled,
        created_at: at,
        updated_at: at,
    };
    let blank = |id: u64, name: &str, parent: Option<u64>, at: i64| Tenant {
        id,
        name: name.to_owned(),
        description: None,
        domain: None,
        created_at: at,
        updated_at: at,
        expires_at: None,
        parent,
        children: Vec::new(),
        is_partner: false,
        support_enabled: false,
        allow_response_actions: false,
        environments: vec![env("charlie", true, at)],
        labels: Vec::new(),
        subscriptions: Vec::new(),
        data_retention_months: 12,
        mdr_provider_type: "NONE".to_owned(),
        license_level: "XDR_ITDR".to_owned(),
    };
    let mut outside = blank(OUTSIDE_PARTNER_ID, "Outside Partner", None, BASE_TIME_MS);
    outside.is_partner = true;
    state.insert_tenant(outside);
    state.insert_tenant(blank(
        OUTSIDE_PARTNER_ID + 1,
        "Outside Customer",
        Some(OUTSIDE_PARTNER_ID),
        BASE_TIME_MS,
    ));
    let mut partner = blank(FIRST_TENANT_ID, "Sandbox Partner", None, BASE_TIME_MS);
    partner.is_partner = true;
    partner.support_enabled = true;
    partner.allow_response_actions = true;
    partner.domain = Some("sandbox-partner.example".to_owned());
    partner.description = Some("The bootstrap client's partner tenant".to_owned());
    partner.mdr_provider_type = "TAEGIS_MDR".to_owned();
    partner.license_level = "MDR".to_owned();
    state.insert_tenant(partner);

    for (name, description) in [
        (
            "Managed Detection and Response",
            "24x7 managed detection and response",
        ),
        ("Threat Hunting", "Proactive threat hunting"),
        (
            "Incident Response Retainer",
            "Emergency incident response hours",
        ),
    ] {
        let id = seeded_uuid(data);
        state.services.push(PartnerService {
            id,
            name: name.to_owned(),
            description: description.to_owned(),
            owner_tenant_id: FIRST_TENANT_ID,
            created_at: BASE_TIME_MS,
            updated_at: BASE_TIME_MS,
            requires_present_ids: Vec::new(),
            requires_absent_ids: Vec::new(),
        });
    }

    let mut created = BASE_TIME_MS + 86_400_000;
    for id in FIRST_TENANT_ID + 1..FIRST_TENANT_ID + tenants.max(1) {
        created += (1_800 + data.u64(..10_800) as i64) * 1000;
        let name = format!(
            "{} {} {}",
            pick(data, &ADJECTIVES),
            pick(data, &NOUNS),
            pick(data, &KINDS)
        );
        let mut t = blank(id, &name, Some(FIRST_TENANT_ID), created);
        t.updated_at = created + data.u64(..400 * 86_400) as i64 * 1000;
        t.domain = Some(format!(
            "{}-{id}.example",
            name.to_lowercase().replace(' ', "-")
        ));
        t.description = Some(format!("Seeded customer tenant {id}"));
        let region = *pick(data, &REGIONS);
        t.environments = vec![env(region, true, created)];
        if chance(data, 0.1) {
            t.environments.push(env("pilot", true, created));
        }
        if chance(data, 0.04) {
            for e in &mut t.environments {
                e.enabled = false;
                e.updated_at = t.updated_at;
            }
        }
        if chance(data, 0.07) {
            // Some already expired (2024), most in the future (2030).
            let year_ms = if chance(data, 0.3) {
                1_704_067_200_000
            } else {
                1_893_456_000_000
            };
            t.expires_at = Some(year_ms + data.u64(..300 * 86_400) as i64 * 1000);
        }
        t.support_enabled = chance(data, 0.3);
        t.allow_response_actions = chance(data, 0.5);
        if chance(data, 0.6) {
            t.labels.push(Label {
                id: seeded_uuid(data),
                name: "tier".to_owned(),
                value: (*pick(data, &TIERS)).to_owned(),
                owner_partner_tenant_id: Some(FIRST_TENANT_ID),
            });
        }
        if chance(data, 0.25) {
            t.labels.push(Label {
                id: seeded_uuid(data),
                name: "industry".to_owned(),
                value: (*pick(data, &INDUSTRIES)).to_owned(),
                owner_partner_tenant_id: None,
            });
        }
        if chance(data, 0.5) {
            let service = data.usize(..state.services.len());
            t.subscriptions.push(Assignment {
                id: seeded_uuid(data),
                service_id: state.services[service].id.clone(),
                created_at: created,
                updated_at: created,
            });
        }
        t.data_retention_months = *pick(data, &[12, 13, 24, 36]);
        t.mdr_provider_type = (*pick(data, &["TAEGIS_MDR", "NONE", "PARTNER_MDR"])).to_owned();
        t.license_level = (*pick(data, &["XDR_ITDR", "MDR", "TAEGIS_NATIVE"])).to_owned();
        state.insert_tenant(t);
    }
}
