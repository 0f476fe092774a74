//! `taegis clients`: the API client manager.

use clap::Subcommand;
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use taegis_sdk::api::clients::{ApiClient, ClientFilter, NewApiClient, Role};
use zeroize::Zeroize;

use super::context::{OutputMode, Session};
use super::output;
use super::Failure;

/// Subcommands of `taegis clients`.
#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// Create an API client and print its client ID and secret (shown this once only).
    Create {
        /// A name unique in the tenant.
        name: String,
        /// A role to grant: administrator, analyst, responder, auditor or a role ID
        /// (repeatable; default: the server's default, analyst).
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<Role>,
        /// Also write CLIENT_ID=, CLIENT_SECRET= and TAEGIS_TENANT_ID= lines to FILE (created
        /// with mode 0600; an existing file is refused unless --force; FILE's folder is checked
        /// before the client is created, and if writing still fails the secret is printed).
        #[arg(long, value_name = "FILE")]
        write_env: Option<PathBuf>,
        /// Overwrite the --write-env file if it exists and is a regular file (never through a
        /// symbolic link).
        #[arg(long, requires = "write_env")]
        force: bool,
    },
    /// List API clients.
    List {
        /// Name pattern; % is a wildcard (e.g. %docs%).
        #[arg(long)]
        name: Option<String>,
        /// Only clients holding this role (repeatable).
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<Role>,
        /// Stop after N clients.
        #[arg(long, value_name = "N")]
        max: Option<usize>,
    },
    /// Show one API client (by UUID or client ID).
    Get {
        /// UUID or client ID.
        id: String,
    },
    /// Give an API client a new secret (its client ID stays), and print it once.
    Rotate {
        /// UUID or client ID.
        id: String,
    },
    /// Delete (revoke) an API client; asks first unless --yes.
    Delete {
        /// UUID or client ID.
        id: String,
        /// Do not ask.
        #[arg(long)]
        yes: bool,
    },
    /// Delete every API client these credentials can see. Refuses without --yes.
    DeleteAll {
        /// Really delete them all.
        #[arg(long)]
        yes: bool,
    },
}

/// Runs a `clients` subcommand.
pub async fn run(session: &Session, command: ClientsCommand) -> Result<(), Failure> {
    let clients = session.client.clients();
    match command {
        ClientsCommand::Create {
            name,
            roles,
            write_env,
            force,
        } => {
            if let Some(path) = &write_env {
                check_env_target(path, force)?;
            }
            let created = clients.create(&name, &roles).await?;
            let tenant = session.client.tenant_id().map(|t| t.as_str());
            match &write_env {
                Some(path) => match write_env_file(path, &created, tenant, force) {
                    Ok(()) => print_new(session, &created, Some(path)),
                    Err(failure) => secret_instead_of_file(session, &created, failure),
                },
                None => print_new(session, &created, None),
            }
        }
        ClientsCommand::Rotate { id } => {
            let rotated = clients.rotate_secret(&id).await?;
            print_new(session, &rotated, None)
        }
        ClientsCommand::Get { id } => {
            let client = clients.get(&id).await?;
            match session.output {
                OutputMode::Human => print_one(&client),
                OutputMode::Json => output::json(&client),
                OutputMode::JsonLines => output::json_line(&client),
            }
        }
        ClientsCommand::List { name, roles, max } => {
            let filter = ClientFilter {
                name,
                roles,
                ..Default::default()
            };
            let hidden = indicatif::ProgressBar::hidden();
            output::stream(
                session.output,
                output::limited(clients.paginate(filter), max),
                HEADER,
                row,
                &hidden,
            )
            .await?;
            Ok(())
        }
        ClientsCommand::Delete { id, yes } => {
            let target = clients.get(&id).await?;
            if !yes {
                confirm(
                    session,
                    &format!(
                        "Delete API client {} ({}, client ID {})?",
                        target.name, target.id, target.client_id
                    ),
                )?;
            }
            let deleted = clients.delete(&target.id).await?;
            match session.output {
                OutputMode::Human => {
                    output::line(format!("deleted {} ({})", deleted.name, deleted.id))
                }
                _ => output::json(&deleted),
            }
        }
        ClientsCommand::DeleteAll { yes } => {
            if !yes {
                return Err(Failure::usage(
                    "delete-all deletes every API client these credentials can see: run it again with --yes",
                ));
            }
            let bar = output::progress(session.interactive, None, "deleted");
            let report = clients
                .delete_all(|done, total| {
                    if bar.length() != Some(total as u64) {
                        bar.set_length(total as u64);
                    }
                    bar.set_position(done as u64);
                })
                .await?;
            bar.finish_and_clear();
            for (client, error) in &report.failed {
                let failed = format!("failed to delete {} ({}): {error}", client.name, client.id);
                eprintln!("{}", output::escape(&failed));
            }
            match session.output {
                OutputMode::Human => output::line(format!(
                    "{} deleted, {} failed",
                    report.deleted.len(),
                    report.failed.len()
                ))?,
                _ => output::json(&json!({
                    "deleted": report.deleted,
                    "failed": report.failed.iter().map(|(c, e)| json!({"client": c, "error": e.to_string()})).collect::<Vec<_>>(),
                }))?,
            }
            if report.failed.is_empty() {
                Ok(())
            } else {
                Err(Failure::api(format!(
                    "{} API client(s) could not be deleted",
                    report.failed.len()
                )))
            }
        }
    }
}

