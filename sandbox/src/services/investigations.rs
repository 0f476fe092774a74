//! Investigations v2 on the main gateway (`/graphql`), per tenant (the tenant in context),
//! over the [`Workflows`] store the alerts service shares: an investigation's `alerts` and
//! each alert's `investigation_ids` are one set of links, changed only together.
//!
//! Data: each tenant gets 5 to 30 investigations on first access (made from the seed and the
//! tenant ID, like its alerts), some linked to its alerts, a few with comments.
//!
//! Enum arguments (statuses, types, resolutions) reach the resolvers already coerced against
//! the schema: the engine refuses any other value, so they are not checked again here.
//!
//! Fields served:
//! - `investigationsV2(arguments: {cql, page, perPage, orderBy})`: `cql` is a filter in the
//!   [`cql`](crate::cql) subset (`status = 'OPEN' AND priority >= 3`, or a whole
//!   `FROM investigation WHERE ... EARLIEST=-7d | head 20` query, times on `createdAt`;
//!   empty: all) over the `InvestigationV2` JSON plus the shorthands `created_at`,
//!   `updated_at`, `archived_at`, `short_id`, `assignee_id`, `alert_ids`; archived
//!   investigations are included (filter `archivedAt = null` to leave them out). Ordered by
//!   creation, newest first (`orderBy: ASCENDING`: oldest first), then ID; `page` counts from
//!   1 (default 1; below 1 reads as 1), `perPage` defaults to 10 and is capped at 1000 (below
//!   1: an empty page); `totalCount` is the number of matches, and the pages partition them
//!   exactly. `searchChildrenTenants: true` is
//!   refused;
//! - `investigationV2(arguments: {id})`: an investigation of the tenant, else `not found`;
//! - `createInvestigationV2(input)`: `title` required, `alerts` must be alerts of the tenant
//!   (`alertsSearchQuery` adds the alerts an alerts query finds); status defaults to `OPEN`,
//!   type to `SECURITY_INVESTIGATION`, priority to 2;
//! - `updateInvestigationV2(input: {id, ...})`: sets each field given (closing is a
//!   `CLOSED_*` status); `archiveInvestigationV2`/`unarchiveInvestigationV2` (`{id}`) and the
//!   plural forms (`{ids}`) set and clear `archivedAt`;
//! - `addEvidenceToInvestigation` / `removeEvidenceFromInvestigation`: alerts (checked, and
//!   linked both ways), events and search queries; the result lists what was added / removed;
//! - `addCommentToInvestigation`, `updateInvestigationComment`, `deleteInvestigationComment`,
//!   and `commentsV2(arguments: {investigationId, page, perPage, orderBy, visibility})`
//!   (oldest first by default); `commentsCount` follows.
//!
//! Reading needs any role on the tenant, changing needs Responder or more.

use super::alerts::{parse_alert_query, tenant_json, Resolution, TenantData, Workflows, SPAN_MS};
use super::{arg_bool, arg_id, arg_int, arg_list, arg_str, FieldResult};
use crate::cql;
use crate::service::{Context, Role, Service};
use crate::util::{chance, pick, rfc3339, seeded_uuid};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::Arc;
use taegis_sdk_codegen::Endpoint;

/// Page size when `perPage` is absent.
const DEFAULT_PER_PAGE: i64 = 10;
/// The largest page.
const MAX_PER_PAGE: i64 = 1000;

/// Types seeded investigations take.
const SEEDED_TYPES: [&str; 4] = [
    "SECURITY_INVESTIGATION",
    "INCIDENT_RESPONSE",
    "THREAT_HUNT",
    "MANAGED_XDR_THREAT_HUNT",
];

/// Statuses seeded investigations take, most of them open.
const SEEDED_STATUSES: [&str; 8] = [
    "OPEN",
    "OPEN",
    "OPEN",
    "ACTIVE",
    "AWAITING_ACTION",
    "CLOSED_THREAT_MITIGATED",
    "CLOSED_FALSE_POSITIVE_ALERT",
    "CLOSED_INFORMATIONAL",
];

const TOPICS: [&str; 8] = [
    "Suspicious PowerShell activity",
    "Possible credential theft",
    "Brute force against VPN",
    "Ransomware precursor",
    "Impossible travel sign-ins",
    "Malicious domain contacted",
    "Unusual service installation",
    "Phishing follow-up",
];

