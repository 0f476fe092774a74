//! Schema loading: any text as an introspection result. Loading must fail cleanly or give a
//! schema that the checked-in operations can be validated against without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use taegis_sdk_codegen::Schema;

const CLIENT_FRAGMENTS: &str = include_str!("../../queries/main/clients/fragments.graphql");
const TENANT_FRAGMENTS: &str = include_str!("../../queries/tenants/tenants/fragments.graphql");

/// (operation, the shared fragments file it spreads).
const OPERATIONS: &[(&str, &str)] = &[
    (include_str!("../../queries/main/clients/clients.graphql"), CLIENT_FRAGMENTS),
    (include_str!("../../queries/main/clients/createClient.graphql"), CLIENT_FRAGMENTS),
    (include_str!("../../queries/tenants/tenants/tenants.graphql"), TENANT_FRAGMENTS),
    (include_str!("../../queries/tenants/tenants/updateTenant.graphql"), TENANT_FRAGMENTS),
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(schema) = Schema::from_introspection_str(text, "fuzz.json") {
        for (op, fragments) in OPERATIONS {
            let fragments = [("fragments.graphql".to_owned(), fragments.to_string())];
            if let Err(diagnostics) = schema.check_with(op, "op.graphql", &fragments) {
                for d in diagnostics {
                    let _ = d.to_string();
                }
            }
        }
    }
});
