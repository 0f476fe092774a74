//! The operation validator: any text as a GraphQL document, checked against both bundled
//! schemas. It must answer with diagnostics or a checked document, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use taegis_sdk_codegen::{Endpoint, Schema};

fn schemas() -> &'static [Schema; 2] {
    static SCHEMAS: OnceLock<[Schema; 2]> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        [
            Schema::bundled(Endpoint::MAIN).expect("bundled main schema"),
            Schema::bundled(Endpoint::TENANTS).expect("bundled tenants schema"),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(document) = std::str::from_utf8(data) else {
        return;
    };
    for schema in schemas() {
        match schema.check(document, "fuzz.graphql") {
            Ok(_) => {}
            Err(diagnostics) => {
                assert!(!diagnostics.is_empty(), "an error without diagnostics");
                for d in diagnostics {
                    let _ = d.to_string();
                }
            }
        }
    }
});
