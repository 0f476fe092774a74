//! Conversion of a GraphQL introspection result (JSON) into schema definition language (SDL).
//!
//! apollo-compiler reads SDL, while the schemas we check in (and that `taegis schema pull`
//! writes) are introspection results. The printer is deterministic: types come out in the order
//! of the introspection result, which `schema pull` keeps sorted.

use serde_json::Value;
use std::fmt::Write as _;

/// Why an introspection document could not be turned into SDL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntrospectionError {
    /// JSON path of the offending node, e.g. `__schema.types[3].fields[0].type`.
    pub path: String,
    /// What was wrong there.
    pub message: String,
}

impl std::fmt::Display for IntrospectionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invalid introspection result at `{}`: {}",
            self.path, self.message
        )
    }
}

impl std::error::Error for IntrospectionError {}

const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];
const BUILT_IN_DIRECTIVES: [&str; 5] = ["include", "skip", "deprecated", "specifiedBy", "oneOf"];

/// Returns the `__schema` object of an introspection result, accepting both the full response
/// (`{"data": {"__schema": ...}}`) and the bare `{"__schema": ...}` form.
pub fn schema_object(document: &Value) -> Result<&Value, IntrospectionError> {
    let root = document.get("data").unwrap_or(document);
    root.get("__schema").ok_or_else(|| IntrospectionError {
        path: "$".into(),
        message: "no `__schema` object (expected `{\"data\": {\"__schema\": ...}}` or `{\"__schema\": ...}`)".into(),
    })
}

/// Converts an introspection result into SDL text.
///
/// Built-in scalars, built-in directives and introspection types (`__*`) are left out, as SDL
/// declares them implicitly.
pub fn introspection_to_sdl(document: &Value) -> Result<String, IntrospectionError> {
    let schema = schema_object(document)?;
    let mut out = String::new();
    write_schema_definition(schema, &mut out)?;
    let types = array(schema, "types", "__schema")?;
    for (index, ty) in types.iter().enumerate() {
        let path = format!("__schema.types[{index}]");
        write_type(ty, &path, &mut out)?;
    }
    if let Some(directives) = schema.get("directives").and_then(Value::as_array) {
        for (index, directive) in directives.iter().enumerate() {
            let path = format!("__schema.directives[{index}]");
            write_directive(directive, &path, &mut out)?;
        }
    }
    Ok(out)
}

fn write_schema_definition(schema: &Value, out: &mut String) -> Result<(), IntrospectionError> {
    out.push_str("schema {\n");
    for (operation, key) in [
        ("query", "queryType"),
        ("mutation", "mutationType"),
        ("subscription", "subscriptionType"),
    ] {
        match schema.get(key) {
            Some(Value::Null) | None => {}
            Some(root) => {
                let name = string(root, "name", &format!("__schema.{key}"))?;
                let _ = writeln!(out, "  {operation}: {name}");
            }
        }
    }
    out.push_str("}\n\n");
    if schema.get("queryType").is_none_or(Value::is_null) {
        return Err(IntrospectionError {
            path: "__schema.queryType".into(),
            message: "a schema needs a query type".into(),
        });
    }
    Ok(())
}

