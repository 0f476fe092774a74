//! Hostile input to the `taegis` binary, run against a sandbox started by the test: odd tenant
//! IDs, huge, binary and deeply nested variables, `--write-env` targets that exist or are
//! symbolic links, odd token files and odd region names. Every case checks the documented exit
//! code (0 success, 1 API error, 2 usage, 3 authentication, 4 network), that nothing was sent
//! when the input was refused, and that the process never panicked.

#![cfg(feature = "sandbox")]

mod cli_common;

use cli_common::{Run, World};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// Tenant IDs

#[test]
fn odd_tenant_ids_are_usage_errors_and_nothing_is_sent() {
    let w = World::start(5);
    for bad in [
        "",
        " ",
        "12 34",
        "12\t34",
        "12\u{1}34",
        "\u{7f}",
        "１２３",
        "12\u{200b}",
        "x\u{202e}gnp.exe",
        &"9".repeat(300),
    ] {
        let run = w.run(&["-t", bad, "tenants", "list"]);
        run.assert_code(2, bad);
        assert!(
            run.stderr.contains("invalid tenant id"),
            "{bad:?}: {}",
            run.stderr
        );
        let run = w.run_env(&["tenants", "list"], &[("TAEGIS_TENANT_ID", bad)]);
        // An empty value here means "unset" (the helper removes the variable).
        run.assert_code(if bad.is_empty() { 0 } else { 2 }, bad);
    }
    assert_eq!(
        w.sb.stats().graphql_requests,
        1,
        "only the run without a tenant reached the API"
    );

    // Well-formed but unknown or forbidden: the API says no (exit 1).
    for id in ["999999999", "9000", "-1", "0x10"] {
        let run = w.run(&[&format!("--tenant={id}"), "tenants", "list"]);
        run.assert_code(1, id);
        assert!(
            run.stderr.contains("403") || run.stderr.contains("denied"),
            "{id}: {}",
            run.stderr
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Variables

#[test]
fn huge_binary_and_nested_variables_are_handled() {
    let w = World::start(5);
    let doc = w.write(
        "q.graphql",
        b"query q($name: String) { clients(name: $name) { id name } }",
    );
    let doc = doc.to_str().unwrap();

    // Large but legal (the kernel limits one argument to 128 KiB).
    let big = format!("{{\"name\": \"{}\"}}", "a".repeat(120_000));
    let run = w.run(&["query", doc, "--variables", &big]);
    run.assert_code(0, "120 KB variable");
    assert!(
        run.stdout.contains("\"clients\": []"),
        "{}",
        cli_common::short(&run.stdout)
    );

    // Not JSON objects, control bytes, deep nesting: usage errors, nothing sent.
    let before = w.sb.stats().graphql_requests;
    let deep = format!("{{\"name\": {}{}}}", "[".repeat(60_000), "]".repeat(60_000));
    for bad in [
        "[1,2]",
        "\"x\"",
        "null",
        "{",
        "\u{1}\u{2}\u{3}",
        "{\"name\": \"\u{1b}[31m\"",
        &deep,
    ] {
        let run = w.run(&["query", doc, "--variables", bad]);
        run.assert_code(2, &bad[..bad.len().min(20)]);
        assert!(run.stderr.contains("--variables"), "{}", run.stderr);
    }
    assert_eq!(w.sb.stats().graphql_requests, before);

    // Bytes that are not UTF-8 in an argument: clap refuses them (exit 2).
    let mut args: Vec<OsString> = vec!["query".into(), doc.into(), "--variables".into()];
    args.push(OsString::from_vec(b"{\"name\": \"\xff\xfe\"}".to_vec()));
    w.run_os(&args).assert_code(2, "non-UTF-8 argument");
    let mut args: Vec<OsString> = vec!["query".into(), doc.into(), "--var".into()];
    args.push(OsString::from_vec(b"name=\xc3\x28".to_vec()));
    w.run_os(&args).assert_code(2, "non-UTF-8 --var");

    // A --var that is not JSON is a string; a deeply nested one too (never a stack overflow).
    let deep_var = format!("name={}", "[".repeat(50_000));
    let run = w.run(&["query", doc, "--var", &deep_var]);
    run.assert_code(0, "deep --var is a string");
    w.run(&["query", doc, "--var", "=x"])
        .assert_code(2, "empty name");
    w.run(&["query", doc, "--var", "a b=1"])
        .assert_code(2, "bad name");
    w.run(&["query", doc, "--var", "novalue"])
        .assert_code(2, "no =");

    // Binary, huge and empty documents.
    let binary = w.write("bin.graphql", &[0xff, 0xfe, 0x00, 0x9f, 0x92, 0x96]);
    let run = w.run(&["query", binary.to_str().unwrap()]);
    run.assert_code(2, "binary document");
    assert!(run.stderr.contains("not UTF-8"), "{}", run.stderr);
    let huge = w.write("huge.graphql", &vec![b'#'; 9 * 1024 * 1024]);
    let run = w.run(&["query", huge.to_str().unwrap()]);
    run.assert_code(2, "9 MiB document");
    assert!(run.stderr.contains("larger than"), "{}", run.stderr);
    let run = w.run_stdin(&["query", "-"], vec![0u8, 159, 146, 150]);
    run.assert_code(2, "binary stdin");
    w.run_stdin(&["query", "-"], b"   \n\t".to_vec())
        .assert_code(2, "blank stdin");
    w.run(&["query", "/nonexistent/q.graphql"])
        .assert_code(2, "missing file");

    // A document the server rejects: printed, exit 1.
    let bad_doc = w.write("bad.graphql", b"{ noSuchField }");
    let run = w.run(&["query", bad_doc.to_str().unwrap()]);
    run.assert_code(1, "invalid document");
    assert!(run.stdout.contains("errors"), "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------------
// --write-env targets

#[test]
fn write_env_refuses_existing_files_and_symlinks_before_creating_anything() {
    let w = World::start(5);
    let existing = w.write("existing.env", b"KEEP=1\n");
    let target = w.write("target.txt", b"precious\n");
    let link = w.home.path().join("link.env");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let dangling = w.home.path().join("dangling.env");
    let nowhere = w.home.path().join("nowhere.txt");
    std::os::unix::fs::symlink(&nowhere, &dangling).unwrap();
    let dir = w.home.path().join("adir");
    std::fs::create_dir(&dir).unwrap();

    let cases: Vec<(&std::path::Path, bool, &str)> = vec![
        (&existing, false, "exists"),
        (&link, false, "symbolic link"),
        (&link, true, "symbolic link"),
        (&dangling, false, "symbolic link"),
        (&dangling, true, "symbolic link"),
        (&dir, false, "directory"),
        (&dir, true, "directory"),
    ];
    for (i, (path, force, why)) in cases.iter().enumerate() {
        let name = format!("refused-{i}");
        let mut args = vec![
            "clients",
            "create",
            &name,
            "--write-env",
            path.to_str().unwrap(),
        ];
        if *force {
            args.push("--force");
        }
        let run = w.run(&args);
        run.assert_code(2, &format!("{path:?} force={force}"));
        assert!(run.stderr.contains(why), "{path:?}: {}", run.stderr);
    }
    assert_eq!(
        w.sb.stats().operation("createClient"),
        0,
        "refused before any client was created"
    );
    assert_eq!(std::fs::read(&existing).unwrap(), b"KEEP=1\n");
    assert_eq!(std::fs::read(&target).unwrap(), b"precious\n");
    assert!(
        !nowhere.exists(),
        "the dangling link's target was not created"
    );
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());

    // A new file: created 0600 with the credentials; --force replaces a regular file.
    use std::os::unix::fs::PermissionsExt;
    let fresh = w.home.path().join("fresh.env");
    let run = w.run(&[
        "clients",
        "create",
        "fresh",
        "--write-env",
        fresh.to_str().unwrap(),
    ]);
    run.assert_code(0, "fresh");
    let text = std::fs::read_to_string(&fresh).unwrap();
    assert!(
        text.contains("CLIENT_ID=") && text.contains("CLIENT_SECRET="),
        "{text}"
    );
    assert_eq!(
        std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
        0o600
    );
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = w.run(&[
        "clients",
        "create",
        "forced",
        "--write-env",
        existing.to_str().unwrap(),
        "--force",
    ]);
    run.assert_code(0, "forced");
    let text = std::fs::read_to_string(&existing).unwrap();
    assert!(
        !text.contains("KEEP") && text.contains("CLIENT_SECRET="),
        "{text}"
    );
    assert_eq!(
        std::fs::metadata(&existing).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(w.sb.stats().operation("createClient"), 2);

    // --force without --write-env is a usage error.
    w.run(&["clients", "create", "x", "--force"])
        .assert_code(2, "--force alone");
}

// ---------------------------------------------------------------------------------------------
// Token files

#[test]
fn token_files_with_newlines_and_bearer_prefixes() {
    let w = World::start(5);
    let token =
        w.sb.mint_token(w.sb.client_id(), Duration::from_secs(3600))
            .unwrap();
    for (i, text) in [
        format!("{token}\n"),
        format!("{token}\r\n\r\n"),
        format!("Bearer {token}\n"),
        format!("bearer {token}"),
        format!("  Bearer   {token}  \n"),
        format!("\t{token}\t"),
    ]
    .iter()
    .enumerate()
    {
        let file = w.write(&format!("token{i}"), text.as_bytes());
        let run = w.run_env(
            &["--token-file", file.to_str().unwrap(), "tenants", "list"],
            &[("CLIENT_ID", ""), ("CLIENT_SECRET", "")],
        );
        run.assert_code(0, &format!("{text:?}"));
    }
    assert_eq!(w.sb.stats().token_requests, 0, "the file's token was used");

    for (i, text) in [
        b"".to_vec(),
        b"\n\n".to_vec(),
        format!("{token} {token}").into_bytes(),
        format!("{token}\n{token}\n").into_bytes(),
        b"tok\x01en".to_vec(),
        vec![0xff, 0xfe, 0xfd],
    ]
    .iter()
    .enumerate()
    {
        let file = w.write(&format!("bad{i}"), text);
        let run = w.run(&["--token-file", file.to_str().unwrap(), "tenants", "list"]);
        run.assert_code(2, &format!("{text:?}"));
        assert!(run.stderr.contains("token file"), "{}", run.stderr);
    }
    w.run(&["--token-file", "/nonexistent/token", "tenants", "list"])
        .assert_code(2, "missing token file");
    let dir = w.home.path().to_str().unwrap().to_owned();
    w.run(&["--token-file", &dir, "tenants", "list"])
        .assert_code(2, "a directory");

    // One token the API refuses: not ASCII, or forged.
    let odd = w.write("odd", "tøken\n".as_bytes());
    w.run(&["--token-file", odd.to_str().unwrap(), "tenants", "list"])
        .assert_code(3, "non-ASCII token");
    let forged = w.write("forged", b"Bearer eyJhbGciOiJIUzI1NiJ9.e30.forged\n");
    w.run(&["--token-file", forged.to_str().unwrap(), "tenants", "list"])
        .assert_code(3, "forged token");
    // The bare scheme holds no token: refused before anything is sent.
    for (i, text) in [&b"Bearer\n"[..], b"Bearer \n", b"bearer"]
        .iter()
        .enumerate()
    {
        let file = w.write(&format!("scheme{i}"), text);
        let run = w.run(&["--token-file", file.to_str().unwrap(), "tenants", "list"]);
        run.assert_code(2, &format!("{text:?}"));
    }
    let expired = w.sb.mint_token(w.sb.client_id(), Duration::ZERO).unwrap();
    let expired = w.write("expired", format!("{expired}\n").as_bytes());
    w.run(&["--token-file", expired.to_str().unwrap(), "tenants", "list"])
        .assert_code(3, "expired token");
    assert_eq!(
        w.sb.stats().token_requests,
        0,
        "a static token is never replaced"
    );
}

// ---------------------------------------------------------------------------------------------
// Region names

#[test]
fn region_names_in_odd_case() {
    let w = World::start(5);
    for name in ["ChArLiE", "US1", "us1", "DELTA", "Eu", "eCHo", " us2 "] {
        // The sandbox URLs win over the region's; the name must still be accepted.
        w.run(&["-e", name, "tenants", "list"]).assert_code(0, name);
        w.run_env(&["tenants", "list"], &[("TAEGIS_ENVIRONMENT", name)])
            .assert_code(0, name);
    }
    for name in [
        "",
        "nowhere",
        "charlie\u{1}",
        "us 1",
        "ｕｓ１",
        "charlie; rm -rf /",
        &"x".repeat(10_000),
    ] {
        let run = w.run(&["-e", name, "tenants", "list"]);
        run.assert_code(2, name);
        assert!(run.stderr.contains("region"), "{name:?}: {}", run.stderr);
    }
}

// ---------------------------------------------------------------------------------------------
// Network failures and usage errors keep their codes

#[test]
fn unreachable_servers_and_bad_urls() {
    let w = World::start(5);
    // A closed loopback port: network error (4), after the retries.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let run = w.run_env(
        &["tenants", "list"],
        &[("TAEGIS_API_URL", &url), ("TAEGIS_TENANTS_URL", &url)],
    );
    run.assert_code(4, "closed port");
    // Plain http to a non-loopback host is refused before any connection (2).
    for url in [
        "http://example.com",
        "http://10.0.0.1",
        "ftp://127.0.0.1",
        "not a url",
        "http://u:p@127.0.0.1",
    ] {
        let run = w.run_env(&["tenants", "list"], &[("TAEGIS_API_URL", url)]);
        run.assert_code(2, url);
    }
    // Unknown subcommands and flags.
    w.run(&["tenants", "frobnicate"])
        .assert_code(2, "unknown subcommand");
    w.run(&["--no-such-flag"]).assert_code(2, "unknown flag");
    w.run(&["clients", "delete-all"])
        .assert_code(2, "delete-all without --yes");
    let run = w.run(&["clients", "delete", "whatever"]);
    assert!(matches!(run.code, Some(1 | 2)), "{run:?}");
    assert_eq!(w.sb.stats().operation("deleteClient"), 0);
}

#[test]
fn status_is_stable_under_injected_faults() {
    let w = World::start(5);
    // 503 on every GraphQL request: an API error after the retries (1), no panic.
    w.sb.set_unavailable_rate(1.0);
    let run = w.run(&["tenants", "list"]);
    run.assert_code(1, "all 503");
    assert!(run.stderr.contains("503"), "{}", run.stderr);
    w.sb.clear_faults();
    // Credentials the token endpoint refuses: authentication error (3).
    let run = w.run_env(&["tenants", "list"], &[("CLIENT_SECRET", "wrong-secret")]);
    run.assert_code(3, "wrong secret");
    // Unauthenticated "auth token" with no credentials at all (3).
    let run = w.run_env(
        &["auth", "token"],
        &[("CLIENT_ID", ""), ("CLIENT_SECRET", "")],
    );
    run.assert_code(3, "no credentials");
    let _: &Run = &run;
}

// ---------------------------------------------------------------------------------------------
// Timestamps

#[test]
fn hostile_timestamps_get_an_api_error_not_a_broken_connection() {
    let w = World::start(5);
    let child = (w.sb.tenant_id().parse::<u64>().unwrap() + 1).to_string();
    for bad in [
        "2030-01-01T00:00:00+0é0",
        "2030-01-01T00:00:00+0é:00",
        "2030-01-01T00:00:00.é",
        "２０３０-01-01",
        "yesterday",
        "",
    ] {
        let run = w.run(&["tenants", "update", &child, "--expires-at", bad]);
        // The sandbox refuses the value with a GraphQL error (1); before the fix a
        // multi-byte offset panicked its handler and the CLI saw a broken connection (4).
        assert!(matches!(run.code, Some(1 | 2)), "{bad:?}: {run:?}");
        assert!(!run.stderr.contains("panicked"), "{bad:?}: {}", run.stderr);
    }
    w.run(&[
        "tenants",
        "update",
        &child,
        "--expires-at",
        "2030-01-01T00:00:00+02:00",
    ])
    .assert_code(0, "valid offset");
}