/// One piece of evidence: an alert or event ID, or a search query, with who added it when.
#[derive(Debug, Clone)]
pub(crate) struct Evidence {
    /// The alert ID, event ID or query text.
    pub(crate) id: String,
    by: String,
    at_ms: i64,
}

impl Evidence {
    /// Evidence `id` added by `by` at `at_ms`.
    pub(crate) fn new(id: &str, by: &str, at_ms: i64) -> Evidence {
        Evidence {
            id: id.to_owned(),
            by: by.to_owned(),
            at_ms,
        }
    }
}

/// A comment on an investigation.
#[derive(Debug, Clone)]
struct Comment {
    id: String,
    author: String,
    created_ms: i64,
    updated_ms: i64,
    text: String,
    internal: bool,
}

/// One investigation of a tenant.
#[derive(Debug, Clone)]
pub(crate) struct Investigation {
    /// Its UUID.
    pub(crate) id: String,
    short_id: String,
    tenant: u64,
    title: String,
    key_findings: String,
    priority: i64,
    tags: Vec<String>,
    status: String,
    kind: String,
    assignee_id: Option<String>,
    risk_score: f64,
    service_desk_id: Option<String>,
    service_desk_type: Option<String>,
    created_by: String,
    updated_by: String,
    created_ms: i64,
    /// Last change.
    pub(crate) updated_ms: i64,
    archived_ms: Option<i64>,
    /// The reason given when it was closed.
    close_reason: Option<String>,
    /// Alert evidence (the alerts' `investigation_ids` name this investigation).
    pub(crate) alerts: Vec<Evidence>,
    events: Vec<Evidence>,
    search_queries: Vec<Evidence>,
    comments: Vec<Comment>,
}

/// Seeds `data`'s investigations from `rng` (after its alerts), linking some alerts.
pub(crate) fn seed_tenant(
    data: &mut TenantData,
    rng: &mut fastrand::Rng,
    tenant: u64,
    anchor_ms: i64,
) {
    let count = 5 + rng.usize(0..26);
    let mut made: Vec<Investigation> = (0..count)
        .map(|n| {
            let created_ms = anchor_ms - rng.i64(0..SPAN_MS);
            let updated_ms = created_ms + rng.i64(0..86_400_000).min(anchor_ms - created_ms);
            let topic = pick(rng, &TOPICS);
            let comments = (0..rng.usize(0..3))
                .map(|c| Comment {
                    id: seeded_uuid(rng),
                    author: "sandbox-analyst".to_owned(),
                    created_ms: created_ms + 60_000 * (c as i64 + 1),
                    updated_ms: created_ms + 60_000 * (c as i64 + 1),
                    text: format!("Note {} on {topic}", c + 1),
                    internal: chance(rng, 0.3),
                })
                .collect();
            Investigation {
                id: seeded_uuid(rng),
                // Numbered below, once sorted by creation.
                short_id: String::new(),
                tenant,
                title: format!("{topic} ({})", n + 1),
                key_findings: format!("Key findings for {}", topic.to_lowercase()),
                priority: rng.i64(1..=4),
                tags: if chance(rng, 0.4) {
                    vec!["sandbox".to_owned()]
                } else {
                    Vec::new()
                },
                status: pick(rng, &SEEDED_STATUSES).to_string(),
                kind: pick(rng, &SEEDED_TYPES).to_string(),
                assignee_id: chance(rng, 0.6).then(|| "sandbox-analyst".to_owned()),
                risk_score: f64::from(rng.u32(0..=100)) / 10.0,
                service_desk_id: None,
                service_desk_type: None,
                created_by: "sandbox-analyst".to_owned(),
                updated_by: "sandbox-analyst".to_owned(),
                created_ms,
                updated_ms,
                archived_ms: chance(rng, 0.1).then_some(updated_ms),
                close_reason: None,
                alerts: Vec::new(),
                events: Vec::new(),
                search_queries: Vec::new(),
                comments,
            }
        })
        .collect();
    made.sort_by(|a, b| a.created_ms.cmp(&b.created_ms).then(a.id.cmp(&b.id)));
    for (n, inv) in made.iter_mut().enumerate() {
        inv.short_id = format!("INV{:05}", n + 1);
    }
    let alerts = data.alerts();
    let links: Vec<(String, String, i64)> = made
        .iter()
        .flat_map(|inv| {
            let k = if alerts.is_empty() {
                0
            } else {
                rng.usize(0..5)
            };
            (0..k)
                .map(|_| (pick(rng, alerts).id.clone(), inv.id.clone(), inv.created_ms))
                .collect::<Vec<_>>()
        })
        .collect();
    data.investigations = made;
    for (alert, inv, at) in links {
        data.link(&alert, &inv, "sandbox-analyst", at);
    }
}

