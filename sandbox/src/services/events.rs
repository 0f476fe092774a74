//! Events search on the events gateway (`/events/query`), as the Python SDK's
//! `commons/events/search.py` and taegis-magic's `events search` read it: the subscription
//! `eventQuery(query, metadata, options)` streams a status message, then the first page of
//! each event type the query names, then a closing status; each page message carries `next`
//! (an opaque page ID) while rows remain, and the subscription `eventPage(id)` streams the
//! next page, until no `next`. `Query.events(ids)` fetches rows by their `resource_id`.
//!
//! Rows are never stored: a tenant has one event of each type every [`SPACING_MS`] (at most
//! [`MAX_WINDOW_DAYS`] back), and event number `n` (its time slot) of type `t` in tenant `T`
//! is a pure function of (sandbox seed, `T`, `t`, `n`). A page is made when it is sent, from
//! the cursor its page ID carries, so memory stays flat whatever the result's size. The query
//! is the CQL subset of [`crate::cql`]: `FROM` types, `WHERE` (evaluated on each row),
//! `EARLIEST`/`LATEST` (default: the last day), `| head N` (caps the rows; `| tail` is
//! refused), at most [`MAX_TYPES`] types. Options: `pageSize` (default 1,000, at most
//! 10,000), `maxRows` (default and at most 1,000,000), `timestampAscending` (default newest
//! first). A page scans at most [`SCAN_BUDGET`] events per type: a very selective filter may
//! give short (even empty) pages, still with `next`, so a page always answers quickly.
//!
//! Message shapes follow the Go SDK's reading of the real gateway (`events/subscriptions.go`
//! `GetAllEventResults`): a message whose `result` is null is a query status (`RUNNING`
//! first, `SUCCEEDED` last); the Python SDK drops a subscription's last message, which is that
//! closing status.

use super::FieldResult;
use crate::cql::{self, Pipe, Query, TimeBound};
use crate::mock::{hash, uuid};
use crate::service::{Context, Seed, Service, SubscriptionStream};
use crate::util::rfc3339;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use taegis_sdk_codegen::Endpoint;

/// One event of each type every this many milliseconds, per tenant.
pub(crate) const SPACING_MS: i64 = 500;
/// The oldest events, in days before now.
pub(crate) const MAX_WINDOW_DAYS: i64 = 400;
/// Events one page examines per type, at most.
pub(crate) const SCAN_BUDGET: u64 = 250_000;
/// Event types one query may name (a page holds up to a page of rows of each).
pub(crate) const MAX_TYPES: usize = 16;
const DEFAULT_PAGE_SIZE: u64 = 1000;
const MAX_PAGE_SIZE: u64 = 10_000;
const MAX_ROWS: u64 = 1_000_000;
const DAY_MS: i64 = 86_400_000;

/// The events service: `eventQuery` and `eventPage` (subscriptions), `events` and the query
/// `eventQuery(id)`.
#[derive(Default)]
pub(crate) struct Events {
    seed: AtomicU64,
}

/// Where a result stands: what the page ID carries (base64url JSON, with a check hash).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Cursor {
    /// The query ID.
    id: String,
    /// The query text.
    q: String,
    /// The tenant.
    t: u64,
    /// Oldest and newest time slots of the window.
    lo: i64,
    hi: i64,
    /// When the query was submitted.
    at: i64,
    /// Page size.
    ps: u64,
    /// Rows still allowed (maxRows, head).
    rem: u64,
    asc: bool,
    /// Per type of `FROM`: slots walked so far, `-1` once done.
    pos: Vec<i64>,
    /// The page number to make next.
    page: u64,
    /// Rows sent before this page.
    #[serde(default)]
    sent: u64,
}

impl Events {
    fn seed(&self) -> u64 {
        self.seed.load(Ordering::Relaxed)
    }

    fn encode(&self, cursor: &Cursor) -> String {
        let body = serde_json::to_vec(cursor).unwrap_or_default();
        let check = hash(self.seed() ^ 0xE7E7, &[&body]);
        format!("{}.{check:016x}", URL_SAFE_NO_PAD.encode(&body))
    }

    fn decode(&self, page_id: &str, tenant: u64) -> Result<Cursor, String> {
        let invalid = || "invalid page identifier".to_owned();
        let (body, check) = page_id.split_once('.').ok_or_else(invalid)?;
        let body = URL_SAFE_NO_PAD.decode(body).map_err(|_| invalid())?;
        if format!("{:016x}", hash(self.seed() ^ 0xE7E7, &[&body])) != check {
            return Err(invalid());
        }
        let cursor: Cursor = serde_json::from_slice(&body).map_err(|_| invalid())?;
        // A page of another tenant's query does not exist for this caller.
        if cursor.t != tenant {
            return Err(invalid());
        }
        Ok(cursor)
    }
}

