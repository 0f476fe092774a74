//! Schema-driven mock data: the answer to every root field no service registers.
//!
//! A [`MockObject`] is a lazy object of a schema type identified by a key (its ID): the engine
//! asks it for the fields the operation selects, one at a time, and each is made on demand
//! from the field's schema type, so the cost of a request is bounded by its selection set (and
//! a per-request budget on list items), never by the type graph, and nothing is precomputed
//! at start-up.
//!
//! Every value is a pure function of (sandbox seed, tenant in context, object key, field name,
//! paging): the same request gives the same bytes, and an object fetched by its ID (a root
//! field whose arguments carry `id`/`<type>Id`, or `ids`/`*Ids` for lists) has the same fields
//! as where it appeared in a search. References agree with the objects they name: a field
//! `investigationId` (or the list `investigationIds`) holds the key of the object the field
//! `investigation` (or the list `investigations`) of the same object produces, and every ID
//! exists when fetched (the object with that key is made on demand). Rules:
//!
//! - lists: a size argument (`limit`, `first`, `last`, `count`, `perPage`, `pageSize`,
//!   `size`, `maxResults`, at the top level of the arguments or inside an input object), capped
//!   at 1000, with `offset`/`skip`, `page`/`pageNum`/`pageNumber` (from 1), `pageOffset`
//!   (from 0) or a cursor (`after`, `cursor`, `cursorPos`, `nextToken`, `nextPageToken`,
//!   `afterCursor`: the values the mock hands out in `*cursor*`, `next*Token` fields); the
//!   arguments of a root field page the first list of objects at most two objects down (a
//!   search response's list). A paged list has a total of 1000 to 1999 items, which its
//!   object's `total*`/`count` fields report; unpaged lists have 2 to 5 items, which a
//!   sibling `<list>Count` field reports; `ids` arguments give one item per ID;
//! - scalars by type and name: `id` is the key; `tenantId`/`tenant_id`/`tenant` is the tenant
//!   in context; `*Id`/`*_id`/`*Ids` are references (above); time-like names (`*At`, `*_at`,
//!   `*Time`, `*timestamp`, `*Date`, `*Seen`, `created`, `updated`...) and the `Time` scalar
//!   are RFC 3339 times (seconds since the epoch for `Int`, `Float`) within 97 days before
//!   2026-01-01; an object's `created*`/`first*`/`start*` times come first, its other times
//!   within the hour after, its `updated*`/`last*`/`end*`/`closed*` ones 1 hour to 6 days
//!   later; a `Timestamp`-like object reached through a time field holds that time; listed
//!   objects get version-7 UUIDs holding their creation time, newest first across pages
//!   (objects whose `id` is an `Int` get numbers);
//!   enums take a schema value; `JSONObject` and unknown custom scalars small JSON objects
//!   (`IDs`, `Tags`: lists of strings);
//! - unions and interfaces: a member type, chosen by the key;
//! - arguments whose names match a scalar field of the field's object are echoed (a mutation
//!   answers with its input, a search response with its `search_id`); nothing is stored.

use apollo_compiler::ast::Type;
use apollo_compiler::resolvers::{FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::response::{JsonMap, JsonValue};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use apollo_compiler::Schema;
use base64::Engine as _;
use std::cell::Cell;
use std::rc::Rc;

/// 2026-01-01T00:00:00Z: mock times lie within 97 days before it.
const EPOCH_S: i64 = 1_767_225_600;
/// The largest page a size argument gets.
const MAX_PAGE: u64 = 1000;
/// Default page size when a list is paged without a size.
const DEFAULT_PAGE: u64 = 10;
/// List items one request may produce in all (a deeply nested selection of lists stops there).
const BUDGET: u64 = 100_000;
const DAY: u64 = 86_400;

/// Size argument names, lower case without `_`.
const SIZE_ARGS: &[&str] = &[
    "limit",
    "first",
    "last",
    "count",
    "perpage",
    "pagesize",
    "size",
    "maxresults",
];
/// Cursor argument names, lower case without `_`.
const CURSOR_ARGS: &[&str] = &[
    "after",
    "cursor",
    "cursorpos",
    "nexttoken",
    "nextpagetoken",
    "aftercursor",
];

/// A 64-bit finaliser (splitmix64).
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The seed change for item `index` of a mocked subscription's stream: each item differs,
/// the same index always gives the same item.
pub(crate) fn item_seed(index: u64) -> u64 {
    mix(index ^ 0x5eb5_c41b)
}

/// A stable hash of `base` and `parts` (FNV-1a, then [`mix`]).
pub(crate) fn hash(base: u64, parts: &[&[u8]]) -> u64 {
    let mut h = base ^ 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

/// A version-4-shaped UUID made of `h` (also the events service's IDs).
pub(crate) fn uuid(h: u64) -> String {
    let l = mix(h ^ 0x5bd1_e995);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        0x8000 | ((l >> 48) & 0x3fff),
        l & 0xffff_ffff_ffff
    )
}

/// A version-7 UUID (its first 48 bits the time, in milliseconds) made of `secs` and `h`.
fn uuid7(secs: i64, h: u64) -> String {
    let ms = (secs.max(0) as u64).saturating_mul(1000) & 0xffff_ffff_ffff;
    let l = mix(h ^ 0x5bd1_e995);
    format!(
        "{:08x}-{:04x}-7{:03x}-{:04x}-{:012x}",
        ms >> 16,
        ms & 0xffff,
        h & 0xfff,
        0x8000 | ((l >> 48) & 0x3fff),
        l & 0xffff_ffff_ffff
    )
}

/// The time of a version-7 UUID, in seconds.
fn key_time(key: &str) -> Option<i64> {
    let b = key.as_bytes();
    if b.len() != 36 || b[14] != b'7' || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
        return None;
    }
    let hex = format!("{}{}", key.get(0..8)?, key.get(9..13)?);
    u64::from_str_radix(&hex, 16)
        .ok()
        .map(|ms| (ms / 1000) as i64)
}

