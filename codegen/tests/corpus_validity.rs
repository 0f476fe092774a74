//! Real-world validity of the bundled schemas: every document of `tools/schemagen/corpus/`
//! (what public integrations send to Taegis) validates against them, except those listed in
//! `tools/schemagen/corpus/INVALID.md` as invalid in their own source, and each listed one still
//! fails with the error the list gives (so the list cannot go stale). Same measure as the
//! `corpus_validity` example: a document is valid when one bundled schema accepts it; its first
//! error is the first error of the first schema (in `Endpoint::ALL` order) that rejects it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use taegis_sdk_codegen::{bundled_schema, Builder, Endpoint, Schema};

/// The summary line asserted at the end: update it with the corpus and INVALID.md.
const EXPECTED_SUMMARY: &str =
    "238 of 246 corpus documents valid; 8 listed as invalid in their own source";

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the codegen crate lives in the workspace")
        .join("tools/schemagen/corpus")
}

/// `## path` headings and their `- first error: text` lines.
fn invalid_list(text: &str) -> BTreeMap<String, String> {
    let mut list = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("## ") {
            let path = path.trim().trim_matches('`').to_owned();
            assert!(!list.contains_key(&path), "INVALID.md lists {path} twice");
            current = Some(path);
        } else if let Some(error) = line.strip_prefix("- first error: ") {
            let path = current
                .take()
                .unwrap_or_else(|| panic!("INVALID.md: `first error` outside an entry: {line}"));
            list.insert(path, error.trim().to_owned());
        }
    }
    assert!(
        current.is_none(),
        "INVALID.md: entry {current:?} has no `- first error:` line"
    );
    list
}

#[test]
fn every_corpus_document_validates_except_those_invalid_in_their_source() {
    let dir = corpus_dir();
    let listed = invalid_list(
        &std::fs::read_to_string(dir.join("INVALID.md"))
            .expect("tools/schemagen/corpus/INVALID.md"),
    );
    let schemas: Vec<Schema> = Endpoint::ALL
        .iter()
        .filter(|e| bundled_schema(**e).is_some())
        .map(|e| Schema::bundled(*e).unwrap_or_else(|error| panic!("bundled {e}: {error}")))
        .collect();
    assert!(!schemas.is_empty(), "no bundled schema");
    let files = Builder::new(Endpoint::MAIN)
        .queries(&dir)
        .operation_files()
        .expect("corpus files");

    // relative path -> first error of a rejected document
    let mut rejected = BTreeMap::new();
    for file in &files {
        let relative = file
            .strip_prefix(&dir)
            .expect("below the corpus")
            .to_string_lossy()
            .replace('\\', "/");
        let source = std::fs::read_to_string(file).expect("readable corpus file");
        let mut first_error = None;
        let accepted = schemas
            .iter()
            .any(|schema| match schema.check(&source, &relative) {
                Ok(_) => true,
                Err(errors) => {
                    first_error.get_or_insert_with(|| {
                        errors.first().map_or_else(
                            || "rejected without a message".to_owned(),
                            ToString::to_string,
                        )
                    });
                    false
                }
            });
        if !accepted {
            rejected.insert(relative, first_error.unwrap_or_default());
        }
    }
    let present: Vec<String> = files
        .iter()
        .filter_map(|f| f.strip_prefix(&dir).ok())
        .map(|f| f.to_string_lossy().replace('\\', "/"))
        .collect();

    let mut problems = Vec::new();
    for (file, error) in &rejected {
        if !listed.contains_key(file) {
            problems.push(format!(
                "{file} is rejected and not listed in INVALID.md; first error: {error}"
            ));
        }
    }
    for (file, expected) in &listed {
        match rejected.get(file) {
            Some(error) if error.contains(expected.as_str()) => {}
            Some(error) => problems.push(format!(
                "{file} (INVALID.md) fails with another first error than listed: got `{error}`, listed `{expected}`"
            )),
            None if present.contains(file) => problems.push(format!(
                "{file} is listed in INVALID.md but now validates: remove it from the list"
            )),
            None => problems.push(format!(
                "{file} is listed in INVALID.md but is not in the corpus"
            )),
        }
    }
    assert!(
        problems.is_empty(),
        "corpus validity against the bundled schemas:\n{}",
        problems.join("\n")
    );

    let summary = format!(
        "{} of {} corpus documents valid; {} listed as invalid in their own source",
        files.len() - rejected.len(),
        files.len(),
        listed.len()
    );
    println!("{summary}");
    assert_eq!(summary, EXPECTED_SUMMARY);
}
