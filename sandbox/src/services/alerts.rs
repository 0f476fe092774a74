//! Alerts on the main gateway (`/graphql`), per tenant (the tenant in context), kept in a
//! [`Workflows`] store the investigations service shares, so an alert's `investigation_ids`
//! and an investigation's alerts always agree.
//!
//! Data: a tenant's alerts (40 to 199, or exactly `SandboxBuilder::alerts_per_tenant`) and investigations are made on its first access, as a
//! pure function of the sandbox seed and the tenant ID (IDs never depend on the clock; times
//! are spread over the 7 days before the start of the hour the sandbox started in), so
//! 10,000 tenants start as fast as one. Changes (resolutions, links) are kept per tenant.
//!
//! Enum arguments (statuses, types, resolutions) reach the resolvers already coerced against
//! the schema: the engine refuses any other value, so they are not checked again here.
//!
//! Fields served:
//! - `alertsServiceSearch(in: {cql_query, offset, limit, metadata})`: `cql_query` in the
//!   [`cql`](crate::cql) subset, `FROM alert` (or `detection`; blank text is every alert),
//!   `EARLIEST`/`LATEST` on the alert's creation time, `| head`/`| tail`; results newest first.
//!   Searchable fields: the `Alert2` JSON (`status`, `metadata.title`, `tenant_id`, `tags`,
//!   `sensor_types`, `entities.entities`, ...) plus the shorthands `severity`, `confidence`,
//!   `title`, `description`, `detector`, `entity` (each entity), `investigation_id` and
//!   `created_at` (RFC 3339). `total_results` counts every match (after `head`/`tail`); the
//!   `offset`..`offset + limit` window of them (limit 10,000 when absent or 0, none when
//!   negative) is split into parts of [`PART_SIZE`] alerts (`metadata: {"sandboxPartSize": n}` sets it for
//!   one search, for tests): part 1 comes back with `search_id` (a function of the seed, the
//!   tenant and how many searches it ran) and `total_parts`;
//! - `alertsServicePoll(in: {search_id, part_id})`: part `part_id` (1..=`total_parts`) of an
//!   earlier search of the same tenant, with the alerts as they are now; an unknown search or
//!   part is an error saying `not found`. A tenant keeps its last 64 searches;
//! - `alertsServiceRetrieveAlertsById`, `...ByHost` (`hostName:`/`hostId:` entities),
//!   `...ByEntity` (exact entity), `...ByGroupKey`: `in.iDs`, unknown ones left out;
//! - `alertsCountByTenant(in: {ql_query})`: the matching count for the tenant in context;
//! - `alertsServiceUpdateResolutionInfo(in: {alert_ids, resolution_status, reason})`: sets
//!   the status (`ResolutionStatus`) and reason, appends to `resolution_history`; every ID must
//!   be an alert of the tenant (`in.tenant`, else the one in context), or nothing changes;
//! - `alertsServiceUpdateInvestigationInfo(in: {investigation_id, alerts, genesis_alerts,
//!   operation})`: links (`UPDATE`) or unlinks (`DELETE`) alerts and an investigation.
//!
//! Reading needs any role on the tenant, changing needs Responder or more.

use super::investigations::{self, Investigation};
use super::{arg_int, arg_list, arg_str, FieldResult};
use crate::cql::{self, Query};
use crate::service::{Context, Role, Seed, Service};
use crate::util::{chance, pick, rfc3339, seeded_uuid};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use taegis_sdk_codegen::Endpoint;

/// Alerts a search part holds unless the search says otherwise.
pub(crate) const PART_SIZE: usize = 100;
/// The largest part a search may ask for.
const MAX_PART_SIZE: usize = 10_000;
/// Searches a tenant keeps for polling.
const KEPT_SEARCHES: usize = 64;
/// The window a search returns when `limit` is absent.
const DEFAULT_LIMIT: usize = 10_000;
/// How far back generated alerts (and investigations) go.
pub(crate) const SPAN_MS: i64 = 7 * 86_400_000;

/// `ResolutionStatus` values other than `OPEN` that generated alerts take.
const CLOSED_STATUSES: [&str; 5] = [
    "TRUE_POSITIVE_BENIGN",
    "TRUE_POSITIVE_MALICIOUS",
    "FALSE_POSITIVE",
    "NOT_ACTIONABLE",
    "SUPPRESSED",
];

