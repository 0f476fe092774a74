//! The build-time pipeline: find operation files, validate them, generate typed Rust.

use graphql_client_codegen::deprecation::DeprecationStrategy;
use graphql_client_codegen::normalization::Normalization;
use graphql_client_codegen::{CodegenMode, GraphQLClientCodegenOptions};
use heck::ToUpperCamelCase;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::fragments::{self, SharedFragments};
use crate::{Deprecation, Diagnostic, Endpoint, OperationInfo, OperationKind, Schema, SchemaError};

/// Validates the operations of one endpoint and generates their typed Rust module.
///
/// ```no_run
/// use taegis_sdk_codegen::{Builder, Endpoint};
/// // In build.rs: prints diagnostics the way cargo expects and fails the build on errors.
/// Builder::new(Endpoint::TENANTS).queries("queries/").build_script();
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    endpoint: Endpoint,
    schema_path: Option<PathBuf>,
    query_paths: Vec<PathBuf>,
    crate_path: String,
    module_name: Option<String>,
    out_dir: Option<PathBuf>,
    display_root: Option<PathBuf>,
    secret_fields: Vec<String>,
}

/// What a successful [`Builder::generate`] produced.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The endpoint the operations were checked against.
    pub endpoint: Endpoint,
    /// The Rust file written (include it with `taegis_sdk::include_operations!`).
    pub output: PathBuf,
    /// Every operation generated, with the file it came from.
    pub operations: Vec<(String, OperationInfo)>,
    /// Deprecated schema elements the operations use (warnings, not errors).
    pub deprecations: Vec<Deprecation>,
    /// The files that were read: the schema and every operation file.
    pub inputs: Vec<PathBuf>,
    /// The shared fragments (files holding only fragment definitions), for
    /// [`crate::check_mirrors`].
    pub fragments: Vec<crate::FragmentSummary>,
    /// Custom scalars the operations use that the runtime has no dedicated type for
    /// (not in [`RUNTIME_SCALARS`]): they decode as any JSON value (`scalars::AnyScalar`).
    pub untyped_scalars: Vec<String>,
    /// Enums whose catch-all variant was renamed because a schema value is `OTHER`
    /// (see `enum_fallback`), as `Enum: the catch-all variant is Unknown(String)`.
    pub renamed_fallbacks: Vec<String>,
}

/// The custom scalars the runtime crate's `__private::scalars` module names (the
/// codegen/runtime contract). Any other custom scalar an operation uses is generated as
/// `scalars::AnyScalar`, which accepts whatever JSON the server sends.
pub const RUNTIME_SCALARS: &[&str] = &["Time", "Map", "JSON", "JSONObject"];

/// Why generation failed.
#[derive(Debug)]
pub enum BuildError {
    /// The schema could not be loaded.
    Schema(SchemaError),
    /// A file or folder could not be read or written.
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// One or more documents are invalid against the schema.
    Invalid(Vec<Diagnostic>),
    /// graphql_client_codegen refused a (valid) document.
    Codegen {
        /// The operation file.
        file: String,
        /// Its message.
        message: String,
    },
    /// No output folder: `OUT_DIR` is unset and none was given.
    NoOutDir,
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Schema(error) => error.fmt(f),
            BuildError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            BuildError::Invalid(diagnostics) => {
                let count = diagnostics.len();
                writeln!(
                    f,
                    "{count} GraphQL validation error{}:",
                    if count == 1 { "" } else { "s" }
                )?;
                for diagnostic in diagnostics {
                    writeln!(f, "{}", diagnostic.report)?;
                }
                Ok(())
            }
            BuildError::Codegen { file, message } => {
                write!(f, "{file}: code generation failed: {message}")
            }
            BuildError::NoOutDir => {
                f.write_str("OUT_DIR is not set: call from a build script or set out_dir")
            }
        }
    }
}

impl std::error::Error for BuildError {}

impl From<SchemaError> for BuildError {
    fn from(error: SchemaError) -> Self {
        BuildError::Schema(error)
    }
}

