//! The canonical text of an introspection result, as `taegis schema pull` writes it and as the
//! checked-in schemas are kept: object keys sorted, types and directives sorted by name,
//! pretty-printed with two spaces and a final newline. The same schema always gives the same
//! bytes, so a refresh shows as a readable diff and an unchanged schema rewrites nothing.

use serde_json::{Map, Value};

use crate::{Schema, SchemaError};

/// Validates `introspection` as a schema and returns its canonical text, wrapped as
/// `{"data": {"__schema": ...}}`.
pub fn canonical_introspection(introspection: &Value, origin: &str) -> Result<String, SchemaError> {
    let schema = Schema::from_introspection(introspection.clone(), origin)?;
    let mut inner = crate::sdl::schema_object(&schema.introspection)
        .map_err(|source| SchemaError::Introspection {
            origin: origin.to_owned(),
            source,
        })?
        .clone();
    for list in ["types", "directives"] {
        if let Some(items) = inner.get_mut(list).and_then(Value::as_array_mut) {
            items.sort_by(|a, b| name(a).cmp(name(b)));
        }
    }
    let wrapped = Value::Object(Map::from_iter([(
        "data".to_owned(),
        Value::Object(Map::from_iter([("__schema".to_owned(), inner)])),
    )]));
    let mut text =
        serde_json::to_string_pretty(&sorted_keys(wrapped)).expect("JSON values always serialize");
    text.push('\n');
    Ok(text)
}

fn name(value: &Value) -> &str {
    value
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Rebuilds every object with its keys inserted in sorted order, whatever map type serde_json
/// was built with.
fn sorted_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sorted_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted_keys).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn same_schema_in_any_order_gives_the_same_bytes() {
        let a = json!({"__schema": {"queryType": {"name": "Query"}, "types": [
            {"name": "Query", "kind": "OBJECT", "fields": [{"name": "a", "args": [], "type": {"kind": "SCALAR", "name": "T", "ofType": null}}], "interfaces": []},
            {"kind": "SCALAR", "name": "T"}
        ], "directives": []}});
        let b = json!({"data": {"__schema": {"types": [
            {"kind": "SCALAR", "name": "T"},
            {"interfaces": [], "fields": [{"type": {"ofType": null, "name": "T", "kind": "SCALAR"}, "args": [], "name": "a"}], "kind": "OBJECT", "name": "Query"}
        ], "directives": [], "queryType": {"name": "Query"}}}});
        let text = canonical_introspection(&a, "a").unwrap();
        assert_eq!(text, canonical_introspection(&b, "b").unwrap());
        assert!(
            text.starts_with("{\n  \"data\": {\n    \"__schema\": {\n      \"directives\": []"),
            "{text}"
        );
        assert!(text.ends_with("}\n"));
        let t = text.find("\"name\": \"T\"").unwrap();
        let q = text.find("\"name\": \"Query\"").unwrap();
        assert!(q < t, "types sorted by name");
    }

    #[test]
    fn refuses_what_is_not_a_schema() {
        assert!(canonical_introspection(
            &json!({"data": null, "errors": [{"message": "no"}]}),
            "x"
        )
        .is_err());
        let dangling = json!({"__schema": {"queryType": {"name": "Query"}, "types": []}});
        assert!(canonical_introspection(&dangling, "x").is_err());
    }

    #[test]
    fn checked_in_schemas_are_canonical() {
        for endpoint in crate::Endpoint::ALL {
            let Some(text) = crate::bundled_schema(*endpoint) else {
                continue;
            };
            let value: Value = serde_json::from_str(text).unwrap();
            let canonical = canonical_introspection(&value, endpoint.name).unwrap();
            if std::env::var_os("TAEGIS_BLESS_SCHEMAS").is_some() {
                let path = format!(
                    "{}/schemas/{}.json",
                    env!("CARGO_MANIFEST_DIR"),
                    endpoint.name
                );
                std::fs::write(path, &canonical).unwrap();
                continue;
            }
            assert!(
                canonical == text,
                "codegen/schemas/{}.json is not canonical: rewrite it with TAEGIS_BLESS_SCHEMAS=1 cargo test -p taegis-sdk-codegen",
                endpoint.name
            );
        }
    }
}
