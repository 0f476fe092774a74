//! `taegis schema pull` against the sandbox and against broken servers.
#![cfg(feature = "sandbox")]

use assert_cmd::Command;
use serde_json::Value;
use taegis_sandbox::Sandbox;
use taegis_sdk_codegen::{check_operation_files, diff::diff, Schema};

fn taegis(api_url: &str, home: &std::path::Path) -> Command {
    let mut command = Command::cargo_bin("taegis").unwrap();
    for name in [
        "TAEGIS_ENVIRONMENT",
        "TAEGIS_ACCESS_TOKEN",
        "TAEGIS_TENANTS_URL",
        "CLIENT_ID",
        "CLIENT_SECRET",
    ] {
        command.env_remove(name);
    }
    command
        .env("HOME", home)
        .env("TAEGIS_API_URL", api_url)
        .timeout(std::time::Duration::from_secs(60));
    command
}

/// The schema without the introspection meta-types and built-in directives, which each
/// GraphQL server implementation describes in its own words.
fn user_part(text: &str) -> Value {
    let mut value: Value = serde_json::from_str(text).unwrap();
    let schema = &mut value["data"]["__schema"];
    schema["types"]
        .as_array_mut()
        .unwrap()
        .retain(|t| !t["name"].as_str().unwrap().starts_with("__"));
    schema["directives"].as_array_mut().unwrap().retain(|d| {
        !["include", "skip", "deprecated", "specifiedBy", "oneOf"]
            .contains(&d["name"].as_str().unwrap())
    });
    value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_from_the_sandbox_round_trips_the_checked_in_schemas() {
    let sandbox = Sandbox::builder().tenants(3).start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let (url, id, secret) = (
        sandbox.base_url().to_owned(),
        sandbox.client_id().to_owned(),
        sandbox.client_secret().to_owned(),
    );
    // A folder that does not exist yet is created.
    let dir = out.path().join("new").join("schemas");
    let home_dir = home.path().to_owned();
    let runs = tokio::task::spawn_blocking(move || {
        let pull = || {
            taegis(&url, &home_dir)
                .env("CLIENT_ID", &id)
                .env("CLIENT_SECRET", &secret)
                .args(["schema", "pull", "--out", dir.to_str().unwrap()])
                .output()
                .unwrap()
        };
        (pull(), pull())
    })
    .await
    .unwrap();
    let (first, second) = runs;
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    // A new file is reported as written, each one.
    let said = String::from_utf8_lossy(&first.stderr);
    assert!(
        said.contains("main.json: written") && said.contains("tenants.json: written"),
        "{said}"
    );
    let folder = out.path().join("new/schemas");
    assert!(folder.join("main.json").is_file() && folder.join("tenants.json").is_file());
    assert!(second.status.success());
    let again = String::from_utf8_lossy(&second.stderr);
    assert!(
        again.contains("main.json: unchanged") && again.contains("tenants.json: unchanged"),
        "{again}"
    );

    for name in ["main", "tenants"] {
        let pulled =
            std::fs::read_to_string(out.path().join("new/schemas").join(format!("{name}.json")))
                .unwrap();
        let checked_in = std::fs::read_to_string(format!(
            "{}/../codegen/schemas/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        // Every type, field, argument and directive of the API is the same; only the meta-types
        // (`__Type`, ...) and built-in directives differ between GraphQL implementations.
        assert_eq!(user_part(&pulled), user_part(&checked_in), "{name}.json");
        let old = Schema::from_introspection_str(&checked_in, "checked in").unwrap();
        let new = Schema::from_introspection_str(&pulled, "pulled").unwrap();
        assert!(diff(&old, &new).is_empty(), "{:#?}", diff(&old, &new));
        // Our build accepts the pulled file: every checked-in operation validates against it.
        let queries =
            std::path::PathBuf::from(format!("{}/../queries/{name}", env!("CARGO_MANIFEST_DIR")));
        assert!(check_operation_files(&new, &[queries], None)
            .unwrap()
            .is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_or_partial_introspection_leaves_the_files_untouched() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    // The main endpoint answers with GraphQL errors; the tenants endpoint with a schema whose
    // types reference a type it does not define (a truncated answer).
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "errors": [{"message": "introspection is disabled"}]
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/public/query"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"data": {"__schema": {
            "queryType": {"name": "Query"}, "mutationType": null, "subscriptionType": null,
            "types": [{"kind": "OBJECT", "name": "Query", "fields": [
                {"name": "tenants", "args": [], "type": {"kind": "OBJECT", "name": "TenantResults", "ofType": null}}
            ], "interfaces": []}],
            "directives": []
        }}})))
        .mount(&server)
        .await;
    let out = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    for name in ["main", "tenants"] {
        std::fs::write(out.path().join(format!("{name}.json")), "good file").unwrap();
    }
    let (uri, dir, home_dir) = (server.uri(), out.path().to_owned(), home.path().to_owned());
    let outputs = tokio::task::spawn_blocking(move || {
        ["main", "tenants"].map(|endpoint| {
            taegis(&uri, &home_dir)
                .env("TAEGIS_ACCESS_TOKEN", "test-token")
                .args([
                    "schema",
                    "pull",
                    "--endpoint",
                    endpoint,
                    "--out",
                    dir.to_str().unwrap(),
                ])
                .output()
                .unwrap()
        })
    })
    .await
    .unwrap();
    for (output, name, needle) in [
        (&outputs[0], "main", "introspection is disabled"),
        (&outputs[1], "tenants", "TenantResults"),
    ] {
        assert_eq!(output.status.code(), Some(1), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(needle) && stderr.contains("left untouched"),
            "{stderr}"
        );
        assert_eq!(
            std::fs::read_to_string(out.path().join(format!("{name}.json"))).unwrap(),
            "good file"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "no temporary file left behind: {leftovers:?}"
    );
}
