//! The build-time checker against the bundled schemas: invalid operations are rejected with
//! file, line and a message naming the problem; valid tricky operations pass.

use taegis_sdk_codegen::{Diagnostic, Endpoint, OperationKind, Schema};

fn schema(endpoint: Endpoint) -> Schema {
    Schema::bundled(endpoint).expect("bundled schema loads")
}

fn errors(endpoint: Endpoint, source: &str) -> Vec<Diagnostic> {
    schema(endpoint)
        .check(source, "queries/test/op.graphql")
        .expect_err("document should be rejected")
}

fn assert_rejected(endpoint: Endpoint, source: &str, line: usize, needle: &str) {
    let errors = errors(endpoint, source);
    assert!(
        errors
            .iter()
            .any(|e| e.line == line && e.message.contains(needle)),
        "expected an error on line {line} containing {needle:?}, got {errors:#?}"
    );
    for error in &errors {
        assert_eq!(error.file, "queries/test/op.graphql");
        assert!(
            error.report.contains("queries/test/op.graphql"),
            "{}",
            error.report
        );
        assert!(
            error.to_string().starts_with("queries/test/op.graphql:"),
            "{error}"
        );
    }
}

#[test]
fn missing_required_argument_names_the_argument() {
    assert_rejected(
        Endpoint::TENANTS,
        "query Bad { tenants { count } }",
        1,
        "tenantsQuery",
    );
}

#[test]
fn unknown_field_is_rejected() {
    assert_rejected(
        Endpoint::MAIN,
        "query c($id: ID!) {\n  client(id: $id) {\n    id\n    favouriteColour\n  }\n}",
        4,
        "favouriteColour",
    );
}

#[test]
fn unknown_type_and_argument_are_rejected() {
    assert_rejected(
        Endpoint::MAIN,
        "query q($f: NoSuchInput) { clientsSearch(filters: $f) { totalCount } }",
        1,
        "NoSuchInput",
    );
    assert_rejected(
        Endpoint::MAIN,
        "query q {\n client(id: \"1\", colour: 2) { id } }",
        2,
        "colour",
    );
}

#[test]
fn wrong_variable_type_is_rejected() {
    assert_rejected(
        Endpoint::TENANTS,
        "query t($q: String!) {\n  tenants(tenantsQuery: $q) { count }\n}",
        2,
        "$q",
    );
}

#[test]
fn unknown_enum_value_is_rejected() {
    assert_rejected(
        Endpoint::TENANTS,
        "query t {\n  tenants(tenantsQuery: {orderBy: Colour}) { count }\n}",
        2,
        "Colour",
    );
}

#[test]
fn undefined_fragment_is_rejected() {
    assert_rejected(
        Endpoint::TENANTS,
        "query t {\n  tenants(tenantsQuery: {}) {\n    ...Missing\n  }\n}",
        3,
        "Missing",
    );
}

#[test]
fn unused_and_undefined_variables_are_rejected() {
    assert_rejected(
        Endpoint::MAIN,
        "query c($id: ID!, $unused: Int) { client(id: $id) { id } }",
        1,
        "unused",
    );
    assert_rejected(
        Endpoint::MAIN,
        "query c { client(id: $nowhere) { id } }",
        1,
        "nowhere",
    );
}

#[test]
fn selection_on_leaf_and_missing_selection_are_rejected() {
    assert_rejected(
        Endpoint::MAIN,
        "query c {\n  client(id: \"1\") {\n    name { x }\n  }\n}",
        3,
        "must not have subselections",
    );
    assert_rejected(
        Endpoint::MAIN,
        "query c { client(id: \"1\") }",
        1,
        "must have a subselection set",
    );
}

#[test]
fn syntax_errors_are_located() {
    let errors = errors(Endpoint::MAIN, "query c {\n  client(id: \"1\") { id\n");
    assert_eq!(errors.len(), 1, "one error, reported once: {errors:#?}");
    assert_eq!((errors[0].line, errors[0].column), (2, 24));
    assert!(
        errors[0].message.contains("syntax error"),
        "{}",
        errors[0].message
    );
}

