//! Argument parsing, dispatch and exit codes of the `taegis` binary.
//!
//! Exit codes: 0 success, 1 API or GraphQL error (and breaking schema changes for
//! `schema diff`), 2 usage error, 3 authentication error, 4 network error, 5 a fan-out in
//! which not every tenant succeeded (130 when a second Ctrl-C aborted it).

mod alerts;
mod clients;
mod config;
mod context;
mod enums;
mod events;
mod fanout;
mod investigations;
mod misc;
mod output;
mod schema;
mod sso;
mod tenants;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

pub use context::GlobalArgs;

/// The command line of `taegis`.
#[derive(Debug, Parser)]
#[command(
    name = "taegis",
    version,
    about = "Command-line client for the Secureworks Taegis XDR GraphQL APIs",
    long_about = "Command-line client for the Secureworks Taegis XDR GraphQL APIs: manage API \
                  clients, tenants and SSO connections, run any GraphQL document, and keep the \
                  schemas that operations are checked against up to date.\n\n\
                  Credentials come from one chain, shown with -v: --token-file; then the \
                  environment (TAEGIS_ACCESS_TOKEN, or the client ID and secret variables \
                  ~/.taegis_sdk_python/config names for the region, default CLIENT_ID and \
                  CLIENT_SECRET); then a still-valid token cached in that file; then, only with \
                  --device-login at a terminal, a device-code login. --sandbox uses a built-in \
                  sandbox instead. The region comes from --environment or TAEGIS_ENVIRONMENT \
                  (default US1); custom regions of the file (taegis config add-region) work too.",
    after_help = format!(
        "Exit status: 0 success, 1 API or GraphQL error, 2 usage error, 3 authentication \
         error, 4 network error, 5 a fan-out in which not every tenant succeeded (0 with \
         --allow-partial when some did), 130 a fan-out aborted by a second Ctrl-C.\n\n\
         Fan-out: --each-tenant, a --tenant-* filter, --tenants-file or --rerun-failures runs \
         {} once per tenant (one token for all), e.g. taegis --tenant-is-partner false \
         --report-file run.json --jsonl clients list",
        fanout::COMMANDS
    ),
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(flatten)]
    fanout: fanout::FanOutArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Get access tokens: print one, or log in interactively.
    #[command(subcommand)]
    Auth(misc::AuthCommand),
    /// Manage API client credentials: create, list, get, rotate, delete.
    #[command(subcommand)]
    Clients(clients::ClientsCommand),
    /// Query and manage tenants, labels, partner subscriptions and support access.
    #[command(subcommand)]
    Tenants(tenants::TenantsCommand),
    /// Manage the SSO connections of a tenant.
    #[command(subcommand)]
    Sso(sso::SsoCommand),
    /// Search alerts in CQL, show them, resolve many at once.
    #[command(subcommand)]
    Alerts(alerts::AlertsCommand),
    /// Work investigations: search, get, create, update, close, add alerts, comment.
    #[command(subcommand)]
    Investigations(investigations::InvestigationsCommand),
    /// Search events in CQL (streamed over the events gateway's subscriptions).
    #[command(subcommand)]
    Events(events::EventsCommand),
    /// Run any GraphQL document and print the JSON response (exit 1 when it has errors).
    Query(misc::QueryArgs),
    /// Print the version of a Taegis service (REST `/<service>/version`).
    Version {
        /// The service.
        #[arg(default_value = "assets")]
        service: String,
    },
    /// Show or change the shared configuration file (~/.taegis_sdk_python/config): variable
    /// names per region, custom regions, cached tokens.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Read, compare, print and refresh the GraphQL schemas.
    #[command(subcommand)]
    Schema(schema::SchemaCommand),
    /// Run the embedded Taegis API emulator.
    #[cfg(feature = "sandbox")]
    #[command(subcommand)]
    Sandbox(misc::SandboxCommand),
    /// List the typed GraphQL operations compiled into this binary.
    Operations,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

/// A failure to report: one line on standard error (more with `-v`) and an exit code.
#[derive(Debug)]
pub struct Failure {
    /// The process exit code.
    pub code: u8,
    /// One clear line.
    pub message: String,
    /// More detail, shown with `-v`.
    pub detail: Option<String>,
}

impl Failure {
    /// An API, GraphQL or local failure (exit code 1).
    pub fn api(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
            detail: None,
        }
    }

    /// A usage error (exit code 2).
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
            detail: None,
        }
    }

    /// Writing the output failed (a full disk, ...). A reader that closed the pipe
    /// (`taegis ... | head -1`) got all it wanted: that is [`Failure::closed_output`].
    pub fn output(error: std::io::Error) -> Failure {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            return Failure::closed_output();
        }
        Failure::api(format!("cannot write the output: {error}"))
    }

    /// Standard output was closed by its reader: the command stops, quietly, with exit
    /// code 0 (the only failure with code 0).
    pub fn closed_output() -> Failure {
        Failure {
            code: 0,
            message: String::new(),
            detail: None,
        }
    }
}