impl Investigation {
    /// The investigation as `InvestigationV2` JSON (`tenant` as given).
    fn to_json(&self, tenant: &Value) -> Value {
        let time = |ms: i64| rfc3339(ms, false);
        let tenant_id = self.tenant.to_string();
        let evidence = |list: &[Evidence], key: &str| -> Vec<Value> {
            list.iter()
                .map(|e| {
                    json!({
                        "id": format!("{}/{}", self.id, e.id),
                        "investigationId": self.id,
                        "tenantId": tenant_id,
                        "createdAt": time(e.at_ms),
                        "createdBy": e.by,
                        key: e.id,
                        "isGenesis": false,
                    })
                })
                .collect()
        };
        let ids = |list: &[Evidence]| list.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
        let mut v = json!({
            "id": self.id,
            "shortId": self.short_id,
            "title": self.title,
            "keyFindings": self.key_findings,
            "alertsEvidenceCount": self.alerts.len(),
            "assetsEvidenceCount": 0,
            "eventsEvidenceCount": self.events.len(),
            "searchQueriesEvidenceCount": self.search_queries.len(),
            "entitiesEvidenceCount": 0,
            "priority": self.priority,
            "tags": self.tags,
            "contributorIds": [],
            "contributorIDs": [],
            "assigneeId": self.assignee_id,
            "tenantId": tenant_id,
            "createdById": self.created_by,
            "createdAt": time(self.created_ms),
            "updatedById": self.updated_by,
            "updatedAt": time(self.updated_ms),
            "archivedAt": self.archived_ms.map(time),
            "closeReason": self.status.starts_with("CLOSED_").then(|| {
                self.close_reason.clone().unwrap_or_else(|| self.status.clone())
            }),
            "ruleId": null,
            "serviceDeskId": self.service_desk_id,
            "serviceDeskType": self.service_desk_type,
            "riskScore": self.risk_score,
            "isCreatedByPartner": false,
            "alerts": ids(&self.alerts),
            "assets": [],
            "events": ids(&self.events),
            "searchQueries": ids(&self.search_queries),
            "alertsEvidence": evidence(&self.alerts, "alertId"),
            "assetsEvidence": [],
            "eventsEvidence": evidence(&self.events, "eventId"),
            "searchQueriesEvidence": evidence(&self.search_queries, "searchQuery"),
            "entitiesEvidence": [],
            "type": self.kind,
            "status": self.status,
            "tenant": tenant,
            "commentsCount": {"total": self.comments.len(), "unread": 0},
        });
        // The users the IDs name (`TDRUser`, only its `id` known).
        if let Value::Object(m) = &mut v {
            let user = |id: &str| json!({ "id": id });
            m.insert(
                "assignee".into(),
                self.assignee_id.as_deref().map_or(Value::Null, user),
            );
            m.insert("contributors".into(), json!([]));
            m.insert("createdBy".into(), user(&self.created_by));
            m.insert("updatedBy".into(), user(&self.updated_by));
        }
        v
    }

    /// The record CQL filters read: the JSON with the documented shorthands.
    fn search_view(&self, tenant: &Value) -> Value {
        let mut v = self.to_json(tenant);
        if let Value::Object(m) = &mut v {
            for (short, long) in [
                ("created_at", "createdAt"),
                ("updated_at", "updatedAt"),
                ("archived_at", "archivedAt"),
                ("short_id", "shortId"),
                ("assignee_id", "assigneeId"),
                ("alert_ids", "alerts"),
            ] {
                let value = m.get(long).cloned().unwrap_or(Value::Null);
                m.insert(short.to_owned(), value);
            }
        }
        v
    }
}

impl Comment {
    fn to_json(&self, investigation: &str, tenant: u64) -> Value {
        json!({
            "id": self.id,
            "authorId": self.author,
            "createdAt": rfc3339(self.created_ms, false),
            "updatedAt": rfc3339(self.updated_ms, false),
            "comment": self.text,
            "investigationId": investigation,
            "tenantId": tenant.to_string(),
            "mentionsIds": [],
            "readByIds": [self.author],
            "isInternal": self.internal,
        })
    }
}

