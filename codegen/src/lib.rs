//! Build-time checking and code generation for Taegis XDR GraphQL operations.
//!
//! The `taegis-sdk` crate compiles its own `queries/` with this crate, and a downstream crate
//! can do the same from its `build.rs`, with the same validation, diagnostics and deprecation
//! warnings:
//!
//! ```no_run
//! // build.rs of a downstream crate
//! taegis_sdk_codegen::Builder::new(taegis_sdk_codegen::Endpoint::TENANTS)
//!     .queries("queries/")
//!     .build_script();
//! ```
//!
//! and in the crate, `taegis_sdk::include_operations!(tenants);` brings the typed operations
//! into scope, ready for `taegis_sdk::Client::execute`.
//!
//! Every document is validated by apollo-compiler against the schema with all the rules of the
//! GraphQL specification before graphql_client_codegen sees it; a failure is reported as
//! `file:line:column: message` plus a full report, the way rustc reports errors.

#![warn(missing_docs)]

pub mod canonical;
mod check;
pub mod diff;
mod enum_fallback;
mod enum_values;
mod files;
mod fragments;
mod generate;
mod mirrors;
pub mod sdl;
mod serde_attrs;
mod suggest;

pub use check::{CheckedDocument, Deprecation, Diagnostic, OperationInfo, OperationKind};
pub use fragments::FragmentSummary;
pub use generate::{check_operation_files, BuildError, Builder, Generated, RUNTIME_SCALARS};
pub use mirrors::{check_mirrors, check_mirrors_build_script};

use apollo_compiler::validation::Valid;
use std::path::{Path, PathBuf};

pub use taegis_platform::{Endpoint, Host};

/// The introspection results bundled with this crate, one per endpoint that has one
/// (`schemas/<endpoint>.json`, found by this crate's build script).
mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled_schemas.rs"));
}

/// The introspection result bundled with this crate for `endpoint`, if there is one.
pub fn bundled_schema(endpoint: Endpoint) -> Option<&'static str> {
    bundled::SCHEMAS
        .iter()
        .find(|(name, _)| *name == endpoint.name)
        .map(|(_, text)| *text)
}

/// A schema loaded from an introspection result, converted to SDL and validated.
#[derive(Debug)]
pub struct Schema {
    /// The schema, validated by apollo-compiler.
    pub schema: Valid<apollo_compiler::Schema>,
    /// The SDL the schema was parsed from.
    pub sdl: String,
    /// The introspection JSON it came from.
    pub introspection: serde_json::Value,
}

/// Why a schema could not be loaded.
#[derive(Debug)]
pub enum SchemaError {
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The text is not JSON.
    Json {
        /// What was being read.
        origin: String,
        /// The JSON error, with line and column.
        source: serde_json::Error,
    },
    /// The JSON is not an introspection result.
    Introspection {
        /// What was being read.
        origin: String,
        /// Where and what.
        source: sdl::IntrospectionError,
    },
    /// This crate bundles no schema for the endpoint (give one with `Builder::schema`).
    NotBundled {
        /// The endpoint.
        endpoint: Endpoint,
    },
    /// The schema it describes is not valid GraphQL.
    Invalid {
        /// What was being read.
        origin: String,
        /// The validation report.
        report: String,
    },
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SchemaError::Io { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            SchemaError::Json { origin, source } => write!(f, "{origin} is not JSON: {source}"),
            SchemaError::Introspection { origin, source } => write!(f, "{origin}: {source}"),
            SchemaError::NotBundled { endpoint } => write!(
                f,
                "no schema is bundled for the `{endpoint}` endpoint ({}); give one with \
                 `Builder::schema(path)` (`taegis schema pull --endpoint {endpoint}` writes it)",
                endpoint.path
            ),
            SchemaError::Invalid { origin, report } => {
                write!(f, "{origin} describes an invalid schema:\n{report}")
            }
        }
    }
}

impl std::error::Error for SchemaError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SchemaError::Io { source, .. } => Some(source),
            SchemaError::Json { source, .. } => Some(source),
            SchemaError::Introspection { source, .. } => Some(source),
            SchemaError::Invalid { .. } | SchemaError::NotBundled { .. } => None,
        }
    }
}

impl Schema {
    /// Loads the schema bundled with this crate for `endpoint`.
    pub fn bundled(endpoint: Endpoint) -> Result<Schema, SchemaError> {
        let text = bundled_schema(endpoint).ok_or(SchemaError::NotBundled { endpoint })?;
        Schema::from_introspection_str(text, &format!("bundled schemas/{}.json", endpoint.name))
    }

    /// Reads an introspection result from a file.
    pub fn from_introspection_file(path: &Path) -> Result<Schema, SchemaError> {
        let text = std::fs::read_to_string(path).map_err(|source| SchemaError::Io {
            path: path.to_owned(),
            source,
        })?;
        Schema::from_introspection_str(&text, &path.display().to_string())
    }

    /// Parses an introspection result; `origin` names it in errors.
    pub fn from_introspection_str(text: &str, origin: &str) -> Result<Schema, SchemaError> {
        let introspection: serde_json::Value =
            serde_json::from_str(text).map_err(|source| SchemaError::Json {
                origin: origin.to_owned(),
                source,
            })?;
        Schema::from_introspection(introspection, origin)
    }

    /// Builds a schema from an already parsed introspection result.
    pub fn from_introspection(
        introspection: serde_json::Value,
        origin: &str,
    ) -> Result<Schema, SchemaError> {
        let sdl = sdl::introspection_to_sdl(&introspection).map_err(|source| {
            SchemaError::Introspection {
                origin: origin.to_owned(),
                source,
            }
        })?;
        let schema =
            apollo_compiler::Schema::parse_and_validate(&sdl, format!("{origin} (as SDL)"))
                .map_err(|with_errors| SchemaError::Invalid {
                    origin: origin.to_owned(),
                    report: with_errors.errors.to_string(),
                })?;
        Ok(Schema {
            schema,
            sdl,
            introspection,
        })
    }
}