/// Detectors: engine name, display name, the titles they raise, their sensor type.
const DETECTORS: [(&str, &str, &[&str], &str); 6] = [
    (
        "app:detect:tactic-graphs",
        "Tactic Graphs Detector",
        &[
            "Suspicious PowerShell Download Cradle",
            "Lateral Movement via PsExec",
            "Unusual Service Installation",
        ],
        "ENDPOINT_TAEGIS",
    ),
    (
        "app:detect:watchlist",
        "Taegis Watchlist",
        &["Known Malware Hash Observed", "Malicious Domain Lookup"],
        "DNS",
    ),
    (
        "app:detect:hands-on-keyboard",
        "Hands on Keyboard Detector",
        &[
            "Reconnaissance Commands Executed",
            "Credential Dumping with Mimikatz",
        ],
        "ENDPOINT_TAEGIS",
    ),
    (
        "app:detect:brute-force",
        "Brute Force Detector",
        &[
            "Possible Brute Force Login",
            "Password Spray Against Many Accounts",
        ],
        "AUTH",
    ),
    (
        "app:detect:stolen-user-credentials",
        "Stolen User Credentials Detector",
        &[
            "Impossible Travel Sign-In",
            "Sign-In From Anonymizing Proxy",
        ],
        "AZURE_AD",
    ),
    (
        "app:detect:ransomware",
        "Ransomware Detector",
        &["Ransomware Encryption Behavior", "Shadow Copies Deleted"],
        "ENDPOINT_TAEGIS",
    ),
];

/// ATT&CK techniques generated alerts name.
const TECHNIQUES: [&str; 8] = [
    "T1059.001",
    "T1021.002",
    "T1003.001",
    "T1110",
    "T1078",
    "T1486",
    "T1490",
    "T1071",
];

/// One alert of a tenant.
#[derive(Debug, Clone)]
pub(crate) struct Alert {
    /// `alert://priv:<detector>:<tenant>:<uuid>`.
    pub(crate) id: String,
    tenant: u64,
    severity: f64,
    confidence: f64,
    title: String,
    detector: usize,
    status: String,
    resolution_reason: Option<String>,
    history: Vec<Value>,
    created_ms: i64,
    updated_ms: i64,
    first_resolved_ms: Option<i64>,
    entities: Vec<String>,
    event_ids: Vec<String>,
    techniques: Vec<String>,
    tags: Vec<String>,
    group_key: String,
    /// The investigations this alert is evidence of (kept equal to their `alerts`).
    pub(crate) investigation_ids: Vec<String>,
}

/// Who resolves alerts, why and when (one `resolution_history` entry).
pub(crate) struct Resolution<'a> {
    /// The history entry's ID.
    pub(crate) entry_id: &'a str,
    /// The user or client.
    pub(crate) user: &'a str,
    /// The reason given.
    pub(crate) reason: &'a str,
    /// The time, ms since the epoch.
    pub(crate) now: i64,
}

/// A search kept for polling.
struct Search {
    id: String,
    alert_ids: Vec<String>,
    part_size: usize,
    total_results: usize,
    offset: usize,
    limit: usize,
}

/// One tenant's alerts, investigations and searches.
pub(crate) struct TenantData {
    /// Newest first.
    alerts: Vec<Alert>,
    index: HashMap<String, usize>,
    /// The tenant's investigations, oldest first.
    pub(crate) investigations: Vec<Investigation>,
    searches: VecDeque<Search>,
    /// Where search IDs come from: the tenant's seed, and how many searches it ran.
    search_seed: u64,
    searches_made: u64,
}

impl TenantData {
    /// The alert with this ID.
    pub(crate) fn alert(&self, id: &str) -> Option<&Alert> {
        self.index.get(id).map(|&i| &self.alerts[i])
    }

    /// The tenant's alerts, newest first (for seeding investigations).
    pub(crate) fn alerts(&self) -> &[Alert] {
        &self.alerts
    }

