//! `taegis schema`: print a schema as SDL and classify the changes between two schemas.

use clap::Subcommand;
use std::io::Write;
use std::path::{Path, PathBuf};
use taegis_sdk_codegen::diff::{diff, Severity};
use taegis_sdk_codegen::{check_operation_files, Schema};

use super::output;
use super::Failure;

/// Subcommands of `taegis schema`.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Fetch the schemas by introspection and write `<endpoint>.json` for one endpoint or all
    /// of them deterministically (sorted, pretty-printed); a failed or partial answer never replaces a
    /// good file.
    Pull(PullArgs),
    /// Print an introspection JSON file as SDL, for reading.
    Sdl {
        /// The introspection result (`codegen/schemas/<endpoint>.json` or a pulled file).
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
    /// Validate GraphQL operation files against an endpoint's bundled schema, as the build
    /// does: every problem as `file:line:column: message` (with a did-you-mean for unknown
    /// names); exit 1 when there is any.
    Check(CheckArgs),
}

/// Arguments of `taegis schema check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// `.graphql` files, or folders searched recursively for `.graphql` and `.gql` files.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The endpoint whose bundled schema the operations are for: main (/graphql), tenants,
    /// events, agent, cql-metadata, fast-ioc or multi-tenant-ioc.
    #[arg(long, value_name = "ENDPOINT", default_value = "main")]
    endpoint: String,
    /// Check against this introspection result instead of the bundled schema.
    #[arg(long, value_name = "FILE")]
    schema: Option<PathBuf>,
    /// Print each problem's full report (source excerpt, schema excerpt, labels).
    #[arg(long)]
    report: bool,
}

/// Arguments of `taegis schema pull`.
#[derive(Debug, clap::Args)]
pub struct PullArgs {
    /// Which schema to refresh: an endpoint name (main, tenants, events, agent, cql-metadata,
    /// fast-ioc, multi-tenant-ioc), or `all` for every endpoint whose schema this SDK bundles.
    #[arg(long, value_name = "ENDPOINT", default_value = "all")]
    endpoint: String,
    /// The folder to write `<endpoint>.json` into (created when missing).
    #[arg(long, value_name = "DIR", default_value = "codegen/schemas")]
    out: PathBuf,
}

/// The endpoints `schema pull --endpoint NAME` refreshes.
fn pull_targets(name: &str) -> Result<Vec<taegis_sdk::Endpoint>, Failure> {
    if name.eq_ignore_ascii_case("all") {
        return Ok(taegis_sdk::Endpoint::ALL
            .iter()
            .copied()
            .filter(|e| taegis_sdk_codegen::bundled_schema(*e).is_some())
            .collect());
    }
    super::context::parse_endpoint(name)
        .map(|endpoint| vec![endpoint])
        .map_err(Failure::usage)
}

/// The standard introspection query, asking for deprecated fields, enum values, arguments
/// and input fields too.
const INTROSPECTION: &str = r#"query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue isDeprecated deprecationReason }
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}"#;

/// The same for servers that predate deprecated arguments and input fields.
fn classic_introspection() -> String {
    INTROSPECTION
        .replace("args(includeDeprecated: true)", "args")
        .replace("inputFields(includeDeprecated: true)", "inputFields")
        .replace(
            "defaultValue isDeprecated deprecationReason }",
            "defaultValue }",
        )
        .replace(" isRepeatable", "")
}

/// Runs `taegis schema pull`.
pub async fn pull(session: &super::context::Session, args: PullArgs) -> Result<(), Failure> {
    let targets = pull_targets(&args.endpoint)?;
    if args.out.exists() && !args.out.is_dir() {
        return Err(Failure::usage(format!(
            "{} is not a folder",
            args.out.display()
        )));
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|error| Failure::api(format!("cannot create {}: {error}", args.out.display())))?;
    for endpoint in &targets {
        let name = endpoint.name;
        let mut response = session
            .client
            .execute_raw(*endpoint, INTROSPECTION, None, Some("IntrospectionQuery"))
            .await?;
        if response
            .get("errors")
            .is_some_and(|e| e.as_array().is_some_and(|a| !a.is_empty()))
        {
            response = session
                .client
                .execute_raw(
                    *endpoint,
                    &classic_introspection(),
                    None,
                    Some("IntrospectionQuery"),
                )
                .await?;
        }
        if let Some(errors) = response
            .get("errors")
            .and_then(|e| e.as_array())
            .filter(|a| !a.is_empty())
        {
            return Err(Failure::api(format!(
                "introspection of the {name} endpoint failed: {}; {name}.json left untouched",
                errors[0]
                    .get("message")
                    .and_then(|m| m.as_str())
                    .unwrap_or("(no message)")
            )));
        }
        let origin = format!("introspection of the {name} endpoint");
        let text = taegis_sdk_codegen::canonical::canonical_introspection(&response, &origin)
            .map_err(|error| Failure::api(format!("{error}; {name}.json left untouched")))?;
        let path = args.out.join(format!("{name}.json"));
        let old = std::fs::read_to_string(&path).ok();
        let unchanged = old.as_deref() == Some(text.as_str());
        if !unchanged {
            let temporary = args.out.join(format!(".{name}.json.partial"));
            std::fs::write(&temporary, &text)
                .and_then(|()| std::fs::rename(&temporary, &path))
                .map_err(|error| {
                    let _ = std::fs::remove_file(&temporary);
                    Failure::api(format!("cannot write {}: {error}", path.display()))
                })?;
        }
        let outcome = match (&old, unchanged) {
            (None, _) => "written",
            (Some(_), true) => "unchanged",
            (Some(_), false) => "updated",
        };
        eprintln!("{}: {outcome}", path.display());
    }
    Ok(())
}

