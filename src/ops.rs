//! Typed GraphQL operations, generated at build time from `queries/<endpoint>/` after
//! validation against the schemas bundled with `taegis-sdk-codegen`: one module per endpoint
//! (`main`, `tenants`, `events`, `agent`, `cql_metadata`, `fast_ioc`, `multi_tenant_ioc`).
//!
//! Each operation `fooBar` becomes a struct `FooBar` (implementing
//! [`graphql_client::GraphQLQuery`] and [`crate::Operation`]) and a module `foo_bar` holding its
//! `Variables` and `ResponseData` types.

include!(concat!(env!("OUT_DIR"), "/taegis_operations_index.rs"));
