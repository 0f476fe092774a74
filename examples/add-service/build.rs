//! Step 2: checks `queries/tenants/domains/*.graphql` against the tenants schema bundled with
//! taegis-sdk-codegen and generates their typed module (`tenants`) into `OUT_DIR`.

fn main() {
    taegis_sdk_codegen::Builder::new(taegis_sdk_codegen::Endpoint::TENANTS)
        .queries("queries/tenants/domains")
        .build_script();
}
