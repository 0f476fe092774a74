//! GraphQL execution over the checked-in schemas with apollo-compiler: validation, depth
//! check, introspection, root fields dispatched through the service [`Registry`] (those no
//! service registers answered by the schema-driven [`mock`](crate::mock)), and one generic
//! object value that serves the services' JSON.

use super::mock::MockObject;
use super::service::{Context, Registry, Service, SubscriptionStream};
use super::services::Caller;
use super::state::State;
use apollo_compiler::ast::Type;
use apollo_compiler::executable::{OperationType, Selection, SelectionSet};
use apollo_compiler::resolvers::{Execution, FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::response::{GraphQLError, JsonMap, JsonValue};
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Mutex;
use taegis_sdk_codegen::Endpoint;

/// A GraphQL request body.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct Request {
    /// The document.
    #[serde(default)]
    pub(crate) query: Option<String>,
    /// Operation to run, when the document has several.
    #[serde(default, rename = "operationName")]
    pub(crate) operation_name: Option<String>,
    /// Variable values.
    #[serde(default)]
    pub(crate) variables: Option<serde_json::Value>,
}

/// What running a request produced.
pub(crate) struct Outcome {
    /// The JSON response body.
    pub(crate) body: Vec<u8>,
    /// The operation's name, once it was known (`<anonymous>` for unnamed ones).
    pub(crate) operation: Option<String>,
}

/// One endpoint's schema, ready to execute requests.
pub(crate) struct Engine {
    endpoint: Endpoint,
    schema: Valid<Schema>,
}

fn errors_body(errors: Vec<GraphQLError>) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "errors": errors })).unwrap_or_default()
}

/// A response with one error and no `data`.
pub(crate) fn error_body(message: &str, code: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "errors": [{"message": message, "extensions": {"code": code}}]
    }))
    .unwrap_or_default()
}

impl Engine {
    /// Loads the bundled schema of `endpoint`.
    pub(crate) fn new(endpoint: Endpoint) -> Result<Engine, String> {
        let schema = taegis_sdk_codegen::Schema::bundled(endpoint).map_err(|e| e.to_string())?;
        Ok(Engine {
            endpoint,
            schema: schema.schema,
        })
    }

    /// The endpoint this engine serves.
    pub(crate) fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// The names of the root fields of `Query` and `Mutation` (and `Subscription`).
    pub(crate) fn root_fields(&self) -> Vec<String> {
        [
            OperationType::Query,
            OperationType::Mutation,
            OperationType::Subscription,
        ]
        .into_iter()
        .filter_map(|op| self.schema.root_operation(op))
        .filter_map(|name| self.schema.get_object(name))
        .flat_map(|object| object.fields.keys().map(|k| k.to_string()))
        .collect()
    }

    /// Parses and validates `request`: the document, the operation's name and the variables,
    /// or the error response.
    fn parse(&self, request: &Request) -> Result<Parsed, Outcome> {
        let fail = |errors: Vec<GraphQLError>, operation: Option<String>| Outcome {
            body: errors_body(errors),
            operation,
        };
        let Some(query) = request.query.as_deref().filter(|q| !q.trim().is_empty()) else {
            return Err(Outcome {
                body: error_body("missing `query`", "BAD_REQUEST"),
                operation: None,
            });
        };
        let document =
            match ExecutableDocument::parse_and_validate(&self.schema, query, "request.graphql") {
                Ok(doc) => doc,
                Err(with_errors) => {
                    let errors = with_errors
                        .errors
                        .iter()
                        .map(|d| {
                            let mut e = d.to_json();
                            e.extensions
                                .insert("code", JsonValue::from("GRAPHQL_VALIDATION_FAILED"));
                            e
                        })
                        .collect();
                    return Err(fail(errors, None));
                }
            };
        let name = request
            .operation_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        let operation = match document.operations.get(name.as_deref()) {
            Ok(op) => op,
            Err(e) => return Err(fail(vec![e.to_graphql_error(&document.sources)], None)),
        };
        let op_name = operation
            .name
            .as_ref()
            .map_or("<anonymous>".to_owned(), |n| n.to_string());
        if let Err(e) = apollo_compiler::introspection::check_max_depth(&document, operation) {
            return Err(fail(
                vec![e.to_graphql_error(&document.sources)],
                Some(op_name),
            ));
        }
        let is_subscription = operation.operation_type == OperationType::Subscription;
        let variables: JsonMap = match &request.variables {
            Some(serde_json::Value::Object(map)) => {
                match JsonValue::from(serde_json::Value::Object(map.clone())) {
                    JsonValue::Object(m) => m,
                    _ => JsonMap::new(),
                }
            }
            None | Some(serde_json::Value::Null) => JsonMap::new(),
            Some(_) => {
                return Err(Outcome {
                    body: error_body("`variables` must be an object", "BAD_REQUEST"),
                    operation: Some(op_name),
                })
            }
        };
        let wanted = std::sync::Arc::new(field_names(&document));
        Ok(Parsed {
            document,
            name,
            op_name,
            variables,
            wanted,
            is_subscription,
        })
    }

