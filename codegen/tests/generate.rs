//! The whole pipeline from a folder of `.graphql` files to a generated Rust module.

use std::fs;
use std::path::Path;
use taegis_sdk_codegen::{BuildError, Builder, Endpoint};

fn write(root: &Path, file: &str, text: &str) {
    let path = root.join(file);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn builder(root: &Path, endpoint: Endpoint, dir: &str) -> Builder {
    Builder::new(endpoint)
        .queries(root.join(dir))
        .out_dir(root.join("out"))
        .display_root(root)
}

fn setup() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir_all(root.path().join("out")).unwrap();
    root
}

#[test]
fn missing_required_argument_fails_with_file_line_and_argument() {
    let root = setup();
    write(
        root.path(),
        "queries/tenants/good.graphql",
        "query good { tenants(tenantsQuery: {}) { count } }\n",
    );
    write(
        root.path(),
        "queries/tenants/bad.graphql",
        "query Bad { tenants { count } }\n",
    );
    let error = builder(root.path(), Endpoint::TENANTS, "queries/tenants")
        .generate()
        .unwrap_err();
    let BuildError::Invalid(diagnostics) = &error else {
        panic!("expected validation errors, got {error}")
    };
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let line = diagnostics[0].to_string();
    assert!(line.starts_with("queries/tenants/bad.graphql:1:"), "{line}");
    assert!(line.contains("tenantsQuery"), "{line}");
    let report = error.to_string();
    assert!(
        report.contains("[ queries/tenants/bad.graphql:1:"),
        "{report}"
    );
    assert!(!root
        .path()
        .join("out")
        .join("taegis_operations_tenants.rs")
        .exists());
}

#[test]
fn every_invalid_file_is_reported_in_one_run() {
    let root = setup();
    write(root.path(), "q/a.graphql", "query a { nothing }\n");
    write(
        root.path(),
        "q/nested/b.graphql",
        "query b {\n  client(id: 1.5) { id }\n}\n",
    );
    let Err(BuildError::Invalid(diagnostics)) =
        builder(root.path(), Endpoint::MAIN, "q").generate()
    else {
        panic!("expected validation errors")
    };
    let files: Vec<_> = diagnostics
        .iter()
        .map(|d| (d.file.as_str(), d.line))
        .collect();
    assert_eq!(files, [("q/a.graphql", 1), ("q/nested/b.graphql", 2)]);
}

#[test]
fn operation_names_must_be_unique_per_endpoint() {
    let root = setup();
    write(
        root.path(),
        "q/one.graphql",
        "query getClient { client(id: \"1\") { id } }\n",
    );
    write(
        root.path(),
        "q/two.graphql",
        "\nquery GetClient { client(id: \"2\") { name } }\n",
    );
    let Err(BuildError::Invalid(diagnostics)) =
        builder(root.path(), Endpoint::MAIN, "q").generate()
    else {
        panic!("expected a clash")
    };
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(
        (diagnostics[0].file.as_str(), diagnostics[0].line),
        ("q/two.graphql", 2)
    );
    assert!(
        diagnostics[0].message.contains("q/one.graphql:1"),
        "{}",
        diagnostics[0].message
    );
}

#[test]
fn generates_typed_module_with_endpoint_and_kind() {
    let root = setup();
    write(
        root.path(),
        "q/roles.graphql",
        "mutation appendRoles($id: ID!, $roles: [ClientRoleAssignmentInput]!) { appendClientRoles(id: $id, roles: $roles) { id } }\n",
    );
    write(
        root.path(),
        "q/old.graphql",
        "query oldClients { clients { client_id } }\n",
    );
    let generated = builder(root.path(), Endpoint::MAIN, "q")
        .module_name("my_ops")
        .generate()
        .unwrap();
    assert_eq!(
        generated.output,
        root.path().join("out/taegis_operations_my_ops.rs")
    );
    let names: Vec<_> = generated
        .operations
        .iter()
        .map(|(file, op)| (file.as_str(), op.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("q/old.graphql", "oldClients"),
            ("q/roles.graphql", "appendRoles")
        ]
    );
    assert_eq!(
        generated.deprecations.len(),
        2,
        "{:?}",
        generated.deprecations
    );

    let code = fs::read_to_string(&generated.output).unwrap();
    assert!(code.contains("pub mod my_ops {"), "{code}");
    assert!(code.contains("pub struct AppendRoles;"));
    assert!(code.contains("impl ::taegis_sdk::__private::Operation for AppendRoles"));
    assert!(code.contains("::taegis_sdk::__private::OperationKind::Mutation"));
    assert!(code.contains("::taegis_sdk::__private::OperationKind::Query"));
    assert!(code.contains("::taegis_sdk::__private::Endpoint::MAIN"));
    assert!(code.contains("::taegis_sdk::__private::scalars::Time"));
    // The deprecated `tenant_id` input field would clash with `tenantID` as a Rust field.
    let input = code
        .split("pub struct ClientRoleAssignmentInput")
        .nth(1)
        .unwrap();
    let input = &input[..input.find('}').unwrap()];
    assert_eq!(input.matches("pub tenant_id:").count(), 1, "{input}");
    assert!(input.contains("rename = \"tenantID\""), "{input}");
    // Unset optional variables are skipped, not sent as null.
    assert!(code.contains("skip_serializing_if = \"Option::is_none\""));
}

