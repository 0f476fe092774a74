//! `taegis`: the command-line client for the Secureworks Taegis XDR GraphQL APIs.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
