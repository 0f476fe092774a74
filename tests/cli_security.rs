//! Security properties of the `taegis` binary: `--sandbox` contacts nothing but the
//! in-process sandbox and reads no credential, hostile server text is shown escaped, and
//! `--write-env` never loses a freshly created secret.
#![cfg(all(feature = "cli", feature = "sandbox"))]

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A TCP listener on 127.0.0.1 standing for a real Taegis URL: it counts connections and
/// closes each at once.
struct Decoy {
    url: String,
    connections: Arc<AtomicUsize>,
}

impl Decoy {
    fn start() -> Decoy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                counter.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        Decoy { url, connections }
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// The output of one run.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `taegis` with only PATH, HOME and `env` in its environment.
fn taegis(args: &[&str], env: &[(&str, &str)]) -> Run {
    let home = tempfile::tempdir().unwrap();
    #[allow(deprecated)]
    let mut command = assert_cmd::Command::cargo_bin("taegis").unwrap();
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("NO_COLOR", "1")
        .current_dir(home.path())
        .timeout(Duration::from_secs(60))
        .args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let run = Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

const REAL_SECRET: &str = "real-secret-do-not-send";
const REAL_TOKEN: &str = "real-token-do-not-send";

/// A user's shell: every connection setting and credential points at `decoy`.
fn real_env(decoy: &Decoy) -> Vec<(&'static str, String)> {
    vec![
        ("TAEGIS_API_URL", decoy.url.clone()),
        ("TAEGIS_TENANTS_URL", decoy.url.clone()),
        ("TAEGIS_ENVIRONMENT", "us2".to_owned()),
        ("CLIENT_ID", "real-client-id".to_owned()),
        ("CLIENT_SECRET", REAL_SECRET.to_owned()),
        ("TAEGIS_ACCESS_TOKEN", REAL_TOKEN.to_owned()),
        ("TAEGIS_TENANT_ID", "424242".to_owned()),
    ]
}

fn pairs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

// ---------------------------------------------------------------------------------------------
// 1. --sandbox is isolated

#[test]
fn sandbox_ignores_the_environment_and_contacts_nothing_else() {
    let decoy = Decoy::start();
    let env = real_env(&decoy);
    let run = taegis(&["--sandbox", "--json", "tenants", "list"], &pairs(&env));
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let tenants: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        tenants.to_string().contains("10000"),
        "the sandbox's tenants: {}",
        run.stdout
    );

    // The token printed is the sandbox's, not the one in the environment.
    let run = taegis(&["--sandbox", "auth", "token"], &pairs(&env));
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(!run.stdout.contains(REAL_TOKEN), "{}", run.stdout);
    assert_eq!(run.stdout.trim().split('.').count(), 3, "{}", run.stdout);

    // With -v, one line names the ignored variables, never their values.
    let run = taegis(&["-v", "--sandbox", "clients", "list"], &pairs(&env));
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    for name in ["TAEGIS_API_URL", "CLIENT_SECRET", "TAEGIS_ACCESS_TOKEN"] {
        assert!(run.stderr.contains(name), "{name}: {}", run.stderr);
    }
    for value in [
        REAL_SECRET,
        REAL_TOKEN,
        decoy.url.as_str(),
        "real-client-id",
    ] {
        assert!(!run.stderr.contains(value), "{value}: {}", run.stderr);
    }
    assert_eq!(decoy.connections(), 0, "the decoy was contacted");
}

#[test]
fn sandbox_still_takes_the_tenant_from_the_command_line() {
    let decoy = Decoy::start();
    let env = real_env(&decoy);
    let run = taegis(
        &[
            "--sandbox",
            "-t",
            "10001",
            "--json",
            "clients",
            "create",
            "in-child",
        ],
        &pairs(&env),
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let created: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(created["client"]["tenantID"], "10001", "{}", run.stdout);
    assert_eq!(decoy.connections(), 0);
}

#[test]
fn sandbox_with_a_connection_flag_is_a_usage_error_naming_it() {
    let decoy = Decoy::start();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-token-file");
    let missing = missing.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--api-url", &decoy.url], "--api-url"),
        (vec!["--tenants-url", &decoy.url], "--tenants-url"),
        (vec!["--token-file", missing], "--token-file"),
        (vec!["-e", "us2"], "--environment"),
        (vec!["--environment", "us2"], "--environment"),
    ];
    for (flags, name) in cases {
        for after in [false, true] {
            let mut args = vec!["--sandbox"];
            if !after {
                args.extend(&flags);
            }
            args.extend(["clients", "list"]);
            if after {
                args.extend(&flags);
            }
            let run = taegis(&args, &[]);
            assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
            assert!(run.stderr.contains(name), "{args:?}: {}", run.stderr);
            assert!(
                !run.stderr.contains("cannot read"),
                "{args:?}: the token file was read: {}",
                run.stderr
            );
        }
    }
    assert_eq!(decoy.connections(), 0, "the decoy was contacted");
}
