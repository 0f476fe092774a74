//! Secrets audit of the `taegis` binary: every command, run with `-v` and `-vv` against a
//! sandbox (successes, API errors, authentication failures, retries and injected faults), and
//! no client secret or access token ever appears on standard error, where the request log and
//! every error message go. Standard output shows a secret only where the user asked for it:
//! `clients create`, `clients rotate` and `auth token`.

#![cfg(feature = "sandbox")]

mod cli_common;

use cli_common::{Run, World};
use serde_json::Value;
use std::time::Duration;
use taegis_sandbox::{FaultKind, FaultTarget};

/// What must never be shown.
struct Secrets {
    /// Client secrets: the bootstrap client's and every one created or rotated since.
    client_secrets: Vec<String>,
    /// Access tokens known to the test (minted, or printed by `auth token`).
    tokens: Vec<String>,
    /// The first segment of every sandbox token (the JWT header) followed by a dot: any
    /// token the binary fetched for itself starts with it.
    token_prefix: String,
}

impl Secrets {
    #[track_caller]
    fn check_stderr(&self, what: &str, run: &Run) {
        assert!(!run.stderr.contains("panicked"), "{what}: {}", run.stderr);
        for secret in &self.client_secrets {
            assert!(
                !run.stderr.contains(secret.as_str()),
                "{what}: a client secret on stderr:\n{}",
                run.stderr
            );
        }
        for token in &self.tokens {
            assert!(
                !run.stderr.contains(token.as_str()),
                "{what}: an access token on stderr:\n{}",
                run.stderr
            );
        }
        assert!(
            !run.stderr.contains(&self.token_prefix),
            "{what}: something token-shaped on stderr:\n{}",
            run.stderr
        );
        assert!(
            !run.stderr.to_ascii_lowercase().contains("bearer ey"),
            "{what}: {}",
            run.stderr
        );
    }

    /// Also for stdout of commands that have no reason to show a secret.
    #[track_caller]
    fn check_all(&self, what: &str, run: &Run) {
        self.check_stderr(what, run);
        for secret in self.client_secrets.iter().chain(&self.tokens) {
            assert!(
                !run.stdout.contains(secret.as_str()),
                "{what}: a secret on stdout:\n{}",
                run.stdout
            );
        }
        assert!(
            !run.stdout.contains(&self.token_prefix),
            "{what}: {}",
            run.stdout
        );
    }
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr))
}

