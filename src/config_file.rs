//! The Python SDK's shared configuration file, `~/.taegis_sdk_python/config`: read as
//! Python's `configparser` reads it, written as its `write_to_config` writes it.
//!
//! What the SDKs keep there:
//!
//! - `[<environment>] client_id = VAR` / `client_secret = VAR`: the names of the environment
//!   variables holding that environment's client credentials (`write_to_config("US1",
//!   "CLIENT_ID", "US1_CLIENT_ID")`); the default names are `CLIENT_ID` and `CLIENT_SECRET`.
//! - `[<environment>] access_token = JWT`: the cached access token of that environment
//!   (`write_to_config("US1", "access_token", "")` clears it).
//! - `[magics.regions] name = URL`: custom regions, as taegis-magic keeps them.
//!
//! Reading refuses, with [`Error::ConfigFile`], a file that is a symbolic link, not a regular
//! file, writable by other users, larger than [`MAX_CONFIG_FILE_SIZE`], binary or not UTF-8,
//! or not INI as `configparser` reads it (a setting before any section, a line that is not
//! `key = value`, a duplicate section or key). Writes keep every other line as it was, take
//! the Python SDK's lock file (`config.lock`), give the file mode 0600 and never follow a
//! symbolic link.

use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::Error;
use crate::region::Region;
use crate::secret::SecretString;

/// The largest configuration file read (1 MiB); a larger one is refused.
pub const MAX_CONFIG_FILE_SIZE: u64 = 1024 * 1024;

/// The section taegis-magic keeps custom regions in (`name = URL`).
pub const REGIONS_SECTION: &str = "magics.regions";

/// The key of a section holding the name of its client-ID variable.
pub const CLIENT_ID_KEY: &str = "client_id";
/// The key of a section holding the name of its client-secret variable.
pub const CLIENT_SECRET_KEY: &str = "client_secret";
/// The key of a section holding its cached access token.
pub const ACCESS_TOKEN_KEY: &str = "access_token";

/// The client-ID variable read when the file names none.
pub const DEFAULT_CLIENT_ID_VAR: &str = "CLIENT_ID";
/// The client-secret variable read when the file names none.
pub const DEFAULT_CLIENT_SECRET_VAR: &str = "CLIENT_SECRET";

/// `~/.taegis_sdk_python/config` (`HOME`, else `USERPROFILE`), or `None` without a home.
pub fn default_path() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())?;
    Some(
        PathBuf::from(home)
            .join(".taegis_sdk_python")
            .join("config"),
    )
}

/// One `[section]` and its settings (keys lower-cased, as `configparser` stores them).
#[derive(Clone)]
struct Section {
    name: String,
    entries: Vec<(String, String)>,
}

/// The parsed shared configuration file. Its `Debug` shows the path and section names only.
#[derive(Clone)]
pub struct SharedConfig {
    path: PathBuf,
    sections: Vec<Section>,
}

impl fmt::Debug for SharedConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedConfig")
            .field("path", &self.path)
            .field("sections", &self.section_names().collect::<Vec<_>>())
            .finish()
    }
}

/// A [`Error::ConfigFile`] about `path`.
fn file_error(path: &Path, line: Option<usize>, reason: impl Into<String>) -> Error {
    Error::ConfigFile {
        path: path.to_path_buf(),
        line,
        reason: reason.into(),
    }
}

impl SharedConfig {
    /// Reads and parses the file at `path`; a missing file is an empty configuration.
    pub fn load(path: impl AsRef<Path>) -> Result<SharedConfig, Error> {
        let path = path.as_ref();
        match read_text(path)? {
            Some(text) => SharedConfig::parse(path, &text),
            None => Ok(SharedConfig {
                path: path.to_path_buf(),
                sections: Vec::new(),
            }),
        }
    }

