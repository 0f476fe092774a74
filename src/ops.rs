//! Typed GraphQL operations, generated at build time from `queries/main/` and
//! `queries/tenants/` after validation against `schema/main.json` and `schema/tenants.json`.
//!
//! Each operation `fooBar` becomes a struct `FooBar` (implementing
//! [`graphql_client::GraphQLQuery`] and [`crate::Operation`]) and a module `foo_bar` holding its
//! `Variables` and `ResponseData` types.

crate::include_operations!(main);
crate::include_operations!(tenants);
