//! Differences between two schemas, classed by what they do to existing clients.
//!
//! The classification follows graphql-js `findBreakingChanges`: a change is *breaking* when an
//! operation that was valid may become invalid or fail (something removed, a type narrowed for
//! inputs or widened for outputs, a new required argument); *dangerous* when valid operations
//! stay valid but may see values they did not expect (an enum value or union member added, a
//! default changed); *safe* otherwise (additions, descriptions, deprecations).

use apollo_compiler::ast::{FieldDefinition, InputValueDefinition, Type};
use apollo_compiler::schema::{Component, ExtendedType};
use apollo_compiler::{Name, Node};
use std::fmt;

use crate::Schema;

/// How a change affects clients written against the old schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Existing operations may stop validating or start failing.
    Breaking,
    /// Existing operations stay valid but may receive values they do not expect.
    Dangerous,
    /// Nothing an existing operation relies on changes.
    Safe,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Severity::Breaking => "breaking",
            Severity::Dangerous => "dangerous",
            Severity::Safe => "safe",
        })
    }
}

/// One difference between two schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// How it affects existing clients.
    pub severity: Severity,
    /// Schema coordinate of what changed: `Tenant.name`, `Query.tenants(tenantsQuery:)`,
    /// `OrderDir.asc`, `Tenant`.
    pub coordinate: String,
    /// What changed, in one sentence.
    pub message: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<9} {}: {}",
            self.severity, self.coordinate, self.message
        )
    }
}

/// Lists every change from `old` to `new`, breaking first, then by coordinate.
pub fn diff(old: &Schema, new: &Schema) -> Vec<Change> {
    let mut changes = Changes::default();
    let (old, new) = (&old.schema, &new.schema);
    for (label, old_root, new_root) in [
        (
            "query",
            &old.schema_definition.query,
            &new.schema_definition.query,
        ),
        (
            "mutation",
            &old.schema_definition.mutation,
            &new.schema_definition.mutation,
        ),
        (
            "subscription",
            &old.schema_definition.subscription,
            &new.schema_definition.subscription,
        ),
    ] {
        let (old_name, new_name) = (
            old_root.as_ref().map(|n| n.name.as_str()),
            new_root.as_ref().map(|n| n.name.as_str()),
        );
        if old_name.is_some() && old_name != new_name {
            changes.push(
                Severity::Breaking,
                "schema",
                format!(
                    "the {label} root type changed from {} to {}",
                    old_name.unwrap_or("none"),
                    new_name.unwrap_or("none")
                ),
            );
        }
    }
    for (name, old_type) in old.types.iter().filter(|(_, ty)| !ty.is_built_in()) {
        match new.types.get(name) {
            None => changes.push(
                Severity::Breaking,
                name,
                format!("type `{name}` was removed"),
            ),
            Some(new_type) => changes.types(name, old_type, new_type),
        }
    }
    for (name, ty) in new.types.iter().filter(|(_, ty)| !ty.is_built_in()) {
        if !old.types.contains_key(name) {
            changes.push(
                Severity::Safe,
                name,
                format!("{} `{name}` was added", kind(ty)),
            );
        }
    }
    for (name, directive) in old.directive_definitions.iter() {
        if !new.directive_definitions.contains_key(name) && !directive.is_built_in() {
            changes.push(
                Severity::Breaking,
                &format!("@{name}"),
                "directive was removed".into(),
            );
        }
    }
    let mut changes = changes.0;
    changes.sort_by(|a, b| (a.severity, &a.coordinate).cmp(&(b.severity, &b.coordinate)));
    changes
}

#[derive(Default)]
struct Changes(Vec<Change>);

impl Changes {
    fn push(&mut self, severity: Severity, coordinate: &str, message: String) {
        self.0.push(Change {
            severity,
            coordinate: coordinate.to_owned(),
            message,
        });
    }