/// Output fields whose values are decoded into `SecretString` unless
/// [`Builder::secret_fields`] says otherwise: the client secrets the API returns.
pub const DEFAULT_SECRET_FIELDS: &[&str] = &["clientSecret", "client_secret"];

impl Builder {
    /// A builder for `endpoint`, using the schema bundled with this crate, generating code
    /// for `::taegis_sdk`.
    pub fn new(endpoint: Endpoint) -> Builder {
        Builder {
            endpoint,
            schema_path: None,
            query_paths: Vec::new(),
            crate_path: "::taegis_sdk".into(),
            module_name: None,
            out_dir: None,
            display_root: None,
            secret_fields: DEFAULT_SECRET_FIELDS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }

    /// Validates against this introspection file instead of the bundled schema.
    pub fn schema(mut self, path: impl Into<PathBuf>) -> Builder {
        self.schema_path = Some(path.into());
        self
    }

    /// Adds a folder (searched recursively for `*.graphql`) or a single operation file.
    pub fn queries(mut self, path: impl Into<PathBuf>) -> Builder {
        self.query_paths.push(path.into());
        self
    }

    /// The path of the `taegis_sdk` crate as seen from the generated code (`crate` inside
    /// taegis-sdk itself). Default: `::taegis_sdk`.
    pub fn crate_path(mut self, path: impl Into<String>) -> Builder {
        self.crate_path = path.into();
        self
    }

    /// The name of the generated module. Default: the endpoint name (`main` or `tenants`).
    pub fn module_name(mut self, name: impl Into<String>) -> Builder {
        self.module_name = Some(name.into());
        self
    }

    /// Where to write the generated file. Default: `$OUT_DIR`.
    pub fn out_dir(mut self, path: impl Into<PathBuf>) -> Builder {
        self.out_dir = Some(path.into());
        self
    }

    /// Paths in messages are shown relative to this folder. Default: `$CARGO_MANIFEST_DIR`.
    pub fn display_root(mut self, path: impl Into<PathBuf>) -> Builder {
        self.display_root = Some(path.into());
        self
    }

    /// Response fields with these GraphQL names (for example `clientSecret`) are decoded into
    /// `<crate>::SecretString`, whose `Debug` never shows the value, instead of `String`.
    pub fn secret_fields<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        names: I,
    ) -> Builder {
        self.secret_fields = names.into_iter().map(Into::into).collect();
        self
    }

    fn module(&self) -> String {
        self.module_name
            .clone()
            .unwrap_or_else(|| self.endpoint.module_name())
    }

    /// The name of the file written into the output folder.
    pub fn output_file_name(&self) -> String {
        format!("taegis_operations_{}.rs", self.module())
    }

