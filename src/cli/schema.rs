//! `taegis schema`: print a schema as SDL and classify the changes between two schemas.

use clap::Subcommand;
use std::io::Write;
use std::path::{Path, PathBuf};
use taegis_sdk_codegen::diff::{diff, Severity};
use taegis_sdk_codegen::{check_operation_files, Schema};

use super::Failure;

/// Subcommands of `taegis schema`.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Print an introspection JSON file as SDL, for reading.
    Sdl {
        /// The introspection result (`schema/main.json`, `schema/tenants.json` or a pulled file).
        file: PathBuf,
    },
    /// List the changes from OLD to NEW as breaking, dangerous or safe; exit 1 when something
    /// breaks.
    Diff {
        /// The schema you have now.
        old: PathBuf,
        /// The schema you are moving to.
        new: PathBuf,
        /// Re-validate every `.graphql` file under this folder against NEW and report which
        /// operations break, with file and line.
        #[arg(long, value_name = "DIR")]
        queries: Option<PathBuf>,
    },
}

/// Runs a schema subcommand, writing its report to `out`.
pub fn run(command: SchemaCommand, out: &mut impl Write) -> Result<(), Failure> {
    let written = |result: std::io::Result<()>| {
        result.map_err(|e| Failure::api(format!("cannot write the output: {e}")))
    };
    match command {
        SchemaCommand::Sdl { file } => {
            let schema = load(&file)?;
            written(out.write_all(schema.sdl.as_bytes()))
        }
        SchemaCommand::Diff { old, new, queries } => {
            let (old, new) = (load(&old)?, load(&new)?);
            let changes = diff(&old, &new);
            let count = |severity| changes.iter().filter(|c| c.severity == severity).count();
            for change in &changes {
                written(writeln!(out, "{change}"))?;
            }
            let mut broken_operations = Vec::new();
            if let Some(dir) = queries {
                broken_operations = check_operation_files(&new, &[dir], None)
                    .map_err(|error| Failure::api(error.to_string()))?;
                for diagnostic in &broken_operations {
                    written(writeln!(out, "operation {diagnostic}"))?;
                }
            }
            written(writeln!(
                out,
                "{} breaking, {} dangerous, {} safe change{}{}",
                count(Severity::Breaking),
                count(Severity::Dangerous),
                count(Severity::Safe),
                if changes.len() == 1 { "" } else { "s" },
                if broken_operations.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; {} problem{} in operations",
                        broken_operations.len(),
                        if broken_operations.len() == 1 {
                            ""
                        } else {
                            "s"
                        }
                    )
                }
            ))?;
            if count(Severity::Breaking) > 0 || !broken_operations.is_empty() {
                return Err(Failure::api("the new schema breaks existing clients"));
            }
            Ok(())
        }
    }
}

fn load(path: &Path) -> Result<Schema, Failure> {
    Schema::from_introspection_file(path).map_err(|error| Failure::api(error.to_string()))
}