    /// Sets the resolution `status` of the alerts `ids` (unknown ones skipped), with one
    /// history entry for the batch: alerts' own resolution and closing an investigation.
    pub(crate) fn resolve(&mut self, ids: &[String], status: &str, by: &Resolution<'_>) {
        let entry = resolution_entry(by.entry_id, by.user, by.reason, ids.len(), by.now, status);
        for id in ids {
            if let Some(alert) = self.alert_mut(id) {
                alert.status = status.to_owned();
                alert.resolution_reason = Some(by.reason.to_owned());
                alert.history.push(entry.clone());
                alert.updated_ms = by.now;
                if status != "OPEN" && alert.first_resolved_ms.is_none() {
                    alert.first_resolved_ms = Some(by.now);
                }
            }
        }
    }

    fn alert_mut(&mut self, id: &str) -> Option<&mut Alert> {
        let i = *self.index.get(id)?;
        self.alerts.get_mut(i)
    }

    /// The investigation with this ID.
    pub(crate) fn investigation(&self, id: &str) -> Option<&Investigation> {
        self.investigations.iter().find(|i| i.id == id)
    }

    /// The investigation with this ID, to change.
    pub(crate) fn investigation_mut(&mut self, id: &str) -> Option<&mut Investigation> {
        self.investigations.iter_mut().find(|i| i.id == id)
    }

    /// Links an alert and an investigation both ways (no-op when linked or either is
    /// missing); true when a link was made.
    pub(crate) fn link(
        &mut self,
        alert_id: &str,
        investigation_id: &str,
        by: &str,
        now: i64,
    ) -> bool {
        let Some(&ai) = self.index.get(alert_id) else {
            return false;
        };
        // Only `link` and `unlink` change the two lists, always together, so the alert's
        // (short) list says whether the investigation's (maybe long) one has the alert.
        if self.alerts[ai]
            .investigation_ids
            .iter()
            .any(|i| i == investigation_id)
        {
            return false;
        }
        let Some(inv) = self.investigation_mut(investigation_id) else {
            return false;
        };
        inv.alerts
            .push(investigations::Evidence::new(alert_id, by, now));
        inv.updated_ms = inv.updated_ms.max(now);
        self.alerts[ai]
            .investigation_ids
            .push(investigation_id.to_owned());
        true
    }

    /// Removes the link between an alert and an investigation both ways; true when there was
    /// one.
    pub(crate) fn unlink(&mut self, alert_id: &str, investigation_id: &str, now: i64) -> bool {
        let Some(inv) = self.investigation_mut(investigation_id) else {
            return false;
        };
        let before = inv.alerts.len();
        inv.alerts.retain(|a| a.id != alert_id);
        let removed = inv.alerts.len() != before;
        if removed {
            inv.updated_ms = inv.updated_ms.max(now);
        }
        if let Some(alert) = self.alert_mut(alert_id) {
            alert.investigation_ids.retain(|i| i != investigation_id);
        }
        removed
    }

    /// The next search ID: a function of the seed, the tenant and how many searches it ran,
    /// so the same requests get the same answers.
    fn next_search_id(&mut self) -> String {
        self.searches_made += 1;
        let mut rng = fastrand::Rng::with_seed(
            self.search_seed ^ self.searches_made.wrapping_mul(0x9e37_79b9_7f4a_7c15),
        );
        seeded_uuid(&mut rng)
    }

    /// The alerts matching `query` at `now` (all without one), newest first, after its
    /// `head`/`tail` stages.
    pub(crate) fn matching(&self, query: Option<&Query>, now: i64) -> Vec<&Alert> {
        let Some(q) = query else {
            return self.alerts.iter().collect();
        };
        let hits = self
            .alerts
            .iter()
            .filter(|a| q.in_window(a.created_ms, now) && q.matches(&a.search_view()))
            .collect();
        q.apply_pipes(hits)
    }
}

/// What the alerts and investigations services share: the seed, the time anchor, and each
/// tenant's data once it was first read.
pub(crate) struct Workflows {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    seed: u64,
    anchor_ms: i64,
    /// A fixed number of alerts per tenant (else seeded, 40 to 199).
    alerts_per_tenant: Option<u64>,
    tenants: HashMap<u64, TenantData>,
}

/// A locked view of the store.
pub(crate) struct Locked<'a>(MutexGuard<'a, Inner>);

impl Locked<'_> {
    /// The data of `tenant`, made on first use.
    pub(crate) fn tenant(&mut self, tenant: u64) -> &mut TenantData {
        let Inner {
            seed,
            anchor_ms,
            alerts_per_tenant,
            tenants,
        } = &mut *self.0;
        tenants
            .entry(tenant)
            .or_insert_with(|| generate(*seed, tenant, *anchor_ms, *alerts_per_tenant))
    }
}