    fn display(&self, path: &Path) -> String {
        let root = self
            .display_root
            .clone()
            .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from));
        root.and_then(|root| path.strip_prefix(root).ok().map(Path::to_path_buf))
            .unwrap_or_else(|| path.to_path_buf())
            .display()
            .to_string()
    }

    /// Every `*.graphql` file of the configured paths, sorted.
    pub fn operation_files(&self) -> Result<Vec<PathBuf>, BuildError> {
        let mut files = Vec::new();
        for path in &self.query_paths {
            crate::files::files_below(path, &["graphql", "gql"], &mut files)
                .map_err(|(path, source)| BuildError::Io { path, source })?;
        }
        files.sort();
        files.dedup();
        Ok(files)
    }

    /// Validates every operation and writes the generated module. Prints nothing.
    pub fn generate(&self) -> Result<Generated, BuildError> {
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(BuildError::NoOutDir)?,
        };
        let mut inputs = Vec::new();
        let schema = match &self.schema_path {
            Some(path) => {
                inputs.push(path.clone());
                Schema::from_introspection_file(path)?
            }
            None => match Schema::bundled(self.endpoint) {
                Ok(schema) => schema,
                // No schema for this endpoint yet and nothing to check: an empty module.
                Err(SchemaError::NotBundled { .. }) if self.operation_files()?.is_empty() => {
                    return self.write_empty(&out_dir);
                }
                Err(error) => return Err(error.into()),
            },
        };
        // graphql_client_codegen reads the schema from a file: give it the codegen view.
        let schema_json_path =
            out_dir.join(format!("taegis_codegen_schema_{}.json", self.module()));
        write_if_changed(
            &schema_json_path,
            &codegen_view(&schema.introspection).to_string(),
        )?;

        let files = self.operation_files()?;
        inputs.extend(files.iter().cloned());
        let loaded = self.load(&files)?;
        let mut diagnostics = loaded.diagnostics;
        let mut operations = Vec::new();
        let mut deprecations = Vec::new();
        let mut sources = Vec::new();
        let mut used_fragments = BTreeSet::new();
        let mut first_seen: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for file in loaded.operations {
            let OperationFile {
                display,
                source,
                needed,
            } = file;
            let fragment_sources = loaded.shared.sources_for(&needed);
            match schema.check_sources(&source, &display, &fragment_sources) {
                Ok(checked) => {
                    for operation in checked.operations {
                        let struct_name = operation.name.to_upper_camel_case();
                        if let Some((other, line)) = first_seen.get(&struct_name) {
                            diagnostics.push(Diagnostic::plain(
                                &display,
                                operation.line,
                                1,
                                format!(
                                    "operation `{}` clashes with the operation defined at {other}:{line}: \
                                     operation names must be unique per endpoint",
                                    operation.name
                                ),
                            ));
                        } else {
                            first_seen.insert(struct_name, (display.clone(), operation.line));
                        }
                        operations.push((display.clone(), operation));
                    }
                    for deprecation in checked.deprecations {
                        if !deprecations.contains(&deprecation) {
                            deprecations.push(deprecation);
                        }
                    }
                    // The shared fragments are sent with the operation that spreads them.
                    let full = source + &loaded.shared.text_for(&needed);
                    sources.push((display, full));
                }
                Err(errors) => push_new(&mut diagnostics, errors),
            }
            used_fragments.extend(needed);
        }
        push_new(&mut diagnostics, loaded.shared.unused(&used_fragments));
        if !diagnostics.is_empty() {
            return Err(BuildError::Invalid(diagnostics));
        }

        let mut code = String::new();
        let _ = writeln!(
            code,
            "// @generated by taegis-sdk-codegen for the `{}` endpoint: do not edit.\n\
             /// Typed operations of the `{}` endpoint, generated from `.graphql` files.\n\
             pub mod {} {{\n\
             #![allow(unused_imports, dead_code, missing_docs, non_camel_case_types, clippy::all)]\n\
             use {crate_path}::__private::graphql_client;\n\
             // graphql_client_codegen names `ID` variables `Id` under Rust normalization.\n\
             type Id = String;\n",
            self.endpoint.name,
            self.endpoint.name,
            self.module(),
            crate_path = self.crate_path,
        );
        for (display, source) in &sources {
            let tokens = graphql_client_codegen::generate_module_token_stream_from_string(
                source,
                &schema_json_path,
                self.codegen_options()?,
            )
            .map_err(|error| BuildError::Codegen {
                file: display.clone(),
                message: error.to_string(),
            })?;
            let _ = writeln!(code, "// from {display}\n{tokens}\n");
        }
        let endpoint_variant = self.endpoint.const_name;
        for (_, operation) in &operations {
            let kind = format!("{:?}", operation.kind);
            let _ = writeln!(
                code,
                "impl {c}::__private::Operation for {name} {{\n    \
                 const ENDPOINT: {c}::__private::Endpoint = {c}::__private::Endpoint::{endpoint_variant};\n    \
                 const KIND: {c}::__private::OperationKind = {c}::__private::OperationKind::{kind};\n}}",
                c = self.crate_path,
                name = operation.name.to_upper_camel_case(),
            );
        }
        let names: Vec<String> = operations
            .iter()
            .map(|(_, op)| format!("{:?}", op.name))
            .collect();
        let _ = writeln!(
            code,
            "/// The names of every operation in this module, in file order.\n\
             pub const OPERATION_NAMES: &[&str] = &[{}];",
            names.join(", ")
        );
        code.push_str("}\n");
        let untyped_scalars;
        let renamed_fallbacks;
        let code = match syn::parse_file(&code) {
            Ok(mut file) => {
                derive_default_for_optional_inputs(&mut file.items);
                untyped_scalars = map_untyped_scalars(&mut file.items);
                renamed_fallbacks =
                    crate::enum_fallback::rename_colliding_fallbacks(&mut file.items);
                crate::enum_values::add_schema_values(&mut file.items, &schema.schema);
                if !self.secret_fields.is_empty() {
                    let secret: syn::Type =
                        syn::parse_str(&format!("{}::__private::SecretString", self.crate_path))
                            .map_err(|error| BuildError::Codegen {
                                file: "(options)".into(),
                                message: format!("invalid crate path: {error}"),
                            })?;
                    wrap_secret_fields(&mut file.items, &self.secret_fields, &secret);
                }
                prettyplease::unparse(&file)
            }
            Err(error) => {
                return Err(BuildError::Codegen {
                    file: self.output_file_name(),
                    message: format!("generated code does not parse: {error}"),
                })
            }
        };

        let output = out_dir.join(self.output_file_name());
        write_if_changed(&output, &code)?;
        Ok(Generated {
            endpoint: self.endpoint,
            output,
            operations,
            deprecations,
            inputs,
            fragments: loaded.shared.summaries(),
            untyped_scalars,
            renamed_fallbacks,
        })
    }

    /// The module of an endpoint that has no schema and no operations.
    fn write_empty(&self, out_dir: &Path) -> Result<Generated, BuildError> {
        let code = format!(
            "// @generated by taegis-sdk-codegen: do not edit.\n\
             /// Typed operations of the `{name}` endpoint (none yet: no schema is bundled).\n\
             pub mod {module} {{\n    \
             /// The names of every operation in this module.\n    \
             pub const OPERATION_NAMES: &[&str] = &[];\n}}\n",
            name = self.endpoint.name,
            module = self.module(),
        );
        let output = out_dir.join(self.output_file_name());
        write_if_changed(&output, &code)?;
        Ok(Generated {
            endpoint: self.endpoint,
            output,
            operations: Vec::new(),
            deprecations: Vec::new(),
            inputs: Vec::new(),
            fragments: Vec::new(),
            untyped_scalars: Vec::new(),
            renamed_fallbacks: Vec::new(),
        })
    }

    fn codegen_options(&self) -> Result<GraphQLClientCodegenOptions, BuildError> {
        let path = |text: String| {
            syn::parse_str::<syn::Path>(&text).map_err(|error| BuildError::Codegen {
                file: "(options)".into(),
                message: format!("invalid crate path `{text}`: {error}"),
            })
        };
        let mut options = GraphQLClientCodegenOptions::new(CodegenMode::Cli);
        options.set_module_visibility(syn::parse_quote!(pub));
        options.set_normalization(Normalization::Rust);
        options
            .set_custom_scalars_module(path(format!("{}::__private::scalars", self.crate_path))?);
        options.set_serde_path(path(format!("{}::__private::serde", self.crate_path))?);
        options.set_response_derives("Debug, Clone, PartialEq, Serialize".into());
        options.set_variables_derives("Debug, Clone, PartialEq".into());
        options.set_skip_serializing_none(true);
        options.set_deprecation_strategy(DeprecationStrategy::Allow);
        options.set_fragments_other_variant(true);
        Ok(options)
    }

    /// Runs [`generate`](Self::generate) the way a build script should: tells cargo what to
    /// watch, reports counts and deprecations with build-print, and on errors prints one
    /// `cargo:warning=file:line:col: message` per problem, then the full report, and exits
    /// with status 1.
    pub fn build_script(self) -> Generated {
        // Cargo scans a folder given to rerun-if-changed for any modified file.
        for path in &self.query_paths {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        if let Some(schema) = &self.schema_path {
            println!("cargo:rerun-if-changed={}", schema.display());
        }
        match self.generate() {
            Ok(generated) if generated.inputs.is_empty() => generated,
            Ok(generated) => {
                let schema = match &self.schema_path {
                    Some(path) => self.display(path),
                    None => format!("bundled {}.json", self.endpoint.name),
                };
                build_print::info!(
                    "taegis-sdk-codegen: {} endpoint: {} operation{} generated ({} quer{}, {} mutation{}, {} subscription{}) from {} against {}",
                    self.endpoint.name,
                    generated.operations.len(),
                    if generated.operations.len() == 1 { "" } else { "s" },
                    count(&generated, OperationKind::Query),
                    if count(&generated, OperationKind::Query) == 1 { "y" } else { "ies" },
                    count(&generated, OperationKind::Mutation),
                    if count(&generated, OperationKind::Mutation) == 1 { "" } else { "s" },
                    count(&generated, OperationKind::Subscription),
                    if count(&generated, OperationKind::Subscription) == 1 { "" } else { "s" },
                    self.query_paths.iter().map(|p| self.display(p)).collect::<Vec<_>>().join(", "),
                    schema,
                );
                for deprecation in &generated.deprecations {
                    build_print::warn!("{deprecation}");
                }
                if !generated.untyped_scalars.is_empty() {
                    build_print::info!(
                        "taegis-sdk-codegen: {} endpoint: custom scalar{} {} decoded as any JSON value (no dedicated Rust type)",
                        self.endpoint.name,
                        if generated.untyped_scalars.len() == 1 { "" } else { "s" },
                        generated.untyped_scalars.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "),
                    );
                }
                for note in &generated.renamed_fallbacks {
                    build_print::info!(
                        "taegis-sdk-codegen: {} endpoint: {note} (the schema has a value OTHER)",
                        self.endpoint.name
                    );
                }
                generated
            }
            Err(error) => {
                if let BuildError::Invalid(diagnostics) = &error {
                    for diagnostic in diagnostics {
                        println!("cargo:warning={diagnostic}");
                    }
                } else {
                    println!(
                        "cargo:warning={}",
                        error.to_string().lines().next().unwrap_or_default()
                    );
                }
                eprintln!(
                    "error: GraphQL operations for the `{}` endpoint do not compile\n\n{error}",
                    self.endpoint.name
                );
                std::process::exit(1);
            }
        }
    }
}