impl Service for Events {
    fn name(&self) -> &str {
        "events"
    }

    fn root_fields(&self) -> &[(Endpoint, &str)] {
        const E: Endpoint = Endpoint::EVENTS;
        &[(E, "eventQuery"), (E, "eventPage"), (E, "events")]
    }

    fn seed(&self, seed: &mut Seed<'_>) -> Result<(), String> {
        self.seed.store(seed.seed(), Ordering::Relaxed);
        Ok(())
    }

    fn resolve(&self, ctx: &mut Context<'_>, field: &str, args: &Value) -> FieldResult {
        let tenant = ctx.tenant_id();
        match field {
            // The query `eventQuery(id)`: a query's status, by its ID.
            "eventQuery" => Ok(json!({
                "id": args["id"], "status": "SUCCEEDED", "types": [], "aggregated": false,
            })),
            "events" => {
                let ids = super::arg_list(args, "ids").unwrap_or_default();
                Ok(Value::Array(
                    ids.iter()
                        .map(|id| match parse_resource_id(id, tenant) {
                            Some((kind, slot)) => json!({
                                "id": id,
                                "values": row(self.seed(), tenant, &kind, slot),
                                "provenance": {"backendSources": ["sandbox"], "fromCache": false},
                            }),
                            None => Value::Null,
                        })
                        .collect(),
                ))
            }
            _ => Err(crate::service::unserved(field)),
        }
    }

    fn subscribe(
        &self,
        ctx: &mut Context<'_>,
        field: &str,
        args: &Value,
    ) -> Result<SubscriptionStream, String> {
        let tenant = ctx.tenant_id();
        let seed = self.seed();
        match field {
            "eventQuery" => {
                let text = super::arg_str(args, "query").unwrap_or("").to_owned();
                let query = parse(&text)?;
                let options = &args["options"];
                let now = ctx.now_ms();
                let latest = query.latest.map_or(now, |b| b.resolve(now)).min(now);
                let floor = now - MAX_WINDOW_DAYS * DAY_MS;
                let earliest = query
                    .earliest
                    .unwrap_or(TimeBound::Relative(-DAY_MS))
                    .resolve(now)
                    .max(floor);
                let ps = super::arg_int(options, "pageSize")
                    .filter(|n| *n > 0)
                    .map_or(DEFAULT_PAGE_SIZE, |n| (n as u64).min(MAX_PAGE_SIZE));
                let mut rem = super::arg_int(options, "maxRows")
                    .filter(|n| *n > 0)
                    .map_or(MAX_ROWS, |n| (n as u64).min(MAX_ROWS));
                for pipe in &query.pipes {
                    if let Pipe::Head(n) = pipe {
                        rem = rem.min(*n);
                    }
                }
                let id = uuid(hash(
                    seed,
                    &[
                        b"query",
                        &tenant.to_le_bytes(),
                        text.as_bytes(),
                        &now.to_le_bytes(),
                    ],
                ));
                let cursor = Cursor {
                    id,
                    q: text,
                    t: tenant,
                    lo: earliest.div_euclid(SPACING_MS)
                        + i64::from(earliest.rem_euclid(SPACING_MS) != 0),
                    hi: latest.div_euclid(SPACING_MS),
                    at: now,
                    ps,
                    rem,
                    asc: super::arg_bool(options, "timestampAscending").unwrap_or(false),
                    pos: vec![0; query.from.len()],
                    page: 0,
                    sent: 0,
                };
                let metadata = args.get("metadata").cloned().unwrap_or(Value::Null);
                Ok(self.stream(seed, cursor, query, metadata, true))
            }
            "eventPage" => {
                let page_id = super::arg_id(args, "id").unwrap_or_default();
                let cursor = self.decode(&page_id, tenant)?;
                let query = parse(&cursor.q)?;
                Ok(self.stream(seed, cursor, query, Value::Null, false))
            }
            _ => Ok(SubscriptionStream::once(self.resolve(ctx, field, args))),
        }
    }
}