    /// Parses `text` as `configparser` does (`path` is only for error messages). Errors name
    /// the line, never its content (it may hold a token).
    pub fn parse(path: impl AsRef<Path>, text: &str) -> Result<SharedConfig, Error> {
        let path = path.as_ref();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut sections: Vec<Section> = Vec::new();
        // Whether the last line was a setting, which an indented line continues.
        let mut in_value = false;
        for (index, raw) in text.lines().enumerate() {
            let line_no = Some(index + 1);
            let trimmed = raw.trim();
            if trimmed.is_empty() {
                in_value = false;
                continue;
            }
            if trimmed.starts_with(['#', ';']) {
                continue;
            }
            if raw.starts_with([' ', '\t']) && in_value {
                if let Some((_, value)) = sections.last_mut().and_then(|s| s.entries.last_mut()) {
                    value.push('\n');
                    value.push_str(trimmed);
                }
                continue;
            }
            if trimmed.starts_with('[') {
                let Some(name) = ini_section(trimmed) else {
                    return Err(file_error(path, line_no, "a malformed [section] header"));
                };
                if sections.iter().any(|s| s.name == name) {
                    return Err(file_error(path, line_no, "a section appears twice"));
                }
                sections.push(Section {
                    name: name.to_owned(),
                    entries: Vec::new(),
                });
                in_value = false;
                continue;
            }
            let Some(section) = sections.last_mut() else {
                return Err(file_error(
                    path,
                    line_no,
                    "a setting before any [section] header",
                ));
            };
            let Some((key, value)) = ini_pair(trimmed) else {
                return Err(file_error(
                    path,
                    line_no,
                    "a line that is neither a [section], a comment nor key = value",
                ));
            };
            let key = key.to_lowercase();
            if key.is_empty() {
                return Err(file_error(path, line_no, "a setting without a key"));
            }
            if section.entries.iter().any(|(k, _)| *k == key) {
                return Err(file_error(
                    path,
                    line_no,
                    "a key appears twice in one section",
                ));
            }
            section.entries.push((key, value.to_owned()));
            in_value = true;
        }
        Ok(SharedConfig {
            path: path.to_path_buf(),
            sections,
        })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The section names, in file order.
    pub fn section_names(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().map(|s| s.name.as_str())
    }

    fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// `key` of `[section]` (section names case-sensitive, keys not), falling back to
    /// `[DEFAULT]` as `configparser` does.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        let key = key.to_lowercase();
        fn find<'s>(s: &'s Section, key: &str) -> Option<&'s str> {
            s.entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        }
        self.section(section)
            .and_then(|s| find(s, &key))
            .or_else(|| self.section("DEFAULT").and_then(|s| find(s, &key)))
    }

    /// The section holding the settings of `environment`: the name exactly as given (as the
    /// Python SDK looks it up), else the same name in another case, else another name of the
    /// same region (`US1` for `charlie`). `None` when the file has none.
    pub fn environment_section(&self, environment: &str) -> Option<&str> {
        let wanted = environment.trim();
        if let Some(s) = self.section(wanted) {
            return Some(&s.name);
        }
        let is_settings = |s: &&Section| s.name != REGIONS_SECTION && s.name != "DEFAULT";
        if let Some(s) = self
            .sections
            .iter()
            .filter(is_settings)
            .find(|s| s.name.eq_ignore_ascii_case(wanted))
        {
            return Some(&s.name);
        }
        let region = wanted.parse::<Region>().ok()?;
        self.sections
            .iter()
            .filter(is_settings)
            .find(|s| s.name.parse::<Region>().ok() == Some(region))
            .map(|s| s.name.as_str())
    }

    /// The variable holding `environment`'s client ID (default `CLIENT_ID`).
    pub fn client_id_var(&self, environment: &str) -> String {
        self.variable_name(environment, CLIENT_ID_KEY, DEFAULT_CLIENT_ID_VAR)
    }

    /// The variable holding `environment`'s client secret (default `CLIENT_SECRET`).
    pub fn client_secret_var(&self, environment: &str) -> String {
        self.variable_name(environment, CLIENT_SECRET_KEY, DEFAULT_CLIENT_SECRET_VAR)
    }

    fn variable_name(&self, environment: &str, key: &str, default: &str) -> String {
        let section = self.environment_section(environment).unwrap_or("DEFAULT");
        self.get(section, key)
            .filter(|v| !v.is_empty())
            .unwrap_or(default)
            .to_owned()
    }

    /// The custom regions of `[magics.regions]` (`name`, `URL`), empty values left out.
    pub fn custom_regions(&self) -> Vec<(&str, &str)> {
        self.section(REGIONS_SECTION)
            .map(|s| {
                s.entries
                    .iter()
                    .filter(|(k, v)| !k.is_empty() && !v.is_empty())
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The base URL of custom region `name` (names are case-insensitive).
    pub fn custom_region_url(&self, name: &str) -> Option<&str> {
        let name = name.trim().to_lowercase();
        self.custom_regions()
            .into_iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    /// The cached access token of `[section]` (exact name, as the Python SDK keys it), when
    /// not empty.
    pub fn cached_token(&self, section: &str) -> Option<SecretString> {
        self.section(section)?
            .entries
            .iter()
            .find(|(k, _)| k == ACCESS_TOKEN_KEY)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
            .map(SecretString::new)
    }
}

/// Reads the file without following a symbolic link, refusing a hostile one; `None` when it
/// does not exist.
fn read_text(path: &Path) -> Result<Option<Zeroizing<String>>, Error> {
    let io_error = |e: std::io::Error| file_error(path, None, format!("cannot be read: {e}"));
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(e)),
    };
    check_metadata(path, &meta)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(path).map_err(io_error)?;
    check_metadata(path, &file.metadata().map_err(io_error)?)?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_CONFIG_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > MAX_CONFIG_FILE_SIZE {
        return Err(too_large(path));
    }
    if bytes.contains(&0) {
        return Err(file_error(path, None, "holds binary data, not INI text"));
    }
    let text =
        std::str::from_utf8(&bytes).map_err(|_| file_error(path, None, "is not UTF-8 text"))?;
    Ok(Some(Zeroizing::new(text.to_owned())))
}

fn too_large(path: &Path) -> Error {
    file_error(
        path,
        None,
        format!("is larger than {MAX_CONFIG_FILE_SIZE} bytes"),
    )
}

/// Refuses a link, a non-file, a file others may write, an oversized file.
fn check_metadata(path: &Path, meta: &std::fs::Metadata) -> Result<(), Error> {
    if meta.file_type().is_symlink() {
        return Err(file_error(
            path,
            None,
            "is a symbolic link, which is never followed",
        ));
    }
    if !meta.is_file() {
        return Err(file_error(path, None, "is not a regular file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o022 != 0 {
            return Err(file_error(
                path,
                None,
                format!("is writable by other users (mode {mode:o}); run chmod 600 on it"),
            ));
        }
    }
    if meta.len() > MAX_CONFIG_FILE_SIZE {
        return Err(too_large(path));
    }
    Ok(())
}

/// Whether `text` can be one INI line's value: no line break or other control character.
fn is_single_line(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

/// Sets `key` of `[section]` to `value`, as the Python SDK's `write_to_config` does (the key
/// is stored lower-cased; every other line is kept).
pub fn write_value(path: &Path, section: &str, key: &str, value: &str) -> Result<(), Error> {
    check_names(path, section, key)?;
    if !is_single_line(value) {
        return Err(file_error(
            path,
            None,
            "a value holding a line break or control character cannot be written",
        ));
    }
    let key = key.to_lowercase();
    update(path, |text| Some(ini_set(text, section, &key, value)))
}

/// Removes `key` from `[section]`, as taegis-magic's `regions remove` does (`remove_option`);
/// returns whether it was there.
pub fn remove_value(path: &Path, section: &str, key: &str) -> Result<bool, Error> {
    check_names(path, section, key)?;
    let key = key.to_lowercase();
    let mut removed = false;
    update(path, |text| {
        let out = ini_remove(text, section, &key);
        removed = out.is_some();
        out
    })?;
    Ok(removed)
}

fn check_names(path: &Path, section: &str, key: &str) -> Result<(), Error> {
    let bad_section = section.trim().is_empty()
        || section.trim() != section
        || section.contains([']', '['])
        || !is_single_line(section);
    let bad_key = key.trim().is_empty()
        || key.trim() != key
        || key.contains(['=', ':', '[', ']'])
        || key.starts_with(['#', ';'])
        || !is_single_line(key);
    if bad_section || bad_key {
        return Err(file_error(
            path,
            None,
            "section names and keys must be one line, without surrounding spaces, brackets, \
             '=' or ':'",
        ));
    }
    Ok(())
}

/// Rewrites the file under its lock: `change` gets the current text (checked like a read)
/// and returns the new text, or `None` to leave the file alone.
pub(crate) fn update(
    path: &Path,
    change: impl FnOnce(&str) -> Option<String>,
) -> Result<(), Error> {
    let io_error = |e: std::io::Error| file_error(path, None, format!("cannot be written: {e}"));
    let _lock = lock_beside(path).map_err(io_error)?;
    let existing = read_text(path)?.unwrap_or_default();
    SharedConfig::parse(path, &existing)?;
    if let Some(updated) = change(&existing) {
        let updated = Zeroizing::new(updated);
        write_private(path, updated.as_bytes()).map_err(io_error)?;
    }
    Ok(())
}

/// Takes the exclusive lock the Python SDK takes (`filelock` on `<file>.lock`), waiting for
/// other writers. The lock file is created 0600 and never through a symbolic link.
fn lock_beside(path: &Path) -> std::io::Result<std::fs::File> {
    create_private_dir(path)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(path.with_extension("lock"))?;
    file.lock()?;
    Ok(file)
}

fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Writes a file readable by its owner only, through a temporary file and a rename (which
/// replaces a link rather than writing through it; callers refuse links before).
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    create_private_dir(path)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("config");
    let tmp = dir.join(format!(
        ".{file_name}.tmp-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Splits an INI line into key and value (`key = value` or `key: value`).
fn ini_pair(line: &str) -> Option<(&str, &str)> {
    let pos = line.find(['=', ':'])?;
    Some((line[..pos].trim(), line[pos + 1..].trim()))
}

/// The name of a `[section]` header line, as configparser reads it: up to the last `]`, text
/// after it ignored; `None` when the line is not a well-formed header. The reader and the
/// writers use this one rule, so a write never misses a section the reader sees.
fn ini_section(line: &str) -> Option<&str> {
    let inner = line.trim().strip_prefix('[')?;
    let end = inner.rfind(']')?;
    (end > 0).then(|| &inner[..end])
}

/// Whether `line` is the setting `key` (not a comment, not a continuation line).
fn is_setting(line: &str, key: &str) -> bool {
    !line.starts_with([' ', '\t'])
        && !line.trim().starts_with(['#', ';'])
        && ini_pair(line.trim()).is_some_and(|(k, _)| k.eq_ignore_ascii_case(key))
}

/// Sets `key` of `[section]`, adding the section or key when missing and keeping every other
/// line as it was.
pub(crate) fn ini_set(text: &str, section: &str, key: &str, value: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut in_section = false;
    let mut section_seen = false;
    let mut done = false;
    for line in text.lines() {
        if let Some(name) = ini_section(line) {
            if in_section && !done {
                // Insert before the blank lines that end the section.
                let mut trailing = Vec::new();
                while out.last().is_some_and(|l| l.trim().is_empty()) {
                    trailing.push(out.pop().unwrap_or_default());
                }
                out.push(format!("{key} = {value}"));
                out.extend(trailing);
                done = true;
            }
            in_section = name == section;
            section_seen |= in_section;
            out.push(line.to_owned());
            continue;
        }
        if in_section && !done && is_setting(line, key) {
            out.push(format!("{key} = {value}"));
            done = true;
            continue;
        }
        out.push(line.to_owned());
    }
    if !done {
        if section_seen && in_section {
            while out.last().is_some_and(|l| l.trim().is_empty()) {
                out.pop();
            }
            out.push(format!("{key} = {value}"));
        } else {
            if out.last().is_some_and(|l| !l.trim().is_empty()) {
                out.push(String::new());
            }
            out.push(format!("[{section}]"));
            out.push(format!("{key} = {value}"));
        }
        out.push(String::new());
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// Removes `key` (and its continuation lines) from `[section]`; `None` when it is not there.
pub(crate) fn ini_remove(text: &str, section: &str, key: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    let mut in_section = false;
    let mut removing = false;
    let mut removed = false;
    for line in text.lines() {
        if removing && line.starts_with([' ', '\t']) && !line.trim().is_empty() {
            continue;
        }
        removing = false;
        if let Some(name) = ini_section(line) {
            in_section = name == section;
        } else if in_section && !removed && is_setting(line, key) {
            removing = true;
            removed = true;
            continue;
        }
        out.push(line);
    }
    removed.then(|| {
        let mut text = out.join("\n");
        text.push('\n');
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SharedConfig, Error> {
        SharedConfig::parse("config", text)
    }

    #[test]
    fn a_write_finds_the_section_the_reader_sees() {
        // configparser ignores text after a header's last `]`; so do the reader and the writer.
        let text = ini_set("[US1] (prod)\nclient_id = A\n", "US1", "client_id", "B");
        let c = parse(&text).unwrap();
        assert_eq!(c.client_id_var("US1"), "B");
        assert_eq!(text.matches("[US1]").count(), 1, "{text}");
    }

    #[test]
    fn reads_as_configparser_does() {
        let c = parse(
            "[US1]\nCLIENT_ID = US1_CLIENT_ID\nclient_secret: US1_SECRET\naccess_token = \n\n\
             [magics.regions]\nLocal = http://127.0.0.1:9\n# comment\n; other\n",
        )
        .unwrap();
        assert_eq!(c.client_id_var("US1"), "US1_CLIENT_ID");
        assert_eq!(c.client_secret_var("us1"), "US1_SECRET", "case-insensitive");
        assert_eq!(c.client_id_var("charlie"), "US1_CLIENT_ID", "alias");
        assert_eq!(c.client_id_var("eu"), "CLIENT_ID", "default");
        assert!(c.cached_token("US1").is_none(), "empty token is no token");
        assert_eq!(c.custom_region_url("LOCAL"), Some("http://127.0.0.1:9"));
        assert_eq!(c.get("US1", "Client_Id"), Some("US1_CLIENT_ID"));
    }

    #[test]
    fn bad_ini_is_a_typed_error_naming_the_line() {
        for (text, line) in [
            ("client_id = x\n", 1),
            ("[a]\nnot a setting\n", 2),
            ("[a]\nx = 1\n[a]\n", 3),
            ("[a]\nx = 1\nX = 2\n", 3),
            ("[]\n", 1),
            ("[a\n", 1),
            ("[a]\n= v\n", 2),
        ] {
            match parse(text) {
                Err(Error::ConfigFile { line: l, .. }) => assert_eq!(l, Some(line), "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn set_and_remove_keep_other_lines() {
        let original = "[charlie]\nclient_id = US1_CLIENT_ID\naccess_token = old\n\n[delta]\naccess_token = d\n";
        let updated = ini_set(original, "charlie", "access_token", "new");
        let c = parse(&updated).unwrap();
        assert_eq!(c.get("charlie", "access_token"), Some("new"));
        assert_eq!(c.get("charlie", "client_id"), Some("US1_CLIENT_ID"));
        assert_eq!(c.get("delta", "access_token"), Some("d"));
        let new_section = ini_set("[delta]\nx = 1\n", "US1", "access_token", "t");
        assert_eq!(
            parse(&new_section).unwrap().get("US1", "access_token"),
            Some("t")
        );
        assert_eq!(
            ini_set("", "charlie", "access_token", "t"),
            "[charlie]\naccess_token = t\n\n"
        );
        let removed = ini_remove(original, "charlie", "ACCESS_TOKEN").unwrap();
        let c = parse(&removed).unwrap();
        assert_eq!(c.get("charlie", "access_token"), None);
        assert_eq!(c.get("delta", "access_token"), Some("d"));
        assert!(ini_remove(original, "charlie", "nothing").is_none());
    }
}