/// The investigations v2 service.
pub(crate) struct Investigations(pub(crate) Arc<Workflows>);

impl Service for Investigations {
    fn name(&self) -> &str {
        "investigations2"
    }

    fn root_fields(&self) -> &[(Endpoint, &str)] {
        const M: Endpoint = Endpoint::MAIN;
        &[
            (M, "investigationsV2"),
            (M, "investigationV2"),
            (M, "createInvestigationV2"),
            (M, "updateInvestigationV2"),
            (M, "closeInvestigation"),
            (M, "archiveInvestigationV2"),
            (M, "unarchiveInvestigationV2"),
            (M, "archiveInvestigationsV2"),
            (M, "unarchiveInvestigationsV2"),
            (M, "addEvidenceToInvestigation"),
            (M, "removeEvidenceFromInvestigation"),
            (M, "addCommentToInvestigation"),
            (M, "updateInvestigationComment"),
            (M, "deleteInvestigationComment"),
            (M, "commentsV2"),
        ]
    }

    fn resolve(&self, ctx: &mut Context<'_>, field: &str, args: &Value) -> FieldResult {
        let arguments = args.get("arguments").unwrap_or(&Value::Null);
        let input = args.get("input").unwrap_or(&Value::Null);
        match field {
            "investigationsV2" => self.search(ctx, arguments),
            "investigationV2" => self.get(ctx, arguments),
            "commentsV2" => self.comments(ctx, arguments),
            "createInvestigationV2" => self.create(ctx, input),
            "updateInvestigationV2" => self.update(ctx, input),
            "closeInvestigation" => self.close(ctx, input),
            "archiveInvestigationV2" | "unarchiveInvestigationV2" => {
                self.archive(ctx, input, field == "archiveInvestigationV2")
            }
            "archiveInvestigationsV2" | "unarchiveInvestigationsV2" => {
                self.archive_many(ctx, input, field == "archiveInvestigationsV2")
            }
            "addEvidenceToInvestigation" => self.add_evidence(ctx, input),
            "removeEvidenceFromInvestigation" => self.remove_evidence(ctx, input),
            "addCommentToInvestigation" => self.add_comment(ctx, input),
            "updateInvestigationComment" | "deleteInvestigationComment" => {
                self.change_comment(ctx, input, field == "deleteInvestigationComment")
            }
            other => Err(crate::service::unserved(other)),
        }
    }
}

/// An investigations filter: a bare expression or a whole `FROM investigation` query.
fn parse_investigation_query(text: &str) -> Result<Option<cql::Query>, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let whole = trimmed
        .get(..4)
        .is_some_and(|w| w.eq_ignore_ascii_case("from"))
        && trimmed[4..].starts_with(char::is_whitespace);
    if whole {
        let query = cql::parse_query(trimmed).map_err(|e| e.to_string())?;
        if let Some(other) = query
            .from
            .iter()
            .find(|t| !matches!(t.as_str(), "investigation" | "investigations"))
        {
            return Err(format!(
                "the investigations service searches FROM investigation, not `{other}`"
            ));
        }
        return Ok(Some(query));
    }
    let filter = cql::parse_filter(trimmed).map_err(|e| e.to_string())?;
    Ok(filter.map(|filter| cql::Query {
        from: vec!["investigation".to_owned()],
        filter: Some(filter),
        earliest: None,
        latest: None,
        pipes: Vec::new(),
    }))
}

/// `page`/`perPage` as (offset, size): a page below 1 is page 1, a size below 1 an empty
/// page (as the mock reads them).
fn paging(arguments: &Value) -> (usize, usize) {
    let page = arg_int(arguments, "page").unwrap_or(1).max(1);
    let per_page = arg_int(arguments, "perPage").unwrap_or(DEFAULT_PER_PAGE);
    let size = per_page.clamp(0, MAX_PER_PAGE) as usize;
    let offset = usize::try_from(page - 1)
        .unwrap_or(usize::MAX)
        .saturating_mul(size);
    (offset, size)
}

/// The error for an investigation `id` the tenant does not have.
pub(crate) fn not_found(id: &str, tenant: u64) -> String {
    format!("investigation {id} not found in tenant {tenant}")
}

/// The error for an alert `id` the tenant does not have.
pub(crate) fn alert_not_found(id: &str, tenant: u64) -> String {
    format!("alert {id} not found in tenant {tenant}")
}

