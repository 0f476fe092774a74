//! What a new user trips on first: output into a closed pipe, the keys of JSON output, and
//! tables that end their last line.
#![cfg(all(feature = "sandbox", unix))]

#[path = "cli_common/mod.rs"]
mod cli_common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cli_common::{Run, World};
use serde_json::Value;

/// The binary with only PATH, HOME and the sandbox's settings (`World::std_command`).
fn taegis(w: &World, args: &[&str]) -> Command {
    let mut command = w.std_command();
    command
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Waits for the child (at most 60 s) and returns its exit code and standard error.
fn finish(mut child: std::process::Child) -> (Option<i32>, Option<i32>, String) {
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
        text
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the command does not end");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    use std::os::unix::process::ExitStatusExt;
    (status.code(), status.signal(), reader.join().unwrap())
}

/// A quiet end: exit 0 (or death by SIGPIPE, the other convention), nothing on stderr about
/// the pipe, no error line, no panic.
#[track_caller]
fn assert_quiet(what: &str, code: Option<i32>, signal: Option<i32>, stderr: &str) {
    assert!(
        code == Some(0) || signal == Some(libc::SIGPIPE),
        "{what}: code {code:?}, signal {signal:?}: {stderr}"
    );
    let lower = stderr.to_lowercase();
    for word in ["broken pipe", "error", "panicked"] {
        assert!(!lower.contains(word), "{what}: {stderr}");
    }
}

#[test]
fn output_into_a_pipe_closed_after_one_line_ends_quietly() {
    // Enough tenants that their JSON Lines and table do not fit in a pipe buffer (64 KiB).
    let w = World::start(300);
    for args in [
        &["--jsonl", "tenants", "list", "--all"][..],
        &["tenants", "list", "--all"],
        &["--json", "tenants", "list", "--all"],
        &["--json", "clients", "list"],
    ] {
        let mut child = taegis(&w, args).stdout(Stdio::piped()).spawn().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert!(!line.is_empty(), "{args:?}: no output");
        drop(out); // like `| head -1`
        let (code, signal, stderr) = finish(child);
        assert_quiet(&format!("{args:?}"), code, signal, &stderr);
    }
}

#[test]
fn output_into_an_already_closed_pipe_ends_quietly() {
    let w = World::start(3);
    let schema = format!(
        "{}/../codegen/schemas/main.json",
        env!("CARGO_MANIFEST_DIR")
    );
    for args in [
        &["--json", "clients", "list"][..],
        &["clients", "list"],
        &["--jsonl", "tenants", "list"],
        &["tenants", "list"],
        &["tenants", "get", w.sb.tenant_id()],
        &["sso", "list"],
        &["--json", "auth", "token"],
        &["operations"],
        &["completions", "bash"],
        &["schema", "sdl", &schema],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let child = taegis(&w, args).stdout(writer).spawn().unwrap();
        let (code, signal, stderr) = finish(child);
        assert_quiet(&format!("{args:?}"), code, signal, &stderr);
    }
}

/// The introspection schema of an endpoint, as checked in.
fn schema(name: &str) -> Value {
    let path = format!(
        "{}/../codegen/schemas/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The named type of a field's type reference (through NON_NULL and LIST).
fn named(type_ref: &Value) -> &str {
    match type_ref["name"].as_str() {
        Some(name) => name,
        None => named(&type_ref["ofType"]),
    }
}

/// Walks `value`, a JSON rendering of a value of GraphQL type `type_name`, and collects every
/// key that is not a (non-deprecated) field of the object type it appears in, as
/// `Type.key`.
fn foreign_keys(schema: &Value, type_name: &str, value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Array(items) => {
            for item in items {
                foreign_keys(schema, type_name, item, out);
            }
        }
        Value::Object(map) => {
            let types = schema["data"]["__schema"]["types"].as_array().unwrap();
            let ty = types
                .iter()
                .find(|t| t["name"] == type_name)
                .unwrap_or_else(|| panic!("no type {type_name}"));
            let fields = ty["fields"].as_array().expect("an object type");
            for (key, item) in map {
                match fields.iter().find(|f| f["name"] == key.as_str()) {
                    Some(field) if field["isDeprecated"] != true => {
                        foreign_keys(schema, named(&field["type"]), item, out)
                    }
                    _ => {
                        out.insert(format!("{type_name}.{key}"));
                    }
                }
            }
        }
        _ => {}
    }
}

/// The type of a root field of the query or mutation type.
fn root_type(schema: &Value, root: &str, field: &str) -> String {
    let root_name = schema["data"]["__schema"][root]["name"].as_str().unwrap();
    let types = schema["data"]["__schema"]["types"].as_array().unwrap();
    let ty = types.iter().find(|t| t["name"] == root_name).unwrap();
    let field = ty["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == field)
        .unwrap_or_else(|| panic!("no {root} field {field}"));
    named(&field["type"]).to_owned()
}

/// The one type of the `results` of a page type.
fn results_type(schema: &Value, page_type: &str) -> String {
    let types = schema["data"]["__schema"]["types"].as_array().unwrap();
    let ty = types.iter().find(|t| t["name"] == page_type).unwrap();
    let field = ty["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "results")
        .unwrap();
    named(&field["type"]).to_owned()
}

#[track_caller]
fn json_of(run: &Run, what: &str) -> Value {
    run.assert_code(0, what);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{what}: not JSON ({e})"))
}

#[test]
fn json_keys_are_the_api_field_names() {
    let w = World::start(5);
    let (main, tenants) = (schema("main"), schema("tenants"));
    let mut foreign = BTreeSet::new();
    let mut check = |schema: &Value, type_name: &str, value: &Value, what: &str| {
        let mut found = BTreeSet::new();
        foreign_keys(schema, type_name, value, &mut found);
        for key in found {
            foreign.insert(format!("{what}: {key}"));
        }
    };

    let created = json_of(
        &w.run(&["--json", "clients", "create", "keys-bot"]),
        "clients create",
    );
    assert!(created["client"].is_object(), "{created}");
    check(
        &main,
        &root_type(&main, "mutationType", "createClient"),
        &created,
        "clients create",
    );
    let id = created["client"]["id"].as_str().unwrap().to_owned();

    let rotated = json_of(
        &w.run(&["--json", "clients", "rotate", &id]),
        "clients rotate",
    );
    check(
        &main,
        &root_type(&main, "mutationType", "rotateClientSecret"),
        &rotated,
        "clients rotate",
    );

    let client_type = root_type(&main, "queryType", "client");
    let listed = json_of(&w.run(&["--json", "clients", "list"]), "clients list");
    assert!(listed.as_array().is_some_and(|a| a.len() >= 2), "{listed}");
    check(&main, &client_type, &listed, "clients list");
    let run = w.run(&["--jsonl", "clients", "list"]);
    run.assert_code(0, "clients list --jsonl");
    for line in run.stdout.lines() {
        check(
            &main,
            &client_type,
            &serde_json::from_str(line).unwrap(),
            "clients list --jsonl",
        );
    }
    let got = json_of(&w.run(&["--json", "clients", "get", &id]), "clients get");
    check(&main, &client_type, &got, "clients get");

    let page_type = root_type(&tenants, "queryType", "tenants");
    let tenant_type = results_type(&tenants, &page_type);
    let page = json_of(&w.run(&["--json", "tenants", "list"]), "tenants list");
    assert!(page["results"].as_array().is_some_and(|a| !a.is_empty()));
    check(&tenants, &page_type, &page, "tenants list");
    let all = json_of(
        &w.run(&["--json", "tenants", "list", "--all"]),
        "tenants list --all",
    );
    check(&tenants, &tenant_type, &all, "tenants list --all");
    let one = json_of(
        &w.run(&["--json", "tenants", "get", w.sb.tenant_id()]),
        "tenants get",
    );
    check(&tenants, &tenant_type, &one, "tenants get");

    let created = json_of(
        &w.run(&[
            "--json",
            "sso",
            "create",
            "keys-sso",
            "--domain",
            "keys.example.com",
        ]),
        "sso create",
    );
    let connection_type = root_type(&tenants, "queryType", "getSSOConnection");
    check(&tenants, &connection_type, &created, "sso create");
    let listed = json_of(&w.run(&["--json", "sso", "list"]), "sso list");
    assert!(listed.as_array().is_some_and(|a| !a.is_empty()), "{listed}");
    check(
        &tenants,
        &root_type(&tenants, "queryType", "SSOConnections"),
        &listed,
        "sso list",
    );

    assert!(
        foreign.is_empty(),
        "keys that are no API field: {foreign:#?}"
    );

    // `auth token` reports the OAuth2 token endpoint's answer: its keys are RFC 6749's
    // (`expires_at`, the absolute form of `expires_in`, in the same style).
    let token = json_of(&w.run(&["--json", "auth", "token"]), "auth token");
    let keys: BTreeSet<&str> = token
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["access_token", "token_type", "expires_in", "expires_at"])
    );
}

#[test]
fn human_tables_end_with_a_newline() {
    let w = World::start(3);
    for args in [
        &["tenants", "list"][..],
        &["tenants", "list", "--all"],
        &["clients", "list"],
        &["sso", "list"],
    ] {
        let run = w.run(args);
        run.assert_code(0, &format!("{args:?}"));
        assert!(!run.stdout.is_empty(), "{args:?}: no table");
        assert!(run.stdout.ends_with('\n'), "{args:?}: {:?}", run.stdout);
    }
}

#[test]
fn max_asks_for_no_page_past_the_last_item_it_prints() {
    let w = World::start(30);
    let run = w.run(&[
        "--jsonl",
        "tenants",
        "list",
        "--all",
        "--page-size",
        "5",
        "--max",
        "10",
    ]);
    run.assert_code(0, "tenants list --max 10");
    assert_eq!(run.stdout.lines().count(), 10);
    assert_eq!(w.sb.stats().operation("tenants"), 2, "two pages of 5");

    let run = w.run(&["--jsonl", "clients", "list", "--max", "1"]);
    run.assert_code(0, "clients list --max 1");
    assert_eq!(run.stdout.lines().count(), 1);
    assert_eq!(w.sb.stats().operation("clientsSearch"), 1);
}