/// Runs a schema subcommand, writing its report to `out`.
pub fn run(command: SchemaCommand, out: &mut impl Write) -> Result<(), Failure> {
    let written = |result: std::io::Result<()>| result.map_err(Failure::output);
    match command {
        SchemaCommand::Pull(_) => Err(Failure::api("schema pull needs a connection")),
        SchemaCommand::Sdl { file } => {
            let schema = load(&file)?;
            written(
                out.write_all(schema.sdl.as_bytes())
                    .and_then(|()| out.flush()),
            )
        }
        SchemaCommand::Diff { old, new, queries } => {
            let (old, new) = (load(&old)?, load(&new)?);
            let changes = diff(&old, &new);
            let count = |severity| changes.iter().filter(|c| c.severity == severity).count();
            for change in &changes {
                written(writeln!(
                    out,
                    "{}",
                    output::escape_lines(&change.to_string())
                ))?;
            }
            let mut broken_operations = Vec::new();
            if let Some(dir) = queries {
                broken_operations = check_operation_files(&new, &[dir], None)
                    .map_err(|error| Failure::api(error.to_string()))?;
                for diagnostic in &broken_operations {
                    let diagnostic = diagnostic.to_string();
                    written(writeln!(
                        out,
                        "operation {}",
                        output::escape_lines(&diagnostic)
                    ))?;
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
        SchemaCommand::Check(args) => check(args, out),
    }
}

/// Runs `taegis schema check`.
fn check(args: CheckArgs, out: &mut impl Write) -> Result<(), Failure> {
    let written = |result: std::io::Result<()>| result.map_err(Failure::output);
    let endpoint = super::context::parse_endpoint(&args.endpoint).map_err(Failure::usage)?;
    let schema = match &args.schema {
        Some(file) => load(file)?,
        None => Schema::bundled(endpoint).map_err(|error| Failure::api(error.to_string()))?,
    };
    for path in &args.paths {
        if !path.exists() {
            return Err(Failure::usage(format!(
                "{}: no such file or folder",
                path.display()
            )));
        }
    }
    let mut files = taegis_sdk_codegen::Builder::new(endpoint);
    for path in &args.paths {
        files = files.queries(path);
    }
    let files = files
        .operation_files()
        .map_err(|error| Failure::api(error.to_string()))?;
    if files.is_empty() {
        return Err(Failure::usage(
            "no .graphql or .gql file under the paths given",
        ));
    }
    let problems = check_operation_files(&schema, &args.paths, None)
        .map_err(|error| Failure::api(error.to_string()))?;
    for problem in &problems {
        let text = if args.report && !problem.report.is_empty() {
            format!("{problem}\n{}", problem.report.trim_end())
        } else {
            problem.to_string()
        };
        written(writeln!(out, "{}", output::escape_lines(&text)))?;
    }
    let against = match &args.schema {
        Some(file) => file.display().to_string(),
        None => format!("the bundled {} schema", endpoint.name),
    };
    written(writeln!(
        out,
        "{} file{} checked against {against}: {}",
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        match problems.len() {
            0 => "no problems".to_owned(),
            1 => "1 problem".to_owned(),
            n => format!("{n} problems"),
        }
    ))?;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::api(format!(
            "{} problem{} in operations",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        )))
    }
}

fn load(path: &Path) -> Result<Schema, Failure> {
    Schema::from_introspection_file(path).map_err(|error| Failure::api(error.to_string()))
}
