//! The schema-driven mock over real HTTP on 127.0.0.1: every Query root field of every bundled
//! schema answers, deterministically for a seed, with paging, IDs that agree across calls,
//! schema enum values and RFC 3339 times; registered services keep their fields.

mod common;
use common::bootstrap_token;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use taegis_sandbox::{Endpoint, Sandbox};

/// A sandbox, an HTTP client and the bootstrap token.
struct Api {
    sb: Sandbox,
    http: reqwest::Client,
    token: String,
}

async fn start(seed: u64) -> Api {
    let sb = Sandbox::builder()
        .tenants(3)
        .seed(seed)
        .start()
        .await
        .expect("sandbox starts");
    let http = reqwest::Client::new();
    let token = bootstrap_token(&http, &sb).await;
    Api { sb, http, token }
}

impl Api {
    /// POSTs `query` to `path`; returns the raw body text.
    async fn text(&self, path: &str, query: &str, tenant: Option<&str>) -> String {
        let mut req = self
            .http
            .post(format!("{}{path}", self.sb.base_url()))
            .bearer_auth(&self.token)
            .json(&json!({ "query": query }));
        if let Some(t) = tenant {
            req = req.header("X-Tenant-Context", t);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.text().await.unwrap()
    }

    /// POSTs `query` to `path` and asserts there are no errors; returns `data`.
    async fn data(&self, path: &str, query: &str) -> Value {
        let body: Value = serde_json::from_str(&self.text(path, query, None).await).unwrap();
        assert!(body.get("errors").is_none(), "{query}\n{body}");
        body["data"].clone()
    }
}

/// The types of an introspection result, by name.
struct Types(HashMap<String, Value>);

impl Types {
    fn of(endpoint: Endpoint) -> (Types, Value) {
        let text = taegis_sandbox_schema(endpoint);
        let mut v: Value = serde_json::from_str(text).unwrap();
        if let Some(data) = v.get_mut("data") {
            v = data.take();
        }
        let schema = v["__schema"].take();
        let types = schema["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
            .collect();
        (Types(types), schema)
    }

    fn get(&self, name: &str) -> &Value {
        &self.0[name]
    }

    /// A literal of type `ty` (an introspection type reference): required input fields only.
    fn literal(&self, ty: &Value, depth: u32) -> String {
        match ty["kind"].as_str().unwrap() {
            "NON_NULL" => self.literal(&ty["ofType"], depth),
            "LIST" => format!("[{}]", self.literal(&ty["ofType"], depth)),
            _ => {
                let name = ty["name"].as_str().unwrap();
                let def = self.get(name);
                match def["kind"].as_str().unwrap() {
                    "ENUM" => def["enumValues"][0]["name"].as_str().unwrap().to_owned(),
                    "INPUT_OBJECT" if depth < 6 => {
                        let fields: Vec<String> = def["inputFields"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .filter(|f| required(f))
                            .map(|f| {
                                format!(
                                    "{}: {}",
                                    f["name"].as_str().unwrap(),
                                    self.literal(&f["type"], depth + 1)
                                )
                            })
                            .collect();
                        format!("{{{}}}", fields.join(", "))
                    }
                    "INPUT_OBJECT" => "{}".to_owned(),
                    _ => match name {
                        "Int" => "1".to_owned(),
                        "Float" => "1.5".to_owned(),
                        "Boolean" => "true".to_owned(),
                        "Time" => "\"2026-01-01T00:00:00Z\"".to_owned(),
                        _ => "\"x1\"".to_owned(),
                    },
                }
            }
        }
    }

    /// `__typename` and the first three leaf fields without required arguments, for an
    /// object; nothing for a leaf.
    fn selection(&self, ty: &Value) -> String {
        let name = named(ty);
        let def = self.get(name);
        match def["kind"].as_str().unwrap() {
            "OBJECT" => {
                let leaves: Vec<&str> = def["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| !f["args"].as_array().unwrap().iter().any(required))
                    .filter(|f| {
                        matches!(
                            self.get(named(&f["type"]))["kind"].as_str(),
                            Some("SCALAR" | "ENUM")
                        )
                    })
                    .map(|f| f["name"].as_str().unwrap())
                    .take(3)
                    .collect();
                format!("{{ __typename {} }}", leaves.join(" "))
            }
            "UNION" | "INTERFACE" => "{ __typename }".to_owned(),
            _ => String::new(),
        }
    }
}

fn taegis_sandbox_schema(endpoint: Endpoint) -> &'static str {
    taegis_sdk_codegen::bundled_schema(endpoint).expect("bundled schema")
}

fn required(field: &Value) -> bool {
    field["type"]["kind"] == "NON_NULL" && field["defaultValue"].is_null()
}

fn named(ty: &Value) -> &str {
    match ty["kind"].as_str().unwrap() {
        "NON_NULL" | "LIST" => named(&ty["ofType"]),
        _ => ty["name"].as_str().unwrap(),
    }
}

/// Root fields a registered service answers, which (rightly) refuse the placeholder
/// arguments this test sends (`"x1"` IDs, inputs with only their required fields): the
/// services' own checks, not the mock. `(endpoint, fields, reason)`.
const REFUSED: &[(&str, &[&str], &str)] = &[
    (
        "main",
        &[
            "client",
            "rotateClientSecret",
            "forceRotateClientSecret",
            "appendClientRoles",
            "removeClientRoles",
            "deleteClient",
        ],
        "clients: no client has ID x1",
    ),
    (
        "main",
        &["alertsServicePoll"],
        "alerts: the placeholder input names no search",
    ),
    (
        "main",
        &[
            "alertsServiceUpdateResolutionInfo",
            "alertsServiceUpdateInvestigationInfo",
        ],
        "alerts: the input names no resolution status / no investigation",
    ),
    (
        "main",
        &[
            "investigationV2",
            "updateInvestigationV2",
            "closeInvestigation",
            "archiveInvestigationV2",
            "unarchiveInvestigationV2",
            "addEvidenceToInvestigation",
            "removeEvidenceFromInvestigation",
            "addCommentToInvestigation",
            "commentsV2",
        ],
        "investigations2: the input names no investigation",
    ),
    (
        "main",
        &["updateInvestigationComment", "deleteInvestigationComment"],
        "investigations2: the input names no comment",
    ),
    (
        "main",
        &["createInvestigationV2"],
        "investigations2: the input has no title",
    ),
    (
        "main",
        &["tenant"],
        "tenants4: no tenant has ID x1 (null, as for an invisible tenant)",
    ),
    ("main", &["tdruser"], "users: no user has ID x1"),
    (
        "main",
        &["currentTDRUser"],
        "users: the caller is an API client, not a user",
    ),
    (
        "tenants",
        &[
            "getSSOConnection",
            "updateSSOConnection",
            "deleteSSOConnection",
        ],
        "sso: no connection has ID x1",
    ),
    (
        "tenants",
        &["getSSOConnectionConfig"],
        "sso: the input names no metadata URL, XML or certificate",
    ),
    (
        "tenants",
        &["createSSOConnection"],
        "sso: the first enum value, `unknown`, is not a SAML connection type",
    ),
    (
        "tenants",
        &["createSubscription", "createTenant"],
        "tenants: the input has no name",
    ),
    (
        "tenants",
        &["updateSubscription", "deleteSubscription"],
        "tenants: no subscription has ID x1",
    ),
    (
        "tenants",
        &[
            "assignSubscription",
            "unassignSubscription",
            "createTenantLabel",
            "updateTenantLabel",
            "deleteTenantLabel",
            "updateTenant",
            "updateAllowResponseAction",
            "enableTenantSupport",
            "disableTenantSupport",
        ],
        "tenants: no tenant has ID x1",
    ),
];

#[tokio::test]
async fn every_root_field_of_every_schema_answers() {
    let api = start(7).await;
    let mut failures = Vec::new();
    let mut answered = 0;
    let mut total = 0;
    for endpoint in Endpoint::ALL {
        if taegis_sdk_codegen::bundled_schema(*endpoint).is_none() {
            continue;
        }
        let (types, schema) = Types::of(*endpoint);
        for (kind, root) in [("query", "queryType"), ("mutation", "mutationType")] {
            let Some(root) = schema[root]["name"].as_str() else {
                continue;
            };
            let fields = types.get(root)["fields"].as_array().unwrap().clone();
            total += fields.len();
            answered += run_chunks(&api, *endpoint, &types, kind, &fields, &mut failures).await;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let refused: usize = REFUSED.iter().map(|(_, names, _)| names.len()).sum();
    assert_eq!(answered + refused, total);
    // Query and Mutation root fields of the 7 bundled schemas.
    assert!(total > 950, "{total}");
}

/// A `kind` operation selecting each of `fields` as `f<i>`, required arguments filled with
/// placeholders.
fn document(types: &Types, kind: &str, fields: &[Value]) -> String {
    let mut doc = format!("{kind} {{\n");
    for (i, f) in fields.iter().enumerate() {
        let args: Vec<String> = f["args"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| required(a))
            .map(|a| {
                format!(
                    "{}: {}",
                    a["name"].as_str().unwrap(),
                    types.literal(&a["type"], 0)
                )
            })
            .collect();
        let args = if args.is_empty() {
            String::new()
        } else {
            format!("({})", args.join(", "))
        };
        doc.push_str(&format!(
            "  f{i}: {}{args} {}\n",
            f["name"].as_str().unwrap(),
            types.selection(&f["type"])
        ));
    }
    doc.push('}');
    doc
}

/// Sends `fields` (root fields of a `kind` operation) 40 per request, one by one when a
/// failing non-null field nulls a whole response; returns how many answered with data and
/// no error, and adds the others (unless [`REFUSED`]) to `failures`.
async fn run_chunks(
    api: &Api,
    endpoint: Endpoint,
    types: &Types,
    kind: &str,
    fields: &[Value],
    failures: &mut Vec<String>,
) -> usize {
    let mut answered = 0;
    let mut alone = Vec::new();
    for chunk in fields.chunks(40) {
        let doc = document(types, kind, chunk);
        let body: Value = serde_json::from_str(&api.text(endpoint.path, &doc, None).await).unwrap();
        if !body["data"].is_object() {
            alone.extend(chunk.iter().map(std::slice::from_ref));
            continue;
        }
        answered += check(endpoint, chunk, &body, failures);
    }
    for one in alone {
        let doc = document(types, kind, one);
        let body: Value = serde_json::from_str(&api.text(endpoint.path, &doc, None).await).unwrap();
        answered += check(endpoint, one, &body, failures);
    }
    answered
}

/// Counts the fields of `chunk` that answered in `body`; records the others.
fn check(endpoint: Endpoint, chunk: &[Value], body: &Value, failures: &mut Vec<String>) -> usize {
    let mut answered = 0;
    let failed: Vec<String> = body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| format!("{} {}", e["path"][0], e["message"]))
                .collect()
        })
        .unwrap_or_default();
    for (i, f) in chunk.iter().enumerate() {
        let name = f["name"].as_str().unwrap();
        let alias = format!("f{i}");
        let errors: Vec<&String> = failed
            .iter()
            .filter(|e| e.starts_with(&format!("\"{alias}\" ")))
            .collect();
        let data = &body["data"][&alias];
        if errors.is_empty() && !data.is_null() {
            answered += 1;
        } else if !REFUSED
            .iter()
            .any(|(e, names, _)| *e == endpoint.name && names.contains(&name))
        {
            failures.push(format!(
                "{} {name}: {errors:?} {data} {body}",
                endpoint.name
            ));
        }
    }
    answered
}

/// Mock-served fields only (alerts and investigations v2 are services with their own
/// determinism tests).
const SAMPLE: &str = "{
  investigationRules(arguments: {page: 2, perPage: 3, cql: \"state = 'ENABLED'\"}) {
    totalCount
    rules { id name title createdAt updatedAt state type tenantId tags createdById
      createdBy { id } }
  }
  detectionSearch(in: {cql_query: \"FROM alert\", limit: 2, search_id: \"s-1\"}) {
    search_id status
    alerts { total_results next_offset list { id tenant_id status
      metadata { title severity created_at { seconds nanos } updated_at { seconds } }
      investigation_ids { id } } }
  }
}";

#[tokio::test]
async fn answers_are_deterministic_for_a_seed_and_differ_across_seeds() {
    let a = start(11).await;
    let first = a.text("/graphql", SAMPLE, None).await;
    assert!(!first.contains("\"errors\""), "{first}");
    assert_eq!(first, a.text("/graphql", SAMPLE, None).await);
    let b = start(11).await;
    assert_eq!(first, b.text("/graphql", SAMPLE, None).await);
    let c = start(12).await;
    let other = c.text("/graphql", SAMPLE, None).await;
    assert!(!other.contains("\"errors\""), "{other}");
    assert_ne!(first, other);
    // Another tenant in context sees other data, with its own tenant ID.
    let child = (a.sb.tenant_id().parse::<u64>().unwrap() + 1).to_string();
    let theirs = a.text("/graphql", SAMPLE, Some(&child)).await;
    assert_ne!(first, theirs);
    let theirs: Value = serde_json::from_str(&theirs).unwrap();
    assert_eq!(
        theirs["data"]["investigationRules"]["rules"][0]["tenantId"],
        json!(child)
    );
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn lists_honour_size_and_paging_arguments() {
    let api = start(1).await;
    let page = |n: u32, per: u32| {
        format!(
            "{{ investigationRules(arguments: {{page: {n}, perPage: {per}}}) {{ totalCount rules {{ id }} }} }}"
        )
    };
    let one = api.data("/graphql", &page(1, 7)).await;
    let two = api.data("/graphql", &page(2, 7)).await;
    let (one, two) = (&one["investigationRules"], &two["investigationRules"]);
    assert_eq!(one["totalCount"], two["totalCount"]);
    let (a, b) = (ids(&one["rules"]), ids(&two["rules"]));
    assert_eq!((a.len(), b.len()), (7, 7));
    assert!(a.iter().all(|id| !b.contains(id)), "{a:?} {b:?}");
    // Page 2 of 7 is items 7..14 of the same list: the second half of a page of 14.
    let wide = api.data("/graphql", &page(1, 14)).await;
    assert_eq!(ids(&wide["investigationRules"]["rules"])[7..], b[..]);
    // Offsets and limits in an input object; the size is capped at 1000.
    let alerts = |offset: u32, limit: u32| {
        format!("{{ detectionSearch(in: {{offset: {offset}, limit: {limit}}}) {{ alerts {{ total_results next_offset list {{ id }} }} }} }}")
    };
    let first = api.data("/graphql", &alerts(0, 5)).await;
    let next = api.data("/graphql", &alerts(5, 5)).await;
    let (x, y) = (
        ids(&first["detectionSearch"]["alerts"]["list"]),
        ids(&next["detectionSearch"]["alerts"]["list"]),
    );
    assert_eq!((x.len(), y.len()), (5, 5));
    assert!(x.iter().all(|id| !y.contains(id)));
    assert_eq!(first["detectionSearch"]["alerts"]["next_offset"], 5);
    let huge = api.data("/graphql", &alerts(0, 5000)).await;
    assert_eq!(
        huge["detectionSearch"]["alerts"]["list"]
            .as_array()
            .unwrap()
            .len(),
        1000
    );
}

#[tokio::test]
async fn an_id_from_a_search_fetches_the_same_object() {
    let api = start(3).await;
    let fields = "id shortId title createdAt updatedAt status priority tenantId tags assigneeId";
    let search = api
        .data(
            "/graphql",
            &format!("{{ investigationsV2(arguments: {{perPage: 4}}) {{ investigations {{ {fields} }} }} }}"),
        )
        .await;
    for item in search["investigationsV2"]["investigations"]
        .as_array()
        .unwrap()
    {
        let id = item["id"].as_str().unwrap();
        let got = api
            .data(
                "/graphql",
                &format!("{{ investigationV2(arguments: {{id: \"{id}\"}}) {{ {fields} }} }}"),
            )
            .await;
        assert_eq!(&got["investigationV2"], item);
    }
    // Detections (mock alerts): a search, then by IDs; an alert's investigations exist when
    // fetched.
    let alert = "id tenant_id status metadata { title severity created_at { seconds } } investigation_ids { id }";
    let search = api
        .data(
            "/graphql",
            &format!(
                "{{ detectionSearch(in: {{limit: 3}}) {{ alerts {{ list {{ {alert} }} }} }} }}"
            ),
        )
        .await;
    let list = &search["detectionSearch"]["alerts"]["list"];
    let wanted = ids(list);
    let by_id = api
        .data(
            "/graphql",
            &format!(
                "{{ detectionRetrieveById(in: {{iDs: {}}}) {{ alerts {{ total_results list {{ {alert} }} }} }} }}",
                serde_json::to_string(&wanted).unwrap()
            ),
        )
        .await;
    let alerts = &by_id["detectionRetrieveById"]["alerts"];
    assert_eq!(&alerts["list"], list);
    assert_eq!(alerts["total_results"], 3);
    let investigation = list[0]["investigation_ids"][0]["id"].as_str().unwrap();
    let got = api
        .data(
            "/graphql",
            &format!(
                "{{ investigation(investigation_id: \"{investigation}\") {{ id description }} }}"
            ),
        )
        .await;
    assert_eq!(got["investigation"]["id"], investigation);
    // Integer IDs: a listed summary and the integration fetched by its ID agree.
    let listed = api
        .data("/graphql", "{ listApiIntegrations { id name createdAt } }")
        .await;
    let first = &listed["listApiIntegrations"][0];
    let id = first["id"].as_i64().expect("an Int id");
    let got = api
        .data(
            "/graphql",
            &format!("{{ apiIntegration(id: {id}) {{ id name createdAt }} }}"),
        )
        .await;
    assert_eq!(&got["apiIntegration"], first);
    // A reference by ID and the object it names agree.
    let inv = &search_one(&api).await;
    assert_eq!(inv["assigneeId"], inv["assignee"]["id"]);
    assert_eq!(inv["contributorIds"], json!(ids(&inv["contributors"])));
    assert_eq!(
        inv["alertsEvidenceCount"],
        json!(inv["alertsEvidence"].as_array().unwrap().len())
    );
    // Evidence names the investigation it was reached from.
    for evidence in inv["alertsEvidence"].as_array().unwrap() {
        assert_eq!(evidence["investigationId"], inv["id"]);
    }
}

async fn search_one(api: &Api) -> Value {
    let data = api
        .data(
            "/graphql",
            "{ investigationsV2(arguments: {perPage: 1}) { investigations { id assigneeId assignee { id } contributorIds contributors { id } alertsEvidenceCount alertsEvidence { id investigationId } } } }",
        )
        .await;
    data["investigationsV2"]["investigations"][0].clone()
}

#[tokio::test]
async fn enums_take_schema_values_and_times_are_ordered_rfc3339() {
    let api = start(5).await;
    let data = api
        .data(
            "/graphql",
            "{ investigationRules(arguments: {perPage: 50}) { rules { state createdAt updatedAt } } }",
        )
        .await;
    let (types, _) = Types::of(Endpoint::MAIN);
    let statuses: HashSet<&str> = types.get("InvestigationRuleState")["enumValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    let mut seen = HashSet::new();
    for inv in data["investigationRules"]["rules"].as_array().unwrap() {
        let status = inv["state"].as_str().unwrap();
        assert!(statuses.contains(status), "{status}");
        seen.insert(status.to_owned());
        let created = parse(inv["createdAt"].as_str().unwrap());
        let updated = parse(inv["updatedAt"].as_str().unwrap());
        assert!(created < updated, "{inv}");
        // Within 97 days before 2026-01-01.
        assert!(created >= 1_767_225_600 - 97 * 86_400 && updated <= 1_767_225_600);
    }
    assert_eq!(seen.len(), statuses.len(), "{seen:?}");
    // Listed newest first, across pages.
    let created = |data: &Value| -> Vec<i64> {
        data["investigationRules"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| parse(i["createdAt"].as_str().unwrap()))
            .collect()
    };
    let page = |n: u32| {
        format!("{{ investigationRules(arguments: {{page: {n}, perPage: 20}}) {{ rules {{ createdAt }} }} }}")
    };
    let mut times = created(&api.data("/graphql", &page(1)).await);
    times.extend(created(&api.data("/graphql", &page(2)).await));
    assert_eq!(times.len(), 40);
    assert!(times.windows(2).all(|w| w[0] > w[1]), "{times:?}");
}

/// Seconds since the epoch of an RFC 3339 `YYYY-MM-DDTHH:MM:SSZ` time (panics otherwise).
fn parse(text: &str) -> i64 {
    let (secs, _) = taegis_platform_time(text);
    secs
}

fn taegis_platform_time(text: &str) -> (i64, u32) {
    assert!(
        text.len() == 20 && text.ends_with('Z') && text.as_bytes()[10] == b'T',
        "not RFC 3339: {text}"
    );
    let n = |r: std::ops::Range<usize>| text[r].parse::<i64>().unwrap();
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    // Days from civil (Howard Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (
        days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19),
        0,
    )
}

#[tokio::test]
async fn mutations_echo_their_input_and_registered_services_still_win() {
    let api = start(2).await;
    let data = api
        .data(
            "/graphql",
            "mutation { createInvestigationV2(input: {title: \"Echoed\", priority: 3}) { id title priority createdAt } }",
        )
        .await;
    let inv = &data["createInvestigationV2"];
    assert_eq!(inv["title"], "Echoed");
    assert_eq!(inv["priority"], 3);
    // The clients service still answers `clients`: the bootstrap client, not mock data.
    let data = api
        .data(
            "/graphql",
            "{ clients(page: 1, perPage: 10) { client_id name } }",
        )
        .await;
    let clients = data["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0]["client_id"], api.sb.client_id());
    assert_eq!(clients[0]["name"], "sandbox-bootstrap");
}

#[tokio::test]
async fn size_arguments_out_of_range_and_wide_selections_stay_bounded() {
    let api = start(4).await;
    // Negative sizes give empty pages, pages past the end empty lists, never an error.
    let data = api
        .data(
            "/graphql",
            "{ a: alertsServiceSearch(in: {limit: -5}) { alerts { list { id } } }
               b: alertsServiceSearch(in: {limit: 10, offset: 2147483647}) { alerts { list { id } } }
               c: investigationsV2(arguments: {page: 0, perPage: 2}) { investigations { id } } }",
        )
        .await;
    assert_eq!(data["a"]["alerts"]["list"], json!([]));
    assert_eq!(data["b"]["alerts"]["list"], json!([]));
    assert_eq!(data["c"]["investigations"].as_array().unwrap().len(), 2);
    // 1000 alerts with nested lists: answered, in bounded time.
    let started = std::time::Instant::now();
    let data = api
        .data(
            "/graphql",
            "{ detectionSearch(in: {limit: 1000}) { alerts { list { id tags
               investigation_ids { id } resolution_history { reason } key_entities { entity } } } } }",
        )
        .await;
    let list = data["detectionSearch"]["alerts"]["list"]
        .as_array()
        .unwrap();
    assert_eq!(list.len(), 1000);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}