#[test]
fn no_command_shows_a_secret_on_stderr() {
    let w = World::start(12);
    let minted =
        w.sb.mint_token(w.sb.client_id(), Duration::from_secs(3600))
            .unwrap();
    let prefix = format!("{}.", minted.split('.').next().unwrap());
    let mut s = Secrets {
        client_secrets: vec![w.sb.client_secret().to_owned()],
        tokens: vec![minted.clone()],
        token_prefix: prefix,
    };
    let tenant = w.sb.tenant_id().to_owned();
    let child = (tenant.parse::<u64>().unwrap() + 1).to_string();

    for v in ["-v", "-vv"] {
        // auth token: the token on stdout, never on stderr.
        let run = w.run(&[v, "auth", "token"]);
        run.assert_code(0, "auth token");
        let printed = run.stdout.trim().to_owned();
        assert!(printed.starts_with(&s.token_prefix), "{printed}");
        s.tokens.push(printed);
        s.check_stderr("auth token", &run);
        let run = w.run(&[v, "--json", "auth", "token"]);
        run.assert_code(0, "auth token --json");
        s.tokens
            .push(json(&run)["access_token"].as_str().unwrap().to_owned());
        s.check_stderr("auth token --json", &run);
        assert!(
            run.stderr.contains("access token"),
            "-v logs the token fetch (without the token): {}",
            run.stderr
        );

        // clients create / rotate: the new secret on stdout only.
        let name = format!("audit{}", v.len());
        let env_file = w.home.path().join(format!("{name}.env"));
        let run = w.run(&[
            v,
            "--json",
            "clients",
            "create",
            &name,
            "--write-env",
            env_file.to_str().unwrap(),
        ]);
        run.assert_code(0, "clients create");
        let created = json(&run);
        s.client_secrets
            .push(created["clientSecret"].as_str().unwrap().to_owned());
        s.check_stderr("clients create", &run);
        let id = created["client"]["id"].as_str().unwrap().to_owned();
        let client_id = created["client"]["client_id"]
            .as_str()
            .or_else(|| created["client"]["clientID"].as_str())
            .unwrap()
            .to_owned();

        let run = w.run(&[v, "clients", "create", &format!("{name}-human")]);
        run.assert_code(0, "clients create (human)");
        let secret_line = run
            .stdout
            .lines()
            .find(|l| l.starts_with("client_secret"))
            .unwrap();
        s.client_secrets
            .push(secret_line.split_whitespace().last().unwrap().to_owned());
        s.check_stderr("clients create (human)", &run);

        let run = w.run(&[v, "--json", "clients", "rotate", &id]);
        run.assert_code(0, "clients rotate");
        s.client_secrets
            .push(json(&run)["clientSecret"].as_str().unwrap().to_owned());
        s.check_stderr("clients rotate", &run);
        let run = w.run(&[v, "clients", "rotate", &client_id]);
        run.assert_code(0, "clients rotate (human)");
        let secret_line = run
            .stdout
            .lines()
            .find(|l| l.starts_with("client_secret"))
            .unwrap();
        s.client_secrets
            .push(secret_line.split_whitespace().last().unwrap().to_owned());
        s.check_stderr("clients rotate (human)", &run);

        // Commands whose output holds no secret at all.
        let doc = w.write("q.graphql", b"query q { clients { id name clientID } }");
        let certificate = w.write(
            "cert.pem",
            b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        );
        let quiet: Vec<(Vec<String>, i32)> = vec![
            (vec!["clients", "list"], 0),
            (vec!["--jsonl", "clients", "list"], 0),
            (vec!["--json", "clients", "list", "--name", "%audit%"], 0),
            (vec!["clients", "get", &id], 0),
            (vec!["--json", "clients", "get", &client_id], 0),
            (vec!["clients", "get", "no-such-client"], 1),
            (vec!["tenants", "list"], 0),
            (vec!["--jsonl", "tenants", "list", "--all"], 0),
            (vec!["tenants", "get", &child], 0),
            (vec!["tenants", "get", "424242"], 1),
            (
                vec![
                    "tenants",
                    "create",
                    "--name",
                    &format!("Audit {v}"),
                    "--parent",
                    &tenant,
                ],
                0,
            ),
            (
                vec![
                    "tenants",
                    "update",
                    &child,
                    "--name",
                    &format!("Renamed {v}"),
                ],
                0,
            ),
            (
                vec![
                    "tenants",
                    "label",
                    "create",
                    &child,
                    &format!("owner{v}"),
                    "audit",
                ],
                0,
            ),
            (
                vec!["tenants", "subscription", "create", &format!("sub{v}")],
                0,
            ),
            (vec!["tenants", "support", "enable", &child], 0),
            (vec!["tenants", "support", "disable", &child], 0),
            (vec!["sso", "list"], 0),
            (
                vec![
                    "sso",
                    "create",
                    &format!("sso{v}"),
                    "--domain",
                    "example.com",
                ],
                0,
            ),
            (vec!["sso", "get", "no-such-connection"], 1),
            (
                vec![
                    "sso",
                    "config",
                    "--cert-file",
                    certificate.to_str().unwrap(),
                ],
                -1,
            ),
            (vec!["query", doc.to_str().unwrap()], 0),
            (
                vec!["query", "--endpoint", "tenants", doc.to_str().unwrap()],
                1,
            ),
            (vec!["version"], 0),
            (vec!["operations"], 0),
            (
                vec!["schema", "pull", "--out", w.home.path().to_str().unwrap()],
                0,
            ),
        ]
        .into_iter()
        .map(|(args, code)| (args.into_iter().map(str::to_owned).collect(), code))
        .collect();
        for (args, code) in &quiet {
            let mut full = vec![v];
            full.extend(args.iter().map(String::as_str));
            let run = w.run(&full);
            let what = full.join(" ");
            if *code >= 0 {
                run.assert_code(*code, &what);
            }
            s.check_all(&what, &run);
        }

        // The same with a token file: its token never shows.
        let token_file = w.write("token", format!("Bearer {minted}\n").as_bytes());
        for args in [
            vec!["tenants", "list"],
            vec!["clients", "list"],
            vec!["clients", "get", "no-such-client"],
        ] {
            let mut full = vec![v, "--token-file", token_file.to_str().unwrap()];
            full.extend(args);
            let run = w.run(&full);
            s.check_all(&full.join(" "), &run);
        }

        // Failures: refused credentials, revoked tokens, retries, outages.
        let run = w.run_env(
            &[v, "tenants", "list"],
            &[("CLIENT_SECRET", "WRONG-SECRET-value-123")],
        );
        run.assert_code(3, "wrong secret");
        assert!(
            !run.stderr.contains("WRONG-SECRET-value-123"),
            "{}",
            run.stderr
        );
        s.check_stderr("wrong secret", &run);

        let old_secret = s.client_secrets[s.client_secrets.len() - 3].clone();
        let run = w.run_env(
            &[v, "clients", "list"],
            &[("CLIENT_ID", &client_id), ("CLIENT_SECRET", &old_secret)],
        );
        run.assert_code(3, "rotated-away secret");
        s.check_stderr("rotated-away secret", &run);

        w.sb.fail_next(FaultTarget::GraphQl, FaultKind::Unavailable, 1);
        w.sb.fail_next(FaultTarget::GraphQl, FaultKind::RateLimited, 1);
        w.sb.set_retry_after(Duration::ZERO);
        let run = w.run(&[v, "tenants", "list"]);
        run.assert_code(0, "retried");
        assert!(
            run.stderr.contains("retrying"),
            "-v logs retries: {}",
            run.stderr
        );
        s.check_all("retried", &run);

        w.sb.fail_next(FaultTarget::Token, FaultKind::Unavailable, 3);
        let run = w.run(&[v, "clients", "list"]);
        assert!(matches!(run.code, Some(1 | 3 | 4)), "{run:?}");
        s.check_all("token endpoint down", &run);

        w.sb.set_unavailable_rate(1.0);
        let run = w.run(&[v, "clients", "create", "never"]);
        run.assert_code(1, "all 503");
        s.check_all("all 503", &run);
        w.sb.clear_faults();

        w.sb.revoke_all_tokens();
        let run = w.run(&[
            v,
            "--token-file",
            token_file.to_str().unwrap(),
            "tenants",
            "list",
        ]);
        run.assert_code(3, "revoked token file");
        s.check_all("revoked token file", &run);
        // A fresh minted token for the next round.
        let fresh =
            w.sb.mint_token(w.sb.client_id(), Duration::from_secs(3600))
                .unwrap();
        s.tokens.push(fresh);

        let run = w.run(&[v, "clients", "delete", &id, "--yes"]);
        run.assert_code(0, "clients delete");
        s.check_all("clients delete", &run);
    }

    // Last: delete-all removes the bootstrap client too; then its credentials are refused.
    let run = w.run(&["-vv", "clients", "delete-all", "--yes"]);
    run.assert_code(0, "delete-all");
    s.check_all("delete-all", &run);
    let run = w.run(&["-vv", "clients", "list"]);
    run.assert_code(3, "deleted credentials");
    s.check_all("deleted credentials", &run);
}