pub(crate) const HEADER: &[&str] = &["ID", "NAME", "CLIENT ID", "ROLES", "TENANT", "CREATED"];

pub(crate) fn row(client: &ApiClient) -> Vec<String> {
    vec![
        client.id.clone(),
        client.name.clone(),
        client.client_id.clone(),
        roles_of(client),
        output::opt(&client.tenant_id),
        output::opt(&client.created_at),
    ]
}

fn roles_of(client: &ApiClient) -> String {
    let names: Vec<String> = client
        .role_assignments
        .iter()
        .filter_map(|a| a.role_name.clone().or_else(|| a.role_id.clone()))
        .collect();
    if names.is_empty() {
        output::opt(&client.roles)
    } else {
        names.join(",")
    }
}

fn print_one(client: &ApiClient) -> Result<(), Failure> {
    output::fields(&[
        ("id", client.id.clone()),
        ("name", client.name.clone()),
        ("client_id", client.client_id.clone()),
        ("roles", roles_of(client)),
        ("tenant", output::opt(&client.tenant_id)),
        ("environment", output::opt(&client.environment)),
        ("enabled", output::yes_no(client.enabled)),
        ("created_at", output::opt(&client.created_at)),
        ("updated_at", output::opt(&client.updated_at)),
        ("token_requests", output::opt(&client.token_request_count)),
        ("last_token_at", output::opt(&client.token_request_time)),
    ])
}

/// The one place where a client secret is printed: the user asked for it.
fn print_new(
    session: &Session,
    new: &NewApiClient,
    env_file: Option<&Path>,
) -> Result<(), Failure> {
    match session.output {
        OutputMode::Human => {
            print_one(&new.client)?;
            output::fields(&[("client_secret", new.secret.expose_secret().to_owned())])?;
            eprintln!("The client secret is shown this once and can never be retrieved again: store it safely now.");
            if let Some(path) = env_file {
                eprintln!("Credentials written to {} (mode 0600).", path.display());
            }
            Ok(())
        }
        _ => output::json(&new_client_json(new)),
    }
}

/// A new client and its secret as JSON (`clients create`, `clients rotate`, and a fan-out's
/// `clients create`): the keys of the API's answer (`NewClient`), like every JSON output.
pub(crate) fn new_client_json(new: &NewApiClient) -> serde_json::Value {
    json!({
        "client": new.client,
        "clientSecret": new.secret.expose_secret(),
    })
}

/// The secret of a client whose `--write-env` file could not be written: printed once on
/// standard output so that the live credential is not lost, and the command still fails.
fn secret_instead_of_file(
    session: &Session,
    created: &NewApiClient,
    failure: Failure,
) -> Result<(), Failure> {
    print_new(session, created, None)?;
    Err(Failure {
        message: format!(
            "{}; the client was created and its secret was printed on standard output instead",
            failure.message
        ),
        ..failure
    })
}