#[test]
fn unchanged_output_is_not_rewritten() {
    let root = setup();
    write(
        root.path(),
        "q/a.graphql",
        "query a { client(id: \"1\") { id } }\n",
    );
    let first = builder(root.path(), Endpoint::MAIN, "q")
        .generate()
        .unwrap();
    let modified = fs::metadata(&first.output).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    builder(root.path(), Endpoint::MAIN, "q")
        .generate()
        .unwrap();
    assert_eq!(
        fs::metadata(&first.output).unwrap().modified().unwrap(),
        modified
    );
}

#[test]
fn missing_folder_and_bad_schema_are_typed_errors() {
    let root = setup();
    let error = builder(root.path(), Endpoint::MAIN, "nowhere")
        .generate()
        .unwrap_err();
    assert!(matches!(error, BuildError::Io { .. }), "{error}");

    write(
        root.path(),
        "q/a.graphql",
        "query a { client(id: \"1\") { id } }\n",
    );
    write(root.path(), "schema.json", "{\"data\": {}}");
    let error = builder(root.path(), Endpoint::MAIN, "q")
        .schema(root.path().join("schema.json"))
        .generate()
        .unwrap_err();
    assert!(matches!(error, BuildError::Schema(_)), "{error}");
    assert!(error.to_string().contains("__schema"), "{error}");
}