impl Workflows {
    /// An empty store; every tenant gets exactly `alerts_per_tenant` alerts when given (else
    /// 40 to 199, seeded per tenant).
    pub(crate) fn new(alerts_per_tenant: Option<u64>) -> Workflows {
        Workflows {
            inner: Mutex::new(Inner {
                alerts_per_tenant,
                ..Inner::default()
            }),
        }
    }

    /// Locks the store (a poisoned lock is taken over: the data stays consistent per call).
    pub(crate) fn lock(&self) -> Locked<'_> {
        Locked(self.inner.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Records the seed and the time anchor (the start of the current hour).
    fn start(&self, seed: u64) {
        let mut inner = self.lock();
        let now = crate::util::now_ms();
        inner.0.seed = seed;
        inner.0.anchor_ms = now - now.rem_euclid(3_600_000);
        inner.0.tenants.clear();
    }
}

/// A tenant's alerts and investigations, from the seed and the tenant ID alone.
fn generate(seed: u64, tenant: u64, anchor_ms: i64, fixed: Option<u64>) -> TenantData {
    let mut rng =
        fastrand::Rng::with_seed(seed ^ tenant.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xa1e7_5000);
    let hosts: Vec<(String, String)> = (0..rng.usize(3..10))
        .map(|i| (format!("host-{tenant}-{i:02}"), seeded_uuid(&mut rng)))
        .collect();
    let users: Vec<String> = ["alice", "bob", "carol", "dave", "erin"]
        .iter()
        .map(|u| format!("{u}@tenant{tenant}.example.com"))
        .collect();
    let seeded = 40 + rng.usize(0..160);
    let count = fixed.map_or(seeded, |n| usize::try_from(n).unwrap_or(seeded));
    let mut alerts: Vec<Alert> = (0..count)
        .map(|_| {
            let detector = rng.usize(0..DETECTORS.len());
            let (engine, _, titles, _) = DETECTORS[detector];
            let slug = engine.rsplit(':').next().unwrap_or(engine);
            let id = format!("alert://priv:{slug}:{tenant}:{}", seeded_uuid(&mut rng));
            let created_ms = anchor_ms - rng.i64(0..SPAN_MS);
            let (host, host_id) = pick(&mut rng, &hosts).clone();
            let mut entities = vec![format!("hostName:{host}"), format!("hostId:{host_id}")];
            if chance(&mut rng, 0.7) {
                entities.push(format!("user:{}", pick(&mut rng, &users)));
            }
            if chance(&mut rng, 0.5) {
                entities.push(format!(
                    "ipAddress:10.{}.{}.{}",
                    rng.u8(0..255),
                    rng.u8(0..255),
                    rng.u8(1..255)
                ));
            }
            let event_ids = (0..rng.usize(1..4))
                .map(|_| {
                    format!(
                        "event://priv:process:{tenant}:{}:{}",
                        created_ms - rng.i64(0..60_000),
                        seeded_uuid(&mut rng)
                    )
                })
                .collect();
            let closed = chance(&mut rng, 0.4);
            let status = if closed {
                pick(&mut rng, &CLOSED_STATUSES).to_string()
            } else {
                "OPEN".to_owned()
            };
            let updated_ms = created_ms + rng.i64(0..3_600_000);
            let history = if closed {
                vec![resolution_entry(
                    &seeded_uuid(&mut rng),
                    "sandbox-analyst",
                    "Reviewed by the sandbox",
                    1,
                    updated_ms,
                    &status,
                )]
            } else {
                Vec::new()
            };
            Alert {
                id,
                tenant,
                severity: f64::from(rng.u32(0..=100)) / 100.0,
                confidence: f64::from(rng.u32(10..=100)) / 100.0,
                title: pick(&mut rng, titles).to_string(),
                detector,
                resolution_reason: closed.then(|| "Reviewed by the sandbox".to_owned()),
                first_resolved_ms: closed.then_some(updated_ms),
                status,
                history,
                created_ms,
                updated_ms,
                entities,
                event_ids,
                techniques: vec![pick(&mut rng, &TECHNIQUES).to_string()],
                tags: if chance(&mut rng, 0.3) {
                    vec!["sandbox".to_owned()]
                } else {
                    Vec::new()
                },
                group_key: format!("{slug}:{host}"),
                investigation_ids: Vec::new(),
            }
        })
        .collect();
    alerts.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(a.id.cmp(&b.id)));
    let index = alerts
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.clone(), i))
        .collect();
    let mut data = TenantData {
        alerts,
        index,
        investigations: Vec::new(),
        searches: VecDeque::new(),
        search_seed: rng.u64(..),
        searches_made: 0,
    };
    investigations::seed_tenant(&mut data, &mut rng, tenant, anchor_ms);
    data
}