/// The token cache file (the Python SDK's format) is written 0600 through a temporary file and
/// a rename: a symbolic link planted at its path is replaced, never written through, and the
/// log never shows the token it holds.
#[test]
fn token_cache_file_is_private_and_never_written_through_a_symlink() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::start(3);
    let victim = w.write("victim.txt", b"do not touch\n");
    let cache = w.home.path().join("config");
    std::os::unix::fs::symlink(&victim, &cache).unwrap();
    let client = taegis_sdk::Client::builder()
        .api_url(w.sb.base_url())
        .client_credentials(w.sb.client_id(), w.sb.client_secret())
        .token_cache_file(cache.clone())
        .build()
        .unwrap();
    // The token is obtained; the cache write is refused (a warning), the link left alone.
    w.rt.block_on(client.access_token()).unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"do not touch\n");
    let meta = std::fs::symlink_metadata(&cache).unwrap();
    assert!(
        meta.file_type().is_symlink(),
        "the link is neither followed nor replaced"
    );

    // A real file is written 0600.
    std::fs::remove_file(&cache).unwrap();
    let client = taegis_sdk::Client::builder()
        .api_url(w.sb.base_url())
        .client_credentials(w.sb.client_id(), w.sb.client_secret())
        .token_cache_file(cache.clone())
        .build()
        .unwrap();
    let token = w.rt.block_on(client.access_token()).unwrap();
    let meta = std::fs::symlink_metadata(&cache).unwrap();
    assert!(meta.file_type().is_file());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&cache).unwrap();
    assert!(text.contains(token.token().expose_secret()));
}