#[test]
fn a_breaking_schema_change_is_reported_against_the_operation_file_and_line() {
    use taegis_sdk_codegen::{check_operation_files, diff, Schema};
    let root = setup();
    write(
        root.path(),
        "q/ok.graphql",
        "query ok { tenants(tenantsQuery: {}) { count } }\n",
    );
    write(
        root.path(),
        "q/uses_name.graphql",
        "query names {\n  tenants(tenantsQuery: {}) {\n    results { name }\n  }\n}\n",
    );
    let old = Schema::bundled(Endpoint::TENANTS).unwrap();
    // The new schema drops `Tenant.name`.
    let mut introspection = old.introspection.clone();
    let types = introspection["data"]["__schema"]["types"]
        .as_array_mut()
        .unwrap();
    let tenant = types.iter_mut().find(|t| t["name"] == "Tenant").unwrap();
    tenant["fields"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f["name"] != "name");
    let new = Schema::from_introspection(introspection, "new.json").unwrap();

    let changes = diff::diff(&old, &new);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].severity, diff::Severity::Breaking);
    assert_eq!(changes[0].coordinate, "Tenant.name");

    let broken = check_operation_files(&new, &[root.path().join("q")], Some(root.path())).unwrap();
    assert!(
        !broken.is_empty()
            && broken
                .iter()
                .all(|d| (d.file.as_str(), d.line) == ("q/uses_name.graphql", 3)),
        "{broken:#?}"
    );
    assert!(
        broken
            .iter()
            .any(|d| d.message.contains("does not have a field `name`")),
        "{broken:#?}"
    );
    assert!(
        check_operation_files(&old, &[root.path().join("q")], Some(root.path()))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn secret_fields_are_decoded_into_the_secret_type() {
    let root = setup();
    write(
        root.path(),
        "q/create.graphql",
        "mutation create($name: String!) { createClient(name: $name) { clientSecret client { clientID name } } }\n",
    );
    let generated = builder(root.path(), Endpoint::MAIN, "q")
        .secret_fields(["clientSecret", "client_secret"])
        .generate()
        .unwrap();
    let code = fs::read_to_string(generated.output).unwrap();
    let response = code
        .split("pub struct CreateCreateClient {")
        .nth(1)
        .unwrap();
    let response = &response[..response.find('}').unwrap()];
    assert!(
        response.contains("pub client_secret: Option<::taegis_sdk::__private::SecretString>"),
        "{response}"
    );
    assert!(
        code.contains("pub client_id: Option<String>"),
        "other strings stay strings"
    );
}

/// A service folder with a shared fragments file, spread by two operations.
fn shared_fragments_service(root: &Path, fragment_body: &str) {
    write(
        root,
        "queries/main/clients/fragments.graphql",
        &format!(
            "# shared\nfragment ClientBasics on Client {{\n{fragment_body}\n}}\n\n\
             fragment RoleBits on ClientRoleAssignment {{ roleID }}\n"
        ),
    );
    write(
        root,
        "queries/main/clients/client.graphql",
        "query client($id: ID!) { client(id: $id) { ...ClientBasics } }\n",
    );
    write(
        root,
        "queries/main/clients/deleteClient.graphql",
        "mutation deleteClient($id: ID!) { deleteClient(id: $id) { ...ClientBasics } }\n",
    );
}

#[test]
fn shared_fragments_feed_every_operation_that_spreads_them() {
    let root = setup();
    shared_fragments_service(
        root.path(),
        "  id\n  clientID\n  roleAssignments { ...RoleBits }",
    );
    let generated = builder(root.path(), Endpoint::MAIN, "queries/main")
        .generate()
        .unwrap();
    let names: Vec<_> = generated
        .operations
        .iter()
        .map(|(_, op)| op.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["client", "deleteClient"],
        "fragments file is no operation"
    );
    let code = fs::read_to_string(&generated.output).unwrap();
    // Both operations carry the fragments they need (transitively), and only those.
    assert_eq!(
        code.matches("fragment ClientBasics on Client").count(),
        2,
        "{code}"
    );
    assert_eq!(code.matches("fragment RoleBits on").count(), 2);
    let summary: Vec<_> = generated
        .fragments
        .iter()
        .map(|f| (f.name.as_str(), f.line, f.keys.join(",")))
        .collect();
    assert_eq!(
        summary,
        [
            ("ClientBasics", 2, "id,clientID,roleAssignments".to_owned()),
            ("RoleBits", 8, "roleID".to_owned())
        ]
    );
}

#[test]
fn an_error_in_a_shared_fragment_is_reported_once_in_its_own_file() {
    let root = setup();
    shared_fragments_service(
        root.path(),
        "  id\n  nosuchField\n  roleAssignments { ...RoleBits }",
    );
    let Err(BuildError::Invalid(diagnostics)) =
        builder(root.path(), Endpoint::MAIN, "queries/main").generate()
    else {
        panic!("expected validation errors")
    };
    let found: Vec<_> = diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("queries/main/clients/fragments.graphql:4:3: "),
        "{found:?}"
    );
    assert!(found[0].contains("nosuchField"), "{found:?}");
}

#[test]
fn an_unused_shared_fragment_and_a_duplicate_name_are_errors() {
    let root = setup();
    shared_fragments_service(root.path(), "  id");
    write(
        root.path(),
        "queries/main/other/fragments.graphql",
        "fragment ClientBasics on Client { name }\n",
    );
    let Err(BuildError::Invalid(diagnostics)) =
        builder(root.path(), Endpoint::MAIN, "queries/main").generate()
    else {
        panic!("expected validation errors")
    };
    let found: Vec<_> = diagnostics.iter().map(ToString::to_string).collect();
    assert!(
        found.iter().any(
            |d| d.starts_with("queries/main/other/fragments.graphql:1:1: ")
                && d.contains(
                    "`ClientBasics` is also defined at queries/main/clients/fragments.graphql:2"
                )
        ),
        "{found:#?}"
    );
    assert!(
        found.iter().any(
            |d| d.starts_with("queries/main/clients/fragments.graphql:6:1: ")
                && d.contains("`RoleBits` is not used")
        ),
        "{found:#?}"
    );
}

