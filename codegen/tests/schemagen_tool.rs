//! The schema generator (`tools/schemagen/`: `extract.py` reads the official Python SDK wheel,
//! `write_schemas.py` writes introspection results from that model and an evidence file).
//!
//! - its Python unit tests pass (inline snippets and small models, no network);
//! - the bundled `codegen/schemas/*.json` are byte for byte what the generator writes from the
//!   taegis-sdk-python 2.0.4 wheel plus `tools/schemagen/evidence.json`, with no stray file
//!   (`tools/schemagen/regenerate.py --check`);
//! - every fact of the wheel's model is in the bundled schemas (`tools/schemagen/coverage.py`).
//!
//! The last two need the wheel: fetched once from PyPI with `pip download` (its sha256 is pinned
//! in `regenerate.py`) and cached with its model under `<target>/schemagen/<version>/`, so reruns
//! do not download again. Without python3/pip or without the registry they are skipped with a
//! `SKIPPED <test>: <why>` line on stderr; once the wheel is there, a difference fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

/// Exit status of `regenerate.py` when the wheel cannot be had (no pip, download failed).
const UNAVAILABLE: i32 = 3;

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the codegen crate lives in the workspace")
}

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Runs `python3 -B tools/schemagen/<tool> ARGS` from the repository root.
fn schemagen(tool: &str, args: &[&str]) -> Result<Output, String> {
    Command::new(python())
        .arg("-B")
        .arg(Path::new("tools/schemagen").join(tool))
        .args(args)
        .current_dir(repo_root())
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", python()))
}

/// `<target>/schemagen`: `CARGO_TARGET_TMPDIR` is `<target>/tmp`.
fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target dir")
        .join("schemagen")
}

/// The model of the 2.0.4 wheel, fetched and extracted at most once per process (and cached
/// on disk across runs), or why it cannot be had (then the caller skips). Panics when the
/// wheel is there but wrong (sha256) or the extraction fails.
fn wheel_model() -> Result<&'static Path, &'static str> {
    static MODEL: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let started = Instant::now();
            let cache = cache_dir();
            let cache = cache.to_str().expect("UTF-8 target dir");
            let out = schemagen("regenerate.py", &["--model-path", "--cache", cache])?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            match out.status.code() {
                Some(0) => {
                    let stdout = String::from_utf8_lossy(&out.stdout);
                    let path = PathBuf::from(stdout.trim());
                    eprintln!(
                        "wheel model {} ready in {:.2?}",
                        path.display(),
                        started.elapsed()
                    );
                    Ok(path)
                }
                Some(UNAVAILABLE) => Err(stderr.trim().to_owned()),
                _ => panic!(
                    "regenerate.py --model-path failed ({}):\n{stderr}",
                    out.status
                ),
            }
        })
        .as_deref()
        .map_err(String::as_str)
}

fn bundled_schemas() -> Vec<String> {
    let dir = repo_root().join("codegen/schemas");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("codegen/schemas")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            p.strip_prefix(repo_root())
                .expect("inside the repository")
                .to_str()
                .expect("UTF-8 path")
                .to_owned()
        })
        .collect();
    files.sort();
    files
}

#[test]
fn schemagen_unit_tests_pass() {
    let output = Command::new(python())
        .args(["-B", "-m", "unittest", "discover", "-v"])
        .args(["-s", "tools/schemagen", "-p", "test_*.py"])
        .current_dir(repo_root())
        .output()
        .expect("python3 runs (the Python interop test needs it too)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("\nOK"), "{stderr}");
    for module in ["test_extract", "test_write_schemas", "test_coverage"] {
        assert!(
            stderr.contains(&format!(" ({module}.")),
            "{module}.py was not discovered:\n{stderr}"
        );
    }
}

#[test]
fn bundled_schemas_are_what_the_generator_writes() {
    let model = match wheel_model() {
        Ok(model) => model,
        Err(why) => {
            eprintln!(
                "SKIPPED bundled_schemas_are_what_the_generator_writes: it needs python3 with pip \
                 and the taegis-sdk-python 2.0.4 wheel from PyPI ({why})"
            );
            return;
        }
    };
    let started = Instant::now();
    let cache = cache_dir();
    let out = schemagen(
        "regenerate.py",
        &["--check", "--cache", cache.to_str().expect("UTF-8")],
    )
    .expect("python3 ran a moment ago");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "codegen/schemas is not what tools/schemagen writes from {}:\n{stderr}{stdout}",
        model.display()
    );
    eprintln!("{} ({:.2?})", stdout.trim(), started.elapsed());
}

#[test]
fn bundled_schemas_cover_the_whole_wheel() {
    let model = match wheel_model() {
        Ok(model) => model,
        Err(why) => {
            eprintln!(
                "SKIPPED bundled_schemas_cover_the_whole_wheel: it needs python3 with pip and \
                 the taegis-sdk-python 2.0.4 wheel from PyPI ({why})"
            );
            return;
        }
    };
    let started = Instant::now();
    let schemas = bundled_schemas();
    let mut args = vec![model.to_str().expect("UTF-8 model path"), "--json"];
    args.extend(schemas.iter().map(String::as_str));
    let out = schemagen("coverage.py", &args).expect("python3 ran a moment ago");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("coverage.py --json ({}): {e}\n{stderr}", out.status));
    let mut table = String::new();
    let mut incomplete = Vec::new();
    for kind in [
        "root fields",
        "arguments",
        "types",
        "fields",
        "enum values",
        "union members",
        "deprecations",
    ] {
        let entry = &report["kinds"][kind];
        let total = entry["total"].as_u64().expect("total");
        let present = entry["present"].as_u64().expect("present");
        table.push_str(&format!("  {kind:15} {present:6} of {total:6}\n"));
        assert!(total > 0, "the model has {kind}");
        if present != total {
            let missing: Vec<String> = entry["missing"]
                .as_array()
                .expect("missing")
                .iter()
                .take(20)
                .map(|m| {
                    let text = |key: &str| m[key].as_str().unwrap_or("?").to_owned();
                    format!(
                        "    {}: {}: {}",
                        text("endpoint"),
                        text("coordinate"),
                        text("reason")
                    )
                })
                .collect();
            incomplete.push(format!(
                "{kind}: {} missing, first:\n{}",
                total - present,
                missing.join("\n")
            ));
        }
    }
    assert!(
        incomplete.is_empty() && out.status.success() && report["ok"] == true,
        "the bundled schemas miss facts of the wheel (python3 tools/schemagen/coverage.py \
         {} {} --all):\n{table}{}",
        model.display(),
        schemas.join(" "),
        incomplete.join("\n")
    );
    eprintln!(
        "coverage of {} services in {} schemas ({:.2?}):\n{table}",
        report["services"],
        schemas.len(),
        started.elapsed()
    );
}