/// Refuses, before the client is created, a `--write-env` target that cannot be written or
/// whose writing would lose data: a missing or unwritable folder, a symbolic link, a
/// directory or other non-regular file, or (without `--force`) an existing file.
fn check_env_target(path: &Path, force: bool) -> Result<(), Failure> {
    check_env_folder(path)?;
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(Failure::usage(format!(
            "{} is a symbolic link: refusing to write credentials through it",
            path.display()
        ))),
        Ok(meta) if meta.is_dir() => {
            Err(Failure::usage(format!("{} is a directory", path.display())))
        }
        Ok(meta) if !meta.is_file() => Err(Failure::usage(format!(
            "{} is not a regular file: refusing to write credentials to it",
            path.display()
        ))),
        Ok(_) if !force => Err(Failure::usage(format!(
            "{} exists: refusing to overwrite it (use --force)",
            path.display()
        ))),
        Ok(_) => env_file_options(false)
            .open(path)
            .map(drop)
            .map_err(|error| Failure::usage(format!("cannot write {}: {error}", path.display()))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(Failure::usage(format!(
            "cannot inspect {}: {error}",
            path.display()
        ))),
    }
}

/// The folder of `path` exists, is a directory, and a file can be created in it (tried with
/// an empty, exclusively created probe file, removed at once: this holds for root too).
fn check_env_folder(path: &Path) -> Result<(), Failure> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match std::fs::metadata(folder) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(Failure::usage(format!(
                "{} is not a directory",
                folder.display()
            )))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(Failure::usage(format!(
                "the folder {} does not exist",
                folder.display()
            )))
        }
        Err(error) if error.raw_os_error() == Some(libc::ENOTDIR) => {
            return Err(Failure::usage(format!(
                "{}: a part of it is not a directory",
                folder.display()
            )))
        }
        Err(error) => {
            return Err(Failure::usage(format!(
                "cannot inspect the folder {}: {error}",
                folder.display()
            )))
        }
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let probe = folder.join(format!(
        ".taegis-write-check-{}-{nanos}",
        std::process::id()
    ));
    env_file_options(true).open(&probe).map_err(|error| {
        Failure::usage(format!(
            "cannot write in the folder {}: {error}",
            folder.display()
        ))
    })?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Options to open a credentials file for writing: mode 0600, never through a symbolic link;
/// `create_new` for a file that must not exist yet.
fn env_file_options(create_new: bool) -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if create_new {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NOFOLLOW: opening fails if the last path component is a symbolic link.
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options
}

/// Writes the credentials to `path` (checked again, as it may have changed since).
fn write_env_file(
    path: &Path,
    new: &NewApiClient,
    tenant: Option<&str>,
    force: bool,
) -> Result<(), Failure> {
    check_env_target(path, force)?;
    let mut options = env_file_options(!force);
    if force {
        options.create(true).truncate(true);
    }
    let mut file = options
        .open(path)
        .map_err(|error| Failure::api(format!("cannot create {}: {error}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|error| {
                Failure::api(format!("cannot restrict {}: {error}", path.display()))
            })?;
    }
    let mut text = format!(
        "CLIENT_ID={}\nCLIENT_SECRET={}\n",
        new.client.client_id,
        new.secret.expose_secret()
    );
    if let Some(tenant) = tenant.or(new.client.tenant_id.as_deref()) {
        text.push_str(&format!("TAEGIS_TENANT_ID={tenant}\n"));
    }
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all());
    text.zeroize();
    written.map_err(|error| {
        if !force {
            // The file is ours and holds at most part of the credentials.
            let _ = std::fs::remove_file(path);
        }
        Failure::api(format!("cannot write {}: {error}", path.display()))
    })
}

/// Asks on the terminal; without one, refuses.
fn confirm(session: &Session, question: &str) -> Result<(), Failure> {
    if !session.interactive || !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "refusing to delete without confirmation: no terminal to ask on (use --yes)",
        ));
    }
    eprint!("{} [y/N] ", output::escape(question));
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Failure::api(format!("cannot read the answer: {e}")))?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(Failure::api("cancelled: nothing was deleted"))
    }
}