impl Investigations {
    fn read_tenant(ctx: &Context<'_>) -> Result<u64, String> {
        let tenant = ctx.tenant_id();
        ctx.require(tenant, Role::Auditor, "Investigation:read")?;
        Ok(tenant)
    }

    fn write_tenant(ctx: &Context<'_>) -> Result<u64, String> {
        let tenant = ctx.tenant_id();
        ctx.require(tenant, Role::Responder, "Investigation:update")?;
        Ok(tenant)
    }

    fn search(&self, ctx: &mut Context<'_>, arguments: &Value) -> FieldResult {
        let tenant = Self::read_tenant(ctx)?;
        if arg_bool(arguments, "searchChildrenTenants") == Some(true) {
            return Err("searchChildrenTenants is not supported by the sandbox".to_owned());
        }
        let query = parse_investigation_query(arg_str(arguments, "cql").unwrap_or(""))?;
        let (offset, size) = paging(arguments);
        let ascending = arg_str(arguments, "orderBy") == Some("ASCENDING");
        let now = ctx.now_ms();
        let tenant_json = tenant_json(ctx, tenant);
        let mut store = self.0.lock();
        let data = store.tenant(tenant);
        let mut hits: Vec<&Investigation> = data
            .investigations
            .iter()
            .filter(|inv| {
                query.as_ref().is_none_or(|q| {
                    q.in_window(inv.created_ms, now) && q.matches(&inv.search_view(&tenant_json))
                })
            })
            .collect();
        hits.sort_by(|a, b| a.created_ms.cmp(&b.created_ms).then(a.id.cmp(&b.id)));
        if !ascending {
            hits.reverse();
        }
        if let Some(q) = &query {
            hits = q.apply_pipes(hits);
        }
        let total = hits.len();
        let page: Vec<Value> = hits
            .into_iter()
            .skip(offset)
            .take(size)
            .map(|inv| inv.to_json(&tenant_json))
            .collect();
        Ok(json!({
            "totalCount": total,
            "investigations": page,
            "aggregatedCounts": null,
            "metrics": null,
        }))
    }

    fn get(&self, ctx: &mut Context<'_>, arguments: &Value) -> FieldResult {
        let tenant = Self::read_tenant(ctx)?;
        let id = arg_id(arguments, "id").ok_or("`arguments.id` is required")?;
        let tenant_json = tenant_json(ctx, tenant);
        let mut store = self.0.lock();
        let data = store.tenant(tenant);
        data.investigation(&id)
            .map(|inv| inv.to_json(&tenant_json))
            .ok_or_else(|| not_found(&id, tenant))
    }

    fn create(&self, ctx: &mut Context<'_>, input: &Value) -> FieldResult {
        let tenant = Self::write_tenant(ctx)?;
        let title = arg_str(input, "title")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or("`title` is required")?
            .to_owned();
        let status = arg_str(input, "status").unwrap_or("OPEN");
        let kind = arg_str(input, "type").unwrap_or("SECURITY_INVESTIGATION");
        let alert_query = parse_alert_query(arg_str(input, "alertsSearchQuery").unwrap_or(""))?;
        let id = ctx.new_id()?;
        let by = ctx.client_id().to_owned();
        let now = ctx.now_ms();
        let tenant_json = tenant_json(ctx, tenant);
        let mut store = self.0.lock();
        let data = store.tenant(tenant);
        let alerts = checked_alerts(data, input, alert_query.as_ref(), now, tenant)?;
        let inv = Investigation {
            id: id.clone(),
            short_id: format!("INV{:05}", data.investigations.len() + 1),
            tenant,
            title,
            key_findings: arg_str(input, "keyFindings").unwrap_or("").to_owned(),
            priority: arg_int(input, "priority").unwrap_or(2),
            tags: arg_list(input, "tags").unwrap_or_default(),
            status: status.to_owned(),
            kind: kind.to_owned(),
            assignee_id: arg_id(input, "assigneeId"),
            risk_score: input
                .get("riskScore")
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
            service_desk_id: arg_id(input, "serviceDeskId"),
            service_desk_type: arg_str(input, "serviceDeskType").map(str::to_owned),
            created_by: by.clone(),
            updated_by: by.clone(),
            created_ms: now,
            updated_ms: now,
            archived_ms: None,
            close_reason: None,
            alerts: Vec::new(),
            events: evidence_list(input, "events", &by, now),
            search_queries: evidence_list(input, "searchQueries", &by, now),
            comments: Vec::new(),
        };
        data.investigations.push(inv);
        for alert in &alerts {
            data.link(alert, &id, &by, now);
        }
        data.investigation(&id)
            .map(|inv| inv.to_json(&tenant_json))
            .ok_or_else(|| not_found(&id, tenant))
    }