/// A `ResolutionMetadata` value.
fn resolution_entry(
    id: &str,
    user: &str,
    reason: &str,
    affected: usize,
    ms: i64,
    status: &str,
) -> Value {
    json!({
        "id": id,
        "user_id": user,
        "uuid_user_id": null,
        "reason": reason,
        "num_alerts_affected": affected,
        "timestamp": timestamp(ms),
        "status": status,
    })
}

/// A `Timestamp` value.
fn timestamp(ms: i64) -> Value {
    json!({"seconds": ms.div_euclid(1000), "nanos": ms.rem_euclid(1000) * 1_000_000})
}

impl Alert {
    /// The alert as `Alert2` JSON (`tenant` as given).
    pub(crate) fn to_json(&self, tenant: &Value) -> Value {
        let (engine, detector_name, _, sensor) = DETECTORS[self.detector];
        let ts = |ms: i64| timestamp(ms);
        let key_entities: Vec<Value> = self
            .entities
            .iter()
            .filter_map(|e| e.split_once(':'))
            .map(|(label, entity)| json!({"entity": entity, "label": label}))
            .collect();
        json!({
            "id": self.id,
            "group_key": [self.group_key],
            "attack_technique_ids": self.techniques,
            "tenant_id": self.tenant.to_string(),
            "parent_tenant_id": null,
            "mdr_provider": null,
            "suppressed": self.status == "SUPPRESSED",
            "resolution_reason": self.resolution_reason,
            "tags": self.tags,
            "sensor_types": [sensor],
            "threat_score": self.severity,
            "threat_score_v2": self.severity,
            "vids": [],
            "observation": false,
            "metadata": {
                "severity": self.severity,
                "confidence": self.confidence,
                "title": self.title,
                "full_title": format!("{detector_name}: {}", self.title),
                "description": self.description(),
                "read_only": false,
                "creator": {
                    "detector": {"detector_id": engine, "detector_name": detector_name, "version": "1.0.0"},
                    "rule": null,
                },
                "engine": {"name": engine, "version": "1.0.0"},
                "severity_updated_at": null,
                "descriptions": [],
                "began_at": ts(self.created_ms - 60_000),
                "ended_at": ts(self.created_ms),
                "created_at": ts(self.created_ms),
                "inserted_at": ts(self.created_ms + 1_000),
                "updated_at": ts(self.updated_ms),
                "first_seen_at": ts(self.created_ms - 60_000),
                "first_investigated_at": null,
                "first_resolved_at": self.first_resolved_ms.map(ts),
                "origin": null,
            },
            "visibility": "DEPLOYED",
            "tenant": tenant,
            "suppression_rules": [],
            "alerting_rules": [],
            "status": self.status,
            "resolution_history": self.history,
            "severity_history": [],
            "tuning_history": [],
            "entities": {"entities": self.entities, "relationships": []},
            "key_entities": key_entities,
            "source_entities": [],
            "target_entities": [],
            "event_ids": self.event_ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
            "observation_ids": [],
            "investigation_ids": self.investigation_ids.iter().map(|id| json!({
                "id": id, "tenant_id": self.tenant.to_string(),
            })).collect::<Vec<_>>(),
            "collection_ids": [],
            "enrichment_details": [],
            "third_party_details": [],
            "reference_details": [],
            "priority": {"value": self.severity, "prioritizer": "sandbox", "version": "1"},
        })
    }

    fn description(&self) -> String {
        let on = self.entities.first().map_or("", String::as_str);
        format!("{} on {on}", self.title)
    }

