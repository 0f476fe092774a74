//! Rust types for the custom scalars of the Taegis schemas.
//!
//! Generated code refers to these by name (`crate::scalars::Time`), so downstream crates that
//! compile their own operations get the same types. The names here are the codegen's
//! `RUNTIME_SCALARS`; any other custom scalar of a schema (`IDs`, `Tags`, ...) is generated as
//! [`AnyScalar`].

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

/// A custom scalar with no dedicated type here (its JSON shape is not documented): whatever
/// JSON value the server sends, kept as is.
pub type AnyScalar = serde_json::Value;

#[cfg(test)]
mod tests {
    /// Every name the codegen relies on exists here (a missing alias would not compile).
    #[test]
    fn every_runtime_scalar_of_the_codegen_contract_is_declared() {
        let declared: Vec<&str> = vec![
            {
                let _: Option<super::Time> = None;
                "Time"
            },
            {
                let _: Option<super::Map> = None;
                "Map"
            },
            {
                let _: Option<super::JSON> = None;
                "JSON"
            },
            {
                let _: Option<super::JSONObject> = None;
                "JSONObject"
            },
        ];
        assert_eq!(declared, taegis_sdk_codegen::RUNTIME_SCALARS);
    }
}