    fn update(&self, ctx: &mut Context<'_>, input: &Value) -> FieldResult {
        let tenant = Self::write_tenant(ctx)?;
        let id = arg_id(input, "id").ok_or("`input.id` is required")?;
        let status = arg_str(input, "status");
        let kind = arg_str(input, "type");
        if arg_str(input, "title").is_some_and(|t| t.trim().is_empty()) {
            return Err("`title` may not be empty".to_owned());
        }
        let by = ctx.client_id().to_owned();
        let now = ctx.now_ms();
        let tenant_json = tenant_json(ctx, tenant);
        let mut store = self.0.lock();
        let data = store.tenant(tenant);
        let inv = data
            .investigation_mut(&id)
            .ok_or_else(|| not_found(&id, tenant))?;
        if let Some(title) = arg_str(input, "title") {
            inv.title = title.trim().to_owned();
        }
        if let Some(k) = arg_str(input, "keyFindings") {
            inv.key_findings = k.to_owned();
        }
        if let Some(p) = arg_int(input, "priority") {
            inv.priority = p;
        }
        if let Some(tags) = arg_list(input, "tags") {
            inv.tags = tags;
        }
        if let Some(a) = arg_id(input, "assigneeId") {
            inv.assignee_id = Some(a);
        }
        if let Some(r) = input.get("riskScore").and_then(Value::as_f64) {
            inv.risk_score = r;
        }
        if let Some(s) = arg_id(input, "serviceDeskId") {
            inv.service_desk_id = Some(s);
        }
        if let Some(s) = arg_str(input, "serviceDeskType") {
            inv.service_desk_type = Some(s.to_owned());
        }
        if let Some(s) = status {
            inv.status = s.to_owned();
        }
        if let Some(k) = kind {
            inv.kind = k.to_owned();
        }
        inv.updated_by = by;
        inv.updated_ms = now;
        Ok(inv.to_json(&tenant_json))
    }

    /// `closeInvestigation`: a `CLOSED_*` status and a reason; the attached alerts get
    /// `alertsResolutionStatus`, which is required when there are any (the Python SDK 2.0.4's
    /// `close_investigation` docstring). A closed investigation can be reopened by update.
    fn close(&self, ctx: &mut Context<'_>, input: &Value) -> FieldResult {
        let tenant = Self::write_tenant(ctx)?;
        let id = arg_id(input, "id").ok_or("`input.id` is required")?;
        let status = arg_str(input, "status").ok_or("`input.status` is required")?;
        let resolution = arg_str(input, "alertsResolutionStatus");
        let reason = arg_str(input, "reason").unwrap_or("").to_owned();
        let by = ctx.client_id().to_owned();
        let entry_id = ctx.new_id()?;
        let now = ctx.now_ms();
        let tenant_json = tenant_json(ctx, tenant);
        let mut store = self.0.lock();
        let data = store.tenant(tenant);
        let inv = data
            .investigation_mut(&id)
            .ok_or_else(|| not_found(&id, tenant))?;
        let alerts: Vec<String> = inv.alerts.iter().map(|e| e.id.clone()).collect();
        if !alerts.is_empty() && resolution.is_none() {
            return Err(format!(
                "investigation {id} has {} alerts: `alertsResolutionStatus` is required",
                alerts.len()
            ));
        }
        inv.status = status.to_owned();
        inv.close_reason = Some(reason.clone());
        inv.updated_by = by.clone();
        inv.updated_ms = now;
        let answer = inv.to_json(&tenant_json);
        if let Some(resolution) = resolution {
            let who = Resolution {
                entry_id: &entry_id,
                user: &by,
                reason: &reason,
                now,
            };
            data.resolve(&alerts, resolution, &who);
        }
        Ok(answer)
    }