#[test]
fn anonymous_operations_are_rejected_because_code_is_named_after_operations() {
    assert_rejected(
        Endpoint::MAIN,
        "{ client(id: \"1\") { id } }",
        1,
        "anonymous",
    );
}

#[test]
fn valid_tricky_operations_pass() {
    let tenants = schema(Endpoint::TENANTS);
    let checked = tenants
        .check(
            r#"
            fragment Env on Environment { name enabled }
            fragment T on Tenant { id name environments { ...Env } }
            query tricky($order: TenantOrderField = Name, $dir: OrderDir!) {
              first: tenants(tenantsQuery: {maxResults: 5, orderBy: $order, orderDir: $dir,
                             environmentFilter: {name: "echo", enabled: true},
                             createdTimeFilter: {startTime: "2019-07-04T15:00:22Z", endTime: "2019-07-06T15:00:22Z"}}) {
                results { ...T labels { name value } }
                hasMore
                cursorPos
              }
              second: tenants(tenantsQuery: {ids: ["1", "2"]}) { count results { ... on Tenant { __typename id } } }
            }
            mutation updateMany($id: ID!, $envs: [TenantEnvironmentUpdateInput]) {
              updateTenant(tenantID: $id, tenantUpdate: {environments: $envs, name: "x"}) { id }
            }
            "#,
            "tricky.graphql",
        )
        .map_err(|errors| errors.iter().map(|e| e.report.clone()).collect::<Vec<_>>().join("\n"))
        .unwrap_or_else(|report| panic!("valid document rejected:\n{report}"));
    let names: Vec<_> = checked
        .operations
        .iter()
        .map(|op| (op.name.as_str(), op.kind))
        .collect();
    assert_eq!(
        names,
        [
            ("tricky", OperationKind::Query),
            ("updateMany", OperationKind::Mutation)
        ]
    );
    assert!(
        checked.deprecations.is_empty(),
        "{:?}",
        checked.deprecations
    );

    let main = schema(Endpoint::MAIN);
    main.check(
        r#"mutation add($id: ID!, $roles: [ClientRoleAssignmentInput]!) {
             appendClientRoles(id: $id, roles: $roles) { id roleAssignments { roleID roleName } }
           }
           query search($by: ClientsSearchSortBy) {
             clientsSearch(filters: {name: "%docs%", sortBy: $by, sortOrder: DESC, roleIDs: ["a"]}) {
               totalCount results { clientID }
             }
           }"#,
        "main.graphql",
    )
    .unwrap();
}

#[test]
fn deprecated_fields_arguments_and_input_fields_are_reported_with_reason() {
    let main = schema(Endpoint::MAIN);
    let checked = main
        .check(
            "query old {\n  clients(name: \"%x%\") {\n    id\n    client_id\n  }\n}",
            "old.graphql",
        )
        .unwrap();
    let found: Vec<_> = checked
        .deprecations
        .iter()
        .map(|d| (d.coordinate.as_str(), d.line, d.reason.as_deref()))
        .collect();
    assert!(found.contains(&(
        "Query.clients",
        2,
        Some("Use clientsSearchResults instead, which includes totalCount and totalUnfilteredCount")
    )), "{found:?}");
    assert!(
        found.contains(&("Client.client_id", 4, Some("use clientId"))),
        "{found:?}"
    );
    assert!(checked.deprecations[0]
        .to_string()
        .starts_with("old.graphql:2:3: `Query.clients` is deprecated"));

    let tenants = schema(Endpoint::TENANTS);
    let checked = tenants
        .check(
            "mutation c {\n  createTenant(newTenant: {name: \"n\", partnerTenantID: \"1\"}) { id }\n}",
            "c.graphql",
        )
        .unwrap();
    assert_eq!(checked.deprecations.len(), 1, "{:?}", checked.deprecations);
    assert_eq!(
        checked.deprecations[0].coordinate,
        "TenantCreateInput.partnerTenantID"
    );
}