/// `name` in lower case without `_`.
fn lower(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The entity a field names: `investigationIds`, `investigation_id`, `investigations` and
/// `investigation` all give `investigation`.
fn norm(name: &str) -> String {
    let mut l = lower(name);
    if l.len() > 3 && l.ends_with("ids") {
        l.truncate(l.len() - 3);
    } else if l.len() > 2 && l.ends_with("id") {
        l.truncate(l.len() - 2);
    }
    if l.len() > 1 && l.ends_with('s') {
        l.pop();
    }
    l
}

/// Whether a field of this name holds a time.
fn time_like(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    name.ends_with("At")
        || l.ends_with("_at")
        || l.ends_with("time")
        || l.ends_with("timestamp")
        || l.ends_with("date")
        || l.ends_with("seen")
        || matches!(
            l.as_str(),
            "created" | "updated" | "modified" | "expires" | "expiry" | "deleted"
        )
}

/// Whether a String/ID field of this name references another object by its ID.
fn ref_like(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l.len() > 2 && (l.ends_with("id") || l.ends_with("ids"))
}

fn tenant_like(name: &str) -> bool {
    matches!(lower(name).as_str(), "tenantid" | "tenant")
}

/// Arguments flattened: top-level ones, then the fields of input objects (two levels down);
/// the first of a name wins.
fn flatten(args: &JsonMap) -> JsonMap {
    fn walk(map: &JsonMap, depth: u8, out: &mut JsonMap) {
        for (k, v) in map {
            if !v.is_null() && !out.contains_key(k.as_str()) {
                out.insert(k.clone(), v.clone());
            }
        }
        if depth < 2 {
            for v in map.values() {
                if let JsonValue::Object(inner) = v {
                    walk(inner, depth + 1, out);
                }
            }
        }
    }
    let mut out = JsonMap::new();
    walk(args, 0, &mut out);
    out
}

/// Which slice of a list a field's arguments ask for.
#[derive(Clone, Copy, Debug)]
struct Paging {
    /// Items per page.
    size: u64,
    /// Index of the first item.
    offset: u64,
    /// Hash of the other arguments: another search is another list.
    scope: u64,
    /// Object levels the paging has been handed down.
    hops: u8,
}

fn as_count(v: &JsonValue) -> Option<u64> {
    v.as_i64().map(|n| n.max(0) as u64)
}

fn encode_cursor(offset: u64) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("offset:{offset}"))
}

fn decode_cursor(text: &str, size: u64) -> u64 {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("offset:").and_then(|n| n.parse().ok()))
        // A foreign cursor still moves to a page of its own.
        .unwrap_or_else(|| (hash(0, &[text.as_bytes()]) % 100 + 1) * size)
}

/// Whether an argument (lower case, no `_`) pages rather than filters.
fn paging_arg(l: &str) -> bool {
    SIZE_ARGS.contains(&l)
        || CURSOR_ARGS.contains(&l)
        || matches!(
            l,
            "offset" | "skip" | "page" | "pagenum" | "pagenumber" | "pageoffset"
        )
}

/// A hash of the arguments that are not paging ones (0 for none): another search, another
/// list; the same search on another page, the same list.
fn args_scope(flat: &JsonMap) -> u64 {
    let mut rest = JsonMap::new();
    for (k, v) in flat {
        if !v.is_object() && !paging_arg(&lower(k.as_str())) {
            rest.insert(k.clone(), v.clone());
        }
    }
    if rest.is_empty() {
        return 0;
    }
    hash(0, &[&serde_json::to_vec(&rest).unwrap_or_default()])
}