impl Events {
    /// The messages of one page: a `RUNNING` status first when `opening`, one message per
    /// type with its rows (made when the first is pulled), then the closing status.
    fn stream(
        &self,
        seed: u64,
        cursor: Cursor,
        query: Query,
        metadata: Value,
        opening: bool,
    ) -> SubscriptionStream {
        let codec = Events {
            seed: AtomicU64::new(self.seed()),
        };
        let head = opening.then(|| status(&cursor, &query, &metadata, "RUNNING"));
        let mut pages: Option<std::vec::IntoIter<Value>> = None;
        let mut tail = Some(status(&cursor, &query, &metadata, "SUCCEEDED"));
        let mut head = head;
        SubscriptionStream::new(std::iter::from_fn(move || {
            if let Some(h) = head.take() {
                return Some(Ok(h));
            }
            let page = pages.get_or_insert_with(|| {
                make_page(&codec, seed, &cursor, &query, &metadata).into_iter()
            });
            if let Some(message) = page.next() {
                return Some(Ok(message));
            }
            tail.take().map(Ok)
        }))
    }
}

fn parse(text: &str) -> Result<Query, String> {
    let query = cql::parse_query(text).map_err(|e| e.to_string())?;
    if query.from.len() > MAX_TYPES {
        return Err(format!(
            "at most {MAX_TYPES} event types in one query (FROM names {})",
            query.from.len()
        ));
    }
    if query.pipes.iter().any(|p| matches!(p, Pipe::Tail(_))) {
        return Err("`| tail` is not supported by the sandbox's events search".to_owned());
    }
    Ok(query)
}

/// A query status message (`result` null).
fn status(cursor: &Cursor, query: &Query, metadata: &Value, state: &str) -> Value {
    json!({
        "queryId": cursor.id,
        "next": null,
        "prev": null,
        "query": query_json(cursor, query, metadata, state),
        "result": null,
    })
}

fn query_json(cursor: &Cursor, query: &Query, metadata: &Value, state: &str) -> Value {
    json!({
        "id": cursor.id,
        "types": query.from,
        "query": cursor.q,
        "status": state,
        "submitted": rfc3339(cursor.at, true),
        "expires": rfc3339(cursor.at + DAY_MS, true),
        "completed": (state == "SUCCEEDED").then(|| rfc3339(cursor.at, true)),
        "earliest": rfc3339(cursor.lo * SPACING_MS, true),
        "latest": rfc3339(cursor.hi * SPACING_MS, true),
        "aggregated": false,
        "metadata": metadata,
    })
}

/// The page `cursor` points at: one message per type of the query, each with `next` when any
/// type has rows left.
fn make_page(
    codec: &Events,
    seed: u64,
    cursor: &Cursor,
    query: &Query,
    metadata: &Value,
) -> Vec<Value> {
    let span = (cursor.hi - cursor.lo + 1).max(0);
    let mut next = cursor.clone();
    next.page += 1;
    let mut pages: Vec<(String, Vec<Value>, u64)> = Vec::new();
    for (i, kind) in query.from.iter().enumerate() {
        let mut rows = Vec::new();
        let mut scanned = 0u64;
        let mut pos = cursor.pos[i];
        if pos >= 0 {
            while pos < span
                && scanned < SCAN_BUDGET
                && next.rem > 0
                && (rows.len() as u64) < cursor.ps
            {
                let slot = if cursor.asc {
                    cursor.lo + pos
                } else {
                    cursor.hi - pos
                };
                pos += 1;
                scanned += 1;
                let r = row(seed, cursor.t, kind, slot);
                if query.matches(&r) {
                    rows.push(r);
                    next.rem -= 1;
                }
            }
            if pos >= span || next.rem == 0 {
                pos = -1;
            }
        }
        next.pos[i] = pos;
        let filtered = scanned - rows.len() as u64;
        pages.push((kind.clone(), rows, filtered));
    }
    let more = next.rem > 0 && next.pos.iter().any(|p| *p >= 0);
    let in_page: u64 = pages.iter().map(|(_, rows, _)| rows.len() as u64).sum();
    next.sent = cursor.sent + in_page;
    // The result's total: exact without a filter (every slot of the window is a row, up to
    // maxRows), else the rows found so far, a lower bound while more remain.
    let (total_rows, lower_bound) = if query.filter.is_none() {
        let left: i64 = next.pos.iter().filter(|p| **p >= 0).map(|p| span - p).sum();
        (next.sent + next.rem.min(left.max(0) as u64), false)
    } else {
        (next.sent, more)
    };
    let next_id = more.then(|| codec.encode(&next));
    let submitted = rfc3339(cursor.at, true);
    pages
        .into_iter()
        .map(|(kind, rows, filtered)| {
            json!({
                "queryId": cursor.id,
                "next": next_id,
                "prev": null,
                "query": query_json(cursor, query, metadata, "RUNNING"),
                "result": {
                    "id": format!("{}-{kind}-{}", cursor.id, cursor.page),
                    "type": kind,
                    "status": "SUCCEEDED",
                    "reason": null,
                    "submitted": submitted,
                    "completed": submitted,
                    "expires": rfc3339(cursor.at + DAY_MS, true),
                    "backend": "sandbox",
                    "facets": {},
                    "rows": rows,
                    "progress": {
                        "type": kind,
                        "totalRows": total_rows,
                        "totalRowsIsLowerBound": lower_bound,
                        "rowsRemoved": 0,
                        "rowsFiltered": filtered,
                        "resultsTruncated": more,
                    },
                    "provenance": {"backendSources": ["sandbox"], "fromCache": false},
                    "fields": fields(&kind).iter().map(|f| json!({"name": f, "searchable": true, "debug": false})).collect::<Vec<_>>(),
                },
            })
        })
        .collect()
}

