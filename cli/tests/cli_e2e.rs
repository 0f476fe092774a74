//! The built `taegis` binary against a sandbox over real HTTP on 127.0.0.1: the client
//! lifecycle, delete-all's refusal, a full tenants walk, and the documented exit codes.
#![cfg(feature = "sandbox")]

use assert_cmd::Command;
use serde_json::Value;
use std::collections::HashSet;
use taegis_sandbox::Sandbox;

/// A sandbox with the binary pointed at it through the environment, as a user would.
struct Setup {
    sandbox: Sandbox,
    home: tempfile::TempDir,
}

impl Setup {
    async fn start(tenants: u64) -> Setup {
        let sandbox = Sandbox::builder()
            .tenants(tenants)
            .seed(7)
            .start()
            .await
            .expect("sandbox starts");
        Setup {
            sandbox,
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// `taegis` with the bootstrap (administrator) credentials.
    fn taegis(&self) -> Command {
        self.taegis_as(self.sandbox.client_id(), self.sandbox.client_secret())
    }

    fn taegis_as(&self, client_id: &str, secret: &str) -> Command {
        let mut command = Command::cargo_bin("taegis").unwrap();
        for name in [
            "TAEGIS_ENVIRONMENT",
            "TAEGIS_ACCESS_TOKEN",
            "TAEGIS_API_URL",
            "TAEGIS_TENANTS_URL",
        ] {
            command.env_remove(name);
        }
        command
            .env("HOME", self.home.path())
            .env("TAEGIS_API_URL", self.sandbox.base_url())
            .env("CLIENT_ID", client_id)
            .env("CLIENT_SECRET", secret)
            .env("TAEGIS_TENANT_ID", self.sandbox.tenant_id())
            .timeout(std::time::Duration::from_secs(60));
        command
    }
}

/// Runs a blocking closure (the child process) off the runtime that serves the sandbox.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

fn run(mut command: Command, args: &[&str]) -> (i32, String, String) {
    let output = command.args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr,
    )
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_lifecycle_create_list_get_rotate_delete() {
    let setup = std::sync::Arc::new(Setup::start(20).await);
    let env_file = setup.home.path().join("ci-bot.env");
    let s = setup.clone();
    let file = env_file.clone();
    blocking(move || {
        // create, with the credentials written to a private file
        let (code, out, err) = run(
            s.taegis(),
            &[
                "--json",
                "clients",
                "create",
                "ci-bot",
                "--role",
                "responder",
                "--write-env",
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 0, "{err}");
        let created = json(&out);
        let id = created["client"]["id"].as_str().unwrap().to_owned();
        let client_id = created["client"]["clientID"].as_str().unwrap().to_owned();
        let secret = created["clientSecret"].as_str().unwrap().to_owned();
        assert!(!secret.is_empty());
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            text,
            format!(
                "CLIENT_ID={client_id}\nCLIENT_SECRET={secret}\nTAEGIS_TENANT_ID={}\n",
                s.sandbox.tenant_id()
            )
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }

        // a second create with the same file is refused before anything is created
        let (code, _, err) = run(
            s.taegis(),
            &[
                "clients",
                "create",
                "other",
                "--write-env",
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("exists"), "{err}");

        // list finds it by name pattern, human output is a table
        let (code, out, _) = run(s.taegis(), &["clients", "list", "--name", "ci-%"]);
        assert_eq!(code, 0);
        assert!(out.lines().next().unwrap().contains("CLIENT ID"), "{out}");
        assert!(out.contains(&client_id) && !out.contains("other"), "{out}");

        // the new credentials work, get shows the client
        let (code, out, err) = run(s.taegis_as(&client_id, &secret), &["auth", "token"]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.trim().split('.').count(), 3, "a JWT-shaped token");
        let (code, out, _) = run(s.taegis(), &["--json", "clients", "get", &client_id]);
        assert_eq!(code, 0);
        assert_eq!(json(&out)["id"], id.as_str());

        // rotate: a new secret, and the old one is refused (authentication error, exit 3)
        let (code, out, _) = run(s.taegis(), &["--json", "clients", "rotate", &id]);
        assert_eq!(code, 0);
        let new_secret = json(&out)["clientSecret"].as_str().unwrap().to_owned();
        assert_ne!(new_secret, secret);
        let (code, _, err) = run(s.taegis_as(&client_id, &secret), &["auth", "token"]);
        assert_eq!(code, 3, "{err}");
        assert!(!err.contains(&secret), "the refused secret is not echoed");
        let (code, _, _) = run(s.taegis_as(&client_id, &new_secret), &["auth", "token"]);
        assert_eq!(code, 0);

        // delete without a terminal and without --yes refuses
        let (code, _, err) = run(s.taegis(), &["clients", "delete", &id]);
        assert_eq!(code, 2, "{err}");
        let (code, _, _) = run(s.taegis(), &["clients", "get", &id]);
        assert_eq!(code, 0, "still there");

        // delete --yes; then it is gone and its credentials are dead
        let (code, out, _) = run(s.taegis(), &["clients", "delete", &id, "--yes"]);
        assert_eq!(code, 0);
        assert!(out.contains("deleted ci-bot"), "{out}");
        let (code, _, err) = run(s.taegis(), &["clients", "get", &id]);
        assert_eq!(code, 1, "{err}");
        let (code, _, _) = run(s.taegis_as(&client_id, &new_secret), &["auth", "token"]);
        assert_eq!(code, 3);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_all_refuses_without_yes_and_deletes_nothing() {
    let setup = std::sync::Arc::new(Setup::start(5).await);
    let s = setup.clone();
    blocking(move || {
        for name in ["one", "two"] {
            assert_eq!(run(s.taegis(), &["clients", "create", name]).0, 0);
        }
        let count = |s: &Setup| {
            json(&run(s.taegis(), &["--json", "clients", "list"]).1)
                .as_array()
                .unwrap()
                .len()
        };
        let before = count(&s);
        assert_eq!(before, 3, "bootstrap client plus two");
        let (code, _, err) = run(s.taegis(), &["clients", "delete-all"]);
        assert_eq!(code, 2);
        assert!(err.contains("--yes"), "{err}");
        assert_eq!(count(&s), before, "nothing deleted");

        let (code, out, err) = run(s.taegis(), &["clients", "delete-all", "--yes"]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            out.trim(),
            "3 deleted, 0 failed",
            "the caller's own client goes last"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_list_all_returns_every_tenant_exactly_once() {
    let setup = std::sync::Arc::new(Setup::start(250).await);
    let s = setup.clone();
    blocking(move || {
        let (code, out, err) = run(
            s.taegis(),
            &["--json", "tenants", "list", "--all", "--page-size", "17"],
        );
        assert_eq!(code, 0, "{err}");
        let tenants = json(&out);
        let ids: Vec<&str> = tenants
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap())
            .collect();
        let unique: HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "no tenant twice");
        let (_, first_page, _) = run(
            s.taegis(),
            &["--json", "tenants", "list", "--page-size", "1"],
        );
        let total = json(&first_page)["totalCount"].as_i64().unwrap();
        assert_eq!(ids.len() as i64, total, "every visible tenant");
        assert!(
            ids.len() >= 250,
            "the seeded tenants are visible to the partner administrator"
        );

        // JSON Lines streams the same set
        let (code, out, _) = run(
            s.taegis(),
            &["--jsonl", "tenants", "list", "--all", "--max", "40"],
        );
        assert_eq!(code, 0);
        assert_eq!(out.lines().count(), 40);
        assert!(out.lines().all(|line| json(line)["id"].is_string()));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_usage_auth_and_api() {
    let setup = std::sync::Arc::new(Setup::start(3).await);
    let s = setup.clone();
    blocking(move || {
        assert_eq!(
            run(s.taegis(), &["clients", "frobnicate"]).0,
            2,
            "unknown subcommand"
        );
        assert_eq!(
            run(s.taegis(), &["tenants", "list", "--page", "x"]).0,
            2,
            "bad number"
        );
        assert_eq!(
            run(s.taegis(), &["-e", "nowhere", "clients", "list"]).0,
            2,
            "unknown region"
        );
        let (code, _, err) = run(s.taegis_as("no-such-client", "wrong"), &["clients", "list"]);
        assert_eq!(code, 3, "bad credentials: {err}");
        assert!(!err.contains("wrong"), "{err}");
        let (code, _, err) = run(s.taegis(), &["tenants", "get", "999999999"]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("not found"), "{err}");
        let (code, out, _) = run(s.taegis(), &["version", "assets"]);
        assert_eq!(code, 0);
        assert!(out.contains("tag"), "{out}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_runs_any_document_and_fails_on_errors() {
    let setup = std::sync::Arc::new(Setup::start(3).await);
    let s = setup.clone();
    blocking(move || {
        let mut command = s.taegis();
        command
            .write_stdin("query q($n: Int) { tenants(tenantsQuery: {maxResults: $n}) { count } }");
        let (code, out, err) = run(
            command,
            &["query", "--endpoint", "tenants", "--var", "n=2", "-"],
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(json(&out)["data"]["tenants"]["count"], 2);

        let mut command = s.taegis();
        command.write_stdin("{ nope }");
        let (code, out, _) = run(command, &["query", "-"]);
        assert_eq!(code, 1);
        assert!(json(&out)["errors"].is_array());
    })
    .await;
}

#[test]
fn sandbox_serve_prints_the_environment_then_serves_until_sigterm() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_taegis"))
        .args(["sandbox", "serve", "--tenants", "12", "--seed", "3"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut env = std::collections::HashMap::new();
    for _ in 0..5 {
        let line = lines.next().unwrap().unwrap();
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not KEY=value: {line}"));
        env.insert(key.to_owned(), value.to_owned());
    }
    let keys: HashSet<&str> = env.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        HashSet::from([
            "TAEGIS_API_URL",
            "TAEGIS_TENANTS_URL",
            "CLIENT_ID",
            "CLIENT_SECRET",
            "TAEGIS_TENANT_ID"
        ])
    );
    let url = &env["TAEGIS_API_URL"];
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(env["TAEGIS_TENANTS_URL"], *url);

    // The printed credentials work with the CLI.
    let output = Command::cargo_bin("taegis")
        .unwrap()
        .env_remove("TAEGIS_ACCESS_TOKEN")
        .env_remove("TAEGIS_ENVIRONMENT")
        .envs(env.iter())
        .env("HOME", tempfile::tempdir().unwrap().path())
        .args(["--json", "tenants", "list", "--page-size", "50"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        json(&String::from_utf8_lossy(&output.stdout))["results"]
            .as_array()
            .unwrap()
            .len(),
        12
    );

    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        child.wait().unwrap().code(),
        Some(0),
        "SIGTERM ends the sandbox cleanly"
    );
}

#[test]
fn sandbox_serve_refuses_a_non_loopback_address() {
    let output = Command::cargo_bin("taegis")
        .unwrap()
        .args(["sandbox", "serve", "--addr", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("loopback"));
}