/// The paging a field's (flattened) arguments ask for, if any.
fn paging(flat: &JsonMap) -> Option<Paging> {
    let mut size = None;
    let mut offset = None;
    let mut page = None;
    let mut page0 = None;
    let mut cursor = None;
    for (k, v) in flat {
        let l = lower(k.as_str());
        match l.as_str() {
            _ if SIZE_ARGS.contains(&l.as_str()) && v.as_i64().is_some() => {
                size = size.or(as_count(v))
            }
            "offset" | "skip" if v.as_i64().is_some() => offset = offset.or(as_count(v)),
            "page" | "pagenum" | "pagenumber" if v.as_i64().is_some() => {
                page = page.or(as_count(v))
            }
            "pageoffset" if v.as_i64().is_some() => page0 = page0.or(as_count(v)),
            _ if CURSOR_ARGS.contains(&l.as_str()) && v.as_str().is_some() => {
                cursor = cursor.or(v.as_str().map(str::to_owned))
            }
            _ => {}
        }
    }
    if size.is_none() && offset.is_none() && page.is_none() && page0.is_none() && cursor.is_none() {
        return None;
    }
    let size = size.unwrap_or(DEFAULT_PAGE).min(MAX_PAGE);
    let offset = if let Some(o) = offset {
        o
    } else if let Some(p) = page {
        p.saturating_sub(1).saturating_mul(size)
    } else if let Some(p) = page0 {
        p.saturating_mul(size)
    } else if let Some(c) = cursor {
        decode_cursor(&c, size)
    } else {
        0
    };
    let scope = args_scope(flat);
    Some(Paging {
        size,
        offset: offset.min(u64::from(u32::MAX)),
        scope,
        hops: 0,
    })
}

