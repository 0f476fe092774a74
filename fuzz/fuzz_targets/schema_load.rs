//! Schema loading: any text as an introspection result. Loading must fail cleanly or give a
//! schema that the checked-in operations can be validated against without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use taegis_sdk_codegen::Schema;

const OPERATIONS: &[&str] = &[
    include_str!("../../queries/main/clients.graphql"),
    include_str!("../../queries/main/createClient.graphql"),
    include_str!("../../queries/tenants/tenants.graphql"),
    include_str!("../../queries/tenants/updateTenant.graphql"),
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(schema) = Schema::from_introspection_str(text, "fuzz.json") {
        for op in OPERATIONS {
            if let Err(diagnostics) = schema.check(op, "op.graphql") {
                for d in diagnostics {
                    let _ = d.to_string();
                }
            }
        }
    }
});