    fn types(&mut self, name: &Name, old: &ExtendedType, new: &ExtendedType) {
        if kind(old) != kind(new) {
            self.push(
                Severity::Breaking,
                name,
                format!("changed from {} to {}", kind(old), kind(new)),
            );
            return;
        }
        if old.description() != new.description() {
            self.push(Severity::Safe, name, "description changed".into());
        }
        match (old, new) {
            (ExtendedType::Object(o), ExtendedType::Object(n)) => {
                self.interfaces(
                    name,
                    o.implements_interfaces.iter().map(|i| &i.name),
                    n.implements_interfaces.iter().map(|i| &i.name),
                );
                self.output_fields(name, &o.fields, &n.fields);
            }
            (ExtendedType::Interface(o), ExtendedType::Interface(n)) => {
                self.interfaces(
                    name,
                    o.implements_interfaces.iter().map(|i| &i.name),
                    n.implements_interfaces.iter().map(|i| &i.name),
                );
                self.output_fields(name, &o.fields, &n.fields);
            }
            (ExtendedType::Union(o), ExtendedType::Union(n)) => {
                for member in o.members.iter().filter(|m| !n.members.contains(*m)) {
                    self.push(
                        Severity::Breaking,
                        name,
                        format!("member `{}` was removed from the union", member.name),
                    );
                }
                for member in n.members.iter().filter(|m| !o.members.contains(*m)) {
                    self.push(
                        Severity::Dangerous,
                        name,
                        format!("member `{}` was added to the union", member.name),
                    );
                }
            }
            (ExtendedType::Enum(o), ExtendedType::Enum(n)) => {
                for (value, definition) in o.values.iter() {
                    let coordinate = format!("{name}.{value}");
                    match n.values.get(value) {
                        None => self.push(
                            Severity::Breaking,
                            &coordinate,
                            "enum value was removed".into(),
                        ),
                        Some(new_definition) => {
                            self.deprecation(
                                &coordinate,
                                &definition.directives,
                                &new_definition.directives,
                            );
                            if definition.description != new_definition.description {
                                self.push(
                                    Severity::Safe,
                                    &coordinate,
                                    "description changed".into(),
                                );
                            }
                        }
                    }
                }
                for value in n.values.keys().filter(|v| !o.values.contains_key(*v)) {
                    self.push(
                        Severity::Dangerous,
                        &format!("{name}.{value}"),
                        "enum value was added".into(),
                    );
                }
            }
            (ExtendedType::InputObject(o), ExtendedType::InputObject(n)) => {
                self.input_values(
                    name.as_str(),
                    o.fields.iter().map(|(name, field)| (name, &field.node)),
                    n.fields.iter().map(|(name, field)| (name, &field.node)),
                    "input field",
                );
            }
            _ => {}
        }
    }