/// The IDs a field's arguments name (`ids`, `*Ids`; not tenants'), for a list of objects.
fn ids(flat: &JsonMap) -> Option<Rc<Vec<String>>> {
    flat.iter().find_map(|(k, v)| {
        let l = lower(k.as_str());
        if !l.ends_with("ids") || l.starts_with("tenant") {
            return None;
        }
        let items = v.as_array()?;
        let ids: Vec<String> = items
            .iter()
            .filter_map(|i| match i {
                JsonValue::String(s) => Some(s.as_str().to_owned()),
                JsonValue::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .take(MAX_PAGE as usize)
            .collect();
        Some(Rc::new(ids))
    })
}

/// The ID of the one object a field's arguments name: `id`, else `<type>Id` for a result of
/// that type (`investigationId` for `InvestigationV2`).
fn single_id(flat: &JsonMap, type_name: &str) -> Option<String> {
    let text = |v: &JsonValue| match v {
        JsonValue::String(s) => Some(s.as_str().to_owned()),
        JsonValue::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if let Some(v) = flat.iter().find(|(k, _)| lower(k.as_str()) == "id") {
        return text(v.1);
    }
    let ty = type_name.to_ascii_lowercase();
    flat.iter().find_map(|(k, v)| {
        let l = lower(k.as_str());
        let stem = l.strip_suffix("id")?;
        (!stem.is_empty() && !stem.starts_with("tenant") && ty.starts_with(stem))
            .then(|| text(v))
            .flatten()
    })
}

/// A lazy object of a schema type: each selected field is made on demand.
pub(crate) struct MockObject {
    /// Seed and tenant, mixed.
    base: u64,
    /// The tenant in context, which `tenantId` fields report.
    tenant: u64,
    /// List items left for this request.
    budget: Rc<Cell<u64>>,
    /// The concrete object type.
    type_name: String,
    /// The object's identity (its `id`).
    key: String,
    /// Paging handed down from the field that made this object.
    paging: Option<Paging>,
    /// IDs handed down from the field that made this object.
    ids: Option<Rc<Vec<String>>>,
    /// The arguments of the field that made this object, flattened, to echo.
    echo: Option<Rc<JsonMap>>,
    /// The time this object stands for, when it was reached through a time-like field.
    time: Option<i64>,
    /// The object this one was reached from: (its type in lower case, its key).
    parent: Option<Rc<(String, String)>>,
}

/// What resolving one field needs to know about it.
struct Site<'f> {
    name: &'f str,
    flat: Rc<JsonMap>,
    paging: Option<Paging>,
    own_paging: bool,
    ids: Option<Rc<Vec<String>>>,
}

impl MockObject {
    /// The root object (`Query`, `Mutation`) of a request for the tenant `tenant` of a
    /// sandbox seeded with `seed`.
    pub(crate) fn root(seed: u64, tenant: u64, type_name: &str) -> MockObject {
        MockObject {
            base: mix(seed ^ mix(tenant ^ 0x7461_6567_6973)),
            tenant,
            budget: Rc::new(Cell::new(BUDGET)),
            type_name: type_name.to_owned(),
            key: String::new(),
            paging: None,
            ids: None,
            echo: None,
            time: None,
            parent: None,
        }
    }

    /// A hash of this object's key and `parts`.
    fn h(&self, parts: &[&[u8]]) -> u64 {
        let mut all: Vec<&[u8]> = Vec::with_capacity(parts.len() + 1);
        all.push(self.key.as_bytes());
        all.extend_from_slice(parts);
        hash(self.base, &all)
    }

    /// The key of the list a field of this object holds (shared by `x`, `xs`, `xIds`).
    fn list_key(&self, field: &str, scope: u64) -> u64 {
        self.h(&[norm(field).as_bytes(), &scope.to_le_bytes()])
    }

    /// How many items an unpaged list (or the count of one) has.
    fn small_len(&self, field: &str) -> u64 {
        2 + self.list_key(field, 0) % 4
    }

    /// The total of the paged list this object holds.
    fn total(&self, paging: &Paging) -> u64 {
        match &self.ids {
            Some(ids) => ids.len() as u64,
            None => 1000 + self.h(&[b"~total", &paging.scope.to_le_bytes()]) % 1000,
        }
    }

    /// The time of a time-like field, seconds since the epoch: `created*` first, then the
    /// rest, `updated*` after both.
    fn time_secs(&self, field: &str) -> i64 {
        if let Some(t) = self.time {
            return t;
        }
        // Listed objects carry their creation time in their (version-7) IDs.
        let base = key_time(&self.key)
            .unwrap_or_else(|| EPOCH_S - (7 * DAY + self.h(&[b"~time"]) % (89 * DAY)) as i64);
        let l = field.to_ascii_lowercase();
        let h = self.h(&[field.as_bytes()]);
        let first = [
            "creat", "insert", "first", "start", "begin", "open", "regist",
        ];
        let last = ["updat", "modif", "last", "end", "clos", "resol", "archiv"];
        if first.iter().any(|w| l.contains(w)) {
            base
        } else if last.iter().any(|w| l.contains(w)) {
            base + (3600 + h % (6 * DAY)) as i64
        } else {
            base + (h % 3600) as i64
        }
    }

    fn child(&self, type_name: String, key: String, site: &Site<'_>, time: Option<i64>) -> Self {
        let hand_down = |p: Paging| {
            (p.hops < 2).then_some(Paging {
                hops: p.hops + 1,
                ..p
            })
        };
        MockObject {
            base: self.base,
            tenant: self.tenant,
            budget: self.budget.clone(),
            type_name,
            key,
            paging: site.paging.and_then(hand_down),
            ids: site.ids.clone(),
            echo: (!site.flat.is_empty()).then(|| site.flat.clone()),
            time,
            parent: self.me(),
        }
    }

    fn item(&self, type_name: String, key: String) -> Self {
        MockObject {
            base: self.base,
            tenant: self.tenant,
            budget: self.budget.clone(),
            type_name,
            key,
            paging: None,
            ids: None,
            echo: None,
            time: None,
            parent: self.me(),
        }
    }

    /// This object as the parent of the ones reached from it (not the root).
    fn me(&self) -> Option<Rc<(String, String)>> {
        (!self.key.is_empty())
            .then(|| Rc::new((self.type_name.to_ascii_lowercase(), self.key.clone())))
    }

    /// The key of the object a reference field (`investigationId`, `investigation`) names:
    /// the parent's when the parent is of that type (an alert's evidence names its
    /// investigation), else one of its own, the same for `foo` and `fooId`.
    fn ref_key(&self, field: &str) -> String {
        let n = norm(field);
        match &self.parent {
            Some(p) if !n.is_empty() && p.0.starts_with(&n) => p.1.clone(),
            _ => uuid(self.list_key(field, 0)),
        }
    }

    /// Takes one list item from the request's budget.
    fn spend(&self) -> bool {
        let left = self.budget.get();
        if left == 0 {
            return false;
        }
        self.budget.set(left - 1);
        true
    }

    /// The value of the field `site` of type `ty`.
    fn value<'a>(
        &self,
        schema: &'a Valid<Schema>,
        site: &Site<'_>,
        ty: &'a Type,
    ) -> ResolvedValue<'a> {
        if let Some(v) = self.echoed(schema, site.name, ty) {
            return v;
        }
        if ty.is_list() {
            return self.list(schema, site, ty.item_type());
        }
        let name = ty.inner_named_type();
        match schema.types.get(name) {
            Some(ExtendedType::Object(_) | ExtendedType::Interface(_) | ExtendedType::Union(_)) => {
                let key =
                    single_id(&site.flat, name.as_str()).unwrap_or_else(|| {
                        match args_scope(&site.flat) {
                            0 => self.ref_key(site.name),
                            scope => uuid(self.list_key(site.name, scope)),
                        }
                    });
                let Some(concrete) = concrete(schema, name.as_str(), hash(0, &[key.as_bytes()]))
                else {
                    return ResolvedValue::null();
                };
                let time = time_like(site.name).then(|| self.time_secs(site.name));
                ResolvedValue::object(self.child(concrete, key, site, time))
            }
            Some(ExtendedType::Enum(e)) => {
                let h = self.h(&[site.name.as_bytes()]);
                pick_enum(e, h)
            }
            Some(ExtendedType::Scalar(_)) => {
                ResolvedValue::Leaf(self.scalar(name.as_str(), site.name, ty.is_non_null()))
            }
            _ => ResolvedValue::null(),
        }
    }

    /// An argument of the field that made this object, when it has this field's name and
    /// fits its type.
    fn echoed<'a>(
        &self,
        schema: &Valid<Schema>,
        field: &str,
        ty: &Type,
    ) -> Option<ResolvedValue<'a>> {
        let v = self.echo.as_ref()?.get(field)?;
        fits(schema, ty, v).then(|| leaves(v.clone()))
    }

    /// A list field: paged, by IDs, or small.
    fn list<'a>(
        &self,
        schema: &'a Valid<Schema>,
        site: &Site<'_>,
        item: &'a Type,
    ) -> ResolvedValue<'a> {
        let named = item.inner_named_type();
        let composite = !item.is_list()
            && matches!(
                schema.types.get(named),
                Some(ExtendedType::Object(_) | ExtendedType::Interface(_) | ExtendedType::Union(_))
            );
        let paging = if composite || site.own_paging {
            site.paging
        } else {
            None
        };
        let list_key = self.list_key(site.name, paging.map_or(0, |p| p.scope));
        // (index, key) of each item.
        let keys: Vec<(u64, Option<String>)> = match (&site.ids, paging) {
            (Some(ids), _) if composite => ids
                .iter()
                .enumerate()
                .map(|(i, id)| (i as u64, Some(id.clone())))
                .collect(),
            (_, Some(p)) => {
                let total = self.total(&p);
                let end = p.offset.saturating_add(p.size).min(total);
                (p.offset.min(end)..end).map(|i| (i, None)).collect()
            }
            _ => (0..self.small_len(site.name)).map(|i| (i, None)).collect(),
        };
        let start = EPOCH_S - (7 * DAY + list_key % (50 * DAY)) as i64;
        let mut items = Vec::with_capacity(keys.len());
        for (index, key) in keys {
            if !self.spend() {
                break;
            }
            let h = hash(list_key, &[&index.to_le_bytes()]);
            // Newest first, across pages: 1500 s ± 750 s between items.
            let born = start - (index.min(1 << 32) * 1500 + h % 1500) as i64;
            items.push(self.list_item(schema, site, item, h, key, born));
        }
        ResolvedValue::list(items)
    }

    /// Item `h` of a list field.
    fn list_item<'a>(
        &self,
        schema: &'a Valid<Schema>,
        site: &Site<'_>,
        item: &'a Type,
        h: u64,
        key: Option<String>,
        born: i64,
    ) -> ResolvedValue<'a> {
        if item.is_list() {
            // A list of lists: small inner lists.
            let inner = item.item_type();
            let n = 1 + h % 3;
            let mut items = Vec::new();
            for i in 0..n {
                if !self.spend() {
                    break;
                }
                let h = hash(h, &[&i.to_le_bytes()]);
                items.push(self.list_item(schema, site, inner, h, None, born - i as i64));
            }
            return ResolvedValue::list(items);
        }
        let named = item.inner_named_type();
        match schema.types.get(named) {
            Some(ExtendedType::Object(_) | ExtendedType::Interface(_) | ExtendedType::Union(_)) => {
                let key = key.unwrap_or_else(|| fresh_key(schema, named.as_str(), h, born));
                match concrete(schema, named.as_str(), hash(0, &[key.as_bytes()])) {
                    Some(concrete) => ResolvedValue::object(self.item(concrete, key)),
                    None => ResolvedValue::null(),
                }
            }
            Some(ExtendedType::Enum(e)) => pick_enum(e, h),
            Some(ExtendedType::Scalar(_)) => {
                let s = named.as_str();
                if matches!(s, "ID" | "String") && ref_like(site.name) {
                    // The key the list of objects of the same name gives its item.
                    return ResolvedValue::leaf(uuid7(born, h));
                }
                if time_like(site.name) {
                    if let Some(v) = time_value(s, self.time_secs(site.name) - (h % DAY) as i64) {
                        return ResolvedValue::Leaf(v);
                    }
                }
                ResolvedValue::Leaf(generic(s, site.name, &self.type_name, h))
            }
            _ => ResolvedValue::null(),
        }
    }

    /// A scalar field of this object.
    fn scalar(&self, scalar: &str, field: &str, non_null: bool) -> JsonValue {
        let h = self.h(&[field.as_bytes()]);
        let l = lower(field);
        let text = matches!(scalar, "ID" | "String");
        if l == "id" {
            return match scalar {
                "Int" => match self.key.parse::<i32>() {
                    Ok(n) => JsonValue::from(i64::from(n)),
                    Err(_) => JsonValue::from((h % 1_000_000) as i64 + 1),
                },
                "Float" => JsonValue::from((h % 1_000_000) as f64 + 1.0),
                "Boolean" => JsonValue::from(h & 1 == 1),
                _ => JsonValue::from(self.key.clone()),
            };
        }
        if tenant_like(field) {
            let tenant = self.tenant;
            match scalar {
                "Int" if tenant <= i32::MAX as u64 => return JsonValue::from(tenant as i64),
                _ if text => return JsonValue::from(tenant.to_string()),
                _ => {}
            }
        }
        if let Some(t) = self.time {
            match (scalar, l.as_str()) {
                ("Int" | "Float", "seconds" | "secs" | "epoch" | "unix" | "epochseconds") => {
                    if let Some(v) = time_value(scalar, t) {
                        return v;
                    }
                }
                ("Int", "nanos" | "nanoseconds") => return JsonValue::from(0),
                _ => {}
            }
        }
        if time_like(field) {
            if let Some(v) = time_value(scalar, self.time_secs(field)) {
                return v;
            }
        }
        if text && ref_like(field) {
            return JsonValue::from(self.ref_key(field));
        }
        // An object holding a paged list, or one of IDs: its totals and cursors.
        let paging = self.paging.or_else(|| {
            self.ids.as_ref().map(|ids| Paging {
                size: ids.len() as u64,
                offset: 0,
                scope: 0,
                hops: 0,
            })
        });
        if let Some(p) = &paging {
            if let Some(v) = self.paging_field(scalar, &l, p, non_null) {
                return v;
            }
        }
        if scalar == "Int" && l.len() > 5 && l.ends_with("count") {
            return JsonValue::from(self.small_len(&field[..field.len() - 5]) as i64);
        }
        generic(scalar, field, &self.type_name, h)
    }

    /// Totals, cursors and offsets of an object holding a paged list.
    fn paging_field(&self, scalar: &str, l: &str, p: &Paging, non_null: bool) -> Option<JsonValue> {
        let total = self.total(p);
        let next = p.offset.saturating_add(p.size);
        let more = next < total;
        let int = |n: u64| JsonValue::from(n.min(i32::MAX as u64) as i64);
        match scalar {
            "Int" if l.contains("total") || l == "count" => Some(int(total)),
            "Int" if l == "nextoffset" => Some(int(next.min(total))),
            "Int" if l == "offset" || l == "previousoffset" => Some(int(p
                .offset
                .saturating_sub(if l == "offset" { 0 } else { p.size }))),
            "Int" if l == "page" || l == "pagenum" || l == "pagenumber" => {
                Some(int(p.offset / p.size.max(1) + 1))
            }
            "Int" if SIZE_ARGS.contains(&l) => Some(int(p.size)),
            "Boolean" if l.contains("hasnext") || l.contains("hasmore") || l == "more" => {
                Some(JsonValue::from(more))
            }
            "String" | "ID" if l.contains("cursor") || l.contains("token") || l == "next" => {
                Some(if more {
                    JsonValue::from(encode_cursor(next))
                } else if non_null {
                    JsonValue::from("")
                } else {
                    JsonValue::Null
                })
            }
            _ => None,
        }
    }
}

