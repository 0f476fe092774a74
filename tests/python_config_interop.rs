//! The shared configuration file across the two SDKs: the official Python SDK
//! (taegis-sdk-python 2.0.4, installed from PyPI into a temporary virtual environment) writes
//! it with its own `write_to_config`, this crate reads it (variable names, custom region,
//! cached token, cleared token) and writes it, and the Python SDK's `get_config` reads that
//! back. Skipped, with a message, only when python3 with venv and pip is not available; a
//! failed install from PyPI (the registry CI may use) fails the test, as in the sandbox's
//! interop test.

#[path = "support/python.rs"]
mod python_env;
use python_env::{python, python_available};
use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use taegis_sdk::config_file::{self, SharedConfig};
use taegis_sdk::{ClientBuilder, CredentialSource, Credentials};

/// A virtual environment with taegis-sdk-python 2.0.4; `Err` says why there is none.
fn venv_with_sdk(dir: &Path) -> Result<std::path::PathBuf, String> {
    let venv = dir.join("venv");
    let out = Command::new(python())
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "venv failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let py = venv.join("bin").join("python");
    let out = Command::new(&py)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            // Nothing kept in the user's pip cache: the venv is thrown away after the test.
            "--no-cache-dir",
            "taegis-sdk-python==2.0.4",
        ])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "pip install taegis-sdk-python==2.0.4 failed (is PyPI reachable?): {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(py)
}

fn run_python(py: &Path, home: &Path, script: &str) -> String {
    let out = Command::new(py)
        .arg("-c")
        .arg(script)
        .env("HOME", home)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "python failed\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn jwt(exp: u64) -> String {
    let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.sig",
        enc.encode(br#"{"alg":"none"}"#),
        enc.encode(format!(r#"{{"exp":{exp}}}"#))
    )
}

#[test]
fn a_file_written_by_either_sdk_is_read_by_both() {
    if let Err(why) = python_available() {
        eprintln!("SKIPPED a_file_written_by_either_sdk_is_read_by_both: python3 with venv and pip is required ({why})");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let py = venv_with_sdk(dir.path()).unwrap_or_else(|why| panic!("{why}"));
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let cached = jwt(now + 3600);

    // 1. The Python SDK writes, as the guide does.
    run_python(
        &py,
        &home,
        &format!(
            r#"
from taegis_sdk_python.config import write_to_config
write_to_config("US1", "CLIENT_ID", "US1_CLIENT_ID")
write_to_config("US1", "CLIENT_SECRET", "US1_CLIENT_SECRET")
write_to_config("US1", "access_token", "")
write_to_config("magics.regions", "local", "http://127.0.0.1:9")
write_to_config("local", "access_token", "{cached}")
"#
        ),
    );
    let file = home.join(".taegis_sdk_python").join("config");

    // 2. This crate reads it.
    let shared = SharedConfig::load(&file).unwrap();
    assert_eq!(shared.client_id_var("US1"), "US1_CLIENT_ID");
    assert_eq!(shared.client_secret_var("US1"), "US1_CLIENT_SECRET");
    assert_eq!(
        shared.custom_region_url("local"),
        Some("http://127.0.0.1:9")
    );
    assert!(shared.cached_token("US1").is_none(), "cleared");
    let vars = [
        ("US1_CLIENT_ID", "us1-id"),
        ("US1_CLIENT_SECRET", "us1-secret"),
    ];
    let lookup = move |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    let us1 = ClientBuilder::from_env_with(lookup)
        .unwrap()
        .shared_config_file(&file)
        .environment("US1")
        .build()
        .unwrap();
    assert!(matches!(
        us1.config().credentials(),
        Some(Credentials::ClientCredentials { client_id, .. }) if client_id == "us1-id"
    ));
    let local = ClientBuilder::from_env_with(|_| None)
        .unwrap()
        .shared_config_file(&file)
        .environment("local")
        .build()
        .unwrap();
    assert_eq!(local.config().api_url(), "http://127.0.0.1:9");
    assert!(matches!(
        local.config().credential_source(),
        CredentialSource::CachedToken { section, .. } if section == "local"
    ));

    // 3. This crate writes; the Python SDK reads it back.
    config_file::write_value(&file, "eu", "CLIENT_ID", "EU_CLIENT_ID").unwrap();
    config_file::write_value(&file, "local", "access_token", "").unwrap();
    assert!(config_file::remove_value(&file, "magics.regions", "local").unwrap());
    let out = run_python(
        &py,
        &home,
        r#"
import json
from taegis_sdk_python.config import get_config
from taegis_sdk_python.authentication import get_oauth_from_env
import os
os.environ["EU_CLIENT_ID"] = "eu-id"
os.environ["US1_CLIENT_SECRET"] = "us1-secret"
c = get_config()
print(json.dumps({
    "eu_id": get_oauth_from_env("eu")[0],
    "us1_secret": get_oauth_from_env("US1")[1],
    "local_token": c.get("local", "access_token"),
    "regions": dict(c["magics.regions"]),
}))
"#,
    );
    let value: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(value["eu_id"], "eu-id");
    assert_eq!(value["us1_secret"], "us1-secret");
    assert_eq!(value["local_token"], "");
    assert_eq!(value["regions"], serde_json::json!({}));
}
