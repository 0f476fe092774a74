//! Bundles every `schemas/<endpoint>.json` of this package: adding a gateway's schema is
//! adding its file.

use std::io::Write;

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("codegen/schemas exists")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "json").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR"))
        .join("bundled_schemas.rs");
    let mut file = std::fs::File::create(out).expect("OUT_DIR is writable");
    writeln!(
        file,
        "/// (endpoint name, introspection JSON) for every bundled schema."
    )
    .unwrap();
    writeln!(file, "pub(crate) const SCHEMAS: &[(&str, &str)] = &[").unwrap();
    for name in names {
        let path = dir.join(format!("{name}.json"));
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            file,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    writeln!(file, "];").unwrap();
}