/// The key of a new list item of type `name`, created at `born`: a number when its `id` is an
/// `Int` (so that fetching it by that ID finds the same object), else a version-7 UUID
/// holding that time.
fn fresh_key(schema: &Valid<Schema>, name: &str, h: u64, born: i64) -> String {
    let int_id = schema
        .get_object(name)
        .and_then(|o| o.fields.get("id"))
        .is_some_and(|f| f.ty.inner_named_type() == "Int");
    if int_id {
        (h % 1_000_000 + 1).to_string()
    } else {
        uuid7(born, h)
    }
}

/// A JSON value as a resolved value, lists as lists of leaves.
fn leaves<'a>(v: JsonValue) -> ResolvedValue<'a> {
    match v {
        JsonValue::Array(items) => ResolvedValue::list(items.into_iter().map(leaves)),
        other => ResolvedValue::Leaf(other),
    }
}

/// Whether `v` is a valid result of type `ty` (scalars and enums only).
fn fits(schema: &Valid<Schema>, ty: &Type, v: &JsonValue) -> bool {
    if v.is_null() {
        return false;
    }
    if ty.is_list() {
        return v
            .as_array()
            .is_some_and(|items| items.iter().all(|i| fits(schema, ty.item_type(), i)));
    }
    let name = ty.inner_named_type();
    match schema.types.get(name) {
        Some(ExtendedType::Enum(e)) => v.as_str().is_some_and(|s| e.values.contains_key(s)),
        Some(ExtendedType::Scalar(_)) => match name.as_str() {
            "Int" => v.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
            "Float" => v.is_f64(),
            "String" => v.is_string(),
            "ID" => v.is_string() || v.is_i64(),
            "Boolean" => v.is_boolean(),
            _ => true,
        },
        _ => false,
    }
}