/// `event://priv:<type>:<tenant>:<slot>:<check>` → (type, slot), if it is an event of `tenant`.
fn parse_resource_id(id: &str, tenant: u64) -> Option<(String, i64)> {
    let rest = id.strip_prefix("event://priv:")?;
    let mut parts = rest.split(':');
    let (kind, t, slot, check) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || t.parse::<u64>().ok()? != tenant {
        return None;
    }
    let slot: i64 = slot.parse().ok()?;
    (resource_id(kind, tenant, slot).ends_with(&format!(":{check}")))
        .then(|| (kind.to_owned(), slot))
}

fn resource_id(kind: &str, tenant: u64, slot: i64) -> String {
    let check = hash(
        0x1D,
        &[kind.as_bytes(), &tenant.to_le_bytes(), &slot.to_le_bytes()],
    ) & 0xffff_ffff;
    format!("event://priv:{kind}:{tenant}:{slot}:{check:08x}")
}

const HOSTS: &[&str] = &[
    "ws-finance-01",
    "ws-hr-02",
    "srv-db-01",
    "srv-web-02",
    "ws-dev-03",
    "dc-01",
    "ws-ops-04",
    "srv-mail-01",
];
const USERS: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "SYSTEM",
];
const PROCESSES: &[(&str, &str)] = &[
    (
        "powershell.exe",
        "powershell.exe -NoProfile -Command Get-Process",
    ),
    ("cmd.exe", "cmd.exe /c whoami"),
    ("chrome.exe", "chrome.exe --type=renderer"),
    ("svchost.exe", "svchost.exe -k netsvcs"),
    ("python3", "python3 /opt/app/worker.py"),
    ("bash", "bash -c 'curl -s http://example.com/install.sh'"),
    ("rundll32.exe", "rundll32.exe shell32.dll,Control_RunDLL"),
];
const DOMAINS: &[&str] = &[
    "example.com",
    "updates.example.net",
    "cdn.example.org",
    "login.example.com",
    "evil.example",
];

/// The names of a type's fields (the result's `fields`).
fn fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "process" => &[
            "resource_id",
            "event_time_usec",
            "ingest_time_usec",
            "tenant_id",
            "host_id",
            "hostname",
            "sensor_type",
            "username",
            "process_name",
            "commandline",
            "pid",
            "parent_process_name",
            "image_path",
        ],
        "netflow" => &[
            "resource_id",
            "event_time_usec",
            "ingest_time_usec",
            "tenant_id",
            "host_id",
            "hostname",
            "sensor_type",
            "source_address",
            "source_port",
            "destination_address",
            "destination_port",
            "protocol",
            "bytes_sent",
        ],
        "auth" => &[
            "resource_id",
            "event_time_usec",
            "ingest_time_usec",
            "tenant_id",
            "host_id",
            "hostname",
            "sensor_type",
            "username",
            "action",
            "auth_result",
            "source_address",
        ],
        "dnsquery" => &[
            "resource_id",
            "event_time_usec",
            "ingest_time_usec",
            "tenant_id",
            "host_id",
            "hostname",
            "sensor_type",
            "query_name",
            "record_type",
            "source_address",
        ],
        _ => &[
            "resource_id",
            "event_time_usec",
            "ingest_time_usec",
            "tenant_id",
            "host_id",
            "hostname",
            "sensor_type",
            "username",
            "source_address",
        ],
    }
}