/// The schema as graphql_client_codegen should see it. Rust field names are snake case, so an
/// input object with both a deprecated `tenant_id` and its replacement `tenantID` would get two
/// fields named `tenant_id`: the deprecated twin is left out of the generated input type.
/// Validation still uses the full schema.
fn codegen_view(introspection: &serde_json::Value) -> serde_json::Value {
    let mut view = introspection.clone();
    let root = if view.get("data").is_some() {
        &mut view["data"]
    } else {
        &mut view
    };
    let Some(types) = root
        .get_mut("__schema")
        .and_then(|s| s.get_mut("types"))
        .and_then(|t| t.as_array_mut())
    else {
        return view;
    };
    for ty in types {
        let Some(fields) = ty.get_mut("inputFields").and_then(|f| f.as_array_mut()) else {
            continue;
        };
        let rust_name = |field: &serde_json::Value| {
            field
                .get("name")
                .and_then(|n| n.as_str())
                .map(heck::ToSnakeCase::to_snake_case)
        };
        let deprecated = |field: &serde_json::Value| {
            field.get("isDeprecated").and_then(|d| d.as_bool()) == Some(true)
        };
        let current: Vec<String> = fields
            .iter()
            .filter(|f| !deprecated(f))
            .filter_map(rust_name)
            .collect();
        fields.retain(|field| {
            !(deprecated(field) && rust_name(field).is_some_and(|name| current.contains(&name)))
        });
    }
    view
}