/// The object type to serve for `name`: itself, or a member of a union or interface chosen
/// by `h`; `None` for an abstract type without members.
fn concrete(schema: &Valid<Schema>, name: &str, h: u64) -> Option<String> {
    match schema.types.get(name)? {
        ExtendedType::Object(_) => Some(name.to_owned()),
        ExtendedType::Union(u) => {
            let n = u.members.len() as u64;
            (n > 0)
                .then(|| u.members.get_index((h % n.max(1)) as usize))
                .flatten()
                .map(|m| m.name.to_string())
        }
        ExtendedType::Interface(_) => {
            let members: Vec<&str> = schema
                .types
                .iter()
                .filter_map(|(n, t)| match t {
                    ExtendedType::Object(o) if o.implements_interfaces.contains(name) => {
                        Some(n.as_str())
                    }
                    _ => None,
                })
                .collect();
            let n = members.len() as u64;
            (n > 0).then(|| members[(h % n.max(1)) as usize].to_owned())
        }
        _ => None,
    }
}

fn pick_enum<'a>(e: &apollo_compiler::schema::EnumType, h: u64) -> ResolvedValue<'a> {
    let n = e.values.len() as u64;
    match e.values.get_index((h % n.max(1)) as usize) {
        Some((name, _)) => ResolvedValue::leaf(name.as_str()),
        None => ResolvedValue::null(),
    }
}

