//! Argument parsing, dispatch and exit codes of the `taegis` binary.
//!
//! Exit codes: 0 success, 1 API or GraphQL error (and breaking schema changes for
//! `schema diff`), 2 usage error, 3 authentication error, 4 network error.

mod schema;

use clap::{CommandFactory, Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

/// The command line of `taegis`.
#[derive(Debug, Parser)]
#[command(
    name = "taegis",
    version,
    about = "Command-line client for the Secureworks Taegis XDR GraphQL APIs",
    long_about = "Command-line client for the Secureworks Taegis XDR GraphQL APIs: manage API \
                  clients, tenants and SSO connections, run any GraphQL document, and keep the \
                  schemas that operations are checked against up to date.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read, compare and print the GraphQL schemas.
    #[command(subcommand)]
    Schema(schema::SchemaCommand),
    /// List the typed GraphQL operations compiled into this binary.
    Operations,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

/// A failure to report: one line on standard error, an exit code, and detail for `-v`.
#[derive(Debug)]
pub struct Failure {
    /// The process exit code.
    pub code: u8,
    /// One clear line.
    pub message: String,
}

impl Failure {
    /// An API, GraphQL or local-input failure (exit code 1).
    pub fn api(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
}

/// Parses the arguments, runs the command and turns the outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    let outcome = match cli.command {
        Command::Schema(command) => schema::run(command, &mut stdout),
        Command::Operations => {
            let mut result = Ok(());
            for (endpoint, names) in [
                ("main", taegis_sdk::ops::main::OPERATION_NAMES),
                ("tenants", taegis_sdk::ops::tenants::OPERATION_NAMES),
            ] {
                for name in names {
                    if let Err(error) = writeln!(stdout, "{endpoint}\t{name}") {
                        result = Err(Failure::api(format!("cannot write the output: {error}")));
                    }
                }
            }
            result
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "taegis", &mut stdout);
            Ok(())
        }
    };
    let _ = stdout.flush();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
