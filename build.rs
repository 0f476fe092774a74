//! Validates every operation under `queries/<endpoint>/<service>/` against the schemas bundled
//! with `taegis-sdk-codegen` and generates their typed modules into `OUT_DIR`, one per endpoint
//! of `taegis_platform::Endpoint::ALL`, plus the index `src/ops.rs` includes; then checks that
//! every facade type marked "Mirrors fragment `X`" in `src/api/` reads exactly the fields its
//! shared fragment selects.

use std::fmt::Write as _;

use taegis_sdk_codegen::{Builder, Endpoint};

fn main() {
    // A new endpoint folder counts as a change too.
    println!("cargo:rerun-if-changed=queries");
    let mut index = String::new();
    let mut fragments = Vec::new();
    for endpoint in Endpoint::ALL {
        let mut builder = Builder::new(*endpoint).crate_path("crate");
        let folder = format!("queries/{}", endpoint.name);
        if std::path::Path::new(&folder).is_dir() {
            builder = builder.queries(folder);
        }
        fragments.extend(builder.build_script().fragments);
        let _ = writeln!(
            index,
            "crate::include_operations!({});",
            endpoint.module_name()
        );
    }
    let _ = writeln!(
        index,
        "/// `(endpoint name, operation names)` of every endpoint.\n\
         pub const OPERATION_NAMES: &[(&str, &[&str])] = &[{}];",
        Endpoint::ALL
            .iter()
            .map(|e| format!("({:?}, {}::OPERATION_NAMES)", e.name, e.module_name()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    taegis_sdk_codegen::check_mirrors_build_script(&fragments, &["src/api".into()]);
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let path = out.join("taegis_operations_index.rs");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(index.as_str()) {
        std::fs::write(&path, index).expect("OUT_DIR is writable");
    }
}