/// Adds `Default` to the derives of generated input structs (and `Variables`) whose fields all
/// have defaults (optional, or required strings, numbers and lists), so that `TenantsQuery { max_results: Some(10), ..Default::default() }` works.
fn derive_default_for_optional_inputs(items: &mut [syn::Item]) {
    for item in items {
        match item {
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &mut module.content {
                    derive_default_for_optional_inputs(items);
                }
            }
            syn::Item::Struct(item) => {
                let all_optional = match &item.fields {
                    syn::Fields::Named(fields) => {
                        fields.named.iter().all(|field| has_default(&field.ty))
                    }
                    _ => false,
                };
                if !all_optional {
                    continue;
                }
                for attribute in &mut item.attrs {
                    if !attribute.path().is_ident("derive") {
                        continue;
                    }
                    let Ok(list) = attribute.meta.require_list() else {
                        continue;
                    };
                    let derives = list.tokens.to_string();
                    let is_input =
                        derives.contains("Serialize") && !derives.contains("Deserialize");
                    if is_input && !derives.contains("Default") {
                        let tokens = &list.tokens;
                        *attribute = syn::parse_quote!(#[derive(#tokens, Default)]);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Points the scalar aliases graphql_client_codegen writes (`type X =
/// <crate>::__private::scalars::X;`) for scalars outside [`RUNTIME_SCALARS`] at
/// `scalars::AnyScalar`, and returns their names (sorted, once each).
fn map_untyped_scalars(items: &mut [syn::Item]) -> Vec<String> {
    fn walk(items: &mut [syn::Item], found: &mut BTreeSet<String>) {
        for item in items {
            match item {
                syn::Item::Mod(module) => {
                    if let Some((_, items)) = &mut module.content {
                        walk(items, found);
                    }
                }
                syn::Item::Type(alias) => {
                    let syn::Type::Path(path) = alias.ty.as_mut() else {
                        continue;
                    };
                    let segments = &mut path.path.segments;
                    let n = segments.len();
                    if n < 3
                        || segments[n - 2].ident != "scalars"
                        || segments[n - 3].ident != "__private"
                    {
                        continue;
                    }
                    let name = segments[n - 1].ident.to_string();
                    // graphql_client may write a runtime scalar in its own case
                    // (`JSONObject` as `JsonObject`): that is still the runtime's type.
                    let runtime = RUNTIME_SCALARS
                        .iter()
                        .find(|r| **r == name || r.to_upper_camel_case() == name);
                    let span = segments[n - 1].ident.span();
                    match runtime {
                        Some(runtime) => segments[n - 1].ident = syn::Ident::new(runtime, span),
                        None => {
                            segments[n - 1].ident = syn::Ident::new("AnyScalar", span);
                            found.insert(name);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut found = BTreeSet::new();
    walk(items, &mut found);
    found.into_iter().collect()
}

/// Replaces `String` by the secret type in response struct fields whose GraphQL name (the serde
/// rename, or the Rust name) is one of `names`.
fn wrap_secret_fields(items: &mut [syn::Item], names: &[String], secret: &syn::Type) {
    for item in items {
        match item {
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &mut module.content {
                    wrap_secret_fields(items, names, secret);
                }
            }
            syn::Item::Struct(item) => {
                let syn::Fields::Named(fields) = &mut item.fields else {
                    continue;
                };
                for field in &mut fields.named {
                    let graphql_name = crate::serde_attrs::read(&field.attrs)
                        .ok()
                        .and_then(|options| options.rename)
                        .or_else(|| field.ident.as_ref().map(ToString::to_string))
                        .unwrap_or_default();
                    if names.contains(&graphql_name) {
                        replace_string(&mut field.ty, secret);
                    }
                }
            }
            _ => {}
        }
    }
}

fn replace_string(ty: &mut syn::Type, secret: &syn::Type) {
    let syn::Type::Path(path) = ty else { return };
    let single_segment = path.path.segments.len() == 1;
    let Some(last) = path.path.segments.last_mut() else {
        return;
    };
    if last.ident == "String" && single_segment {
        *ty = secret.clone();
        return;
    }
    if let syn::PathArguments::AngleBracketed(arguments) = &mut last.arguments {
        for argument in &mut arguments.args {
            if let syn::GenericArgument::Type(inner) = argument {
                replace_string(inner, secret);
            }
        }
    }
}

/// Whether a generated field type implements `Default`: options, lists, strings, numbers,
/// booleans and the scalar aliases that stand for them (not enums or input objects).
fn has_default(ty: &syn::Type) -> bool {
    const DEFAULTED: [&str; 11] = [
        "Option", "Vec", "String", "ID", "Int", "Float", "Boolean", "Time", "bool", "i64", "f64",
    ];
    matches!(ty, syn::Type::Path(path) if path.path.segments.last().is_some_and(|segment| DEFAULTED.iter().any(|name| segment.ident == name)))
}

/// Validates every operation file found under `paths` (folders are searched recursively)
/// against `schema` and returns every problem, with paths shown relative to `display_root`.
/// This is what `taegis schema diff --queries` uses to tell which operations a change breaks.
pub fn check_operation_files(
    schema: &Schema,
    paths: &[PathBuf],
    display_root: Option<&Path>,
) -> Result<Vec<Diagnostic>, BuildError> {
    let mut builder = Builder::new(Endpoint::MAIN);
    builder.query_paths = paths.to_vec();
    builder.display_root = display_root.map(Path::to_path_buf);
    let loaded = builder.load(&builder.operation_files()?)?;
    let mut diagnostics = loaded.diagnostics;
    let mut used_fragments = BTreeSet::new();
    for file in loaded.operations {
        let fragment_sources = loaded.shared.sources_for(&file.needed);
        if let Err(errors) = schema.check_sources(&file.source, &file.display, &fragment_sources) {
            push_new(&mut diagnostics, errors);
        }
        used_fragments.extend(file.needed);
    }
    push_new(&mut diagnostics, loaded.shared.unused(&used_fragments));
    Ok(diagnostics)
}

/// Adds the diagnostics not already in `all` (a shared fragment's error is found once per
/// operation that spreads it).
fn push_new(all: &mut Vec<Diagnostic>, more: Vec<Diagnostic>) {
    for diagnostic in more {
        if !all.contains(&diagnostic) {
            all.push(diagnostic);
        }
    }
}

/// An operation file, with the shared fragments it needs.
struct OperationFile {
    display: String,
    source: String,
    needed: BTreeSet<String>,
}

/// The operation files of a builder, apart from its shared fragments files.
struct Loaded {
    operations: Vec<OperationFile>,
    shared: SharedFragments,
    /// Problems of the fragments files themselves (syntax, duplicate names).
    diagnostics: Vec<Diagnostic>,
}

impl Builder {
    /// Reads `files` and sorts them into operations and shared fragments files (files that
    /// define fragments and nothing else).
    fn load(&self, files: &[PathBuf]) -> Result<Loaded, BuildError> {
        let mut shared = SharedFragments::default();
        let mut diagnostics = Vec::new();
        let mut parsed = Vec::new();
        for file in files {
            let display = self.display(file);
            let source = std::fs::read_to_string(file).map_err(|source| BuildError::Io {
                path: file.clone(),
                source,
            })?;
            let document = apollo_compiler::ast::Document::parse(source.as_str(), &display);
            match document {
                Ok(document) if fragments::is_fragments_file(&document) => {
                    if let Err(errors) = shared.add_file(&display, &source, &document) {
                        diagnostics.extend(errors);
                    }
                }
                // A syntax error in a fragments-only file is reported by checking it as an
                // operation file.
                Ok(document) => parsed.push((display, source, document)),
                Err(with_errors) => parsed.push((display, source, with_errors.partial)),
            }
        }
        let operations = parsed
            .into_iter()
            .map(|(display, source, document)| {
                let needed = shared.needed_by(&document);
                OperationFile {
                    display,
                    source,
                    needed,
                }
            })
            .collect();
        Ok(Loaded {
            operations,
            shared,
            diagnostics,
        })
    }
}

fn count(generated: &Generated, kind: OperationKind) -> usize {
    generated
        .operations
        .iter()
        .filter(|(_, op)| op.kind == kind)
        .count()
}

fn write_if_changed(path: &Path, content: &str) -> Result<(), BuildError> {
    if std::fs::read_to_string(path).is_ok_and(|existing| existing == content) {
        return Ok(());
    }
    std::fs::write(path, content).map_err(|source| BuildError::Io {
        path: path.to_owned(),
        source,
    })
}