/// A time of `secs` as a value of the scalar `scalar`, if it can hold one.
fn time_value(scalar: &str, secs: i64) -> Option<JsonValue> {
    Some(match scalar {
        "Int" => JsonValue::from(secs.min(i64::from(i32::MAX))),
        "Float" => JsonValue::from(secs as f64),
        "Boolean" | "ID" | "JSONObject" | "IDs" | "Tags" => return None,
        // String, Time and other custom scalars.
        _ => JsonValue::from(crate::util::rfc3339(secs * 1000, false)),
    })
}

/// A value of the scalar `scalar` for a field named `field` of `type_name`, made of `h`.
fn generic(scalar: &str, field: &str, type_name: &str, h: u64) -> JsonValue {
    let hex = h & 0xff_ffff;
    match scalar {
        "Boolean" => JsonValue::from(h & 1 == 1),
        "Int" => JsonValue::from((h % 100) as i64),
        "Float" => {
            let l = field.to_ascii_lowercase();
            let unit = ["severity", "confidence", "score", "probab", "risk", "ratio"];
            if unit.iter().any(|w| l.contains(w)) {
                JsonValue::from((h % 101) as f64 / 100.0)
            } else {
                JsonValue::from((h % 10_000) as f64 / 10.0)
            }
        }
        "ID" => JsonValue::from(uuid(h)),
        "String" => JsonValue::from(string(field, type_name, h)),
        "IDs" => JsonValue::Array(vec![
            JsonValue::from(uuid(h)),
            JsonValue::from(uuid(mix(h))),
        ]),
        "Tags" => JsonValue::Array(vec![JsonValue::from(format!("tag-{hex:06x}"))]),
        _ => {
            let mut map = JsonMap::new();
            map.insert("key", JsonValue::from(format!("{field}-{hex:06x}")));
            map.insert("value", JsonValue::from((h % 1000) as i64));
            JsonValue::Object(map)
        }
    }
}

/// The entity a type stands for: `ApiIntegrationSummary`, `ApiIntegration` and
/// `ApiIntegrationV2` are all `ApiIntegration`, so their names agree.
fn entity(type_name: &str) -> &str {
    let mut t = type_name;
    for suffix in ["Summary", "Details", "Detail", "Info"] {
        t = t
            .strip_suffix(suffix)
            .filter(|r| !r.is_empty())
            .unwrap_or(t);
    }
    let stem = t.trim_end_matches(|c: char| c.is_ascii_digit());
    match stem.strip_suffix('V') {
        Some(rest) if stem.len() < t.len() && !rest.is_empty() => rest,
        _ => t,
    }
}

/// A plausible string for a field named `field` of `type_name`.
fn string(field: &str, type_name: &str, h: u64) -> String {
    let type_name = entity(type_name);
    let hex = h & 0xff_ffff;
    let l = field.to_ascii_lowercase();
    if l.contains("email") {
        format!("user-{hex:06x}@example.com")
    } else if l.ends_with("url") || l.ends_with("uri") || l.contains("link") || l == "href" {
        format!(
            "https://example.com/{}/{hex:06x}",
            type_name.to_ascii_lowercase()
        )
    } else if l.ends_with("hostname") || l == "host" {
        format!("host-{hex:06x}.example.com")
    } else if l == "ip" || l.ends_with("ipaddress") || l.ends_with("ip_address") {
        format!(
            "10.{}.{}.{}",
            (h >> 8) & 0xff,
            (h >> 16) & 0xff,
            1 + (h & 0x7f)
        )
    } else if l == "name" || l == "title" || l == "displayname" {
        format!("{type_name} {hex:06x}")
    } else if [
        "description",
        "message",
        "summary",
        "comment",
        "reason",
        "text",
    ]
    .iter()
    .any(|w| l.contains(w))
    {
        format!("Sandbox {field} of {type_name} {hex:06x}.")
    } else {
        format!("{field}-{hex:06x}")
    }
}