    /// The record CQL filters read: the `Alert2` JSON with the documented shorthands.
    fn search_view(&self) -> Value {
        let mut v = self.to_json(&json!({"id": self.tenant.to_string()}));
        if let Value::Object(m) = &mut v {
            let mut put = |k: &str, x: Value| {
                m.insert(k.to_owned(), x);
            };
            put("severity", json!(self.severity));
            put("confidence", json!(self.confidence));
            put("title", json!(self.title));
            put("description", json!(self.description()));
            put("detector", json!(DETECTORS[self.detector].0));
            put("entity", json!(self.entities));
            put("investigation_id", json!(self.investigation_ids));
            put("created_at", json!(rfc3339(self.created_ms, true)));
        }
        v
    }
}

/// The alerts service (search, poll, by-ID getters, resolution and investigation links).
pub(crate) struct Alerts(pub(crate) Arc<Workflows>);

impl Service for Alerts {
    fn name(&self) -> &str {
        "alerts"
    }

    fn root_fields(&self) -> &[(Endpoint, &str)] {
        const M: Endpoint = Endpoint::MAIN;
        &[
            (M, "alertsServiceSearch"),
            (M, "alertsServicePoll"),
            (M, "alertsServiceRetrieveAlertsById"),
            (M, "alertsServiceRetrieveAlertsByHost"),
            (M, "alertsServiceRetrieveAlertsByEntity"),
            (M, "alertsServiceRetrieveAlertsByGroupKey"),
            (M, "alertsCountByTenant"),
            (M, "alertsServiceUpdateResolutionInfo"),
            (M, "alertsServiceUpdateInvestigationInfo"),
        ]
    }

    fn seed(&self, seed: &mut Seed<'_>) -> Result<(), String> {
        self.0.start(seed.seed());
        Ok(())
    }

    fn resolve(&self, ctx: &mut Context<'_>, field: &str, args: &Value) -> FieldResult {
        let input = args.get("in").unwrap_or(&Value::Null);
        match field {
            "alertsServiceSearch" => self.search(ctx, input),
            "alertsServicePoll" => self.poll(ctx, input),
            "alertsServiceRetrieveAlertsById"
            | "alertsServiceRetrieveAlertsByHost"
            | "alertsServiceRetrieveAlertsByEntity"
            | "alertsServiceRetrieveAlertsByGroupKey" => self.by_ids(ctx, field, input),
            "alertsCountByTenant" => self.count(ctx, input),
            "alertsServiceUpdateResolutionInfo" => self.update_resolution(ctx, input),
            "alertsServiceUpdateInvestigationInfo" => self.update_investigation(ctx, input),
            other => Err(crate::service::unserved(other)),
        }
    }
}

/// Parses an alerts query: blank is every alert; the types must be alerts.
pub(crate) fn parse_alert_query(text: &str) -> Result<Option<Query>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let query = cql::parse_query(text).map_err(|e| e.to_string())?;
    if let Some(other) = query
        .from
        .iter()
        .find(|t| !matches!(t.as_str(), "alert" | "alerts" | "detection" | "detections"))
    {
        return Err(format!(
            "the alerts service searches FROM alert, not `{other}`"
        ));
    }
    Ok(Some(query))
}

/// The `TenantV4` JSON of `tenant`, when the operation selects a `tenant` field (else just
/// its `id`); investigations use it too.
pub(crate) fn tenant_json(ctx: &mut Context<'_>, tenant: u64) -> Value {
    if !ctx.wants("tenant") {
        return json!({"id": tenant.to_string()});
    }
    let (state, _) = ctx.parts();
    state.tenant(tenant).map_or_else(
        || json!({"id": tenant.to_string()}),
        |t| super::tenants_v4::tenant_v4(state, t),
    )
}

/// An `AlertsResponse` with one part.
fn response(search_id: Option<&str>, list: Vec<Value>, page: Map<String, Value>) -> Value {
    let mut alerts = page;
    alerts.insert("list".into(), Value::Array(list));
    alerts.insert("group_by".into(), json!([]));
    json!({
        "reason": null,
        "search_id": search_id,
        "queryId": search_id,
        "status": "OK",
        "alerts": alerts,
    })
}

impl Alerts {
    fn read_tenant(ctx: &Context<'_>) -> Result<u64, String> {
        let tenant = ctx.tenant_id();
        ctx.require(tenant, Role::Auditor, "Alert:read")?;
        Ok(tenant)
    }

