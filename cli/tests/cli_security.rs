//! Security properties of the `taegis` binary: `--sandbox` contacts nothing but the
//! in-process sandbox and reads no credential, hostile server text is shown escaped, and
//! `--write-env` never loses a freshly created secret.
#![cfg(feature = "sandbox")]

mod cli_common;

use cli_common::World;
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

// ---------------------------------------------------------------------------------------------
// 2. Hostile server text is shown escaped

/// Terminal title, clear screen, 8-bit CSI, right-to-left override, bell, backspace, CR, DEL.
const HOSTILE: &str = "evil\x1b]0;pwned\x07\x1b[2J\u{9b}31m\u{202e}txt.exe\x08\r\x7f\u{2066}end";

/// Characters that must never reach a terminal raw.
fn is_dangerous(c: char) -> bool {
    (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[track_caller]
fn assert_clean(what: &str, text: &str) {
    if let Some((at, c)) = text.char_indices().find(|&(_, c)| is_dangerous(c)) {
        panic!(
            "{what}: raw {c:?} at byte {at}: {:?}",
            text.chars()
                .skip(at.saturating_sub(40))
                .take(100)
                .collect::<String>()
        );
    }
}

/// The escaped form of [`HOSTILE`]'s dangerous characters.
#[track_caller]
fn assert_escaped(what: &str, text: &str) {
    for escaped in [
        "\\u{1b}]0;pwned\\u{7}",
        "\\u{9b}31m",
        "\\u{202e}",
        "\\u{2066}",
    ] {
        assert!(text.contains(escaped), "{what}: no {escaped}: {text}");
    }
}

#[test]
fn hostile_client_and_tenant_names_are_escaped_in_tables_and_fields() {
    let w = World::start(5);
    let run = w.run(&["clients", "create", HOSTILE]);
    run.assert_code(0, "create");
    assert_clean("create stdout", &run.stdout);
    assert_clean("create stderr", &run.stderr);
    assert_escaped("create stdout", &run.stdout);
    let id = run
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("id "))
        .unwrap()
        .trim()
        .to_owned();

    for args in [
        vec!["clients", "list"],
        vec!["clients", "get", id.as_str()],
        vec!["clients", "delete", id.as_str(), "--yes"],
    ] {
        let run = w.run(&args);
        run.assert_code(0, &args.join(" "));
        assert_clean(&format!("{args:?} stdout"), &run.stdout);
        assert_clean(&format!("{args:?} stderr"), &run.stderr);
        assert_escaped(&format!("{args:?} stdout"), &run.stdout);
    }

    let tenant = "10001";
    w.run(&["tenants", "update", tenant, "--name", HOSTILE])
        .assert_code(0, "rename");
    for args in [vec!["tenants", "get", tenant], vec!["tenants", "list"]] {
        let run = w.run(&args);
        run.assert_code(0, &args.join(" "));
        assert_clean(&format!("{args:?} stdout"), &run.stdout);
        assert_clean(&format!("{args:?} stderr"), &run.stderr);
        assert_escaped(&format!("{args:?} stdout"), &run.stdout);
    }
}

#[test]
fn hostile_json_strings_keep_their_value_but_not_their_raw_controls() {
    let w = World::start(5);
    let run = w.run(&["--json", "clients", "create", HOSTILE]);
    run.assert_code(0, "create");
    assert_clean("--json stdout", &run.stdout);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        value["client"]["name"], HOSTILE,
        "the decoded name is unchanged"
    );
    for escaped in ["\\u001b", "\\u009b", "\\u202e", "\\u007f"] {
        assert!(run.stdout.contains(escaped), "no {escaped}: {}", run.stdout);
    }
    let run = w.run(&["--jsonl", "clients", "list"]);
    run.assert_code(0, "list");
    assert_clean("--jsonl stdout", &run.stdout);
    assert!(
        run.stdout.lines().any(|line| line.contains("\\u202e")),
        "{}",
        run.stdout
    );
}

