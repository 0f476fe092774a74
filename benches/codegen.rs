//! Codegen cost per operation: `taegis_sdk_codegen::Builder::generate` (validation against
//! the bundled tenants schema, graphql_client code generation, formatting, writing the
//! module) for 1, 50 and 200 synthetic operations. The per-operation cost is the slope
//! between the 1- and 200-operation cases (the 1-operation case is mostly loading the
//! schema). `benches/compare.py` also measures what the same 200 operations add to an
//! incremental `cargo build` (generation plus compiling the generated code).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::path::Path;
use std::time::Duration;
use taegis_sdk_codegen::{Builder, Endpoint};

const FIELDS: &[&str] = &[
    "id",
    "name",
    "enabled",
    "description",
    "domain",
    "expires_at",
    "created_at",
    "updated_at",
    "is_partner",
    "support_enabled",
    "labels { id name value }",
    "environments { name enabled }",
    "all_services { id service_id name }",
];

/// Synthetic operation number `i`: a `tenants` query with a rotating selection (the same
/// template `benches/compare.py` writes for the build measurement).
pub fn synthetic_operation(i: usize) -> String {
    let take = 3 + i % (FIELDS.len() - 2);
    let fields: Vec<&str> = (0..take).map(|k| FIELDS[(i + k) % FIELDS.len()]).collect();
    format!(
        "query benchSynth{i}($q: TenantsQuery!) {{\n  tenants(tenantsQuery: $q) {{\n    count hasMore cursorPos\n    results {{ {} }}\n  }}\n}}\n",
        fields.join(" ")
    )
}

fn write_operations(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        std::fs::write(
            dir.join(format!("benchSynth{i}.graphql")),
            synthetic_operation(i),
        )
        .unwrap();
    }
}

fn codegen(c: &mut Criterion) {
    let mut group = c.benchmark_group("codegen");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    for n in [1usize, 50, 200] {
        let root = tempfile::tempdir().unwrap();
        let queries = root.path().join("queries");
        let out = root.path().join("out");
        std::fs::create_dir_all(&out).unwrap();
        write_operations(&queries, n);
        let builder = Builder::new(Endpoint::TENANTS)
            .queries(&queries)
            .out_dir(&out)
            .module_name("bench");
        let generated = builder.generate().expect("synthetic operations are valid");
        assert_eq!(generated.operations.len(), n);
        group.bench_with_input(BenchmarkId::new("operations", n), &n, |b, _| {
            b.iter(|| builder.generate().unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, codegen);
criterion_main!(benches);