    fn search(&self, ctx: &mut Context<'_>, input: &Value) -> FieldResult {
        let tenant = Self::read_tenant(ctx)?;
        let query = parse_alert_query(arg_str(input, "cql_query").unwrap_or(""))?;
        let offset = usize::try_from(arg_int(input, "offset").unwrap_or(0)).unwrap_or(0);
        // Absent or 0 (protobuf's unset) is the default; a negative limit is an empty window.
        let limit = match arg_int(input, "limit") {
            None | Some(0) => DEFAULT_LIMIT,
            Some(l) => usize::try_from(l).unwrap_or(0),
        };
        let part_size = input
            .get("metadata")
            .and_then(|m| m.get("sandboxPartSize"))
            .and_then(Value::as_u64)
            .map_or(PART_SIZE, |n| (n as usize).clamp(1, MAX_PART_SIZE));
        let now = ctx.now_ms();
        let tenant_value = tenant_json(ctx, tenant);
        let mut store = self.0.lock();
        let data = store.tenant(tenant);
        let search_id = data.next_search_id();
        let hits = data.matching(query.as_ref(), now);
        let total_results = hits.len();
        let alert_ids: Vec<String> = hits
            .iter()
            .skip(offset)
            .take(limit)
            .map(|a| a.id.clone())
            .collect();
        let search = Search {
            id: search_id,
            alert_ids,
            part_size,
            total_results,
            offset,
            limit,
        };
        let answer = part(data, &search, 1, &tenant_value);
        if data.searches.len() >= KEPT_SEARCHES {
            data.searches.pop_front();
        }
        data.searches.push_back(search);
        answer
    }

    fn poll(&self, ctx: &mut Context<'_>, input: &Value) -> FieldResult {
        let tenant = Self::read_tenant(ctx)?;
        let search_id = super::arg_id(input, "search_id").unwrap_or_default();
        let part_id = arg_int(input, "part_id").unwrap_or(1);
        let tenant_value = tenant_json(ctx, tenant);
        let mut store = self.0.lock();
        let data = store.tenant(tenant);
        let Some(search) = data.searches.iter().find(|s| s.id == search_id) else {
            return Err(format!("search {search_id} not found"));
        };
        let parts = total_parts(search);
        match usize::try_from(part_id) {
            Ok(p) if (1..=parts).contains(&p) => part(data, search, p, &tenant_value),
            _ => Err(format!(
                "part {part_id} of search {search_id} not found (it has {parts})"
            )),
        }
    }

    fn by_ids(&self, ctx: &mut Context<'_>, field: &str, input: &Value) -> FieldResult {
        let tenant = Self::read_tenant(ctx)?;
        let wanted = arg_list(input, "iDs").unwrap_or_default();
        let tenant_value = tenant_json(ctx, tenant);
        let mut store = self.0.lock();
        let data = store.tenant(tenant);
        let list: Vec<Value> = match field {
            "alertsServiceRetrieveAlertsById" => wanted
                .iter()
                .filter_map(|id| data.alert(id))
                .map(|a| a.to_json(&tenant_value))
                .collect(),
            _ => data
                .alerts
                .iter()
                .filter(|a| {
                    wanted.iter().any(|w| match field {
                        "alertsServiceRetrieveAlertsByHost" => a.entities.iter().any(|e| {
                            e.strip_prefix("hostName:")
                                .or_else(|| e.strip_prefix("hostId:"))
                                == Some(w.as_str())
                        }),
                        "alertsServiceRetrieveAlertsByEntity" => a.entities.contains(w),
                        _ => a.group_key == *w,
                    })
                })
                .map(|a| a.to_json(&tenant_value))
                .collect(),
        };
        let n = list.len();
        let mut page = Map::new();
        page.insert("total_results".into(), json!(n));
        page.insert("total_parts".into(), json!(1));
        page.insert("part".into(), json!(1));
        Ok(response(None, list, page))
    }

    fn count(&self, ctx: &mut Context<'_>, input: &Value) -> FieldResult {
        let tenant = Self::read_tenant(ctx)?;
        let query = parse_alert_query(arg_str(input, "ql_query").unwrap_or(""))?;
        let now = ctx.now_ms();
        let tenant_value = tenant_json(ctx, tenant);
        let mut store = self.0.lock();
        let count = store.tenant(tenant).matching(query.as_ref(), now).len();
        Ok(json!({"items": [{"count": count, "tenant": tenant_value}]}))
    }

