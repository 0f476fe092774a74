//! Rust types for the custom scalars of the Taegis schemas.
//!
//! Generated code refers to these by name (`crate::scalars::Time`), so downstream crates that
//! compile their own operations get the same types.

/// An RFC 3339 timestamp as the API sends it, e.g. `2023-03-03T20:58:40.24986Z`.
///
/// Kept as text so that no value the server sends can fail to decode; parse it with the
/// date-time crate of your choice when you need arithmetic.
pub type Time = String;

/// A free-form JSON object.
pub type Map = serde_json::Value;

/// A free-form JSON value.
pub type JSON = serde_json::Value;

/// A free-form JSON object.
pub type JSONObject = serde_json::Value;