impl From<taegis_sdk::Error> for Failure {
    fn from(error: taegis_sdk::Error) -> Failure {
        use taegis_sdk::Error as E;
        use taegis_sdk::ErrorKind as K;
        // By stage: a token that never came in time is a network failure like any other
        // timeout; missing credentials are an authentication failure, not a usage error.
        let code = match (&error, error.kind()) {
            (E::MissingCredentials, _) => 3,
            (E::TokenLoadTimeout { .. }, _) => 4,
            (_, K::Identity) => 3,
            (_, K::Dispatch) => 4,
            (_, K::Config) => 2,
            _ => 1,
        };
        let detail = match &error {
            E::GraphQl {
                errors, request_id, ..
            } => Some(format!(
                "{}{}",
                errors
                    .iter()
                    .map(|e| serde_json::to_string(e).unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join("\n"),
                request_id
                    .as_ref()
                    .map(|id| format!("\nrequest id: {id}"))
                    .unwrap_or_default()
            )),
            other => std::error::Error::source(other).map(|source| format!("caused by: {source}")),
        };
        Failure {
            code,
            message: error.to_string(),
            detail,
        }
    }
}

/// Parses the arguments, runs the command and turns the outcome into an exit code.
pub fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.format(&mut Cli::command()).exit(),
    };
    cli.global.note_command_line(&matches);
    let verbose = cli.global.verbose;
    if verbose > 0 {
        context::install_request_log(verbose);
    }
    let outcome = run(cli);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of standard output went away (`| head -1`): nothing to report.
        Err(failure) if failure.code == 0 => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", output::escape(&failure.message));
            if verbose > 0 {
                if let Some(detail) = failure.detail {
                    eprintln!("{}", output::escape_lines(&detail));
                }
            }
            ExitCode::from(failure.code)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let Cli {
        global,
        fanout,
        command,
    } = cli;
    let filter = fanout.filter();
    if fanout.requested(&filter) {
        return fanout::run(global, fanout, filter, command);
    }
    fanout.check_unused()?;
    match command {
        Command::Schema(schema::SchemaCommand::Pull(args)) => context::block_on(async {
            let session = context::Session::open(&global).await?;
            schema::pull(&session, args).await
        }),
        Command::Schema(command) => schema::run(command, &mut std::io::stdout().lock()),
        Command::Config(command) => config::run(&global, command),
        Command::Operations => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            for (endpoint, names) in taegis_sdk::ops::OPERATION_NAMES {
                for name in names.iter() {
                    writeln!(out, "{endpoint}\t{name}").map_err(Failure::output)?;
                }
            }
            Ok(())
        }
        Command::Completions { shell } => {
            // Generated in memory: clap_complete panics when its writer fails.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "taegis", &mut script);
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(&script)
                .and_then(|()| out.flush())
                .map_err(Failure::output)
        }
        #[cfg(feature = "sandbox")]
        Command::Sandbox(command) => context::block_on(misc::sandbox(command)),
        Command::Query(args) => context::block_on(async {
            let session = context::Session::open(&global).await?;
            misc::query(&session, args).await
        }),
        Command::Auth(command) => context::block_on(async {
            let session = context::Session::open(&global).await?;
            misc::auth(&session, command).await
        }),
        Command::Version { service } => context::block_on(async {
            let session = context::Session::open(&global).await?;
            misc::version(&session, &service).await
        }),
        Command::Clients(command) => context::block_on(async {
            let session = context::Session::open(&global).await?;
            clients::run(&session, command).await
        }),
        Command::Tenants(command) => context::block_on(async {
            let session = context::Session::open(&global).await?;
            tenants::run(&session, command).await
        }),
        Command::Sso(command) => context::block_on(async {
            let session = context::Session::open(&global).await?;
            sso::run(&session, command).await
        }),
        Command::Alerts(command) => context::block_on(async {
            let session = context::Session::open(&global).await?;
            alerts::run(&session, command).await
        }),
        Command::Investigations(command) => context::block_on(async {
            let session = context::Session::open(&global).await?;
            investigations::run(&session, command).await
        }),
        Command::Events(command) => context::block_on(async {
            let session = context::Session::open(&global).await?;
            events::run(&session, command).await
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// A global option and a subcommand's own argument with the same ID make clap panic when
    /// that subcommand is parsed (the fan-out's `--report` and `schema check --report` did),
    /// or let the subcommand's argument take the global's place (`tenants label create`'s
    /// positional tenant was sent as `X-Tenant-Context`, hiding `--tenant`).
    #[test]
    fn no_subcommand_argument_shares_an_id_with_a_global_option() {
        use clap::Args;
        let root = Cli::command();
        let mut globals: Vec<String> =
            super::fanout::FanOutArgs::augment_args(clap::Command::new("x"))
                .get_arguments()
                .map(|a| a.get_id().to_string())
                .collect();
        globals.extend(
            super::context::GlobalArgs::augment_args(clap::Command::new("x"))
                .get_arguments()
                .map(|a| a.get_id().to_string()),
        );
        assert!(globals.contains(&"each_tenant".to_owned()));
        assert!(globals.contains(&super::context::TENANT_CONTEXT.to_owned()));
        fn walk(command: &clap::Command, globals: &[String], path: &str) {
            for sub in command.get_subcommands() {
                let path = format!("{path} {}", sub.get_name());
                for arg in sub.get_arguments() {
                    let id = arg.get_id().to_string();
                    assert!(!globals.contains(&id), "{path}: --{id} is also global");
                }
                walk(sub, globals, &path);
            }
        }
        walk(&root, &globals, "taegis");
    }
}
