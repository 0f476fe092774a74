//! How many documents of a folder validate against a set of schemas: the real-world validity
//! measure of the schema work (`tools/schemagen/corpus/`).
//!
//! ```sh
//! cargo run -p taegis-sdk-codegen --example corpus_validity -- tools/schemagen/corpus
//! cargo run -p taegis-sdk-codegen --example corpus_validity -- tools/schemagen/corpus /tmp/out/*.json
//! ```
//!
//! With no schema files, the bundled ones are used. A document counts as valid when one of the
//! schemas accepts it; `-v` lists the first error of each rejected document.

use std::path::Path;
use taegis_sdk_codegen::{bundled_schema, Builder, Endpoint, Schema};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    args.retain(|a| a != "-v");
    let Some(folder) = args.first().cloned() else {
        eprintln!("usage: corpus_validity [-v] FOLDER [SCHEMA.json ...]");
        std::process::exit(2);
    };
    let schemas: Vec<(String, Schema)> = if args.len() > 1 {
        args[1..]
            .iter()
            .map(
                |path| match Schema::from_introspection_file(Path::new(path)) {
                    Ok(schema) => (path.clone(), schema),
                    Err(error) => {
                        eprintln!("{path}: {error}");
                        std::process::exit(2);
                    }
                },
            )
            .collect()
    } else {
        Endpoint::ALL
            .iter()
            .filter(|e| bundled_schema(**e).is_some())
            .filter_map(|e| Some((format!("bundled {e}"), Schema::bundled(*e).ok()?)))
            .collect()
    };
    let files = match Builder::new(Endpoint::MAIN)
        .queries(&folder)
        .operation_files()
    {
        Ok(files) => files,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    };
    let mut valid = 0;
    for file in &files {
        let Ok(source) = std::fs::read_to_string(file) else {
            continue;
        };
        let display = file.display().to_string();
        let mut first_error = None;
        let accepted = schemas
            .iter()
            .any(|(_, schema)| match schema.check(&source, &display) {
                Ok(_) => true,
                Err(errors) => {
                    first_error.get_or_insert_with(|| errors.first().map(ToString::to_string));
                    false
                }
            });
        if accepted {
            valid += 1;
        } else if verbose {
            println!("{}", first_error.flatten().unwrap_or(display));
        }
    }
    let names: Vec<&str> = schemas.iter().map(|(n, _)| n.as_str()).collect();
    println!(
        "{valid} of {} documents valid ({:.1}%) against {}",
        files.len(),
        100.0 * valid as f64 / files.len().max(1) as f64,
        names.join(", ")
    );
}
