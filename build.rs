//! Validates every operation under `queries/main/` and `queries/tenants/` against the
//! checked-in schemas and generates their typed modules into `OUT_DIR`.

use taegis_sdk_codegen::{Builder, Endpoint};

fn main() {
    for endpoint in Endpoint::ALL {
        let name = endpoint.name();
        Builder::new(endpoint)
            .schema(format!("schema/{name}.json"))
            .queries(format!("queries/{name}"))
            .crate_path("crate")
            .secret_fields(["clientSecret", "client_secret"])
            .build_script();
    }
}
