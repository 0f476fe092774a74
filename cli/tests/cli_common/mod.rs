//! A sandbox on its own runtime plus a clean environment for running the `taegis` binary.
#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::time::Duration;

use taegis_sandbox::Sandbox;

/// The output of one run.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, and that the process did not panic.
    #[track_caller]
    pub fn assert_code(&self, code: i32, what: &str) -> &Run {
        let what: String = what.chars().take(60).collect();
        assert!(
            !self.stderr.contains("panicked"),
            "{what:?}: the process panicked: {}",
            self.stderr
        );
        assert_eq!(
            self.code,
            Some(code),
            "{what:?}: exit code\nstdout: {}\nstderr: {}",
            short(&self.stdout),
            short(&self.stderr)
        );
        self
    }
}

/// At most 2,000 characters of `text`, for failure messages.
pub fn short(text: &str) -> String {
    let mut out: String = text.chars().take(2000).collect();
    if out.len() < text.len() {
        out.push_str("...");
    }
    out
}

/// A sandbox (served by a runtime of its own while the test thread runs commands) and a home
/// directory.
pub struct World {
    pub sb: Sandbox,
    pub home: tempfile::TempDir,
    pub rt: tokio::runtime::Runtime,
}

impl World {
    pub fn start(tenants: u64) -> World {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sb = rt
            .block_on(Sandbox::builder().tenants(tenants).seed(11).start())
            .unwrap();
        World {
            sb,
            home: tempfile::tempdir().unwrap(),
            rt,
        }
    }

    /// The binary with only PATH, HOME and the sandbox's settings in its environment, as a
    /// plain process (for tests that hold the child: pipes, signals).
    pub fn std_command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_taegis"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("NO_COLOR", "1")
            .env("TAEGIS_API_URL", self.sb.base_url())
            .env("TAEGIS_TENANTS_URL", self.sb.base_url())
            .env("CLIENT_ID", self.sb.client_id())
            .env("CLIENT_SECRET", self.sb.client_secret())
            .env("TAEGIS_TENANT_ID", self.sb.tenant_id())
            .current_dir(self.home.path());
        cmd
    }

    /// [`World::std_command`] with a 60 s limit, for running to the end.
    pub fn command(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::from_std(self.std_command());
        cmd.timeout(Duration::from_secs(60));
        cmd
    }

    fn finish(mut cmd: assert_cmd::Command) -> Run {
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    /// Runs with extra variables; an empty value removes the variable.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command();
        for (k, v) in env {
            if v.is_empty() {
                cmd.env_remove(k);
            } else {
                cmd.env(k, v);
            }
        }
        cmd.args(args);
        Self::finish(cmd)
    }

    pub fn run_os(&self, args: &[OsString]) -> Run {
        let mut cmd = self.command();
        cmd.args(args.iter().map(OsStr::new));
        Self::finish(cmd)
    }

    pub fn run_stdin(&self, args: &[&str], stdin: Vec<u8>) -> Run {
        let mut cmd = self.command();
        cmd.args(args).write_stdin(stdin);
        Self::finish(cmd)
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.home.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}