    fn interfaces<'a>(
        &mut self,
        name: &Name,
        old: impl Iterator<Item = &'a Name>,
        new: impl Iterator<Item = &'a Name>,
    ) {
        let (old, new): (Vec<_>, Vec<_>) = (old.collect(), new.collect());
        for interface in old.iter().filter(|i| !new.contains(i)) {
            self.push(
                Severity::Breaking,
                name,
                format!("no longer implements `{interface}`"),
            );
        }
        for interface in new.iter().filter(|i| !old.contains(i)) {
            self.push(
                Severity::Dangerous,
                name,
                format!("now implements `{interface}`"),
            );
        }
    }

    fn output_fields(
        &mut self,
        type_name: &Name,
        old: &Fields<FieldDefinition>,
        new: &Fields<FieldDefinition>,
    ) {
        for (field, old_field) in old.iter() {
            let coordinate = format!("{type_name}.{field}");
            let Some(new_field) = new.get(field) else {
                self.push(Severity::Breaking, &coordinate, "field was removed".into());
                continue;
            };
            if !safe_for_output(&old_field.ty, &new_field.ty) {
                self.push(
                    Severity::Breaking,
                    &coordinate,
                    format!("type changed from `{}` to `{}`", old_field.ty, new_field.ty),
                );
            } else if old_field.ty != new_field.ty {
                self.push(
                    Severity::Safe,
                    &coordinate,
                    format!(
                        "type narrowed from `{}` to `{}`",
                        old_field.ty, new_field.ty
                    ),
                );
            }
            if old_field.description != new_field.description {
                self.push(Severity::Safe, &coordinate, "description changed".into());
            }
            self.deprecation(&coordinate, &old_field.directives, &new_field.directives);
            self.input_values(
                &coordinate,
                old_field.arguments.iter().map(|a| (&a.name, a)),
                new_field.arguments.iter().map(|a| (&a.name, a)),
                "argument",
            );
        }
        for field in new.keys().filter(|f| !old.contains_key(*f)) {
            self.push(
                Severity::Safe,
                &format!("{type_name}.{field}"),
                "field was added".into(),
            );
        }
    }

    /// Arguments of a field, or fields of an input object.
    fn input_values<'a>(
        &mut self,
        owner: &str,
        old: impl Iterator<Item = (&'a Name, &'a Node<InputValueDefinition>)>,
        new: impl Iterator<Item = (&'a Name, &'a Node<InputValueDefinition>)>,
        what: &str,
    ) {
        let old: Vec<_> = old.collect();
        let new: Vec<_> = new.collect();
        let coordinate = |name: &Name| {
            if what == "argument" {
                format!("{owner}({name}:)")
            } else {
                format!("{owner}.{name}")
            }
        };
        for (name, old_value) in &old {
            let coordinate = coordinate(name);
            let Some((_, new_value)) = new.iter().find(|(n, _)| n == name) else {
                self.push(
                    Severity::Breaking,
                    &coordinate,
                    format!("{what} was removed"),
                );
                continue;
            };
            if !safe_for_input(&old_value.ty, &new_value.ty) {
                self.push(
                    Severity::Breaking,
                    &coordinate,
                    format!("type changed from `{}` to `{}`", old_value.ty, new_value.ty),
                );
            } else if old_value.ty != new_value.ty {
                self.push(
                    Severity::Safe,
                    &coordinate,
                    format!("type widened from `{}` to `{}`", old_value.ty, new_value.ty),
                );
            }
            let (old_default, new_default) = (
                old_value.default_value.as_ref().map(|v| v.to_string()),
                new_value.default_value.as_ref().map(|v| v.to_string()),
            );
            if old_default != new_default {
                self.push(
                    Severity::Dangerous,
                    &coordinate,
                    format!(
                        "default changed from {} to {}",
                        old_default.as_deref().unwrap_or("none"),
                        new_default.as_deref().unwrap_or("none")
                    ),
                );
            }
            if old_value.description != new_value.description {
                self.push(Severity::Safe, &coordinate, "description changed".into());
            }
            self.deprecation(&coordinate, &old_value.directives, &new_value.directives);
        }
        for (name, value) in new.iter().filter(|(n, _)| !old.iter().any(|(o, _)| o == n)) {
            if value.ty.is_non_null() && value.default_value.is_none() {
                self.push(
                    Severity::Breaking,
                    &coordinate(name),
                    format!("required {what} was added"),
                );
            } else {
                self.push(
                    Severity::Safe,
                    &coordinate(name),
                    format!("optional {what} was added"),
                );
            }
        }
    }

    fn deprecation(
        &mut self,
        coordinate: &str,
        old: &apollo_compiler::ast::DirectiveList,
        new: &apollo_compiler::ast::DirectiveList,
    ) {
        let reason = |list: &apollo_compiler::ast::DirectiveList| {
            list.get("deprecated").map(|d| {
                d.specified_argument_by_name("reason")
                    .and_then(|v| v.as_str())
                    .unwrap_or("No longer supported")
                    .to_owned()
            })
        };
        match (reason(old), reason(new)) {
            (None, Some(reason)) => self.push(
                Severity::Safe,
                coordinate,
                format!("was deprecated: {reason}"),
            ),
            (Some(_), None) => {
                self.push(Severity::Safe, coordinate, "is no longer deprecated".into())
            }
            _ => {}
        }
    }
}

fn kind(ty: &ExtendedType) -> &'static str {
    match ty {
        ExtendedType::Scalar(_) => "scalar",
        ExtendedType::Object(_) => "object type",
        ExtendedType::Interface(_) => "interface",
        ExtendedType::Union(_) => "union",
        ExtendedType::Enum(_) => "enum",
        ExtendedType::InputObject(_) => "input object",
    }
}

fn item(ty: &Type) -> Option<&Type> {
    match ty {
        Type::List(inner) | Type::NonNullList(inner) => Some(inner),
        _ => None,
    }
}

/// A field may become stricter (nullable to non-null) without breaking readers.
fn safe_for_output(old: &Type, new: &Type) -> bool {
    if old.is_non_null() {
        return new.is_non_null() && same_shape(old, new, safe_for_output);
    }
    match (item(old), item(new)) {
        (Some(old_item), Some(new_item)) => safe_for_output(old_item, new_item),
        (None, None) => old.inner_named_type() == new.inner_named_type(),
        _ => false,
    }
}

/// An argument may become looser (non-null to nullable) without breaking callers.
fn safe_for_input(old: &Type, new: &Type) -> bool {
    if !old.is_non_null() && new.is_non_null() {
        return false;
    }
    match (item(old), item(new)) {
        (Some(old_item), Some(new_item)) => safe_for_input(old_item, new_item),
        (None, None) => old.inner_named_type() == new.inner_named_type(),
        _ => false,
    }
}

