//! `taegis sso`: SSO connections of the tenant in context.

use clap::{Subcommand, ValueEnum};
use taegis_sdk::api::sso::{
    ConfigSource, ConnectionConfiguration, SamlConfiguration, SsoConnection, SsoConnectionStatus,
    TenantSsoConnectionQueryInput, UpdateSsoConnectionInput,
};

use super::context::{OutputMode, Session};
use super::output;
use super::Failure;

/// Subcommands of `taegis sso` (all need --tenant or TAEGIS_TENANT_ID).
#[derive(Debug, Subcommand)]
pub enum SsoCommand {
    /// List the tenant's SSO connections.
    List {
        /// Include connections whose certificate expired.
        #[arg(long)]
        include_expired: bool,
    },
    /// Show one connection.
    Get {
        /// Connection ID.
        id: String,
    },
    /// Create a SAML connection (status Draft).
    Create {
        /// Connection name.
        name: String,
        /// E-mail domain that signs in through it (repeatable, at least one).
        #[arg(long = "domain", value_name = "DOMAIN", required = true)]
        domains: Vec<String>,
        /// Tester e-mail (repeatable).
        #[arg(long = "tester", value_name = "EMAIL")]
        testers: Vec<String>,
    },
    /// Read an identity provider's configuration from its metadata URL or its certificate.
    Config {
        /// The identity provider's metadata URL.
        #[arg(
            long,
            value_name = "URL",
            conflicts_with = "cert_file",
            required_unless_present = "cert_file"
        )]
        metadata_url: Option<String>,
        /// A file holding the identity provider's signing certificate (PEM).
        #[arg(long, value_name = "FILE")]
        cert_file: Option<std::path::PathBuf>,
    },
    /// Update a connection: status, testers, domains, SAML configuration.
    Update {
        /// Connection ID.
        id: String,
        /// New status.
        #[arg(long, value_enum)]
        status: Option<Status>,
        /// Add a tester (repeatable).
        #[arg(long, value_name = "EMAIL")]
        add_tester: Vec<String>,
        /// Remove a tester (repeatable).
        #[arg(long, value_name = "EMAIL")]
        remove_tester: Vec<String>,
        /// Add a domain (repeatable).
        #[arg(long, value_name = "DOMAIN")]
        add_domain: Vec<String>,
        /// Remove a domain (repeatable).
        #[arg(long, value_name = "DOMAIN")]
        remove_domain: Vec<String>,
        /// The identity provider's metadata URL (completes the configuration: status Testing).
        #[arg(long, value_name = "URL")]
        metadata_url: Option<String>,
    },
    /// Delete a connection.
    Delete {
        /// Connection ID.
        id: String,
    },
}

/// Connection statuses a user can set.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Status {
    /// Testers only.
    Testing,
    /// Everyone of the domains.
    Enabled,
    /// Nobody.
    Disabled,
}

/// Runs an `sso` subcommand.
pub async fn run(session: &Session, command: SsoCommand) -> Result<(), Failure> {
    let sso = session.tenant_client()?.sso();
    match command {
        SsoCommand::List { include_expired } => {
            let connections = sso
                .list(TenantSsoConnectionQueryInput {
                    include_expired: include_expired.then_some(true),
                    ..Default::default()
                })
                .await?;
            match session.output {
                OutputMode::Human => output::table(
                    &["ID", "NAME", "TYPE", "STATUS", "DOMAINS", "UPDATED"],
                    connections.iter().map(|c| {
                        vec![
                            c.id.clone(),
                            c.name.clone(),
                            output::opt(&c.connection_type),
                            output::opt(&c.status),
                            c.domains.join(","),
                            output::opt(&c.updated_at),
                        ]
                    }),
                    true,
                ),
                OutputMode::Json => output::json(&connections),
                OutputMode::JsonLines => connections.iter().try_for_each(output::json_line),
            }
        }
        SsoCommand::Get { id } => show(session, &sso.get(&id).await?),
        SsoCommand::Create {
            name,
            domains,
            testers,
        } => {
            let domains: Vec<&str> = domains.iter().map(String::as_str).collect();
            let testers: Vec<&str> = testers.iter().map(String::as_str).collect();
            show(session, &sso.create(&name, &domains, &testers).await?)
        }
        SsoCommand::Config {
            metadata_url,
            cert_file,
        } => {
            let cert =
                match cert_file {
                    Some(path) => Some(std::fs::read_to_string(&path).map_err(|e| {
                        Failure::usage(format!("cannot read {}: {e}", path.display()))
                    })?),
                    None => None,
                };
            let source = ConfigSource::from_options(metadata_url, None, cert)?;
            let config = sso.get_config(source).await?;
            match session.output {
                OutputMode::Human => {
                    let saml = config.configuration.as_ref().and_then(|c| c.saml.as_ref());
                    output::fields(&[
                        (
                            "sign_in_endpoint",
                            output::opt(&saml.and_then(|s| s.sign_in_endpoint.clone())),
                        ),
                        ("issuer", output::opt(&config.issuer)),
                        ("subject", output::opt(&config.subject)),
                        ("not_before", output::opt(&config.not_before)),
                        ("expires_at", output::opt(&config.expires_at)),
                        (
                            "signing_cert",
                            saml.and_then(|s| s.signing_cert.clone())
                                .map_or("-".into(), |c| format!("{} characters", c.len())),
                        ),
                    ])
                }
                _ => output::json(&config),
            }
        }
        SsoCommand::Update {
            id,
            status,
            add_tester,
            remove_tester,
            add_domain,
            remove_domain,
            metadata_url,
        } => {
            let list = |items: Vec<String>| (!items.is_empty()).then_some(items);
            let update = UpdateSsoConnectionInput {
                id,
                status: status.map(|s| match s {
                    Status::Testing => SsoConnectionStatus::Testing,
                    Status::Enabled => SsoConnectionStatus::Enabled,
                    Status::Disabled => SsoConnectionStatus::Disabled,
                }),
                add_testers: list(add_tester),
                remove_testers: list(remove_tester),
                add_domains: list(add_domain),
                remove_domains: list(remove_domain),
                connection_configuration: metadata_url.map(|url| ConnectionConfiguration {
                    saml_configuration: Some(SamlConfiguration {
                        metadata_url: Some(url),
                        ..Default::default()
                    }),
                }),
                ..Default::default()
            };
            show(session, &sso.update(update).await?)
        }
        SsoCommand::Delete { id } => show(session, &sso.delete(&id).await?),
    }
}

fn show(session: &Session, connection: &SsoConnection) -> Result<(), Failure> {
    match session.output {
        OutputMode::Human => {
            let parameters = connection.parameters.as_ref();
            output::fields(&[
                ("id", connection.id.clone()),
                ("name", connection.name.clone()),
                ("type", output::opt(&connection.connection_type)),
                ("status", output::opt(&connection.status)),
                ("domains", connection.domains.join(", ")),
                ("testers", connection.testers.join(", ")),
                ("external_name", output::opt(&connection.external_name)),
                (
                    "post_back_url",
                    output::opt(&parameters.and_then(|p| p.post_back_url.clone())),
                ),
                (
                    "entity_id",
                    output::opt(&parameters.and_then(|p| p.entity_id.clone())),
                ),
                ("updated_at", output::opt(&connection.updated_at)),
            ])
        }
        _ => output::json(connection),
    }
}