#[test]
fn bundled_schemas_cover_every_documented_root_field() {
    let expect = |endpoint, root: &str, fields: &[&str]| {
        let schema = schema(endpoint);
        let object = schema
            .schema
            .get_object(root)
            .unwrap_or_else(|| panic!("no {root} type"));
        for field in fields {
            assert!(
                object.fields.contains_key(*field),
                "{root}.{field} missing from {endpoint:?}"
            );
        }
    };
    expect(
        Endpoint::MAIN,
        "Query",
        &["client", "clients", "clientsSearch"],
    );
    expect(
        Endpoint::MAIN,
        "Mutation",
        &[
            "createClient",
            "rotateClientSecret",
            "forceRotateClientSecret",
            "deleteClient",
            "appendClientRoles",
            "removeClientRoles",
        ],
    );
    expect(
        Endpoint::TENANTS,
        "Query",
        &[
            "tenants",
            "getSSOConnection",
            "SSOConnections",
            "getSSOConnectionConfig",
            "assignableServices",
        ],
    );
    expect(
        Endpoint::TENANTS,
        "Mutation",
        &[
            "createTenant",
            "updateTenant",
            "createTenantLabel",
            "updateTenantLabel",
            "deleteTenantLabel",
            "createSubscription",
            "updateSubscription",
            "deleteSubscription",
            "assignSubscription",
            "unassignSubscription",
            "enableTenantSupport",
            "disableTenantSupport",
            "createSSOConnection",
            "updateSSOConnection",
            "deleteSSOConnection",
        ],
    );
    let tenants = schema(Endpoint::TENANTS);
    for ty in [
        "Tenant",
        "TenantResults",
        "Partnership",
        "TenantLabel",
        "Environment",
        "Service",
        "SSOConnection",
    ] {
        assert!(tenants.schema.types.contains_key(ty), "type {ty} missing");
    }
    for ty in [
        "Client",
        "NewClient",
        "ClientRoleAssignment",
        "ClientsSearchInput",
        "ClientSearchResults",
    ] {
        assert!(
            schema(Endpoint::MAIN).schema.types.contains_key(ty),
            "type {ty} missing"
        );
    }
}

#[test]
fn invalid_schema_files_give_typed_errors() {
    use taegis_sdk_codegen::SchemaError;
    assert!(matches!(
        Schema::from_introspection_str("<html>502</html>", "x.json"),
        Err(SchemaError::Json { .. })
    ));
    assert!(matches!(
        Schema::from_introspection_str("{\"data\": null}", "x.json"),
        Err(SchemaError::Introspection { .. })
    ));
    let dangling = r#"{"__schema": {"queryType": {"name": "Query"}, "types": [
        {"kind": "OBJECT", "name": "Query", "fields": [{"name": "a", "args": [], "type": {"kind": "OBJECT", "name": "Nowhere"}}]}]}}"#;
    match Schema::from_introspection_str(dangling, "x.json") {
        Err(SchemaError::Invalid { report, .. }) => assert!(report.contains("Nowhere"), "{report}"),
        other => panic!("expected an invalid schema, got {other:?}"),
    }
}

#[test]
fn check_with_takes_the_spread_fragments_of_a_shared_file_and_ignores_the_rest() {
    let main = schema(Endpoint::MAIN);
    let fragments = vec![(
        "queries/main/clients/fragments.graphql".to_owned(),
        "fragment Used on Client { id ...Nested }\n\
         fragment Nested on Client { name }\n\
         fragment Unused on Client { clientID }\n"
            .to_owned(),
    )];
    let operation = "query one($id: ID!) { client(id: $id) { ...Used } }";
    let checked = main
        .check_with(operation, "queries/main/clients/one.graphql", &fragments)
        .expect("spread fragments join the document; unused ones are ignored");
    assert_eq!(checked.operations[0].name, "one");
    // Without the file, the spread is undefined.
    assert!(main.check(operation, "one.graphql").is_err());
    // An error inside a used fragment names the fragments file and its line.
    let broken = vec![(
        fragments[0].0.clone(),
        "fragment Used on Client { id }\n\nfragment Other on Client { nope }\n".to_owned(),
    )];
    let with_other = "query two($id: ID!) { client(id: $id) { ...Used ...Other } }";
    let errors = main
        .check_with(with_other, "two.graphql", &broken)
        .unwrap_err();
    assert_eq!(
        (errors[0].file.as_str(), errors[0].line),
        ("queries/main/clients/fragments.graphql", 3),
        "{errors:#?}"
    );
}