    fn archive(&self, ctx: &mut Context<'_>, input: &Value, archive: bool) -> FieldResult {
        let tenant = Self::write_tenant(ctx)?;
        let id = arg_id(input, "id").ok_or("`input.id` is required")?;
        let now = ctx.now_ms();
        let by = ctx.client_id().to_owned();
        let tenant_json = tenant_json(ctx, tenant);
        let mut store = self.0.lock();
        let inv = store
            .tenant(tenant)
            .investigation_mut(&id)
            .ok_or_else(|| not_found(&id, tenant))?;
        set_archived(inv, archive, &by, now);
        Ok(inv.to_json(&tenant_json))
    }

    fn archive_many(&self, ctx: &mut Context<'_>, input: &Value, archive: bool) -> FieldResult {
        let tenant = Self::write_tenant(ctx)?;
        let ids = arg_list(input, "ids").unwrap_or_default();
        let now = ctx.now_ms();
        let by = ctx.client_id().to_owned();
        let mut store = self.0.lock();
        let data = store.tenant(tenant);
        if let Some(missing) = ids.iter().find(|id| data.investigation(id).is_none()) {
            return Err(not_found(missing, tenant));
        }
        for id in &ids {
            if let Some(inv) = data.investigation_mut(id) {
                set_archived(inv, archive, &by, now);
            }
        }
        Ok(json!({ "ids": ids }))
    }

    fn add_evidence(&self, ctx: &mut Context<'_>, input: &Value) -> FieldResult {
        let tenant = Self::write_tenant(ctx)?;
        let id = arg_id(input, "investigationId").ok_or("`investigationId` is required")?;
        let alert_query = parse_alert_query(arg_str(input, "alertsSearchQuery").unwrap_or(""))?;
        let by = ctx.client_id().to_owned();
        let now = ctx.now_ms();
        let mut store = self.0.lock();
        let data = store.tenant(tenant);
        if data.investigation(&id).is_none() {
            return Err(not_found(&id, tenant));
        }
        let alerts = checked_alerts(data, input, alert_query.as_ref(), now, tenant)?;
        for alert in &alerts {
            data.link(alert, &id, &by, now);
        }
        let events = arg_list(input, "events").unwrap_or_default();
        let queries = arg_list(input, "searchQueries").unwrap_or_default();
        if let Some(inv) = data.investigation_mut(&id) {
            add_unique(&mut inv.events, &events, &by, now);
            add_unique(&mut inv.search_queries, &queries, &by, now);
            inv.updated_ms = now;
        }
        Ok(json!({
            "investigationId": id,
            "alerts": alerts,
            "alertsSearchQuery": arg_str(input, "alertsSearchQuery"),
            "events": events,
            "searchQueries": queries,
        }))
    }

    fn remove_evidence(&self, ctx: &mut Context<'_>, input: &Value) -> FieldResult {
        let tenant = Self::write_tenant(ctx)?;
        let id = arg_id(input, "investigationId").ok_or("`investigationId` is required")?;
        let now = ctx.now_ms();
        let mut store = self.0.lock();
        let data = store.tenant(tenant);
        if data.investigation(&id).is_none() {
            return Err(not_found(&id, tenant));
        }
        let removed_alerts: Vec<String> = arg_list(input, "alerts")
            .unwrap_or_default()
            .into_iter()
            .filter(|alert| data.unlink(alert, &id, now))
            .collect();
        let mut removed_events = Vec::new();
        let mut removed_queries = Vec::new();
        if let Some(inv) = data.investigation_mut(&id) {
            removed_events = remove_from(&mut inv.events, arg_list(input, "events"));
            removed_queries =
                remove_from(&mut inv.search_queries, arg_list(input, "searchQueries"));
            inv.updated_ms = now;
        }
        Ok(json!({
            "investigationId": id,
            "alerts": removed_alerts,
            "events": removed_events,
            "assets": [],
            "searchQueries": removed_queries,
        }))
    }

    fn add_comment(&self, ctx: &mut Context<'_>, input: &Value) -> FieldResult {
        let tenant = Self::write_tenant(ctx)?;
        let id = arg_id(input, "investigationId").ok_or("`investigationId` is required")?;
        let text = arg_str(input, "comment")
            .filter(|c| !c.trim().is_empty())
            .ok_or("`comment` is required")?
            .to_owned();
        let comment = Comment {
            id: ctx.new_id()?,
            author: ctx.client_id().to_owned(),
            created_ms: ctx.now_ms(),
            updated_ms: ctx.now_ms(),
            text,
            internal: arg_bool(input, "isInternal").unwrap_or(false),
        };
        let mut store = self.0.lock();
        let inv = store
            .tenant(tenant)
            .investigation_mut(&id)
            .ok_or_else(|| not_found(&id, tenant))?;
        let answer = comment.to_json(&id, tenant);
        inv.comments.push(comment);
        Ok(answer)
    }

