//! The credential chain (explicit → environment with per-region variable names → cached
//! token → nothing), custom regions of the shared file, and two regions side by side in one
//! process, against wiremock servers standing for the regions.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use common::*;
use taegis_sdk::{ClientBuilder, CredentialSource, Credentials, Error};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer};

fn shared_file(dir: &Path, text: &str) -> PathBuf {
    let file = dir.join("config");
    std::fs::write(&file, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    file
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

fn chained(file: &Path, pairs: &[(&str, &str)]) -> ClientBuilder {
    ClientBuilder::from_env_with(env(pairs))
        .unwrap()
        .shared_config_file(file)
}

fn basic(id: &str, secret: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    format!("Basic {encoded}")
}

/// A token endpoint that answers only `id`:`secret`.
async fn mount_token_for(server: &MockServer, id: &str, secret: &str, token: &str) {
    Mock::given(method("POST"))
        .and(path("/auth/api/v2/auth/token"))
        .and(header("authorization", basic(id, secret).as_str()))
        .respond_with(token_response(token, 3600))
        .mount(server)
        .await;
}

#[tokio::test]
async fn two_regions_in_one_process_use_their_own_credentials_and_servers() {
    let alpha = MockServer::start().await;
    let beta = MockServer::start().await;
    let alpha_token = jwt(unix_now() + 3600);
    let beta_token = jwt(unix_now() + 7200);
    mount_token_for(&alpha, "alpha-id", "alpha-secret", &alpha_token).await;
    mount_token_for(&beta, "beta-id", "beta-secret", &beta_token).await;
    let dir = tempfile::tempdir().unwrap();
    let file = shared_file(
        dir.path(),
        &format!(
            "[magics.regions]\nalpha = {}\nbeta = {}\n\n\
             [alpha]\nclient_id = ALPHA_CLIENT_ID\nclient_secret = ALPHA_CLIENT_SECRET\n\n\
             [beta]\nclient_id = BETA_CLIENT_ID\nclient_secret = BETA_CLIENT_SECRET\n",
            alpha.uri(),
            beta.uri()
        ),
    );
    let vars = [
        ("ALPHA_CLIENT_ID", "alpha-id"),
        ("ALPHA_CLIENT_SECRET", "alpha-secret"),
        ("BETA_CLIENT_ID", "beta-id"),
        ("BETA_CLIENT_SECRET", "beta-secret"),
        ("CLIENT_ID", "default-id"),
        ("CLIENT_SECRET", "default-secret"),
    ];
    let a = chained(&file, &vars).environment("alpha").build().unwrap();
    let b = chained(&file, &vars).environment("BETA").build().unwrap();
    assert_eq!(a.config().api_url(), alpha.uri());
    assert_eq!(b.config().tenants_url(), beta.uri());
    assert_eq!(a.region(), None, "a custom region is no built-in region");
    let (ta, tb) = tokio::join!(a.access_token(), b.access_token());
    assert_eq!(ta.unwrap().token().expose_secret(), alpha_token);
    assert_eq!(tb.unwrap().token().expose_secret(), beta_token);
    assert_eq!(
        requests_to(&alpha, "/auth/api/v2/auth/token").await.len(),
        1
    );
    assert_eq!(requests_to(&beta, "/auth/api/v2/auth/token").await.len(), 1);
    assert_eq!(
        a.config().credential_source(),
        &CredentialSource::Environment {
            client_id_var: "ALPHA_CLIENT_ID".into(),
            client_secret_var: "ALPHA_CLIENT_SECRET".into()
        }
    );
}

#[test]
fn a_built_in_region_picks_its_own_variables_as_write_to_config_names_them() {
    let dir = tempfile::tempdir().unwrap();
    // As the guide writes them: write_to_config("US1", "CLIENT_ID", "US1_CLIENT_ID").
    let file = shared_file(
        dir.path(),
        "[US1]\nclient_id = US1_CLIENT_ID\nclient_secret = US1_CLIENT_SECRET\n\n\
         [eu]\nclient_id = EU_CLIENT_ID\nclient_secret = EU_CLIENT_SECRET\n",
    );
    let vars = [
        ("US1_CLIENT_ID", "us1-id"),
        ("US1_CLIENT_SECRET", "us1-secret"),
        ("EU_CLIENT_ID", "eu-id"),
        ("EU_CLIENT_SECRET", "eu-secret"),
    ];
    let client_id = |builder: ClientBuilder| match builder.build().unwrap().config().credentials() {
        Some(Credentials::ClientCredentials { client_id, .. }) => client_id.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(client_id(chained(&file, &vars).environment("eu")), "eu-id");
    assert_eq!(
        client_id(chained(&file, &vars).environment("echo")),
        "eu-id"
    );
    assert_eq!(
        client_id(chained(&file, &vars).environment("US1")),
        "us1-id"
    );
    assert_eq!(
        client_id(chained(&file, &vars)),
        "us1-id",
        "the default environment (charlie) is US1"
    );
    // US2 has no names in the file: the default variables, unset here.
    let us2 = chained(&file, &vars).environment("us2").build().unwrap();
    assert_eq!(us2.config().credential_source(), &CredentialSource::None);
}

#[test]
fn explicit_credentials_win_over_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = shared_file(dir.path(), "[US1]\n");
    let c = chained(&file, &[("CLIENT_ID", "env-id"), ("CLIENT_SECRET", "s")])
        .client_credentials("explicit-id", "explicit-secret")
        .build()
        .unwrap();
    assert_eq!(c.config().credential_source(), &CredentialSource::Explicit);
    assert!(matches!(
        c.config().credentials(),
        Some(Credentials::ClientCredentials { client_id, .. }) if client_id == "explicit-id"
    ));
}

#[test]
fn explicit_credentials_do_not_read_a_corrupt_shared_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = shared_file(dir.path(), "garbage without section\n");
    let c = chained(&file, &[])
        .access_token("explicit-token")
        .build()
        .unwrap();
    assert_eq!(c.config().credential_source(), &CredentialSource::Explicit);
    // Without explicit credentials the file is needed: its error stops the chain.
    let err = chained(&file, &[]).build().unwrap_err();
    assert!(
        matches!(err, Error::ConfigFile { line: Some(1), .. }),
        "{err:?}"
    );
}

#[test]
fn the_access_token_variable_wins_over_client_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let file = shared_file(dir.path(), "");
    let c = chained(
        &file,
        &[
            ("TAEGIS_ACCESS_TOKEN", "Bearer tok"),
            ("CLIENT_ID", "id"),
            ("CLIENT_SECRET", "s"),
        ],
    )
    .build()
    .unwrap();
    assert_eq!(
        c.config().credential_source(),
        &CredentialSource::EnvironmentToken
    );
}

