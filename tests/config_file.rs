//! The shared configuration file (`~/.taegis_sdk_python/config`): a hostile or corrupt file
//! is a typed error, never a panic; writes keep other sections, mode 0600, and never follow
//! a symbolic link.

use std::path::{Path, PathBuf};

use taegis_sdk::config_file::{self, SharedConfig, MAX_CONFIG_FILE_SIZE};
use taegis_sdk::Error;

fn private_file(dir: &Path, contents: &[u8]) -> PathBuf {
    let path = dir.join("config");
    std::fs::write(&path, contents).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

fn reason(result: Result<SharedConfig, Error>) -> String {
    match result {
        Err(e @ Error::ConfigFile { .. }) => {
            assert_eq!(e.kind(), taegis_sdk::ErrorKind::Config);
            e.to_string()
        }
        other => panic!("expected Error::ConfigFile, got {other:?}"),
    }
}

#[test]
fn a_missing_file_is_an_empty_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let config = SharedConfig::load(dir.path().join("config")).unwrap();
    assert_eq!(config.client_id_var("us1"), "CLIENT_ID");
    assert!(config.custom_regions().is_empty());
}

#[test]
fn a_huge_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = b"[a]\n".to_vec();
    text.resize(MAX_CONFIG_FILE_SIZE as usize + 10, b'#');
    let path = private_file(dir.path(), &text);
    assert!(reason(SharedConfig::load(&path)).contains("larger than"));
}

#[test]
fn a_binary_or_non_utf8_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = private_file(dir.path(), b"[a]\nx = \0\x01\x02\n");
    assert!(reason(SharedConfig::load(&path)).contains("binary"));
    let path = private_file(dir.path(), b"[a]\nx = \xff\xfe\n");
    assert!(reason(SharedConfig::load(&path)).contains("UTF-8"));
}

#[test]
fn bad_ini_names_the_line_not_its_content() {
    let dir = tempfile::tempdir().unwrap();
    let path = private_file(dir.path(), b"access_token = eyJsecret-token-value\n[US1]\n");
    let message = reason(SharedConfig::load(&path));
    assert!(message.contains("line 1"), "{message}");
    assert!(!message.contains("secret-token-value"), "{message}");
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_is_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("elsewhere");
    std::fs::write(&target, "[US1]\nclient_id = X\n").unwrap();
    let link = dir.path().join("config");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert!(reason(SharedConfig::load(&link)).contains("symbolic link"));
    let written = config_file::write_value(&link, "US1", "access_token", "");
    assert!(
        matches!(written, Err(Error::ConfigFile { .. })),
        "{written:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "[US1]\nclient_id = X\n",
        "the link's target is untouched"
    );
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
}

#[cfg(unix)]
#[test]
fn a_file_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = private_file(dir.path(), b"[US1]\nclient_id = X\n");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    assert!(reason(SharedConfig::load(&path)).contains("writable by other users"));
    assert!(config_file::write_value(&path, "US1", "client_id", "Y").is_err());
}

#[test]
fn a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::create_dir(&path).unwrap();
    assert!(reason(SharedConfig::load(&path)).contains("not a regular file"));
}

#[cfg(unix)]
#[test]
fn writes_keep_other_sections_and_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = private_file(
        dir.path(),
        b"[magics.auth]\nuse_universal_auth = false\n\n[US1]\naccess_token = old\n\n[magics.regions]\n",
    );
    config_file::write_value(&path, "US1", "CLIENT_ID", "US1_CLIENT_ID").unwrap();
    config_file::write_value(&path, "magics.regions", "local", "http://127.0.0.1:9").unwrap();
    config_file::write_value(&path, "US1", "access_token", "").unwrap();
    let config = SharedConfig::load(&path).unwrap();
    assert_eq!(
        config.get("magics.auth", "use_universal_auth"),
        Some("false")
    );
    assert_eq!(config.client_id_var("US1"), "US1_CLIENT_ID");
    assert!(config.cached_token("US1").is_none());
    assert_eq!(
        config.custom_region_url("local"),
        Some("http://127.0.0.1:9")
    );
    assert!(config_file::remove_value(&path, "magics.regions", "LOCAL").unwrap());
    assert!(!config_file::remove_value(&path, "magics.regions", "local").unwrap());
    let config = SharedConfig::load(&path).unwrap();
    assert_eq!(config.custom_region_url("local"), None);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn values_and_names_cannot_inject_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    for (section, key, value) in [
        ("US1", "access_token", "x\n[US2]\naccess_token = evil"),
        ("US1]\n[US2", "client_id", "X"),
        ("US1", "client_id = X\nother", "X"),
        ("US1", "", "X"),
    ] {
        assert!(
            matches!(
                config_file::write_value(&path, section, key, value),
                Err(Error::ConfigFile { .. })
            ),
            "{section:?} {key:?} {value:?}"
        );
    }
    assert!(!path.exists(), "nothing was written");
}

#[test]
fn a_corrupt_file_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = private_file(dir.path(), b"no section here\n");
    assert!(config_file::write_value(&path, "US1", "client_id", "X").is_err());
    assert_eq!(std::fs::read(&path).unwrap(), b"no section here\n");
}