#[test]
fn check_mirrors_finds_a_struct_that_drifted_from_its_fragment() {
    let root = setup();
    shared_fragments_service(
        root.path(),
        "  id\n  clientID\n  roleAssignments { ...RoleBits }",
    );
    let generated = builder(root.path(), Endpoint::MAIN, "queries/main")
        .generate()
        .unwrap();
    write(
        root.path(),
        "src/api/clients.rs",
        "/// A client.\n///\n/// Mirrors fragment `ClientBasics`.\n\
         #[derive(serde::Deserialize)]\npub struct Client {\n    pub id: String,\n    \
         #[serde(rename = \"clientID\")]\n    pub client_id: String,\n}\n\n\
         /// Mirrors fragment `RoleBits`.\npub struct Role {\n    #[serde(rename = \"roleID\")]\n    pub role_id: String,\n}\n",
    );
    let diagnostics = taegis_sdk_codegen::check_mirrors(
        &generated.fragments,
        &[root.path().join("src")],
        Some(root.path()),
    )
    .unwrap();
    let found: Vec<_> = diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with("src/api/clients.rs:5:1: struct `Client` no longer mirrors fragment `ClientBasics` (queries/main/clients/fragments.graphql:2)"), "{found:?}");
    assert!(found[0].contains("selects `roleAssignments` that the struct lacks"));
}

#[test]
fn custom_scalars_without_a_runtime_type_decode_as_any_json_value() {
    let root = setup();
    write(
        root.path(),
        "q/connectors.graphql",
        "query connectorsByTag($tags: Tags, $ids: IDs) { connectors(tags: $tags, connectorInterfaceIds: $ids) { id } }\n",
    );
    let generated = builder(root.path(), Endpoint::MAIN, "q")
        .generate()
        .unwrap();
    assert_eq!(generated.untyped_scalars, ["IDs", "Tags"]);
    let code = fs::read_to_string(generated.output).unwrap();
    assert!(
        code.contains("type Tags = ::taegis_sdk::__private::scalars::AnyScalar;"),
        "{code}"
    );
    assert!(
        code.contains("type IDs = ::taegis_sdk::__private::scalars::AnyScalar;"),
        "{code}"
    );
}

#[test]
fn runtime_scalars_keep_their_runtime_type_whatever_case_the_generator_writes() {
    // graphql_client names `JSONObject`'s alias target `JsonObject`: it is still the runtime's
    // `JSONObject`, not an untyped scalar (and the build note must not say otherwise).
    let root = setup();
    write(
        root.path(),
        "q/prefixes.graphql",
        "query prefixes { entityPrefixes }\n",
    );
    let generated = builder(root.path(), Endpoint::MAIN, "q")
        .generate()
        .unwrap();
    assert!(
        generated.untyped_scalars.is_empty(),
        "{:?}",
        generated.untyped_scalars
    );
    let code = fs::read_to_string(generated.output).unwrap();
    assert!(
        code.contains("type JsonObject = ::taegis_sdk::__private::scalars::JSONObject;"),
        "{code}"
    );
}

#[test]
fn generated_enums_list_the_values_of_their_schema() {
    let root = setup();
    write(
        root.path(),
        "q/resolve.graphql",
        "mutation resolve($in: UpdateResolutionRequestInput) {
           alertsServiceUpdateResolutionInfo(in: $in) { resolution_status } }\n",
    );
    let generated = builder(root.path(), Endpoint::MAIN, "q")
        .generate()
        .unwrap();
    let code = fs::read_to_string(generated.output).unwrap();
    let values = "pub const VALUES: &'static [&'static str] = &[\n";
    assert!(code.contains(values), "{code}");
    let start = code
        .find("impl ResolutionStatus {")
        .expect("an impl with the values");
    let block = &code[start..start + code[start..].find("];").unwrap()];
    let listed: Vec<&str> = block.split('"').skip(1).step_by(2).collect();
    assert_eq!(
        listed,
        [
            "OPEN",
            "TRUE_POSITIVE_BENIGN",
            "TRUE_POSITIVE_MALICIOUS",
            "FALSE_POSITIVE",
            "NOT_ACTIONABLE",
            "OTHER",
            "SUPPRESSED",
            "AUTO_CLOSE",
            "DISMISSED"
        ]
    );
}