fn write_type(ty: &Value, path: &str, out: &mut String) -> Result<(), IntrospectionError> {
    let name = string(ty, "name", path)?;
    if name.starts_with("__") {
        return Ok(());
    }
    let kind = string(ty, "kind", path)?;
    match kind {
        "SCALAR" => {
            if BUILT_IN_SCALARS.contains(&name) {
                return Ok(());
            }
            write_description(ty, "", out);
            let _ = write!(out, "scalar {name}");
            if let Some(url) = ty.get("specifiedByURL").and_then(Value::as_str) {
                let _ = write!(out, " @specifiedBy(url: {})", quote(url));
            }
            out.push_str("\n\n");
        }
        "OBJECT" | "INTERFACE" => {
            write_description(ty, "", out);
            let keyword = if kind == "OBJECT" {
                "type"
            } else {
                "interface"
            };
            let _ = write!(out, "{keyword} {name}");
            write_implements(ty, path, out)?;
            out.push_str(" {\n");
            let fields = array(ty, "fields", path)?;
            if fields.is_empty() {
                return Err(IntrospectionError {
                    path: format!("{path}.fields"),
                    message: format!("{keyword} `{name}` has no fields"),
                });
            }
            for (index, field) in fields.iter().enumerate() {
                write_field(field, &format!("{path}.fields[{index}]"), out)?;
            }
            out.push_str("}\n\n");
        }
        "UNION" => {
            write_description(ty, "", out);
            let members = array(ty, "possibleTypes", path)?
                .iter()
                .enumerate()
                .map(|(i, member)| string(member, "name", &format!("{path}.possibleTypes[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            let _ = writeln!(out, "union {name} = {}\n", members.join(" | "));
        }
        "ENUM" => {
            write_description(ty, "", out);
            let _ = writeln!(out, "enum {name} {{");
            for (index, value) in array(ty, "enumValues", path)?.iter().enumerate() {
                let value_path = format!("{path}.enumValues[{index}]");
                write_description(value, "  ", out);
                let _ = write!(out, "  {}", string(value, "name", &value_path)?);
                write_deprecated(value, out);
                out.push('\n');
            }
            out.push_str("}\n\n");
        }
        "INPUT_OBJECT" => {
            write_description(ty, "", out);
            let _ = write!(out, "input {name}");
            if ty.get("isOneOf").and_then(Value::as_bool) == Some(true) {
                out.push_str(" @oneOf");
            }
            out.push_str(" {\n");
            for (index, field) in array(ty, "inputFields", path)?.iter().enumerate() {
                let field_path = format!("{path}.inputFields[{index}]");
                write_description(field, "  ", out);
                out.push_str("  ");
                write_input_value(field, &field_path, out)?;
                out.push('\n');
            }
            out.push_str("}\n\n");
        }
        other => {
            return Err(IntrospectionError {
                path: format!("{path}.kind"),
                message: format!("unknown type kind `{other}`"),
            })
        }
    }
    Ok(())
}

fn write_implements(ty: &Value, path: &str, out: &mut String) -> Result<(), IntrospectionError> {
    let Some(interfaces) = ty.get("interfaces").and_then(Value::as_array) else {
        return Ok(());
    };
    let names = interfaces
        .iter()
        .enumerate()
        .map(|(i, interface)| string(interface, "name", &format!("{path}.interfaces[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    if !names.is_empty() {
        let _ = write!(out, " implements {}", names.join(" & "));
    }
    Ok(())
}

fn write_field(field: &Value, path: &str, out: &mut String) -> Result<(), IntrospectionError> {
    write_description(field, "  ", out);
    let _ = write!(out, "  {}", string(field, "name", path)?);
    write_arguments(field, path, out)?;
    out.push_str(": ");
    write_type_ref(require(field, "type", path)?, &format!("{path}.type"), out)?;
    write_deprecated(field, out);
    out.push('\n');
    Ok(())
}

/// The `(name: Type = default, ...)` list of a field or directive, with argument descriptions.
fn write_arguments(node: &Value, path: &str, out: &mut String) -> Result<(), IntrospectionError> {
    let args = node
        .get("args")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    if args.is_empty() {
        return Ok(());
    }
    out.push('(');
    for (index, arg) in args.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        if let Some(description) = description(arg) {
            let _ = write!(out, "{} ", quote(description));
        }
        write_input_value(arg, &format!("{path}.args[{index}]"), out)?;
    }
    out.push(')');
    Ok(())
}

fn write_input_value(
    value: &Value,
    path: &str,
    out: &mut String,
) -> Result<(), IntrospectionError> {
    let _ = write!(out, "{}: ", string(value, "name", path)?);
    write_type_ref(require(value, "type", path)?, &format!("{path}.type"), out)?;
    if let Some(default) = value.get("defaultValue").and_then(Value::as_str) {
        let _ = write!(out, " = {default}");
    }
    write_deprecated(value, out);
    Ok(())
}

fn write_type_ref(ty: &Value, path: &str, out: &mut String) -> Result<(), IntrospectionError> {
    match string(ty, "kind", path)? {
        "NON_NULL" => {
            write_type_ref(require(ty, "ofType", path)?, &format!("{path}.ofType"), out)?;
            out.push('!');
        }
        "LIST" => {
            out.push('[');
            write_type_ref(require(ty, "ofType", path)?, &format!("{path}.ofType"), out)?;
            out.push(']');
        }
        _ => out.push_str(string(ty, "name", path)?),
    }
    Ok(())
}

fn write_directive(
    directive: &Value,
    path: &str,
    out: &mut String,
) -> Result<(), IntrospectionError> {
    let name = string(directive, "name", path)?;
    if BUILT_IN_DIRECTIVES.contains(&name) {
        return Ok(());
    }
    write_description(directive, "", out);
    let _ = write!(out, "directive @{name}");
    write_arguments(directive, path, out)?;
    if directive.get("isRepeatable").and_then(Value::as_bool) == Some(true) {
        out.push_str(" repeatable");
    }
    let locations = array(directive, "locations", path)?
        .iter()
        .enumerate()
        .map(|(i, location)| {
            location.as_str().ok_or_else(|| IntrospectionError {
                path: format!("{path}.locations[{i}]"),
                message: "expected a string".into(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let _ = writeln!(out, " on {}\n", locations.join(" | "));
    Ok(())
}

fn write_deprecated(node: &Value, out: &mut String) {
    if node.get("isDeprecated").and_then(Value::as_bool) != Some(true) {
        return;
    }
    match node.get("deprecationReason").and_then(Value::as_str) {
        Some(reason) => {
            let _ = write!(out, " @deprecated(reason: {})", quote(reason));
        }
        None => out.push_str(" @deprecated"),
    }
}

fn write_description(node: &Value, indent: &str, out: &mut String) {
    if let Some(text) = description(node) {
        let _ = writeln!(out, "{indent}{}", quote(text));
    }
}

fn description(node: &Value) -> Option<&str> {
    node.get("description")
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
}

/// A GraphQL string literal: JSON string escapes are a subset of GraphQL's.
fn quote(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

fn require<'a>(node: &'a Value, key: &str, path: &str) -> Result<&'a Value, IntrospectionError> {
    match node.get(key) {
        Some(value) if !value.is_null() => Ok(value),
        _ => Err(IntrospectionError {
            path: path.into(),
            message: format!("missing `{key}`"),
        }),
    }
}

fn string<'a>(node: &'a Value, key: &str, path: &str) -> Result<&'a str, IntrospectionError> {
    require(node, key, path)?
        .as_str()
        .ok_or_else(|| IntrospectionError {
            path: format!("{path}.{key}"),
            message: "expected a string".into(),
        })
}

fn array<'a>(node: &'a Value, key: &str, path: &str) -> Result<&'a Vec<Value>, IntrospectionError> {
    require(node, key, path)?
        .as_array()
        .ok_or_else(|| IntrospectionError {
            path: format!("{path}.{key}"),
            message: "expected an array".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn named(kind: &str, name: &str) -> Value {
        json!({"kind": kind, "name": name, "ofType": null})
    }

    #[test]
    fn prints_types_fields_arguments_defaults_and_deprecations() {
        let document = json!({"data": {"__schema": {
            "queryType": {"name": "Query"}, "mutationType": null, "subscriptionType": null,
            "types": [
                {"kind": "OBJECT", "name": "Query", "description": "Root \"query\"", "interfaces": [],
                 "fields": [{"name": "tenants", "description": null, "isDeprecated": true,
                     "deprecationReason": "use other",
                     "args": [{"name": "q", "description": null, "defaultValue": "{maxResults: 10}",
                               "type": {"kind": "NON_NULL", "name": null, "ofType": named("INPUT_OBJECT", "Q")}}],
                     "type": {"kind": "LIST", "name": null, "ofType": named("SCALAR", "String")}}]},
                {"kind": "INPUT_OBJECT", "name": "Q", "inputFields": [
                    {"name": "maxResults", "type": named("SCALAR", "Int"), "defaultValue": null},
                    {"name": "orderDir", "type": named("ENUM", "Dir"), "defaultValue": "asc"}]},
                {"kind": "ENUM", "name": "Dir", "enumValues": [
                    {"name": "asc", "isDeprecated": false}, {"name": "desc", "isDeprecated": true, "deprecationReason": null}]},
                {"kind": "SCALAR", "name": "Time"},
                {"kind": "SCALAR", "name": "String"},
                {"kind": "OBJECT", "name": "__Type", "fields": []}
            ],
            "directives": [{"name": "deprecated", "locations": ["FIELD_DEFINITION"], "args": []}]
        }}});
        let sdl = introspection_to_sdl(&document).unwrap();
        assert_eq!(
            sdl,
            "schema {\n  query: Query\n}\n\n\"Root \\\"query\\\"\"\ntype Query {\n  tenants(q: Q! = {maxResults: 10}): [String] @deprecated(reason: \"use other\")\n}\n\n\
             input Q {\n  maxResults: Int\n  orderDir: Dir = asc\n}\n\nenum Dir {\n  asc\n  desc @deprecated\n}\n\nscalar Time\n\n"
        );
        apollo_compiler::Schema::parse_and_validate(sdl, "test.graphql").unwrap();
    }

    #[test]
    fn accepts_bare_schema_and_reports_paths_of_bad_nodes() {
        let bare = json!({"__schema": {"queryType": {"name": "Query"}, "types": [
            {"kind": "OBJECT", "name": "Query", "fields": [{"name": "a", "args": [], "type": {"kind": "NON_NULL"}}]}
        ]}});
        let error = introspection_to_sdl(&bare).unwrap_err();
        assert_eq!(error.path, "__schema.types[0].fields[0].type");
        assert!(error.message.contains("ofType"), "{error}");

        let error = introspection_to_sdl(&json!({"data": {}})).unwrap_err();
        assert!(error.message.contains("__schema"));

        let error = introspection_to_sdl(&json!({"__schema": {"queryType": {"name": "Q"},
            "types": [{"kind": "WIDGET", "name": "X"}]}}))
        .unwrap_err();
        assert_eq!(error.path, "__schema.types[0].kind");
    }

    #[test]
    fn prints_interfaces_unions_and_custom_directives() {
        let document = json!({"__schema": {"queryType": {"name": "Query"}, "types": [
            {"kind": "INTERFACE", "name": "Node", "fields": [{"name": "id", "args": [], "type": named("SCALAR", "ID")}]},
            {"kind": "OBJECT", "name": "A", "interfaces": [named("INTERFACE", "Node")],
             "fields": [{"name": "id", "args": [], "type": named("SCALAR", "ID")}]},
            {"kind": "UNION", "name": "U", "possibleTypes": [named("OBJECT", "A")]},
            {"kind": "OBJECT", "name": "Query", "fields": [{"name": "u", "args": [], "type": named("UNION", "U")}]}
        ], "directives": [{"name": "auth", "isRepeatable": true, "locations": ["FIELD_DEFINITION", "OBJECT"],
            "args": [{"name": "role", "type": named("SCALAR", "String"), "defaultValue": "\"x\""}]}]}});
        let sdl = introspection_to_sdl(&document).unwrap();
        assert!(sdl.contains("type A implements Node {"), "{sdl}");
        assert!(sdl.contains("union U = A\n"), "{sdl}");
        assert!(
            sdl.contains(
                "directive @auth(role: String = \"x\") repeatable on FIELD_DEFINITION | OBJECT"
            ),
            "{sdl}"
        );
        apollo_compiler::Schema::parse_and_validate(sdl, "t.graphql").unwrap();
    }
}
