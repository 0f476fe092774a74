//! `taegis config`: the shared configuration file (`~/.taegis_sdk_python/config`) the Python
//! SDK and taegis-magic also read and write. Never prints a secret or a token.

use clap::{Subcommand, ValueEnum};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::SystemTime;
use taegis_sdk::config_file::{
    self, SharedConfig, ACCESS_TOKEN_KEY, CLIENT_ID_KEY, CLIENT_SECRET_KEY, REGIONS_SECTION,
};
use taegis_sdk::{AccessToken, Region};

use super::context::{configured_builder, GlobalArgs};
use super::output;
use super::Failure;

/// Subcommands of `taegis config`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Show the effective configuration for the environment (-e): the file, the variable
    /// names, the cached token's state, where the credentials come from, the custom regions.
    /// Never a secret or a token.
    Show,
    /// Name the variable holding a region's client ID or secret, as
    /// write_to_config("US1", "CLIENT_ID", "US1_CLIENT_ID") does.
    SetVar {
        /// The region (section) name, as given to -e (e.g. US1, eu, a custom region).
        region: String,
        /// Which credential the variable holds: client-id or client-secret (CLIENT_ID and
        /// CLIENT_SECRET, as write_to_config spells them, work too).
        #[arg(ignore_case = true)]
        which: Credential,
        /// The variable's name.
        variable: String,
    },
    /// Add (or change) a custom region, as `taegis-magic configure regions add` does.
    AddRegion {
        /// Its name (then usable as -e NAME).
        name: String,
        /// Its API base URL (https, or http to a loopback host).
        url: String,
    },
    /// Remove a custom region.
    RemoveRegion {
        /// Its name.
        name: String,
    },
    /// Clear a region's cached token, as write_to_config("US1", "access_token", "") does
    /// (default: universal with --universal-auth, else the environment of -e, else charlie).
    ClearToken {
        /// The region (section) name.
        region: Option<String>,
    },
}

/// The credential a variable holds.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Credential {
    /// The client ID (key client_id).
    #[value(alias = "client_id")]
    ClientId,
    /// The client secret (key client_secret).
    #[value(alias = "client_secret")]
    ClientSecret,
}

fn file_path() -> Result<PathBuf, Failure> {
    config_file::default_path().ok_or_else(|| {
        Failure::usage("the shared configuration file needs a home directory (HOME is not set)")
    })
}

/// A name that is one plain word: letters, digits, `_`, `-`, `.`.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Runs `taegis config`.
pub fn run(global: &GlobalArgs, command: ConfigCommand) -> Result<(), Failure> {
    let path = file_path()?;
    match command {
        ConfigCommand::Show => show(global, path),
        ConfigCommand::SetVar {
            region,
            which,
            variable,
        } => {
            let valid_var = variable
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && variable
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid_var || variable.len() > 128 {
                return Err(Failure::usage(format!(
                    "{variable:?} is not a variable name (letters, digits and _)"
                )));
            }
            if !plain_name(&region) {
                return Err(Failure::usage(format!("{region:?} is not a region name")));
            }
            let key = match which {
                Credential::ClientId => CLIENT_ID_KEY,
                Credential::ClientSecret => CLIENT_SECRET_KEY,
            };
            config_file::write_value(&path, &region, key, &variable)?;
            output::line(format!("[{region}] {key} = {variable}"))
        }
        ConfigCommand::AddRegion { name, url } => {
            if !plain_name(&name) {
                return Err(Failure::usage(format!("{name:?} is not a region name")));
            }
            if name.parse::<Region>().is_ok() {
                return Err(Failure::usage(format!(
                    "{name} is a built-in region name; a custom region needs another name"
                )));
            }
            // The same checks as any base URL (scheme, loopback for plain http, no password).
            taegis_sdk::Client::builder()
                .api_url(url.clone())
                .build_config()?;
            config_file::write_value(&path, REGIONS_SECTION, &name.to_lowercase(), url.trim())?;
            output::line(format!(
                "[{REGIONS_SECTION}] {} = {}",
                name.to_lowercase(),
                url.trim()
            ))
        }
        ConfigCommand::RemoveRegion { name } => {
            if !plain_name(&name) {
                return Err(Failure::usage(format!("{name:?} is not a region name")));
            }
            if !config_file::remove_value(&path, REGIONS_SECTION, &name)? {
                return Err(Failure::usage(format!("there is no custom region {name}")));
            }
            output::line(format!("removed custom region {}", name.to_lowercase()))
        }
        ConfigCommand::ClearToken { region } => {
            let region = region.unwrap_or_else(|| default_section(global));
            if !plain_name(&region) {
                return Err(Failure::usage(format!("{region:?} is not a region name")));
            }
            config_file::write_value(&path, &region, ACCESS_TOKEN_KEY, "")?;
            output::line(format!("cleared the cached token of [{region}]"))
        }
    }
}

