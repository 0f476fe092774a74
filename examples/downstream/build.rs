//! Checks `queries/tenants/*.graphql` against the tenants schema bundled with
//! taegis-sdk-codegen and generates their typed module, exactly as taegis-sdk does for its own.

fn main() {
    taegis_sdk_codegen::Builder::new(taegis_sdk_codegen::Endpoint::TENANTS)
        .queries("queries/tenants")
        .build_script();
}