#[test]
fn hostile_error_messages_are_escaped_on_the_error_line_and_in_the_detail() {
    let w = World::start(5);
    // The sandbox echoes the unknown ID in its GraphQL error message.
    let run = w.run(&["-v", "clients", "get", HOSTILE]);
    run.assert_code(1, "get");
    assert_clean("stderr", &run.stderr);
    let error_line = run
        .stderr
        .lines()
        .find(|line| line.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line: {}", run.stderr));
    assert_escaped("error line", error_line);
    assert!(
        run.stderr.lines().any(|line| line.contains("\"message\"")),
        "the -v detail: {}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_device_code_prompts_are_escaped() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/universal-auth/device/code/auth"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "device_code": "device-code-secret",
            "user_code": HOSTILE,
            "verification_uri_complete": format!("https://login.example/{HOSTILE}"),
            "interval": 1,
            "expires_in": 60,
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/universal-auth/device/code/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": "access_denied",
            "error_description": HOSTILE,
        })))
        .mount(&server)
        .await;
    let url = server.uri();
    let run = tokio::task::spawn_blocking(move || {
        taegis(&["auth", "login"], &[("TAEGIS_API_URL", url.as_str())])
    })
    .await
    .unwrap();
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert_clean("stdout", &run.stdout);
    assert_clean("stderr", &run.stderr);
    let prompt: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.starts_with("Open ") || line.starts_with("Your code: "))
        .collect();
    assert_eq!(prompt.len(), 2, "{}", run.stderr);
    for line in prompt {
        assert_escaped("prompt", line);
    }
    assert!(!run.stderr.contains("device-code-secret"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// 3. --write-env loses nothing

/// The client names the sandbox holds.
fn client_names(w: &World) -> Vec<String> {
    let run = w.run(&["--json", "clients", "list"]);
    run.assert_code(0, "list");
    let clients: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    clients
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn write_env_targets_that_cannot_be_written_are_refused_before_creating_the_client() {
    let w = World::start(3);
    let file = w.write("a-file", b"not a folder\n");
    let missing = w.home.path().join("no-such-folder").join("x.env");
    let under_file = file.join("x.env");
    let locked = w.home.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o500)).unwrap();
    // Root writes through permission bits: then only the folder /proc stands for read-only.
    let privileged = std::fs::write(locked.join("probe"), b"").is_ok();
    let mut cases: Vec<(std::path::PathBuf, bool, &str)> = vec![
        (missing, false, "does not exist"),
        (under_file.clone(), false, "not a directory"),
        (under_file, true, "not a directory"),
        ("/proc/taegis-test.env".into(), false, "cannot write"),
        ("/dev/null".into(), true, "not a regular file"),
    ];
    if !privileged {
        cases.push((locked.join("x.env"), false, "cannot write"));
    }
    for (i, (path, force, why)) in cases.iter().enumerate() {
        let name = format!("refused-{i}");
        let mut args = vec![
            "clients",
            "create",
            name.as_str(),
            "--write-env",
            path.to_str().unwrap(),
        ];
        if *force {
            args.push("--force");
        }
        let run = w.run(&args);
        run.assert_code(2, &format!("{path:?} force={force}"));
        assert!(run.stderr.contains(why), "{path:?}: {}", run.stderr);
        assert!(!run.stdout.contains("client_secret"), "{}", run.stdout);
    }
    assert_eq!(
        w.sb.stats().operation("createClient"),
        0,
        "refused before any client was created"
    );
    assert_eq!(client_names(&w), vec!["sandbox-bootstrap".to_owned()]);
}

#[test]
fn a_write_env_failure_after_creating_the_client_prints_the_secret_once_on_stdout() {
    use std::os::unix::process::CommandExt;
    let w = World::start(3);
    let target = w.home.path().join("ci.env");
    // A file size limit of 0 bytes (SIGXFSZ ignored): creating the file works, writing the
    // first byte fails with EFBIG, after the client was created. Pipes are not limited.
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_taegis"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", w.home.path())
        .env("TAEGIS_API_URL", w.sb.base_url())
        .env("CLIENT_ID", w.sb.client_id())
        .env("CLIENT_SECRET", w.sb.client_secret())
        .env("TAEGIS_TENANT_ID", w.sb.tenant_id())
        .args(["clients", "create", "ci", "--write-env"])
        .arg(&target);
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0
                || libc::signal(libc::SIGXFSZ, libc::SIG_IGN) == libc::SIG_ERR
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = assert_cmd::Command::from_std(command)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(w.sb.stats().operation("createClient"), 1, "{stderr}");
    assert!(client_names(&w).contains(&"ci".to_owned()));
    let secret = stdout
        .lines()
        .find_map(|line| line.strip_prefix("client_secret"))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no secret on stdout: {stdout:?}\nstderr: {stderr}"));
    assert_eq!(secret.len(), 64, "{stdout}");
    assert_eq!(stdout.matches(secret).count(), 1, "{stdout}");
    assert!(
        !stderr.contains(secret),
        "the secret is on stderr: {stderr}"
    );
    assert!(stderr.contains("ci.env"), "{stderr}");
    assert!(stderr.contains("standard output"), "{stderr}");
    assert!(!target.exists(), "the partial file was removed");
    // The credentials are usable.
    let client_id = stdout
        .lines()
        .find_map(|line| line.strip_prefix("client_id"))
        .map(str::trim)
        .unwrap();
    let run = w.run_env(
        &["auth", "token"],
        &[("CLIENT_ID", client_id), ("CLIENT_SECRET", secret)],
    );
    run.assert_code(0, "the printed secret works");
}