/// The section the command line's options point at: `universal` with --universal-auth, else
/// the environment, else `charlie` (the Python SDK's default).
fn default_section(global: &GlobalArgs) -> String {
    if global.universal_auth {
        return taegis_sdk::config::UNIVERSAL_ENVIRONMENT.to_owned();
    }
    global
        .environment
        .clone()
        .unwrap_or_else(|| "charlie".to_owned())
}

/// The state of a cached token, without the token.
fn token_state(config: &SharedConfig, section: &str) -> (String, Option<u64>) {
    match config.cached_token(section) {
        None => ("none".into(), None),
        Some(token) => match AccessToken::new(token).expires_at() {
            None => ("present, not a JWT".into(), None),
            Some(at) => match at.duration_since(SystemTime::now()) {
                Ok(left) => (
                    format!("valid for {} more seconds", left.as_secs()),
                    Some(left.as_secs()),
                ),
                Err(_) => ("expired".into(), Some(0)),
            },
        },
    }
}

fn show(global: &GlobalArgs, path: PathBuf) -> Result<(), Failure> {
    let environment = default_section(global);
    let config = SharedConfig::load(&path)?;
    let is_set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    let id_var = config.client_id_var(&environment);
    let secret_var = config.client_secret_var(&environment);
    let section = config.environment_section(&environment).map(str::to_owned);
    let (token, token_seconds) = token_state(&config, &environment);
    let (credentials, api_url, auth_url) =
        match configured_builder(global).and_then(|b| Ok(b.build_config()?)) {
            Ok(built) => (
                built.credential_source().to_string(),
                built.api_url().to_owned(),
                built.auth_url().to_owned(),
            ),
            Err(failure) => (
                format!("error: {}", failure.message),
                "-".into(),
                "-".into(),
            ),
        };
    let regions: Vec<(String, String)> = config
        .custom_regions()
        .into_iter()
        .map(|(n, u)| (n.to_owned(), u.to_owned()))
        .collect();
    let named: Vec<(String, String, String)> = config
        .section_names()
        .filter(|s| *s != REGIONS_SECTION)
        .filter_map(|s| {
            let id = config.get(s, CLIENT_ID_KEY);
            let secret = config.get(s, CLIENT_SECRET_KEY);
            (id.is_some() || secret.is_some()).then(|| {
                (
                    s.to_owned(),
                    id.unwrap_or("-").to_owned(),
                    secret.unwrap_or("-").to_owned(),
                )
            })
        })
        .collect();
    if global.json || global.jsonl {
        return output::json(&json!({
            "file": path.display().to_string(),
            "exists": path.exists(),
            "environment": environment,
            "section": section,
            "api_url": api_url,
            "auth_url": auth_url,
            "client_id_var": {"name": id_var, "set": is_set(&id_var)},
            "client_secret_var": {"name": secret_var, "set": is_set(&secret_var)},
            "cached_token": {"state": token, "seconds_left": token_seconds},
            "credentials": credentials,
            "custom_regions": regions.iter().map(|(n, u)| json!({"name": n, "url": u})).collect::<Vec<Value>>(),
            "variable_names": named.iter().map(|(s, i, c)| json!({"section": s, "client_id": i, "client_secret": c})).collect::<Vec<Value>>(),
        }));
    }
    let set = |name: &str| {
        if is_set(name) {
            format!("{name} (set)")
        } else {
            format!("{name} (unset)")
        }
    };
    let exists = if path.exists() { "" } else { " (missing)" };
    output::fields(&[
        ("file", format!("{}{exists}", path.display())),
        ("environment", environment.clone()),
        ("section", section.unwrap_or_else(|| "-".into())),
        ("api url", api_url),
        ("auth url", auth_url),
        ("client id variable", set(&id_var)),
        ("client secret variable", set(&secret_var)),
        ("cached token", token),
        ("credentials", credentials),
    ])?;
    if !regions.is_empty() {
        output::line("")?;
        output::table(
            &["CUSTOM REGION", "URL"],
            regions.into_iter().map(|(n, u)| vec![n, u]),
            true,
        )?;
    }
    if !named.is_empty() {
        output::line("")?;
        output::table(
            &["SECTION", "CLIENT ID VARIABLE", "CLIENT SECRET VARIABLE"],
            named.into_iter().map(|(s, i, c)| vec![s, i, c]),
            true,
        )?;
    }
    Ok(())
}
