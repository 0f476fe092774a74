//! Runs `tests/interop/peers.sh`: the official Taegis Python SDK (taegis-sdk-python 2.0.4) and
//! taegis-magic, installed from PyPI into a temporary virtual environment, unchanged, against
//! an in-process sandbox. Skipped, with a message, only when python3 with venv and pip is not
//! available.

#[path = "../../tests/support/python.rs"]
#[allow(dead_code)] // `python()` is for the library's interop test
mod python_env;
use python_env::python_available;
use std::process::Command;
use taegis_sandbox::Sandbox;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_and_magic_against_sandbox() {
    if let Err(why) = python_available() {
        eprintln!(
            "SKIPPED python_sdk_and_magic_against_sandbox: python3 with venv and pip is required ({why})"
        );
        return;
    }
    // Both peers in one virtual environment (installed from PyPI: about 100 s on a clean
    // machine, most of it taegis-magic's notebook dependencies).
    let tenants = 137;
    let sandbox = Sandbox::builder()
        .tenants(tenants)
        .seed(5)
        .start()
        .await
        .expect("sandbox starts");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/peers.sh");
    let mut command = Command::new("bash");
    command
        .arg(script)
        .env("TAEGIS_API_URL", sandbox.base_url())
        .env("TAEGIS_TENANTS_URL", sandbox.base_url())
        .env("CLIENT_ID", sandbox.client_id())
        .env("CLIENT_SECRET", sandbox.client_secret())
        .env("TAEGIS_TENANT_ID", sandbox.tenant_id())
        .env("SANDBOX_TENANTS", tenants.to_string());
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "python interop failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(
        stdout.contains("python interop:") && stdout.contains("magic interop:"),
        "both peers ran to the end: {stdout}"
    );
    assert_eq!(
        stdout.matches("checks passed, no schema warnings").count(),
        2,
        "unexpected output: {stdout}"
    );
    let stats = sandbox.stats();
    assert!(
        stats.tokens_issued >= 2,
        "the SDK fetched tokens: {stats:?}"
    );
    assert!(
        stats.operation("IntrospectionQuery") >= 2,
        "the SDK introspected both endpoints: {stats:?}"
    );
    for (operation, at_least) in [
        ("createClient", 2),
        ("tenants", 2),
        ("alertsServiceSearch", 3),
        ("alertsServicePoll", 1),
        ("investigationsV2", 3),
        ("createInvestigationV2", 1),
        ("closeInvestigation", 1),
        ("eventQuery", 2),
        ("eventPage", 2),
        ("currentSubject", 2),
        ("tdrUsersSearch", 2),
    ] {
        assert!(
            stats.operation(operation) >= at_least,
            "{operation} ran at least {at_least} times: {stats:?}"
        );
    }
    assert!(
        stats.subscriptions_started >= 4,
        "events over WebSocket: {stats:?}"
    );
    eprintln!("{}", stdout.trim());
}