#[tokio::test]
async fn the_environment_wins_over_a_cached_token() {
    let server = MockServer::start().await;
    let fetched = jwt(unix_now() + 3600);
    mount_token_for(&server, "id", "secret", &fetched).await;
    let dir = tempfile::tempdir().unwrap();
    let cached = jwt(unix_now() + 3600);
    let file = shared_file(
        dir.path(),
        &format!(
            "[magics.regions]\nlocal = {}\n\n[local]\naccess_token = {cached}\n",
            server.uri()
        ),
    );
    let c = chained(&file, &[("CLIENT_ID", "id"), ("CLIENT_SECRET", "secret")])
        .environment("local")
        .build()
        .unwrap();
    assert_eq!(
        c.access_token().await.unwrap().token().expose_secret(),
        fetched
    );
}

#[tokio::test]
async fn a_valid_cached_token_is_used_when_the_environment_has_nothing() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cached = jwt(unix_now() + 3600);
    // As the Python SDK writes it: no owner line.
    let file = shared_file(
        dir.path(),
        &format!(
            "[magics.regions]\nlocal = {}\n\n[local]\naccess_token = {cached}\n",
            server.uri()
        ),
    );
    let c = chained(&file, &[]).environment("local").build().unwrap();
    assert!(matches!(
        c.config().credential_source(),
        CredentialSource::CachedToken { section, .. } if section == "local"
    ));
    assert_eq!(
        c.access_token().await.unwrap().token().expose_secret(),
        cached
    );
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "no token request"
    );
}

#[tokio::test]
async fn an_expired_cached_token_falls_through_to_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = shared_file(
        dir.path(),
        &format!(
            "[magics.regions]\nlocal = http://127.0.0.1:{}\n\n[local]\naccess_token = {}\n",
            closed_port(),
            jwt(unix_now() + 5)
        ),
    );
    let c = chained(&file, &[]).environment("local").build().unwrap();
    assert_eq!(c.config().credential_source(), &CredentialSource::None);
    let err = c.access_token().await.unwrap_err();
    assert!(matches!(err, Error::MissingCredentials), "{err:?}");
}

