//! `taegis auth`, `taegis query`, `taegis version` and `taegis sandbox`.

use clap::{Args, Subcommand};
use serde_json::{json, Map, Value};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};
use taegis_sdk::Endpoint;

use super::context::{OutputMode, Session};
use super::output;
use super::Failure;

/// Subcommands of `taegis auth`.
#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Print a valid access token (fetched with the client credentials if needed); with
    /// --json, also its expiry.
    Token,
    /// Log in interactively with the device-code flow: prints a URL to open, waits, and
    /// prints the token.
    Login,
}

/// Arguments of `taegis query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Which endpoint runs the document: main (/graphql), tenants, events, agent,
    /// cql-metadata, fast-ioc or multi-tenant-ioc.
    #[arg(long, value_parser = super::context::parse_endpoint, default_value = "main")]
    endpoint: Endpoint,
    /// A variable NAME=VALUE; VALUE is parsed as JSON when it is valid JSON, else taken as a
    /// string (repeatable; wins over --variables).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// All variables as one JSON object.
    #[arg(long, value_name = "JSON")]
    variables: Option<String>,
    /// The operation to run when the document holds several.
    #[arg(long, value_name = "NAME")]
    operation: Option<String>,
    /// The GraphQL document, or - for standard input.
    file: PathBuf,
}

/// The largest document or variables text `taegis query` reads.
const MAX_INPUT: u64 = 8 * 1024 * 1024;

/// Runs `taegis auth`.
/// Tells the person at the terminal where to log in, with the code and how long it waits
/// (`taegis auth login` and `taegis --device-login`).
pub(crate) fn print_device_prompt(prompt: &taegis_sdk::DeviceCodePrompt) {
    eprintln!(
        "Open {} in a browser to log in.",
        output::escape(&prompt.url)
    );
    if let Some(code) = &prompt.user_code {
        eprintln!("Your code: {}", output::escape(code));
    }
    if let Some(seconds) = prompt.expires_in {
        eprintln!("Waiting up to {seconds} seconds...");
    }
}

pub async fn auth(session: &Session, command: AuthCommand) -> Result<(), Failure> {
    let token = match command {
        AuthCommand::Token => session.client.access_token().await?,
        AuthCommand::Login => {
            session
                .client
                .login_with_device_code(print_device_prompt)
                .await?
        }
    };
    match session.output {
        OutputMode::Human => output::line(token.token().expose_secret()),
        _ => {
            let expires_at = token
                .expires_at()
                .and_then(|at| at.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_secs());
            let expires_in = token
                .expires_at()
                .and_then(|at| at.duration_since(SystemTime::now()).ok())
                .map(|d| d.as_secs());
            output::json(&json!({
                "access_token": token.token().expose_secret(),
                "token_type": "Bearer",
                "expires_at": expires_at,
                "expires_in": expires_in,
            }))
        }
    }
}

/// Runs `taegis query`: prints the whole JSON response, exit 1 when it has `errors`.
pub async fn query(session: &Session, args: QueryArgs) -> Result<(), Failure> {
    let prepared = PreparedQuery::new(&args)?;
    let response = prepared.run(&session.client).await?;
    match session.output {
        OutputMode::JsonLines => output::json_line(&response)?,
        _ => output::json(&response)?,
    }
    match graphql_errors(&response) {
        Some(message) => Err(Failure::api(message)),
        None => Ok(()),
    }
}

/// A `taegis query` document with its variables, read and checked once (a fan-out runs it
/// in every tenant).
#[derive(Debug, Clone)]
pub(crate) struct PreparedQuery {
    pub(crate) endpoint: Endpoint,
    pub(crate) document: String,
    pub(crate) variables: Option<Value>,
    pub(crate) operation: Option<String>,
}

impl PreparedQuery {
    /// Reads the document and the variables of `args`.
    pub(crate) fn new(args: &QueryArgs) -> Result<PreparedQuery, Failure> {
        let document = read_input(&args.file)?;
        if document.trim().is_empty() {
            return Err(Failure::usage("the GraphQL document is empty"));
        }
        let mut variables = match &args.variables {
            Some(text) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => map,
                Ok(_) => return Err(Failure::usage("--variables must be a JSON object")),
                Err(error) => {
                    return Err(Failure::usage(format!(
                        "--variables is not valid JSON: {error}"
                    )))
                }
            },
            None => Map::new(),
        };
        for var in &args.vars {
            let (name, value) = var
                .split_once('=')
                .ok_or_else(|| Failure::usage(format!("--var {var:?}: expected NAME=VALUE")))?;
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(Failure::usage(format!(
                    "--var {var:?}: {name:?} is not a GraphQL variable name"
                )));
            }
            let value =
                serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
            variables.insert(name.to_owned(), value);
        }
        Ok(PreparedQuery {
            endpoint: args.endpoint,
            document,
            variables: (!variables.is_empty()).then_some(Value::Object(variables)),
            operation: args.operation.clone(),
        })
    }

    /// Runs it through `client`: the whole JSON response.
    pub(crate) async fn run(
        &self,
        client: &taegis_sdk::Client,
    ) -> Result<Value, taegis_sdk::Error> {
        client
            .execute_raw(
                self.endpoint,
                &self.document,
                self.variables.clone(),
                self.operation.as_deref(),
            )
            .await
    }
}

