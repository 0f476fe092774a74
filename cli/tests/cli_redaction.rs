//! `taegis -v`/`-vv` logs, error lines and `taegis query` output never show a secret we hold,
//! in any form, even when the server echoes our request headers back.

#[path = "../../tests/support/echo.rs"]
mod echo;

use echo::*;

#[test]
fn cli_verbose_logs_and_query_output_hide_echoed_secrets() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(api_echoing(graphql_echo));
    let output = assert_cmd::Command::cargo_bin("taegis")
        .unwrap()
        .env_clear()
        .env("HOME", std::env::temp_dir())
        .env("CLIENT_ID", ID)
        .env("CLIENT_SECRET", SECRET)
        .args(["-vv", "--api-url", &server.uri(), "query", "-"])
        .write_stdin("query q { __typename }")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("FORBIDDEN"), "{stdout}");
    assert_clean("stdout", &stdout);
    assert_clean("stderr", &stderr);

    // An echoing token endpoint, seen through the command's error line and detail.
    let server = rt.block_on(token_endpoint_echoing());
    let output = assert_cmd::Command::cargo_bin("taegis")
        .unwrap()
        .env_clear()
        .env("HOME", std::env::temp_dir())
        .env("CLIENT_ID", ID)
        .env("CLIENT_SECRET", SECRET)
        .args(["-vv", "--api-url", &server.uri(), "auth", "token"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert_clean("stderr", &stderr);
    assert_clean("stdout", &String::from_utf8_lossy(&output.stdout));
}