    fn change_comment(&self, ctx: &mut Context<'_>, input: &Value, delete: bool) -> FieldResult {
        let tenant = Self::write_tenant(ctx)?;
        let comment_id = arg_id(input, "commentId").ok_or("`commentId` is required")?;
        let text = arg_str(input, "comment").map(str::to_owned);
        let now = ctx.now_ms();
        let mut store = self.0.lock();
        let data = store.tenant(tenant);
        for inv in &mut data.investigations {
            if let Some(at) = inv.comments.iter().position(|c| c.id == comment_id) {
                let answer = if delete {
                    inv.comments.remove(at).to_json(&inv.id, tenant)
                } else {
                    let comment = &mut inv.comments[at];
                    if let Some(text) = text {
                        if text.trim().is_empty() {
                            return Err("`comment` may not be empty".to_owned());
                        }
                        comment.text = text;
                        comment.updated_ms = now;
                    }
                    comment.to_json(&inv.id, tenant)
                };
                return Ok(answer);
            }
        }
        Err(format!("comment {comment_id} not found in tenant {tenant}"))
    }

    fn comments(&self, ctx: &mut Context<'_>, arguments: &Value) -> FieldResult {
        let tenant = Self::read_tenant(ctx)?;
        let id = arg_id(arguments, "investigationId").ok_or("`investigationId` is required")?;
        let (offset, size) = paging(arguments);
        let descending = arg_str(arguments, "orderBy") == Some("DESCENDING");
        let visibility = arg_str(arguments, "visibility").unwrap_or("ALL");
        let mut store = self.0.lock();
        let inv = store
            .tenant(tenant)
            .investigation(&id)
            .ok_or_else(|| not_found(&id, tenant))?;
        let mut list: Vec<&Comment> = inv
            .comments
            .iter()
            .filter(|c| match visibility {
                "INTERNAL" => c.internal,
                "NOT_INTERNAL" => !c.internal,
                _ => true,
            })
            .collect();
        if descending {
            list.reverse();
        }
        let total = list.len();
        let page: Vec<Value> = list
            .into_iter()
            .skip(offset)
            .take(size)
            .map(|c| c.to_json(&id, tenant))
            .collect();
        Ok(json!({"totalCount": total, "comments": page}))
    }
}

/// The alerts `input.alerts` names (each must be an alert of the tenant) and those
/// `query` finds, without repeats.
fn checked_alerts(
    data: &TenantData,
    input: &Value,
    query: Option<&cql::Query>,
    now: i64,
    tenant: u64,
) -> Result<Vec<String>, String> {
    let named = arg_list(input, "alerts").unwrap_or_default();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut out: Vec<String> = Vec::new();
    for id in &named {
        if data.alert(id).is_none() {
            return Err(alert_not_found(id, tenant));
        }
        if seen.insert(id) {
            out.push(id.clone());
        }
    }
    if let Some(q) = query {
        for alert in data.matching(Some(q), now) {
            if seen.insert(&alert.id) {
                out.push(alert.id.clone());
            }
        }
    }
    Ok(out)
}

fn evidence_list(input: &Value, key: &str, by: &str, now: i64) -> Vec<Evidence> {
    let mut out = Vec::new();
    add_unique(&mut out, &arg_list(input, key).unwrap_or_default(), by, now);
    out
}

fn add_unique(list: &mut Vec<Evidence>, items: &[String], by: &str, now: i64) {
    for item in items {
        if !list.iter().any(|e| e.id == *item) {
            list.push(Evidence::new(item, by, now));
        }
    }
}

fn remove_from(list: &mut Vec<Evidence>, items: Option<Vec<String>>) -> Vec<String> {
    let items = items.unwrap_or_default();
    let removed: Vec<String> = items
        .into_iter()
        .filter(|i| list.iter().any(|e| e.id == *i))
        .collect();
    list.retain(|e| !removed.contains(&e.id));
    removed
}

fn set_archived(inv: &mut Investigation, archive: bool, by: &str, now: i64) {
    inv.archived_ms = if archive {
        Some(inv.archived_ms.unwrap_or(now))
    } else {
        None
    };
    inv.updated_by = by.to_owned();
    inv.updated_ms = now;
}