    /// Executes the parsed operation with `root` as its root object.
    fn execute(&self, parsed: &Parsed, root: &Root<'_>) -> Vec<u8> {
        let Ok(operation) = parsed.document.operations.get(parsed.name.as_deref()) else {
            return error_body("unknown operation", "BAD_REQUEST");
        };
        let result = Execution::new(&self.schema, &parsed.document)
            .operation(operation)
            .raw_variable_values(&parsed.variables)
            .enable_schema_introspection(true)
            .execute_sync(root);
        match result {
            Ok(mut response) => {
                // Resolver messages are the API's own: drop the engine's prefix.
                for e in &mut response.errors {
                    if let Some(rest) = e.message.strip_prefix("resolver error: ") {
                        e.message = rest.to_owned();
                    }
                }
                serde_json::to_vec(&response).unwrap_or_default()
            }
            Err(e) => errors_body(vec![e.to_graphql_error(&parsed.document.sources)]),
        }
    }

    /// The root object of `parsed` for `caller` in `mode`.
    fn root<'s>(
        &'s self,
        parsed: &'s Parsed,
        caller: &'s Caller,
        seed: u64,
        mode: Mode<'s>,
    ) -> Root<'s> {
        let type_name = parsed
            .document
            .operations
            .get(parsed.name.as_deref())
            .map_or("Query", |op| op.object_type().as_str());
        Root {
            type_name,
            subscription: parsed.is_subscription,
            mock: MockObject::root(seed, caller.context_tenant, type_name),
            endpoint: self.endpoint,
            caller,
            mode,
        }
    }

    /// Validates and executes `request` for `caller`: root fields go to the service `registry`
    /// names for them, over the platform `state`; the others to the mock, seeded with `seed`.
    /// A subscription (sent by POST) answers with its first item (over a WebSocket,
    /// [`Engine::prepare`] streams it).
    pub(crate) fn run(
        &self,
        request: &Request,
        registry: &Registry,
        state: &Mutex<State>,
        caller: &Caller,
        seed: u64,
    ) -> Outcome {
        let parsed = match self.parse(request) {
            Ok(p) => p,
            Err(outcome) => return outcome,
        };
        let caller = &Caller {
            wanted: Some(parsed.wanted.clone()),
            ..caller.clone()
        };
        let mut guard = state.lock().unwrap_or_else(|p| p.into_inner());
        let root = self.root(
            &parsed,
            caller,
            seed,
            Mode::Serve {
                registry,
                state: RefCell::new(&mut guard),
            },
        );
        let body = self.execute(&parsed, &root);
        drop(root);
        drop(guard);
        Outcome {
            body,
            operation: Some(parsed.op_name),
        }
    }

    /// Validates `request` for a WebSocket `start`: a query or mutation runs now and answers
    /// once; a subscription asks its root field's service for its stream (the mock makes
    /// [`MOCK_ITEMS`] items for a field no service registers), to be pulled with
    /// [`Engine::next_item`].
    pub(crate) fn prepare(
        &self,
        request: &Request,
        registry: &Registry,
        state: &Mutex<State>,
        caller: &Caller,
        seed: u64,
    ) -> Prepared {
        let parsed = match self.parse(request) {
            Ok(p) => p,
            Err(outcome) => return Prepared::Once(outcome),
        };
        if !parsed.is_subscription {
            return Prepared::Once(self.run(request, registry, state, caller, seed));
        }
        let caller = Caller {
            wanted: Some(parsed.wanted.clone()),
            ..caller.clone()
        };
        let slot = RefCell::new(None);
        {
            let mut guard = state.lock().unwrap_or_else(|p| p.into_inner());
            let root = self.root(
                &parsed,
                &caller,
                seed,
                Mode::Capture {
                    registry,
                    state: RefCell::new(&mut guard),
                    slot: &slot,
                },
            );
            // Only the root field's arguments matter here: the answer is dropped.
            let _ = self.execute(&parsed, &root);
        }
        let source = match slot.into_inner() {
            Some(Ok(stream)) => Source::Service(stream),
            Some(Err(message)) => Source::Failed(Some(message)),
            None => Source::Mock { next: 0 },
        };
        Prepared::Stream(Box::new(Subscription {
            op_name: parsed.op_name.clone(),
            parsed,
            caller,
            seed,
            source,
        }))
    }

    /// The next message of `subscription`: a response body, an error that ends it, or `None`
    /// at its end.
    pub(crate) fn next_item(&self, subscription: &mut Subscription) -> Option<Item> {
        let value = match &mut subscription.source {
            Source::Failed(message) => return message.take().map(Item::Error),
            Source::Mock { next } => {
                if *next >= MOCK_ITEMS {
                    return None;
                }
                let seed = subscription.seed ^ super::mock::item_seed(*next);
                *next += 1;
                let root = self.root(&subscription.parsed, &subscription.caller, seed, Mode::Mock);
                return Some(Item::Data(self.execute(&subscription.parsed, &root)));
            }
            Source::Service(stream) => match stream.next()? {
                Ok(value) => value,
                Err(message) => {
                    subscription.source = Source::Failed(None);
                    return Some(Item::Error(message));
                }
            },
        };
        let root = self.root(
            &subscription.parsed,
            &subscription.caller,
            subscription.seed,
            Mode::Item(RefCell::new(Some(value))),
        );
        Some(Item::Data(self.execute(&subscription.parsed, &root)))
    }
}