#[test]
fn a_half_configured_pair_stops_the_chain_even_with_a_cached_token() {
    let dir = tempfile::tempdir().unwrap();
    let file = shared_file(
        dir.path(),
        &format!(
            "[US1]\nclient_id = US1_CLIENT_ID\nclient_secret = US1_CLIENT_SECRET\naccess_token = {}\n",
            jwt(unix_now() + 3600)
        ),
    );
    let err = chained(&file, &[("US1_CLIENT_ID", "id")])
        .environment("US1")
        .build()
        .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(
        message.contains("US1_CLIENT_ID is set but US1_CLIENT_SECRET is not"),
        "{message}"
    );
}

#[test]
fn an_unknown_name_is_still_an_unknown_region_and_built_ins_win() {
    let dir = tempfile::tempdir().unwrap();
    let file = shared_file(dir.path(), "[magics.regions]\nus1 = http://127.0.0.1:9\n");
    assert!(matches!(
        chained(&file, &[]).environment("nowhere").build(),
        Err(Error::UnknownRegion { .. })
    ));
    let us1 = chained(&file, &[]).environment("us1").build().unwrap();
    assert_eq!(us1.config().api_url(), "https://api.ctpx.secureworks.com");
}

#[test]
fn a_custom_region_with_plain_http_to_another_host_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = shared_file(
        dir.path(),
        "[magics.regions]\nremote = http://example.com\n",
    );
    assert!(matches!(
        chained(&file, &[]).environment("remote").build(),
        Err(Error::InsecureTransport { .. })
    ));
}

#[tokio::test]
async fn a_cached_token_of_a_custom_region_is_used_with_the_token_cache_on() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cached = jwt(unix_now() + 3600);
    let file = shared_file(
        dir.path(),
        &format!(
            "[magics.regions]\nlocal = {}\n\n[local]\naccess_token = {cached}\n",
            server.uri()
        ),
    );
    // As `taegis --device-login` builds it: the cache on, for the same file.
    let c = chained(&file, &[])
        .environment("local")
        .token_cache_file(file.clone())
        .build()
        .unwrap();
    assert_eq!(
        c.access_token().await.unwrap().token().expose_secret(),
        cached
    );
}

#[tokio::test]
async fn universal_authentication_uses_the_universal_section_and_token_endpoint() {
    let universal = MockServer::start().await;
    let region = MockServer::start().await;
    let token = jwt(unix_now() + 3600);
    mount_token_for(&universal, "uni-id", "uni-secret", &token).await;
    let dir = tempfile::tempdir().unwrap();
    let file = shared_file(
        dir.path(),
        &format!(
            "[magics.regions]\nlocal = {}\n\n\
             [universal]\nclient_id = UNIVERSAL_CLIENT_ID\nclient_secret = UNIVERSAL_CLIENT_SECRET\n\n\
             [local]\nclient_id = LOCAL_CLIENT_ID\nclient_secret = LOCAL_CLIENT_SECRET\n",
            region.uri()
        ),
    );
    let vars = [
        ("UNIVERSAL_CLIENT_ID", "uni-id"),
        ("UNIVERSAL_CLIENT_SECRET", "uni-secret"),
        ("LOCAL_CLIENT_ID", "local-id"),
        ("LOCAL_CLIENT_SECRET", "local-secret"),
    ];
    let c = chained(&file, &vars)
        .environment("local")
        .universal_authentication(true)
        .auth_url(universal.uri())
        .build()
        .unwrap();
    assert_eq!(c.config().api_url(), region.uri());
    assert_eq!(c.config().auth_url(), universal.uri());
    assert_eq!(
        c.access_token().await.unwrap().token().expose_secret(),
        token
    );
    assert!(region.received_requests().await.unwrap().is_empty());

    // The default universal URL is the Python SDK's.
    let c = chained(&file, &vars)
        .environment("eu")
        .universal_authentication(true)
        .build()
        .unwrap();
    assert_eq!(c.config().auth_url(), "https://api.taegis.secureworks.com");
    assert_eq!(
        c.config().api_url(),
        "https://api.echo.taegis.secureworks.com"
    );

    // A token cached under [universal] serves every region.
    let cached = jwt(unix_now() + 3600);
    let file = shared_file(
        dir.path(),
        &format!(
            "[magics.regions]\nlocal = {}\n\n[universal]\naccess_token = {cached}\n",
            region.uri()
        ),
    );
    let c = chained(&file, &[])
        .environment("local")
        .universal_authentication(true)
        .auth_url(universal.uri())
        .build()
        .unwrap();
    assert!(matches!(
        c.config().credential_source(),
        CredentialSource::CachedToken { section, .. } if section == "universal"
    ));
    assert_eq!(
        c.access_token().await.unwrap().token().expose_secret(),
        cached
    );
}
