//! Global options, the client built from them, and the output mode.

use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;
use taegis_sdk::{Client, ClientBuilder};

use super::Failure;

/// Options shared by every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Region or alias: us1 (charlie, production), us2 (delta), us3 (foxtrot), eu (echo),
    /// euw1 (golf), apse2 (hotel), aps1 (india), apne1 (juliet), sae1 (kilo), cac1 (quebec).
    #[arg(
        short,
        long,
        global = true,
        env = "TAEGIS_ENVIRONMENT",
        value_name = "REGION"
    )]
    pub environment: Option<String>,
    /// Tenant ID sent as X-Tenant-Context.
    #[arg(
        short,
        long,
        global = true,
        env = "TAEGIS_TENANT_ID",
        value_name = "ID"
    )]
    pub tenant: Option<String>,
    /// Base URL of the main API (instead of the region's).
    #[arg(long, global = true, env = "TAEGIS_API_URL", value_name = "URL")]
    pub api_url: Option<String>,
    /// Base URL of the tenants API (defaults to --api-url when that is given).
    #[arg(long, global = true, env = "TAEGIS_TENANTS_URL", value_name = "URL")]
    pub tenants_url: Option<String>,
    /// Read a bearer token from FILE (a leading "Bearer " and surrounding whitespace are
    /// ignored) instead of using client credentials.
    #[arg(long, global = true, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Machine output: the API objects as one JSON document.
    #[arg(long, global = true)]
    pub json: bool,
    /// Machine output for lists: one JSON object per line, streamed.
    #[arg(long, global = true, conflicts_with = "json")]
    pub jsonl: bool,
    /// Run against a sandbox started in this process (no credentials, no network).
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// Log requests on standard error (never secrets); twice for more.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// How to print results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputMode {
    /// Aligned tables and key: value lines.
    Human,
    /// One JSON document.
    Json,
    /// One JSON document per line.
    JsonLines,
}

/// A configured client plus how to print, and the sandbox kept alive while the command runs.
pub struct Session {
    /// The client.
    pub client: Client,
    /// How to print.
    pub output: OutputMode,
    /// Whether standard error is a terminal (progress bars, prompts).
    pub interactive: bool,
    #[cfg(feature = "sandbox")]
    _sandbox: Option<taegis_sdk::sandbox::Sandbox>,
}

impl Session {
    /// Builds the client; missing credentials only fail when a request needs them.
    pub async fn open(global: &GlobalArgs) -> Result<Session, Failure> {
        let output = if global.json {
            OutputMode::Json
        } else if global.jsonl {
            OutputMode::JsonLines
        } else {
            OutputMode::Human
        };
        let interactive = std::io::stderr().is_terminal();
        #[cfg(feature = "sandbox")]
        let mut sandbox = None;
        let mut builder = ClientBuilder::from_env()?;
        if global.sandbox {
            #[cfg(feature = "sandbox")]
            {
                let started = taegis_sdk::sandbox::Sandbox::builder()
                    .start()
                    .await
                    .map_err(|error| Failure::api(format!("cannot start the sandbox: {error}")))?;
                builder = Client::builder()
                    .api_url(started.base_url())
                    .tenants_url(started.base_url())
                    .client_credentials(started.client_id(), started.client_secret())
                    .tenant_id(started.tenant_id());
                sandbox = Some(started);
            }
            #[cfg(not(feature = "sandbox"))]
            return Err(Failure::usage(
                "this taegis was built without the `sandbox` feature",
            ));
        }
        if let Some(environment) = &global.environment {
            builder.set_environment(Some(environment.clone()));
        }
        if let Some(url) = &global.api_url {
            builder.set_api_url(Some(url.clone()));
            if global.tenants_url.is_none() {
                builder.set_tenants_url(Some(url.clone()));
            }
        }
        if let Some(url) = &global.tenants_url {
            builder.set_tenants_url(Some(url.clone()));
        }
        if let Some(tenant) = &global.tenant {
            builder.set_tenant_id(Some(tenant.clone()));
        }
        if let Some(path) = &global.token_file {
            let text = std::fs::read_to_string(path).map_err(|error| {
                Failure::usage(format!(
                    "cannot read the token file {}: {error}",
                    path.display()
                ))
            })?;
            let token = text.trim();
            let token = token
                .strip_prefix("Bearer ")
                .or_else(|| token.strip_prefix("bearer "))
                .unwrap_or(token)
                .trim();
            if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(Failure::usage(format!(
                    "the token file {} does not hold one token",
                    path.display()
                )));
            }
            builder = builder.access_token(token);
        }
        let client = builder.build()?;
        Ok(Session {
            client,
            output,
            interactive,
            #[cfg(feature = "sandbox")]
            _sandbox: sandbox,
        })
    }

    /// The client with the tenant context required by a command.
    pub fn tenant_client(&self) -> Result<Client, Failure> {
        if self.client.tenant_id().is_none() {
            return Err(Failure::usage(
                "this command needs a tenant: pass --tenant ID or set TAEGIS_TENANT_ID",
            ));
        }
        Ok(self.client.clone())
    }
}

/// Runs a future on a runtime made for this command.
pub fn block_on<F: std::future::Future<Output = Result<(), Failure>>>(
    future: F,
) -> Result<(), Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| Failure::api(format!("cannot start the async runtime: {error}")))?
        .block_on(future)
}

/// Shows the SDK's request log (spans and events carry no secrets) on standard error.
pub fn install_request_log(verbose: u8) {
    let level = if verbose > 1 {
        "taegis_sdk=trace"
    } else {
        "taegis_sdk=debug"
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::new(level))
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