/// Event `slot` of type `kind` in `tenant`: a pure function of its arguments.
pub(crate) fn row(seed: u64, tenant: u64, kind: &str, slot: i64) -> Value {
    let h = hash(
        seed ^ 0xE5E5,
        &[kind.as_bytes(), &tenant.to_le_bytes(), &slot.to_le_bytes()],
    );
    let mut rng = fastrand::Rng::with_seed(h);
    let time_us = (slot * SPACING_MS + rng.i64(0..SPACING_MS)) * 1000;
    let host = rng.usize(..HOSTS.len());
    let ip = |rng: &mut fastrand::Rng, private: bool| {
        if private {
            format!("10.{}.{}.{}", tenant % 250, rng.u8(..), rng.u8(1..255))
        } else {
            format!("203.0.113.{}", rng.u8(1..255))
        }
    };
    let mut m = Map::new();
    m.insert("resource_id".into(), resource_id(kind, tenant, slot).into());
    m.insert("event_time_usec".into(), time_us.into());
    m.insert(
        "ingest_time_usec".into(),
        (time_us + rng.i64(1_000_000..30_000_000)).into(),
    );
    m.insert("tenant_id".into(), tenant.to_string().into());
    m.insert(
        "host_id".into(),
        uuid(hash(
            seed,
            &[b"host", &tenant.to_le_bytes(), &host.to_le_bytes()],
        ))
        .into(),
    );
    m.insert("hostname".into(), HOSTS[host].into());
    m.insert(
        "sensor_type".into(),
        (if kind == "netflow" {
            "NETWORK_ISENSOR"
        } else {
            "ENDPOINT_TAEGIS"
        })
        .into(),
    );
    let user = USERS[rng.usize(..USERS.len())];
    match kind {
        "process" => {
            let (name, line) = PROCESSES[rng.usize(..PROCESSES.len())];
            let parent = PROCESSES[rng.usize(..PROCESSES.len())].0;
            m.insert("username".into(), user.into());
            m.insert("process_name".into(), name.into());
            m.insert("commandline".into(), line.into());
            m.insert("pid".into(), rng.u32(100..65_000).into());
            m.insert("parent_process_name".into(), parent.into());
            m.insert(
                "image_path".into(),
                format!("C:\\Windows\\System32\\{name}").into(),
            );
        }
        "netflow" => {
            m.insert("source_address".into(), ip(&mut rng, true).into());
            m.insert("source_port".into(), rng.u16(1024..65_535).into());
            m.insert("destination_address".into(), ip(&mut rng, false).into());
            m.insert(
                "destination_port".into(),
                [22u16, 53, 80, 443, 445, 3389][rng.usize(..6)].into(),
            );
            m.insert(
                "protocol".into(),
                (if rng.bool() { "TCP" } else { "UDP" }).into(),
            );
            m.insert("bytes_sent".into(), rng.u32(40..2_000_000).into());
        }
        "auth" => {
            m.insert("username".into(), user.into());
            m.insert("action".into(), "LOGIN".into());
            m.insert(
                "auth_result".into(),
                (if rng.u8(..10) < 8 {
                    "SUCCESS"
                } else {
                    "FAILURE"
                })
                .into(),
            );
            m.insert("source_address".into(), ip(&mut rng, true).into());
        }
        "dnsquery" => {
            m.insert(
                "query_name".into(),
                DOMAINS[rng.usize(..DOMAINS.len())].into(),
            );
            m.insert(
                "record_type".into(),
                ["A", "AAAA", "TXT", "CNAME"][rng.usize(..4)].into(),
            );
            m.insert("source_address".into(), ip(&mut rng, true).into());
        }
        _ => {
            m.insert("username".into(), user.into());
            m.insert("source_address".into(), ip(&mut rng, true).into());
        }
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_pure_and_resource_ids_round_trip() {
        let a = row(1, 10, "process", 42);
        assert_eq!(a, row(1, 10, "process", 42));
        assert_ne!(a, row(1, 10, "process", 43));
        assert_ne!(a, row(1, 11, "process", 42));
        let id = a["resource_id"].as_str().unwrap();
        assert_eq!(parse_resource_id(id, 10), Some(("process".to_owned(), 42)));
        assert_eq!(parse_resource_id(id, 11), None);
        assert_eq!(parse_resource_id(&id.replace(":42:", ":43:"), 10), None);
    }

    #[test]
    fn page_ids_are_checked() {
        let events = Events::default();
        let cursor = Cursor {
            id: "q".into(),
            q: "FROM process".into(),
            t: 5,
            lo: 0,
            hi: 10,
            at: 0,
            ps: 3,
            rem: 100,
            asc: false,
            pos: vec![0],
            page: 1,
            sent: 0,
        };
        let id = events.encode(&cursor);
        assert_eq!(events.decode(&id, 5).unwrap().ps, 3);
        assert!(events.decode(&id, 6).is_err());
        assert!(events.decode(&format!("{id}0"), 5).is_err());
        assert!(events.decode("garbage", 5).is_err());
    }
}
