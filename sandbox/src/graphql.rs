//! GraphQL execution over the checked-in schemas with apollo-compiler: validation, depth
//! check, introspection, root fields dispatched through the service [`Registry`] (those no
//! service registers answered by the schema-driven [`mock`](crate::mock)), and one generic
//! object value that serves the services' JSON.

use super::mock::MockObject;
use super::service::{Context, Registry};
use super::services::Caller;
use super::state::State;
use apollo_compiler::ast::Type;
use apollo_compiler::executable::{Selection, SelectionSet};
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
        use apollo_compiler::executable::OperationType;
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

    /// Validates and executes `request` for `caller`: root fields go to the service `registry`
    /// names for them, over the platform `state`; the others to the mock, seeded with `seed`.
    pub(crate) fn run(
        &self,
        request: &Request,
        registry: &Registry,
        state: &Mutex<State>,
        caller: &Caller,
        seed: u64,
    ) -> Outcome {
        let fail = |errors: Vec<GraphQLError>, operation: Option<String>| Outcome {
            body: errors_body(errors),
            operation,
        };
        let Some(query) = request.query.as_deref().filter(|q| !q.trim().is_empty()) else {
            return Outcome {
                body: error_body("missing `query`", "BAD_REQUEST"),
                operation: None,
            };
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
                    return fail(errors, None);
                }
            };
        let name = request.operation_name.as_deref().filter(|n| !n.is_empty());
        let operation = match document.operations.get(name) {
            Ok(op) => op,
            Err(e) => return fail(vec![e.to_graphql_error(&document.sources)], None),
        };
        let op_name = operation
            .name
            .as_ref()
            .map_or("<anonymous>".to_owned(), |n| n.to_string());
        if let Err(e) = apollo_compiler::introspection::check_max_depth(&document, operation) {
            return fail(vec![e.to_graphql_error(&document.sources)], Some(op_name));
        }
        let variables: JsonMap = match &request.variables {
            Some(serde_json::Value::Object(map)) => {
                match JsonValue::from(serde_json::Value::Object(map.clone())) {
                    JsonValue::Object(m) => m,
                    _ => JsonMap::new(),
                }
            }
            None | Some(serde_json::Value::Null) => JsonMap::new(),
            Some(_) => {
                return Outcome {
                    body: error_body("`variables` must be an object", "BAD_REQUEST"),
                    operation: Some(op_name),
                }
            }
        };
        let caller = &Caller {
            wanted: Some(std::sync::Arc::new(field_names(&document))),
            ..caller.clone()
        };
        let mut guard = state.lock().unwrap_or_else(|p| p.into_inner());
        let root = Root {
            type_name: operation.object_type().as_str(),
            mock: MockObject::root(
                seed,
                caller.context_tenant,
                operation.object_type().as_str(),
            ),
            endpoint: self.endpoint,
            registry,
            state: RefCell::new(&mut guard),
            caller,
        };
        let result = Execution::new(&self.schema, &document)
            .operation(operation)
            .raw_variable_values(&variables)
            .enable_schema_introspection(true)
            .execute_sync(&root);
        drop(guard);
        let body = match result {
            Ok(mut response) => {
                // Resolver messages are the API's own: drop the engine's prefix.
                for e in &mut response.errors {
                    if let Some(rest) = e.message.strip_prefix("resolver error: ") {
                        e.message = rest.to_owned();
                    }
                }
                serde_json::to_vec(&response).unwrap_or_default()
            }
            Err(e) => errors_body(vec![e.to_graphql_error(&document.sources)]),
        };
        Outcome {
            body,
            operation: Some(op_name),
        }
    }
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

/// The root `Query` or `Mutation` object: each root field goes to the service the registry
/// names for it, else to the mock.
struct Root<'s> {
    type_name: &'s str,
    mock: MockObject,
    endpoint: Endpoint,
    registry: &'s Registry,
    state: RefCell<&'s mut State>,
    caller: &'s Caller,
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
        let Some(service) = self.registry.lookup(self.endpoint, field) else {
            return self.mock.resolve_field(info);
        };
        let args = serde_json::to_value(info.arguments()).unwrap_or(serde_json::Value::Null);
        let mut state = self.state.borrow_mut();
        let mut ctx = Context::new(&mut state, self.caller);
        // A service that panics fails its field, not the connection.
        let value = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            service.resolve(&mut ctx, field, &args)
        }))
        .unwrap_or_else(|_| {
            Err(format!(
                "the sandbox's `{}` service failed on `{field}`",
                service.name()
            ))
        })
        .map_err(|message| FieldError { message })?;
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
    let name = ty.inner_named_type();
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
