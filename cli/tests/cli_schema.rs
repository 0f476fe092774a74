//! `taegis schema sdl|diff|check`, `completions` and usage errors, run as the built binary.

use assert_cmd::Command;
use std::path::Path;

fn taegis() -> Command {
    Command::cargo_bin("taegis").unwrap()
}

fn schema_path(name: &str) -> String {
    format!(
        "{}/../codegen/schemas/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Writes a copy of the tenants schema with `edit` applied to its introspection JSON.
fn edited_tenants_schema(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path("tenants")).unwrap()).unwrap();
    edit(&mut value);
    let path = dir.join("new.json");
    std::fs::write(&path, value.to_string()).unwrap();
    path.display().to_string()
}

fn type_mut<'a>(value: &'a mut serde_json::Value, name: &str) -> &'a mut serde_json::Value {
    value["data"]["__schema"]["types"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|t| t["name"] == name)
        .unwrap()
}

#[test]
fn sdl_prints_the_schema_for_reading() {
    let output = taegis()
        .args(["schema", "sdl", &schema_path("tenants")])
        .output()
        .unwrap();
    assert!(output.status.success());
    let sdl = String::from_utf8(output.stdout).unwrap();
    assert!(
        sdl.contains("tenants(tenantsQuery: TenantsQuery!): TenantResults"),
        "{sdl}"
    );
    assert!(sdl.contains("orderBy: TenantOrderField = Id"), "{sdl}");
}

#[test]
fn diff_of_identical_schemas_exits_zero() {
    let output = taegis()
        .args(["schema", "diff", &schema_path("main"), &schema_path("main")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "0 breaking, 0 dangerous, 0 safe changes\n"
    );
}

#[test]
fn diff_reports_breaking_changes_and_the_operations_they_break() {
    let dir = tempfile::tempdir().unwrap();
    let new = edited_tenants_schema(dir.path(), |value| {
        type_mut(value, "Tenant")["fields"]
            .as_array_mut()
            .unwrap()
            .retain(|f| f["name"] != "support_enabled");
        let order = type_mut(value, "OrderDir");
        let mut added = order["enumValues"][0].clone();
        added["name"] = "random".into();
        order["enumValues"].as_array_mut().unwrap().push(added);
    });
    let queries = format!("{}/../queries/tenants", env!("CARGO_MANIFEST_DIR"));
    let output = taegis()
        .args([
            "schema",
            "diff",
            &schema_path("tenants"),
            &new,
            "--queries",
            &queries,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = String::from_utf8(output.stdout).unwrap();
    assert!(
        report.contains("breaking  Tenant.support_enabled: field was removed"),
        "{report}"
    );
    assert!(
        report.contains("dangerous OrderDir.random: enum value was added"),
        "{report}"
    );
    assert!(
        // The removed field is selected by the shared `Tenant` fragment.
        report.contains("queries/tenants/tenants/fragments.graphql:"),
        "{report}"
    );
    assert!(
        report.contains("1 breaking, 1 dangerous, 0 safe changes;"),
        "{report}"
    );
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .contains("breaks existing clients"));
}

#[test]
fn unreadable_schema_is_one_clear_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("page.json");
    std::fs::write(&html, "<html><body>502 Bad Gateway</body></html>").unwrap();
    let output = taegis()
        .args(["schema", "sdl", html.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("error: ") && stderr.contains("is not JSON"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[test]
fn usage_errors_exit_two_and_completions_work() {
    assert_eq!(
        taegis()
            .arg("no-such-command")
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        taegis()
            .args(["schema", "diff", "only-one.json"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
    let output = taegis().args(["completions", "bash"]).output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8(output.stdout)
        .unwrap()
        .contains("_taegis()"));
}

#[test]
fn check_validates_operation_files_against_any_gateway_with_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let ops = dir.path().join("ops");
    std::fs::create_dir_all(ops.join("nested")).unwrap();
    std::fs::write(
        ops.join("alerts.graphql"),
        "query BadAlerts($ids: [String!]) {\n  alertsServiceRetrieveAlertsById(in: { iDs: $ids }) {\n    alerts { list { id metadata { titel severity } } }\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(
        ops.join("nested/investigation.gql"),
        "query Inv($id: ID!) { investigationV2(arguments: { id: $id }) { id title } }\n",
    )
    .unwrap();

    // One problem on main, found recursively, with a did-you-mean and its position.
    let output = taegis()
        .args(["schema", "check"])
        .arg(&ops)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("alerts.graphql:3:35: type `AlertsMetadata` does not have a field `titel`; did you mean `title`?"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2 files checked against the bundled main schema: 1 problem"),
        "{stdout}"
    );

    // The valid file alone passes; against the events gateway it does not.
    let valid = ops.join("nested/investigation.gql");
    let output = taegis()
        .args(["schema", "check"])
        .arg(&valid)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let output = taegis()
        .args(["schema", "check", "--endpoint", "events"])
        .arg(&valid)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout.contains("type `Query` does not have a field `investigationV2`"),
        "{stdout}"
    );

    // --report adds the excerpts; bad arguments are usage errors.
    let output = taegis()
        .args(["schema", "check", "--report"])
        .arg(ops.join("alerts.graphql"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("field `titel` selected here"), "{stdout}");
    for args in [
        vec!["schema", "check", "--endpoint", "bogus", "."],
        vec!["schema", "check", "/no/such/folder"],
        vec!["schema", "check"],
    ] {
        let output = taegis().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
    }
}
