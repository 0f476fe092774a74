//! `taegis config` and the credential chain of the binary: the shared file written as
//! `write_to_config` writes it, a custom region usable as `-e NAME` with its own credential
//! variables, `-v` showing the chain, `--device-login` only at a terminal, a hostile file a
//! clear error.

mod cli_common;

use cli_common::*;

/// Variables that would otherwise point every run at the sandbox without the file.
const UNSET_CONNECTION: [(&str, &str); 4] = [
    ("TAEGIS_API_URL", ""),
    ("TAEGIS_TENANTS_URL", ""),
    ("CLIENT_ID", ""),
    ("CLIENT_SECRET", ""),
];

fn with_unset<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    UNSET_CONNECTION
        .iter()
        .copied()
        .chain(extra.iter().copied())
        .collect()
}

fn config_text(w: &World) -> String {
    std::fs::read_to_string(w.home.path().join(".taegis_sdk_python/config")).unwrap()
}

#[test]
fn a_custom_region_with_its_own_variables_reaches_the_sandbox() {
    let w = World::start(2);
    let base = w.sb.base_url().to_owned();
    w.run(&["config", "add-region", "Local", &base])
        .assert_code(0, "add-region");
    w.run(&["config", "set-var", "local", "client-id", "LOCAL_CLIENT_ID"])
        .assert_code(0, "set-var id");
    // The guide's own spelling (write_to_config("US1", "CLIENT_SECRET", ...)) works too.
    w.run(&[
        "config",
        "set-var",
        "local",
        "CLIENT_SECRET",
        "LOCAL_CLIENT_SECRET",
    ])
    .assert_code(0, "set-var secret");
    let text = config_text(&w);
    // What write_to_config / taegis-magic write: lower-cased keys, `key = value`.
    assert!(text.contains("[magics.regions]\nlocal = "), "{text}");
    assert!(
        text.contains("[local]\nclient_id = LOCAL_CLIENT_ID\nclient_secret = LOCAL_CLIENT_SECRET"),
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(w.home.path().join(".taegis_sdk_python/config"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let secret = w.sb.client_secret().to_owned();
    let id = w.sb.client_id().to_owned();
    let env = with_unset(&[
        ("LOCAL_CLIENT_ID", id.as_str()),
        ("LOCAL_CLIENT_SECRET", secret.as_str()),
    ]);
    let run = w.run_env(&["-e", "local", "-v", "clients", "list"], &env);
    run.assert_code(0, "clients list on -e local");
    assert!(
        run.stderr
            .contains("credential chain: 1 explicit credentials: not configured"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "credential chain: using client credentials from LOCAL_CLIENT_ID and LOCAL_CLIENT_SECRET"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(&secret) && !run.stdout.contains(&secret));

    let show = w.run_env(&["-e", "local", "config", "show"], &env);
    show.assert_code(0, "config show");
    assert!(
        show.stdout.contains("LOCAL_CLIENT_ID (set)"),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout
            .contains("client credentials from LOCAL_CLIENT_ID and LOCAL_CLIENT_SECRET"),
        "{}",
        show.stdout
    );
    assert!(!show.stdout.contains(&secret), "{}", show.stdout);

    // Without the region's variables, the default names are not used for it.
    let run = w.run_env(
        &["-e", "local", "clients", "list"],
        &[
            ("TAEGIS_API_URL", ""),
            ("TAEGIS_TENANTS_URL", ""),
            ("CLIENT_ID", id.as_str()),
            ("CLIENT_SECRET", secret.as_str()),
        ],
    );
    run.assert_code(3, "no LOCAL_ variables");

    w.run(&["config", "remove-region", "local"])
        .assert_code(0, "remove-region");
    w.run(&["config", "remove-region", "local"])
        .assert_code(2, "remove-region twice");
    w.run_env(&["-e", "local", "clients", "list"], &env)
        .assert_code(2, "unknown region after removal");
}

#[test]
fn clear_token_empties_the_cached_token_as_the_guide_does() {
    let w = World::start(1);
    let dir = w.home.path().join(".taegis_sdk_python");
    std::fs::create_dir_all(&dir).unwrap();
    let token = "eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln";
    let file = dir.join("config");
    std::fs::write(
        &file,
        format!("[magics.auth]\nuse_universal_auth = false\n\n[US1]\naccess_token = {token}\n"),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let show = w.run_env(&["-e", "US1", "config", "show"], &with_unset(&[]));
    show.assert_code(0, "show");
    assert!(show.stdout.contains("valid for"), "{}", show.stdout);
    assert!(
        show.stdout.contains("cached token in [US1]"),
        "{}",
        show.stdout
    );
    assert!(!show.stdout.contains(token), "{}", show.stdout);
    w.run(&["config", "clear-token", "US1"])
        .assert_code(0, "clear-token");
    let text = config_text(&w);
    assert!(text.contains("[US1]\naccess_token = \n"), "{text}");
    assert!(text.contains("use_universal_auth = false"), "{text}");
    let show = w.run_env(&["-e", "US1", "--json", "config", "show"], &with_unset(&[]));
    show.assert_code(0, "show --json");
    let value: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(value["cached_token"]["state"], "none");
    assert_eq!(value["credentials"], "none");
}

#[test]
fn device_login_needs_a_terminal() {
    let w = World::start(1);
    let run = w.run_env(
        &["--device-login", "-e", "us1", "clients", "list"],
        &with_unset(&[]),
    );
    run.assert_code(2, "--device-login without a terminal");
    assert!(run.stderr.contains("needs a terminal"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn a_hostile_shared_file_is_a_clear_error() {
    let w = World::start(1);
    let dir = w.home.path().join(".taegis_sdk_python");
    std::fs::create_dir_all(&dir).unwrap();
    let target = w.write("elsewhere", b"[US1]\nclient_id = X\n");
    std::os::unix::fs::symlink(&target, dir.join("config")).unwrap();
    let run = w.run_env(&["-e", "us1", "clients", "list"], &with_unset(&[]));
    run.assert_code(2, "symlinked config");
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    let run = w.run(&["config", "clear-token", "US1"]);
    run.assert_code(2, "write through a link");
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "[US1]\nclient_id = X\n"
    );

    std::fs::remove_file(dir.join("config")).unwrap();
    std::fs::write(dir.join("config"), b"\x00\x01binary\xff").unwrap();
    let run = w.run_env(&["-e", "us1", "config", "show"], &with_unset(&[]));
    run.assert_code(2, "binary config");
    assert!(run.stderr.contains("binary"), "{}", run.stderr);
}

#[test]
fn config_commands_refuse_bad_names() {
    let w = World::start(1);
    w.run(&["config", "set-var", "US1", "client-id", "NOT A NAME"])
        .assert_code(2, "bad variable");
    w.run(&["config", "add-region", "us1", "https://example.com"])
        .assert_code(2, "built-in name");
    w.run(&["config", "add-region", "x]y", "https://example.com"])
        .assert_code(2, "bracket in name");
    w.run(&["config", "add-region", "far", "http://example.com"])
        .assert_code(2, "plain http to a remote host");
    assert!(!w.home.path().join(".taegis_sdk_python/config").exists());
}

#[test]
fn universal_auth_reads_the_universal_section() {
    let w = World::start(1);
    w.run(&["config", "set-var", "universal", "client-id", "UNI_ID"])
        .assert_code(0, "set-var universal id");
    w.run(&[
        "config",
        "set-var",
        "universal",
        "client-secret",
        "UNI_SECRET",
    ])
    .assert_code(0, "set-var universal secret");
    let env = with_unset(&[("UNI_ID", "u-id"), ("UNI_SECRET", "u-secret-value")]);
    let show = w.run_env(
        &["--universal-auth", "-e", "eu", "--json", "config", "show"],
        &env,
    );
    show.assert_code(0, "show --universal-auth");
    let value: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(value["section"], "universal");
    assert_eq!(value["auth_url"], "https://api.taegis.secureworks.com");
    assert_eq!(value["api_url"], "https://api.echo.taegis.secureworks.com");
    assert_eq!(
        value["credentials"],
        "client credentials from UNI_ID and UNI_SECRET"
    );
    assert!(!show.stdout.contains("u-secret-value"));
    // Without --universal-auth, EU's own (default) names apply.
    let show = w.run_env(&["-e", "eu", "--json", "config", "show"], &env);
    let value: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(value["credentials"], "none");
}
