//! What a GraphQL document sent as text does, read with a real GraphQL parser: the retry rules
//! of a mutation must apply to every document that may run one.

use apollo_parser::cst;

use crate::OperationKind;

/// The kind of the operation the server runs for `document` and `operation_name`, as
/// GraphQL's rules pick it: the named operation, else the only one. Anything the server may
/// run as a write counts as a mutation: a document that does not parse, a name it does not
/// hold, several operations with no name of which one is not a query, and subscriptions.
pub fn document_kind(document: &str, operation_name: Option<&str>) -> OperationKind {
    let tree = apollo_parser::Parser::new(document).parse();
    if tree.errors().next().is_some() {
        return OperationKind::Mutation;
    }
    let operations: Vec<(Option<String>, OperationKind)> = tree
        .document()
        .definitions()
        .filter_map(|definition| match definition {
            cst::Definition::OperationDefinition(operation) => Some((
                operation.name().map(|n| n.text().to_string()),
                kind_of(&operation),
            )),
            _ => None,
        })
        .collect();
    let chosen = match operation_name {
        Some(name) => operations
            .iter()
            .find(|(n, _)| n.as_deref() == Some(name))
            .map(|(_, kind)| *kind),
        None if operations.len() == 1 => Some(operations[0].1),
        None => operations
            .iter()
            .all(|(_, kind)| *kind == OperationKind::Query)
            .then_some(OperationKind::Query),
    };
    match chosen {
        Some(OperationKind::Query) => OperationKind::Query,
        Some(OperationKind::Subscription) => OperationKind::Subscription,
        _ => OperationKind::Mutation,
    }
}

fn kind_of(operation: &cst::OperationDefinition) -> OperationKind {
    match operation.operation_type() {
        None => OperationKind::Query,
        Some(t) if t.query_token().is_some() => OperationKind::Query,
        Some(t) if t.subscription_token().is_some() => OperationKind::Subscription,
        _ => OperationKind::Mutation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OperationKind::*;

    #[test]
    fn kinds() {
        let cases: &[(&str, Option<&str>, OperationKind)] = &[
            ("query q { tenants { id } }", None, Query),
            ("{ tenants { id } }", None, Query),
            (
                "# mutation in a comment\nquery q { x(a: \"mutation\") }",
                None,
                Query,
            ),
            ("{ x(s: \"\"\"mutation m { y }\"\"\") }", None, Query),
            ("mutation m { deleteClient(id: 1) { id } }", None, Mutation),
            ("query a { x } mutation b { y }", None, Mutation),
            ("query a { x } mutation b { y }", Some("a"), Query),
            ("query a { x } mutation b { y }", Some("b"), Mutation),
            ("query a { x } query b { y }", None, Query),
            ("query a { x }", Some("c"), Mutation),
            ("query a { x ", None, Mutation),
            ("", None, Mutation),
            ("subscription s { x }", None, Subscription),
            (
                "query q { x(s: \"\"\" \" \"\"\") }\nmutation m { d }",
                Some("m"),
                Mutation,
            ),
        ];
        for (document, name, kind) in cases {
            assert_eq!(document_kind(document, *name), *kind, "{document} {name:?}");
        }
    }
}
