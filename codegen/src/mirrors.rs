//! The build-time check that a hand-written Rust struct mirrors a shared fragment: the JSON
//! keys its serde derive reads are exactly the response keys the fragment selects.
//!
//! A struct opts in with one doc line, ``/// Mirrors fragment `Tenant`.``; the check reads
//! its fields and their `#[serde(rename = "...")]` attributes with `syn`, so adding a field
//! to the fragment without adding it to the struct (or the other way round) fails the build
//! with the struct's file and line.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::serde_attrs;
use crate::{Diagnostic, FragmentSummary};

/// The doc-comment marker, followed by the fragment name in backquotes.
const MARKER: &str = "Mirrors fragment `";

/// Checks every struct marked ``Mirrors fragment `Name` `` in the Rust files under `paths`
/// (files or folders, searched recursively) against `fragments`. `display_root`: paths in
/// messages are relative to it. Returns one diagnostic per problem; empty when all agree.
pub fn check_mirrors(
    fragments: &[FragmentSummary],
    paths: &[PathBuf],
    display_root: Option<&Path>,
) -> Result<Vec<Diagnostic>, std::io::Error> {
    let mut files = Vec::new();
    for path in paths {
        crate::files::files_below(path, &["rs"], &mut files).map_err(|(_, error)| error)?;
    }
    files.sort();
    let mut diagnostics = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file)?;
        let display = display_root
            .and_then(|root| file.strip_prefix(root).ok())
            .unwrap_or(&file)
            .display()
            .to_string();
        diagnostics.extend(check_source(fragments, &source, &display));
    }
    Ok(diagnostics)
}

/// Runs [`check_mirrors`] the way a build script should: tells cargo to watch `paths`, and on
/// drift prints one `cargo:warning=file:line:col: message` per problem, then the report,
/// and exits with status 1. Paths in messages are relative to `$CARGO_MANIFEST_DIR`.
pub fn check_mirrors_build_script(fragments: &[FragmentSummary], paths: &[PathBuf]) {
    for path in paths {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    let root = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let absolute: Vec<PathBuf> = paths
        .iter()
        .map(|p| match &root {
            Some(root) if p.is_relative() => root.join(p),
            _ => p.clone(),
        })
        .collect();
    match check_mirrors(fragments, &absolute, root.as_deref()) {
        Ok(diagnostics) if diagnostics.is_empty() => {}
        Ok(diagnostics) => {
            for diagnostic in &diagnostics {
                println!("cargo:warning={diagnostic}");
            }
            eprintln!("error: Rust types no longer mirror their GraphQL fragments\n");
            for diagnostic in &diagnostics {
                eprintln!("{diagnostic}");
            }
            std::process::exit(1);
        }
        Err(error) => {
            println!("cargo:warning=cannot read the Rust sources to check: {error}");
            std::process::exit(1);
        }
    }
}

/// Checks the marked structs of one Rust source text.
pub(crate) fn check_source(
    fragments: &[FragmentSummary],
    source: &str,
    display: &str,
) -> Vec<Diagnostic> {
    let Ok(file) = syn::parse_file(source) else {
        // rustc reports the syntax error itself.
        return Vec::new();
    };
    let mut structs = Vec::new();
    collect_structs(&file.items, &mut structs);
    let mut diagnostics = Vec::new();
    for item in structs {
        let Some(fragment_name) = marker(&item.attrs) else {
            continue;
        };
        let line = struct_line(source, &item.ident.to_string());
        let Some(fragment) = fragments.iter().find(|f| f.name == fragment_name) else {
            diagnostics.push(Diagnostic::plain(
                display,
                line,
                1,
                format!(
                    "struct `{}` mirrors fragment `{fragment_name}`, which no shared fragments \
                     file defines",
                    item.ident
                ),
            ));
            continue;
        };
        match serde_keys(item) {
            Err(message) => diagnostics.push(Diagnostic::plain(display, line, 1, message)),
            Ok(keys) => {
                let wanted: BTreeSet<&str> = fragment.keys.iter().map(String::as_str).collect();
                let have: BTreeSet<&str> = keys.iter().map(String::as_str).collect();
                let missing: Vec<&str> = fragment
                    .keys
                    .iter()
                    .map(String::as_str)
                    .filter(|k| !have.contains(k))
                    .collect();
                let extra: Vec<&str> = keys
                    .iter()
                    .map(String::as_str)
                    .filter(|k| !wanted.contains(k))
                    .collect();
                if missing.is_empty() && extra.is_empty() {
                    continue;
                }
                let mut message = format!(
                    "struct `{}` no longer mirrors fragment `{}` ({}:{})",
                    item.ident, fragment.name, fragment.file, fragment.line
                );
                if !missing.is_empty() {
                    message.push_str(&format!(
                        "; the fragment selects {} that the struct lacks",
                        quote_list(&missing)
                    ));
                }
                if !extra.is_empty() {
                    message.push_str(&format!(
                        "; the struct reads {} that the fragment does not select",
                        quote_list(&extra)
                    ));
                }
                diagnostics.push(Diagnostic::plain(display, line, 1, message));
            }
        }
    }
    diagnostics
}

fn quote_list(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn collect_structs<'a>(items: &'a [syn::Item], out: &mut Vec<&'a syn::ItemStruct>) {
    for item in items {
        match item {
            syn::Item::Struct(item) => out.push(item),
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    collect_structs(items, out);
                }
            }
            _ => {}
        }
    }
}