/// The message of the diagnostic about `about` for a document the schema rejects.
fn message_about(endpoint: Endpoint, source: &str, about: &str) -> Diagnostic {
    errors(endpoint, source)
        .into_iter()
        .find(|d| d.message.contains(about))
        .unwrap_or_else(|| panic!("no diagnostic about {about} for {source}"))
}

#[test]
fn unknown_names_get_did_you_mean_suggestions() {
    // (endpoint, document, the wrong name, the suggestion expected, or none)
    let cases = [
        (
            Endpoint::MAIN,
            "query a($id: ID!) { client(id: $id) { clientId } }",
            "`clientId`",
            Some("`clientID`"),
        ),
        // `clients` is as close, but deprecated.
        (
            Endpoint::MAIN,
            "query a($x: Nope) { clientz(id: $x) { id } }",
            "`clientz`",
            Some("`client`"),
        ),
        // The required argument is reported missing too; the unknown one carries the guess.
        (
            Endpoint::TENANTS,
            "query a { tenants(tenantQuery: {}) { count } }",
            "`tenantQuery`",
            Some("`tenantsQuery`"),
        ),
        (
            Endpoint::TENANTS,
            "query a($q: TenantQuery!) { tenants(tenantsQuery: $q) { count } }",
            "type `TenantQuery`",
            Some("`TenantsQuery` or `Tenant`"),
        ),
        (
            Endpoint::TENANTS,
            "query a { tenants(tenantsQuery: {orderBy: ID}) { count } }",
            "`ID`",
            Some("`Id`"),
        ),
        (
            Endpoint::TENANTS,
            "query a { tenants(tenantsQuery: {maxResult: 5}) { count } }",
            "`maxResult`",
            Some("`maxResults`"),
        ),
        // Nothing close: no guess.
        (
            Endpoint::MAIN,
            "query a($id: ID!) { client(id: $id) { zzz } }",
            "`zzz`",
            None,
        ),
    ];
    for (endpoint, document, about, expected) in cases {
        let diagnostic = message_about(endpoint, document, about);
        match expected {
            Some(name) => {
                let hint = format!("did you mean {name}?");
                assert!(
                    diagnostic.message.ends_with(&hint),
                    "{}",
                    diagnostic.message
                );
                assert!(
                    diagnostic.report.contains(&format!("help: {hint}")),
                    "{}",
                    diagnostic.report
                );
            }
            None => assert!(
                !diagnostic.message.contains("did you mean"),
                "{}",
                diagnostic.message
            ),
        }
        // One short block per error.
        assert!(
            diagnostic.report.lines().count() < 25,
            "{}",
            diagnostic.report
        );
    }
}

#[test]
fn reports_show_the_schema_lines_they_point_at() {
    let field = message_about(
        Endpoint::MAIN,
        "query a($id: ID!) { client(id: $id) { clientId } }",
        "`clientId`",
    );
    assert_eq!((field.line, field.column), (1, 39));
    assert!(
        field.report.contains("type `Client` defined here"),
        "{}",
        field.report
    );
    // Also when the document has build errors (an unknown variable type).
    let root = message_about(
        Endpoint::MAIN,
        "query a($x: Nope) { clientz(id: $x) { id } }",
        "`clientz`",
    );
    assert!(
        root.report.contains("type `Query` defined here"),
        "{}",
        root.report
    );
}
