//! "Did you mean" for names a document gets wrong: an unknown field, argument, type, enum value
//! or input field gets the closest names the schema has at that place, as cynic suggests them.
//! With several hundred root fields and thousands of types, a bare "unknown field" is not
//! enough to fix a typo or a `clientId` / `clientID` mix-up.

use apollo_compiler::ast::DirectiveList;
use apollo_compiler::schema::{Component, ExtendedType, FieldDefinition};
use apollo_compiler::Name;

use crate::{Diagnostic, Schema};

/// At most this many suggestions per error.
const MAX_SUGGESTIONS: usize = 3;

/// Adds suggestions to the diagnostics that name something the schema lacks.
pub(crate) fn add_suggestions(schema: &Schema, diagnostics: &mut [Diagnostic]) {
    for diagnostic in diagnostics {
        let Some((wrong, candidates)) = candidates_for(schema, &diagnostic.message) else {
            continue;
        };
        // Deprecated names only when nothing current comes close.
        let (current, deprecated): (Vec<_>, Vec<_>) = candidates.into_iter().partition(|c| !c.1);
        let names = |list: Vec<(String, bool)>| list.into_iter().map(|c| c.0).collect::<Vec<_>>();
        let mut found = closest(&wrong, &names(current));
        if found.is_empty() {
            found = closest(&wrong, &names(deprecated));
        }
        if found.is_empty() {
            continue;
        }
        let hint = format!(
            "did you mean {}?",
            found
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        );
        diagnostic.message = format!("{}; {hint}", diagnostic.message);
        diagnostic.report = format!("{}\nhelp: {hint}\n", diagnostic.report.trim_end());
    }
}

/// The wrong name and the names that would be right at its place (with whether each is
/// deprecated), read from apollo-compiler's message (its wording is pinned with the crate
/// version; tests keep it in step).
fn candidates_for(schema: &Schema, message: &str) -> Option<(String, Vec<(String, bool)>)> {
    let quoted = backquoted(message);
    let types = &schema.schema.types;
    let (wrong, names) = if message.starts_with("type `")
        && message.contains("` does not have a field `")
    {
        // type `T` does not have a field `f`
        let (ty, wrong) = (quoted.first()?, quoted.get(1)?);
        let names = match fields_of(types.get(ty.as_str())?) {
            Some(fields) => listed(fields.iter().map(|(n, f)| (n, &f.directives))),
            None => Vec::new(),
        };
        (wrong, names)
    } else if message.starts_with("the argument `") && message.contains("` is not supported by `") {
        // the argument `a` is not supported by `T.f` (or `@directive`)
        let (wrong, coordinate) = (quoted.first()?, quoted.get(1)?);
        let (ty, field) = coordinate.split_once('.')?;
        let definition = fields_of(types.get(ty)?)?.get(field)?;
        let arguments = definition.arguments.iter();
        (wrong, listed(arguments.map(|a| (&a.name, &a.directives))))
    } else if message.starts_with("cannot find type `") {
        let names = types.keys().map(|n| (n.to_string(), false)).collect();
        (quoted.first()?, names)
    } else if message.starts_with("value `") && message.contains("` does not exist on `") {
        let (wrong, ty) = (quoted.first()?, quoted.get(1)?);
        let ExtendedType::Enum(e) = types.get(ty.as_str())? else {
            return None;
        };
        (
            wrong,
            listed(e.values.iter().map(|(n, v)| (n, &v.directives))),
        )
    } else if message.starts_with("field `") && message.contains("` does not exist on `") {
        let (wrong, ty) = (quoted.first()?, quoted.get(1)?);
        let ExtendedType::InputObject(input) = types.get(ty.as_str())? else {
            return None;
        };
        (
            wrong,
            listed(input.fields.iter().map(|(n, f)| (n, &f.directives))),
        )
    } else {
        return None;
    };
    Some((wrong.clone(), names))
}

/// The fields of an object or interface type.
fn fields_of(
    ty: &ExtendedType,
) -> Option<&apollo_compiler::collections::IndexMap<Name, Component<FieldDefinition>>> {
    match ty {
        ExtendedType::Object(o) => Some(&o.fields),
        ExtendedType::Interface(i) => Some(&i.fields),
        _ => None,
    }
}

/// Names with whether each is deprecated.
fn listed<'a>(items: impl Iterator<Item = (&'a Name, &'a DirectiveList)>) -> Vec<(String, bool)> {
    items
        .map(|(name, directives)| (name.to_string(), directives.get("deprecated").is_some()))
        .collect()
}

/// The texts between backquotes, in order.
fn backquoted(message: &str) -> Vec<String> {
    message
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The names closest to `wrong`, best first: the same name but for case and underscores
/// (`clientId` for `clientID`, `tenant_id` for `tenantId`), then names within a small edit
/// distance for their length.
fn closest(wrong: &str, candidates: &[String]) -> Vec<String> {
    let fold = |s: &str| s.to_lowercase().replace('_', "");
    let wrong_folded = fold(wrong);
    let mut scored: Vec<(f64, &String)> = candidates
        .iter()
        .filter(|c| c.as_str() != wrong && !c.starts_with("__"))
        .filter_map(|candidate| {
            let folded = fold(candidate);
            if folded == wrong_folded {
                return Some((2.0, candidate));
            }
            let similarity = strsim::normalized_damerau_levenshtein(&wrong_folded, &folded);
            let prefix = folded.starts_with(&wrong_folded) || wrong_folded.starts_with(&folded);
            let score = if prefix && wrong_folded.len().min(folded.len()) >= 3 {
                similarity.max(0.7)
            } else {
                similarity
            };
            (score >= 0.7).then_some((score, candidate))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, name)| name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn case_and_underscore_variants_come_first() {
        let candidates = names(&["clientID", "clientSecret", "id", "client"]);
        assert_eq!(closest("clientId", &candidates)[0], "clientID");
        assert_eq!(closest("client_id", &candidates)[0], "clientID");
    }

    #[test]
    fn typos_are_found_and_strangers_are_not() {
        let candidates = names(&["tenants", "tenantProfiles", "alertsServiceSearch"]);
        assert_eq!(closest("tenats", &candidates), ["tenants"]);
        assert!(closest("xyz", &candidates).is_empty());
        assert!(closest("investigations", &candidates).is_empty());
    }

    #[test]
    fn backquoted_parts_in_order() {
        assert_eq!(
            backquoted("the argument `a` is not supported by `Query.f`"),
            ["a", "Query.f"]
        );
    }
}