/// How many items the mock streams for a subscription no service registers.
pub(crate) const MOCK_ITEMS: u64 = 3;

/// A validated request.
struct Parsed {
    document: Valid<ExecutableDocument>,
    /// The requested operation name, if any.
    name: Option<String>,
    /// The operation's name for the counters.
    op_name: String,
    variables: JsonMap,
    wanted: std::sync::Arc<HashSet<String>>,
    is_subscription: bool,
}

/// What a WebSocket `start` runs.
pub(crate) enum Prepared {
    /// A query, mutation, or a request that failed validation: one response.
    Once(Outcome),
    /// A subscription: its messages, pulled one at a time.
    Stream(Box<Subscription>),
}

/// A running subscription: its document, caller and the source of its items.
pub(crate) struct Subscription {
    parsed: Parsed,
    caller: Caller,
    seed: u64,
    source: Source,
    /// The operation's name, for the counters.
    pub(crate) op_name: String,
}

enum Source {
    Service(SubscriptionStream),
    Mock {
        next: u64,
    },
    /// Failed to start (the message, sent once) or ended by an error item.
    Failed(Option<String>),
}

/// One message of a subscription.
pub(crate) enum Item {
    /// A response body (`{"data": ...}`, maybe with `errors`).
    Data(Vec<u8>),
    /// The stream failed: the subscription ends with this message.
    Error(String),
}

/// Names of every field selected anywhere in `document` (operations and fragments).
fn field_names(document: &ExecutableDocument) -> HashSet<String> {
    fn walk(set: &SelectionSet, out: &mut HashSet<String>) {
        for selection in &set.selections {
            match selection {
                Selection::Field(f) => {
                    out.insert(f.name.to_string());
                    walk(&f.selection_set, out);
                }
                Selection::InlineFragment(i) => walk(&i.selection_set, out),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    let mut out = HashSet::new();
    for op in document.operations.iter() {
        walk(&op.selection_set, &mut out);
    }
    for fragment in document.fragments.values() {
        walk(&fragment.selection_set, &mut out);
    }
    out
}

/// How the root object answers its fields.
enum Mode<'s> {
    /// Each root field goes to the service the registry names for it, else to the mock.
    Serve {
        registry: &'s Registry,
        state: RefCell<&'s mut State>,
    },
    /// A subscription's start: its root field's service hands over its stream (`None` left in
    /// the slot: no service, the mock streams).
    Capture {
        registry: &'s Registry,
        state: RefCell<&'s mut State>,
        slot: &'s RefCell<Option<Result<SubscriptionStream, String>>>,
    },
    /// One item of a subscription: the root field's value.
    Item(RefCell<Option<serde_json::Value>>),
    /// The mock answers every root field.
    Mock,
}

/// The root `Query`, `Mutation` or `Subscription` object.
struct Root<'s> {
    type_name: &'s str,
    /// The `Subscription` root: a service answers with the first item of its stream.
    subscription: bool,
    mock: MockObject,
    endpoint: Endpoint,
    caller: &'s Caller,
    mode: Mode<'s>,
}

/// Runs a service's code so that a panic fails its field, not the connection.
fn guarded<T>(
    service: &dyn Service,
    field: &str,
    f: impl FnOnce() -> Result<T, String>,
) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(format!(
            "the sandbox's `{}` service failed on `{field}`",
            service.name()
        ))
    })
}