/// The failure line for a response holding GraphQL errors, if it does.
pub(crate) fn graphql_errors(response: &Value) -> Option<String> {
    match response.get("errors") {
        Some(Value::Array(errors)) if !errors.is_empty() => Some(format!(
            "the response has {} GraphQL error{}: {}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            errors[0]
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("(no message)")
        )),
        _ => None,
    }
}

/// The file at `path`, or standard input for `-`.
pub(crate) fn open_input(path: &Path) -> std::io::Result<Box<dyn BufRead>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    Ok(Box::new(BufReader::new(std::fs::File::open(path)?)))
}

/// The text of the file at `path`, or of standard input for `-` (at most [`MAX_INPUT`]
/// bytes).
fn read_input(path: &Path) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    open_input(path)
        .and_then(|input| input.take(MAX_INPUT + 1).read_to_end(&mut bytes))
        .map_err(|error| Failure::usage(format!("cannot read {}: {error}", path.display())))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(Failure::usage(format!(
            "{} is larger than {} MiB",
            path.display(),
            MAX_INPUT / 1024 / 1024
        )));
    }
    String::from_utf8(bytes)
        .map_err(|_| Failure::usage(format!("{} is not UTF-8 text", path.display())))
}

/// Runs `taegis version SERVICE`.
pub async fn version(session: &Session, service: &str) -> Result<(), Failure> {
    let version = session.client.service_version(service).await?;
    match session.output {
        OutputMode::Human => output::fields(&[
            ("service", service.to_owned()),
            ("tag", version.tag.clone()),
            ("revision", version.revision.clone()),
            ("timestamp", version.timestamp.clone()),
        ]),
        _ => output::json(&version),
    }
}

/// Subcommands of `taegis sandbox`.
#[cfg(feature = "sandbox")]
#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve the emulator on loopback until interrupted; prints TAEGIS_API_URL=,
    /// TAEGIS_TENANTS_URL=, CLIENT_ID=, CLIENT_SECRET= and TAEGIS_TENANT_ID= lines first.
    Serve(ServeArgs),
}

/// Options of `taegis sandbox serve`.
#[cfg(feature = "sandbox")]
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Loopback address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: std::net::SocketAddr,
    /// Number of seeded tenants.
    #[arg(long, default_value_t = 100)]
    tenants: u64,
    /// Seed of the generated data (same seed, same data).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, value_name = "SECONDS")]
    token_ttl: Option<u64>,
    /// Latency added to every request, in milliseconds.
    #[arg(long, value_name = "MS")]
    latency_ms: Option<u64>,
    /// Fraction (0 to 1) of GraphQL requests answered 503 or 429 with Retry-After.
    #[arg(long, value_name = "R")]
    fail_rate: Option<f64>,
    /// Give every tenant exactly N alerts (default: 40 to 199 each).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(0..=100_000))]
    alerts_per_tenant: Option<u64>,
}

/// Runs `taegis sandbox`.
#[cfg(feature = "sandbox")]
pub async fn sandbox(command: SandboxCommand) -> Result<(), Failure> {
    use std::time::Duration;
    match command {
        SandboxCommand::Serve(args) => {
            if !args.addr.ip().is_loopback() {
                return Err(Failure::usage(format!(
                    "{}: the sandbox listens on loopback addresses only",
                    args.addr
                )));
            }
            if args
                .fail_rate
                .is_some_and(|rate| !(0.0..=1.0).contains(&rate))
            {
                return Err(Failure::usage("--fail-rate must be between 0 and 1"));
            }
            let mut builder = taegis_sandbox::Sandbox::builder()
                .addr(args.addr)
                .tenants(args.tenants)
                .seed(args.seed);
            if let Some(seconds) = args.token_ttl {
                builder = builder.token_ttl(Duration::from_secs(seconds));
            }
            if let Some(n) = args.alerts_per_tenant {
                builder = builder.alerts_per_tenant(n);
            }
            if let Some(ms) = args.latency_ms {
                builder = builder.latency(Duration::from_millis(ms));
            }
            if let Some(rate) = args.fail_rate {
                builder = builder.fail_rate(rate);
            }
            taegis_sandbox::serve_forever(builder, std::io::stdout())
                .await
                .map_err(|error| Failure::api(format!("sandbox: {error}")))
        }
    }
}