impl ObjectValue for MockObject {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        let flat = flatten(info.arguments());
        let own = paging(&flat);
        let site = Site {
            name: info.field_name(),
            paging: own.or(self.paging),
            own_paging: own.is_some(),
            ids: ids(&flat).or_else(|| self.ids.clone()),
            flat: Rc::new(flat),
        };
        Ok(self.value(info.schema(), &site, &info.field_definition().ty))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(v: serde_json::Value) -> JsonMap {
        match JsonValue::from(v) {
            JsonValue::Object(m) => m,
            _ => JsonMap::new(),
        }
    }

    #[test]
    fn references_and_lists_name_the_same_entity() {
        for name in [
            "investigationIds",
            "investigation_ids",
            "investigations",
            "investigationId",
            "investigation",
        ] {
            assert_eq!(norm(name), "investigation", "{name}");
        }
        assert_eq!(
            norm("alertsEvidence"),
            norm("alertsEvidenceCount".strip_suffix("Count").unwrap())
        );
        assert!(ref_like("assigneeId") && ref_like("attack_technique_ids") && !ref_like("id"));
        assert!(time_like("createdAt") && time_like("inserted_at") && time_like("lastSeen"));
        assert!(!time_like("createdBy") && !time_like("format") && !time_like("status"));
        assert_eq!(entity("InvestigationV2"), "Investigation");
        assert_eq!(entity("ApiIntegrationSummary"), "ApiIntegration");
        assert_eq!(entity("Alert2"), "Alert2");
        assert_eq!(entity("V2"), "V2");
    }

    #[test]
    fn paging_reads_sizes_pages_offsets_and_cursors() {
        let p = paging(&flatten(&map(
            serde_json::json!({"arguments": {"page": 3, "perPage": 20, "cql": "x"}}),
        )))
        .unwrap();
        assert_eq!((p.size, p.offset), (20, 40));
        let q = paging(&flatten(&map(
            serde_json::json!({"arguments": {"page": 1, "perPage": 5, "cql": "x"}}),
        )))
        .unwrap();
        assert_eq!(p.scope, q.scope, "the same search on another page");
        let r = paging(&flatten(&map(
            serde_json::json!({"in": {"limit": 5000, "offset": 7}}),
        )))
        .unwrap();
        assert_eq!((r.size, r.offset), (MAX_PAGE, 7));
        let c = paging(&flatten(&map(
            serde_json::json!({"first": 4, "after": encode_cursor(12)}),
        )))
        .unwrap();
        assert_eq!((c.size, c.offset), (4, 12));
        let z = paging(&flatten(&map(
            serde_json::json!({"pageOffset": 2, "pageSize": 3}),
        )))
        .unwrap();
        assert_eq!((z.size, z.offset), (3, 6));
        assert!(paging(&flatten(&map(serde_json::json!({"cql": "x"})))).is_none());
    }

    #[test]
    fn ids_come_from_id_arguments_but_not_tenants() {
        let flat = flatten(&map(
            serde_json::json!({"in": {"iDs": ["a", "b"]}, "tenantIds": ["1"]}),
        ));
        assert_eq!(ids(&flat).unwrap().as_slice(), ["a", "b"]);
        let flat = flatten(&map(serde_json::json!({"arguments": {"id": "x"}})));
        assert_eq!(single_id(&flat, "InvestigationV2").as_deref(), Some("x"));
        let flat = flatten(&map(
            serde_json::json!({"investigationId": "y", "tenantId": "1"}),
        ));
        assert_eq!(single_id(&flat, "InvestigationV2").as_deref(), Some("y"));
        assert_eq!(single_id(&flat, "Alert"), None);
    }

    #[test]
    fn uuids_are_shaped_and_stable() {
        let u = uuid(hash(1, &[b"a"]));
        assert_eq!(u, uuid(hash(1, &[b"a"])));
        assert_ne!(u, uuid(hash(2, &[b"a"])));
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
    }

    #[test]
    fn listed_ids_carry_their_time() {
        let k = uuid7(EPOCH_S - 5, 42);
        assert_eq!(k.len(), 36);
        assert_eq!(&k[14..15], "7");
        assert_eq!(key_time(&k), Some(EPOCH_S - 5));
        assert_eq!(key_time(&uuid(42)), None);
        assert_eq!(key_time("not-a-uuid"), None);
    }
}