impl ObjectValue for Root<'_> {
    fn type_name(&self) -> &str {
        self.type_name
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        let field = info.field_name();
        let value = match &self.mode {
            Mode::Mock => return self.mock.resolve_field(info),
            Mode::Item(value) => value.borrow_mut().take().unwrap_or(serde_json::Value::Null),
            Mode::Capture {
                registry,
                state,
                slot,
            } => {
                if let Some(service) = registry.lookup(self.endpoint, field) {
                    let args =
                        serde_json::to_value(info.arguments()).unwrap_or(serde_json::Value::Null);
                    let mut state = state.borrow_mut();
                    let mut ctx = Context::new(&mut state, self.caller);
                    *slot.borrow_mut() = Some(guarded(service, field, || {
                        service.subscribe(&mut ctx, field, &args)
                    }));
                }
                return Ok(ResolvedValue::null());
            }
            Mode::Serve { registry, state } => {
                let Some(service) = registry.lookup(self.endpoint, field) else {
                    return self.mock.resolve_field(info);
                };
                let args =
                    serde_json::to_value(info.arguments()).unwrap_or(serde_json::Value::Null);
                let mut state = state.borrow_mut();
                let mut ctx = Context::new(&mut state, self.caller);
                guarded(service, field, || {
                    if self.subscription {
                        let mut stream = service.subscribe(&mut ctx, field, &args)?;
                        stream.next().unwrap_or(Ok(serde_json::Value::Null))
                    } else {
                        service.resolve(&mut ctx, field, &args)
                    }
                })
                .map_err(|message| FieldError { message })?
            }
        };
        Ok(to_resolved(
            info.schema(),
            &info.field_definition().ty,
            Cow::Owned(JsonValue::from(value)),
        ))
    }
}

/// A JSON object served as an object of the schema type `type_name`.
struct Obj<'a> {
    type_name: &'a str,
    map: Cow<'a, JsonMap>,
}

static NULL: JsonValue = JsonValue::Null;

impl ObjectValue for Obj<'_> {
    fn type_name(&self) -> &str {
        self.type_name
    }

    fn resolve_field<'b>(
        &'b self,
        info: &'b ResolveInfo<'b>,
    ) -> Result<ResolvedValue<'b>, FieldError> {
        let value = self.map.get(info.field_name()).unwrap_or(&NULL);
        Ok(to_resolved(
            info.schema(),
            &info.field_definition().ty,
            Cow::Borrowed(value),
        ))
    }
}

/// Wraps JSON as the resolved value of a field of type `ty`: objects and lists of objects
/// become [`Obj`]s, the rest leaves (checked by the engine's result coercion).
fn to_resolved<'a>(
    schema: &'a Valid<Schema>,
    ty: &'a Type,
    value: Cow<'a, JsonValue>,
) -> ResolvedValue<'a> {
    if value.is_null() {
        return ResolvedValue::null();
    }
    if ty.is_list() {
        let item = ty.item_type();
        return match value {
            Cow::Owned(JsonValue::Array(items)) => ResolvedValue::List(Box::new(
                items
                    .into_iter()
                    .map(move |v| Ok(to_resolved(schema, item, Cow::Owned(v)))),
            )),
            Cow::Borrowed(JsonValue::Array(items)) => ResolvedValue::List(Box::new(
                items
                    .iter()
                    .map(move |v| Ok(to_resolved(schema, item, Cow::Borrowed(v)))),
            )),
            other => ResolvedValue::Leaf(other.into_owned()),
        };
    }
    let mut name = ty.inner_named_type();
    // A union or interface: the JSON names its member in `__typename`.
    if schema.get_object(name).is_none() {
        if let Some(member) = value
            .as_object()
            .and_then(|m| m.get("__typename"))
            .and_then(JsonValue::as_str)
            .and_then(|t| schema.get_object(t))
        {
            name = &member.name;
        }
    }
    if schema.get_object(name).is_some() {
        match value {
            Cow::Owned(JsonValue::Object(map)) => {
                return ResolvedValue::object(Obj {
                    type_name: name.as_str(),
                    map: Cow::Owned(map),
                })
            }
            Cow::Borrowed(JsonValue::Object(map)) => {
                return ResolvedValue::object(Obj {
                    type_name: name.as_str(),
                    map: Cow::Borrowed(map),
                })
            }
            other => return ResolvedValue::Leaf(other.into_owned()),
        }
    }
    ResolvedValue::Leaf(value.into_owned())
}