/// The fragment named by a ``Mirrors fragment `Name` `` doc line.
fn marker(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|attribute| {
        let syn::Meta::NameValue(meta) = &attribute.meta else {
            return None;
        };
        if !meta.path.is_ident("doc") {
            return None;
        }
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) = &meta.value
        else {
            return None;
        };
        let text = text.value();
        let rest = &text[text.find(MARKER)? + MARKER.len()..];
        Some(rest[..rest.find('`')?].to_owned())
    })
}

/// The JSON keys the struct's serde derive reads, in field order.
fn serde_keys(item: &syn::ItemStruct) -> Result<Vec<String>, String> {
    let syn::Fields::Named(fields) = &item.fields else {
        return Err(format!(
            "struct `{}` mirrors a fragment but has no named fields",
            item.ident
        ));
    };
    let container = serde_attrs::read(&item.attrs)?;
    if container.rename_all || container.flatten {
        return Err(format!(
            "struct `{}`: `rename_all` is not supported on a struct that mirrors a fragment; \
             rename fields one by one",
            item.ident
        ));
    }
    let mut keys = Vec::new();
    for field in &fields.named {
        let options = serde_attrs::read(&field.attrs)?;
        let name = field
            .ident
            .as_ref()
            .map(|i| i.to_string().trim_start_matches("r#").to_owned())
            .unwrap_or_default();
        if options.flatten {
            return Err(format!(
                "struct `{}`: field `{name}` is flattened; a struct that mirrors a fragment \
                 cannot be checked through `flatten`",
                item.ident
            ));
        }
        if options.skip {
            continue;
        }
        keys.push(options.rename.unwrap_or(name));
    }
    Ok(keys)
}

/// 1-based line of `struct <name>` in the source (1 when not found).
fn struct_line(source: &str, name: &str) -> usize {
    let needle = format!("struct {name}");
    source
        .lines()
        .position(|line| {
            line.find(&needle).is_some_and(|at| {
                let after = &line[at + needle.len()..];
                !after.starts_with(|c: char| c.is_alphanumeric() || c == '_')
            })
        })
        .map_or(1, |index| index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fragment(keys: &[&str]) -> Vec<FragmentSummary> {
        vec![FragmentSummary {
            name: "Tenant".into(),
            type_condition: "Tenant".into(),
            file: "queries/tenants/tenants/fragments.graphql".into(),
            line: 3,
            keys: keys.iter().map(|k| k.to_string()).collect(),
        }]
    }

    const SOURCE: &str = r#"
/// A tenant.
///
/// Mirrors fragment `Tenant`.
#[derive(serde::Deserialize)]
pub struct Tenant {
    pub id: String,
    #[serde(rename = "cursorPos", default)]
    pub cursor_pos: Option<String>,
    #[serde(skip)]
    pub local: u8,
}
"#;

    #[test]
    fn agreeing_struct_passes() {
        assert!(check_source(&fragment(&["id", "cursorPos"]), SOURCE, "t.rs").is_empty());
    }

    #[test]
    fn drift_either_way_fails_with_the_struct_line() {
        let errors = check_source(&fragment(&["id", "cursorPos", "name"]), SOURCE, "t.rs");
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].file.as_str(), errors[0].line), ("t.rs", 6));
        assert!(errors[0]
            .message
            .contains("selects `name` that the struct lacks"));
        assert!(errors[0].message.contains("fragments.graphql:3"));
        let errors = check_source(&fragment(&["id"]), SOURCE, "t.rs");
        assert!(errors[0]
            .message
            .contains("reads `cursorPos` that the fragment does not select"));
    }

    #[test]
    fn unknown_fragment_and_flatten_are_errors() {
        let errors = check_source(&[], SOURCE, "t.rs");
        assert!(errors[0]
            .message
            .contains("no shared fragments file defines"));
        let flattened = SOURCE.replace("#[serde(skip)]", "#[serde(flatten)]");
        let errors = check_source(&fragment(&["id", "cursorPos"]), &flattened, "t.rs");
        assert!(errors[0].message.contains("flattened"));
    }
}
