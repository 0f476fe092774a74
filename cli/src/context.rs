//! Global options, the client built from them, and the output mode.

use clap::parser::ValueSource;
use clap::{ArgMatches, Args};
use std::io::IsTerminal;
use std::path::PathBuf;
use taegis_sdk::{Client, ClientBuilder};

use super::Failure;

/// Options shared by every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Region or alias: us1 (charlie, production), us2 (delta), us3 (foxtrot), eu (echo),
    /// euw1 (golf), apse2 (hotel), aps1 (india), apne1 (juliet), sae1 (kilo), cac1 (quebec),
    /// or a custom region of ~/.taegis_sdk_python/config (taegis config add-region).
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
        id = TENANT_CONTEXT,
        short,
        long = "tenant",
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
    /// Run against a sandbox started in this process (no credentials, no network): the
    /// connection variables of the environment are ignored, and --api-url, --tenants-url,
    /// --token-file and --environment are refused; --tenant picks a sandbox tenant.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// Universal authentication, as the Python SDK's use_universal_authentication: tokens
    /// from https://api.taegis.secureworks.com, credential variable names and the cached
    /// token from the [universal] section of ~/.taegis_sdk_python/config.
    #[arg(long, global = true)]
    pub universal_auth: bool,
    /// When no credentials are configured (no --token-file, nothing in the environment, no
    /// valid cached token), log in with the device-code flow first; needs a terminal. The
    /// token is cached in ~/.taegis_sdk_python/config for the region.
    #[arg(long, global = true)]
    pub device_login: bool,
    /// Log requests and the credential chain's steps on standard error (never secrets);
    /// twice for more.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// The IDs of the connection arguments typed on the command line (not taken from the
    /// environment); filled by [`GlobalArgs::note_command_line`].
    #[arg(skip)]
    typed: Vec<&'static str>,
}

/// The argument ID of `--tenant`: its own, so that no subcommand's `tenant` argument (a label's
/// or a subscription's tenant) takes its place as X-Tenant-Context or refuses it.
pub(crate) const TENANT_CONTEXT: &str = "tenant_context";

/// The connection arguments `--sandbox` refuses: (argument ID, flag).
const CONNECTION_FLAGS: [(&str, &str); 4] = [
    ("api_url", "--api-url"),
    ("tenants_url", "--tenants-url"),
    ("token_file", "--token-file"),
    ("environment", "--environment"),
];

/// The variables `--sandbox` ignores.
const SANDBOX_IGNORED_VARS: [&str; 7] = [
    "TAEGIS_API_URL",
    "TAEGIS_TENANTS_URL",
    "TAEGIS_ENVIRONMENT",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "TAEGIS_ACCESS_TOKEN",
    "TAEGIS_TENANT_ID",
];

impl GlobalArgs {
    /// Records which connection arguments (and `--tenant`) were typed on the command line,
    /// before or after the subcommand, as opposed to read from the environment.
    pub fn note_command_line(&mut self, matches: &ArgMatches) {
        let ids = CONNECTION_FLAGS
            .iter()
            .map(|(id, _)| *id)
            .chain([TENANT_CONTEXT]);
        self.typed = ids.filter(|id| typed(matches, id)).collect();
    }

    /// Whether `--tenant` was typed on the command line (not read from `TAEGIS_TENANT_ID`).
    pub fn tenant_typed(&self) -> bool {
        self.on_command_line(TENANT_CONTEXT)
    }

    fn on_command_line(&self, id: &str) -> bool {
        self.typed.contains(&id)
    }
}

