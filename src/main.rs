//! `taegis`: the command-line client for the Taegis XDR APIs.
//!
//! The full command set arrives with the CLI work; this entry point already reports what the
//! build compiled.

use std::process::ExitCode;

const USAGE: &str = "\
taegis — command-line client for the Secureworks Taegis XDR GraphQL APIs

Usage: taegis <COMMAND>

Commands:
  operations   List the typed GraphQL operations compiled into this binary
  help         Print this help

Options:
  -h, --help     Print this help
  -V, --version  Print the version
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("help" | "-h" | "--help") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("-V" | "--version") => {
            println!("taegis {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some("operations") => {
            for (endpoint, names) in [
                ("main", taegis_sdk::ops::main::OPERATION_NAMES),
                ("tenants", taegis_sdk::ops::tenants::OPERATION_NAMES),
            ] {
                for name in names {
                    println!("{endpoint}\t{name}");
                }
            }
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("error: unknown command `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