fn same_shape(old: &Type, new: &Type, inner: fn(&Type, &Type) -> bool) -> bool {
    match (item(old), item(new)) {
        (Some(old_item), Some(new_item)) => inner(old_item, new_item),
        (None, None) => old.inner_named_type() == new.inner_named_type(),
        _ => false,
    }
}

type Fields<T> = apollo_compiler::collections::IndexMap<Name, Component<T>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(sdl: &str) -> Schema {
        let schema = apollo_compiler::Schema::parse_and_validate(sdl, "t.graphql").unwrap();
        Schema {
            schema,
            sdl: sdl.to_owned(),
            introspection: serde_json::Value::Null,
        }
    }

    #[test]
    fn output_and_input_type_rules() {
        let t = |s: &str| Type::Named(apollo_compiler::Name::new(s).unwrap());
        let string = t("String");
        let non_null = string.clone().non_null();
        assert!(safe_for_output(&string, &non_null));
        assert!(!safe_for_output(&non_null, &string));
        assert!(safe_for_input(&non_null, &string));
        assert!(!safe_for_input(&string, &non_null));
        assert!(!safe_for_output(&string, &t("Int")));
        assert!(safe_for_output(
            &string.clone().list(),
            &non_null.clone().list().non_null()
        ));
        assert!(!safe_for_output(&string.clone().list(), &string));
    }

    #[test]
    fn classifies_a_prepared_set_of_changes() {
        let old = schema(
            r#"
            type Query { tenants(q: Q!, limit: Int = 10): [Tenant] gone: Int client: Tenant }
            type Tenant { id: ID! name: String label: String }
            input Q { name: String ids: [ID!] }
            enum Dir { asc desc }
            union U = Tenant
            type Removed { x: Int }
            "#,
        );
        let new = schema(
            r#"
            "Root"
            type Query { tenants(q: Q!, limit: Int = 20, page: Int, must: Int!): [Tenant] client: Other other: Dir u: U }
            type Tenant { id: ID name: String! label: String @deprecated(reason: "use labels") labels: [String] }
            type Other { x: Int }
            input Q { name: ID ids: [ID] extra: Boolean required: Int! }
            enum Dir { asc other }
            union U = Tenant | Other
            "#,
        );
        let changes = diff(&old, &new);
        let find = |coordinate: &str, needle: &str| {
            changes
                .iter()
                .find(|c| c.coordinate == coordinate && c.message.contains(needle))
                .map(|c| c.severity)
                .unwrap_or_else(|| panic!("no change {coordinate}: {needle} in {changes:#?}"))
        };
        assert_eq!(find("Removed", "removed"), Severity::Breaking);
        assert_eq!(find("Query.gone", "removed"), Severity::Breaking);
        assert_eq!(find("Query.client", "type changed"), Severity::Breaking);
        assert_eq!(find("Tenant.id", "type changed"), Severity::Breaking);
        assert_eq!(find("Tenant.name", "narrowed"), Severity::Safe);
        assert_eq!(
            find("Tenant.label", "deprecated: use labels"),
            Severity::Safe
        );
        assert_eq!(find("Tenant.labels", "added"), Severity::Safe);
        assert_eq!(
            find("Query.tenants(must:)", "required argument"),
            Severity::Breaking
        );
        assert_eq!(
            find("Query.tenants(page:)", "optional argument"),
            Severity::Safe
        );
        assert_eq!(
            find("Query.tenants(limit:)", "default changed from 10 to 20"),
            Severity::Dangerous
        );
        assert_eq!(find("Q.name", "type changed"), Severity::Breaking);
        assert_eq!(find("Q.ids", "widened"), Severity::Safe);
        assert_eq!(
            find("Q.required", "required input field"),
            Severity::Breaking
        );
        assert_eq!(find("Q.extra", "optional input field"), Severity::Safe);
        assert_eq!(find("Dir.desc", "removed"), Severity::Breaking);
        assert_eq!(find("Dir.other", "added"), Severity::Dangerous);
        assert_eq!(find("U", "member `Other` was added"), Severity::Dangerous);
        assert_eq!(find("Other", "added"), Severity::Safe);
        assert_eq!(find("Query", "description"), Severity::Safe);
        assert_eq!(
            changes[0].severity,
            Severity::Breaking,
            "breaking changes come first"
        );
        assert!(diff(&old, &old).is_empty());
    }
}