/// Whether argument `id` got its value from the command line in `matches` or any of its
/// subcommands' matches (global arguments are recorded where they were typed).
fn typed(matches: &ArgMatches, id: &str) -> bool {
    let mut current = Some(matches);
    while let Some(m) = current {
        if matches!(m.try_contains_id(id), Ok(true))
            && m.value_source(id) == Some(ValueSource::CommandLine)
        {
            return true;
        }
        current = m.subcommand().map(|(_, sub)| sub);
    }
    false
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
    _sandbox: Option<taegis_sandbox::Sandbox>,
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
        if global.sandbox {
            return Session::open_sandbox(global, output, interactive).await;
        }
        let mut builder = configured_builder(global)?;
        if global.device_login {
            builder = builder.python_token_cache(true);
        }
        let client = builder.build()?;
        if global.device_login
            && *client.config().credential_source() == taegis_sdk::CredentialSource::None
        {
            device_login(&client).await?;
        }
        Ok(Session {
            client,
            output,
            interactive,
            #[cfg(feature = "sandbox")]
            _sandbox: None,
        })
    }

    /// A session on a sandbox started in this process: no setting or credential from the
    /// environment or a file is used, and connection flags are refused.
    #[cfg(feature = "sandbox")]
    async fn open_sandbox(
        global: &GlobalArgs,
        output: OutputMode,
        interactive: bool,
    ) -> Result<Session, Failure> {
        if let Some((_, flag)) = CONNECTION_FLAGS
            .iter()
            .find(|(id, _)| global.on_command_line(id))
        {
            return Err(Failure::usage(format!(
                "{flag} cannot be used with --sandbox: the sandbox runs in this process with \
                 its own URL and credentials"
            )));
        }
        if global.verbose > 0 {
            let set: Vec<&str> = SANDBOX_IGNORED_VARS
                .iter()
                .copied()
                .filter(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
                .collect();
            if !set.is_empty() {
                eprintln!(
                    "--sandbox: ignoring {} from the environment",
                    set.join(", ")
                );
            }
        }
        let started = taegis_sandbox::Sandbox::builder()
            .start()
            .await
            .map_err(|error| Failure::api(format!("cannot start the sandbox: {error}")))?;
        let tenant = match &global.tenant {
            Some(tenant) if global.tenant_typed() => tenant.clone(),
            _ => started.tenant_id().to_owned(),
        };
        let client = Client::builder()
            .api_url(started.base_url())
            .tenants_url(started.base_url())
            .client_credentials(started.client_id(), started.client_secret())
            .tenant_id(tenant)
            .build()?;
        Ok(Session {
            client,
            output,
            interactive,
            _sandbox: Some(started),
        })
    }

    #[cfg(not(feature = "sandbox"))]
    async fn open_sandbox(
        _global: &GlobalArgs,
        _output: OutputMode,
        _interactive: bool,
    ) -> Result<Session, Failure> {
        Err(Failure::usage(
            "this taegis was built without the `sandbox` feature",
        ))
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

/// Step 4 of the credential chain: a device-code login, only at a terminal.
async fn device_login(client: &Client) -> Result<(), Failure> {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Failure::usage(
            "--device-login needs a terminal (standard input and error); no credentials are \
             configured: set the client ID and secret variables or use --token-file",
        ));
    }
    eprintln!("No credentials are configured: logging in with the device-code flow.");
    client
        .login_with_device_code(super::misc::print_device_prompt)
        .await?;
    Ok(())
}

/// The client settings from the environment and the shared configuration file, overridden by
/// the command line.
pub(crate) fn configured_builder(global: &GlobalArgs) -> Result<ClientBuilder, Failure> {
    let mut builder = ClientBuilder::from_env()?;
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
    if global.universal_auth {
        builder = builder.universal_authentication(true);
    }
    if let Some(path) = &global.token_file {
        builder = builder.access_token(read_token_file(path)?);
    }
    Ok(builder)
}

/// The one token a `--token-file` holds; the text read is wiped once the token is copied.
fn read_token_file(path: &std::path::Path) -> Result<taegis_sdk::SecretString, Failure> {
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|error| {
        Failure::usage(format!(
            "cannot read the token file {}: {error}",
            path.display()
        ))
    })?);
    let token = taegis_sdk::auth::strip_bearer(&text);
    if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Failure::usage(format!(
            "the token file {} does not hold one token",
            path.display()
        )));
    }
    Ok(taegis_sdk::SecretString::new(token))
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

/// Reads an endpoint name for `--endpoint` (`main`, `tenants`, `events`, ...).
pub fn parse_endpoint(name: &str) -> Result<taegis_sdk::Endpoint, String> {
    taegis_sdk::Endpoint::by_name(name).ok_or_else(|| {
        let names: Vec<&str> = taegis_sdk::Endpoint::ALL.iter().map(|e| e.name).collect();
        format!(
            "unknown endpoint {name:?}; expected one of {}",
            names.join(", ")
        )
    })
}
