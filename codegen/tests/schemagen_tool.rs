//! The schema generator (`tools/schemagen/`: `extract.py` reads the official Python SDK wheel,
//! `write_schemas.py` writes introspection results from that model and an evidence file) keeps
//! passing its own unit tests; run here so that the suite's one test command covers them. No
//! network: the tests use inline snippets and small models.

use std::path::Path;
use std::process::Command;

#[test]
fn schemagen_unit_tests_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the codegen crate lives in the workspace");
    let output = Command::new("python3")
        .args(["-B", "-m", "unittest", "tools/schemagen/test_extract.py"])
        .current_dir(root)
        .output()
        .expect("python3 runs (the Python interop test needs it too)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("OK"), "{stderr}");
}