    /// The tenant a mutation names in `in.tenant`, else the one in context, checked for
    /// Responder or more.
    fn write_tenant(ctx: &Context<'_>, input: &Value, action: &str) -> Result<u64, String> {
        let tenant = match arg_str(input, "tenant").filter(|t| !t.trim().is_empty()) {
            Some(text) => super::tenant_id(text)?,
            None => ctx.tenant_id(),
        };
        ctx.require(tenant, Role::Responder, action)?;
        Ok(tenant)
    }

    fn update_resolution(&self, ctx: &mut Context<'_>, input: &Value) -> FieldResult {
        let tenant = Self::write_tenant(ctx, input, "Alert:update")?;
        let Some(status) = arg_str(input, "resolution_status") else {
            return Err("`resolution_status` is required".to_owned());
        };
        let ids = arg_list(input, "alert_ids").unwrap_or_default();
        if ids.is_empty() {
            return Err("`alert_ids` is required".to_owned());
        }
        let reason = arg_str(input, "reason").unwrap_or("").to_owned();
        let user = arg_str(input, "user_id")
            .unwrap_or(ctx.client_id())
            .to_owned();
        let entry_id = ctx.new_id()?;
        let now = ctx.now_ms();
        let mut store = self.0.lock();
        let data = store.tenant(tenant);
        if let Some(missing) = ids.iter().find(|id| data.alert(id).is_none()) {
            return Err(investigations::alert_not_found(missing, tenant));
        }
        data.resolve(
            &ids,
            status,
            &Resolution {
                entry_id: &entry_id,
                user: &user,
                reason: &reason,
                now,
            },
        );
        Ok(json!({"reason": reason, "resolution_status": "SUCCESS"}))
    }

    fn update_investigation(&self, ctx: &mut Context<'_>, input: &Value) -> FieldResult {
        let tenant = Self::write_tenant(ctx, input, "Alert:update")?;
        let Some(inv) = super::arg_id(input, "investigation_id") else {
            return Err("`investigation_id` is required".to_owned());
        };
        let mut ids = arg_list(input, "alerts").unwrap_or_default();
        ids.extend(arg_list(input, "genesis_alerts").unwrap_or_default());
        let delete = arg_str(input, "operation") == Some("DELETE");
        let by = ctx.client_id().to_owned();
        let now = ctx.now_ms();
        let mut store = self.0.lock();
        let data = store.tenant(tenant);
        if data.investigation(&inv).is_none() {
            return Err(investigations::not_found(&inv, tenant));
        }
        if let Some(missing) = ids.iter().find(|id| data.alert(id).is_none()) {
            return Err(investigations::alert_not_found(missing, tenant));
        }
        for id in &ids {
            if delete {
                data.unlink(id, &inv, now);
            } else {
                data.link(id, &inv, &by, now);
            }
        }
        Ok(json!({
            "id": inv, "reason": null, "events": [], "assets": [], "status": "SUCCESS",
            "access_vector_info": [],
        }))
    }
}

fn total_parts(search: &Search) -> usize {
    search.alert_ids.len().div_ceil(search.part_size).max(1)
}

/// Part `n` (from 1) of `search`, with the alerts as they are now.
fn part(data: &TenantData, search: &Search, n: usize, tenant: &Value) -> FieldResult {
    let list: Vec<Value> = search
        .alert_ids
        .iter()
        .skip((n - 1) * search.part_size)
        .take(search.part_size)
        .filter_map(|id| data.alert(id))
        .map(|a| a.to_json(tenant))
        .collect();
    let returned = search.alert_ids.len();
    let last_offset = if search.total_results == 0 {
        0
    } else {
        (search.total_results - 1) / search.limit.max(1) * search.limit.max(1)
    };
    let mut page = Map::new();
    page.insert("total_results".into(), json!(search.total_results));
    page.insert("total_parts".into(), json!(total_parts(search)));
    page.insert("part".into(), json!(n));
    page.insert("first_offset".into(), json!(0));
    page.insert(
        "previous_offset".into(),
        json!(search.offset.saturating_sub(search.limit)),
    );
    page.insert("next_offset".into(), json!(search.offset + returned));
    page.insert("last_offset".into(), json!(last_offset));
    Ok(response(Some(&search.id), list, page))
}
