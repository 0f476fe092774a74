//! Shared fragments: `.graphql` files that hold only fragment definitions. Every operation of
//! the endpoint may spread them; the builder adds the ones an operation needs (transitively)
//! to its document, so one selection serves many operations; [`crate::check_mirrors`] keeps
//! the hand-written types that mirror a fragment in step with it.

use apollo_compiler::ast::{Definition, Document, Selection};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::Diagnostic;

/// One fragment definition of a shared fragments file.
#[derive(Debug, Clone)]
struct SharedFragment {
    /// Index of its file in [`SharedFragments::files`].
    file: usize,
    /// Byte range of the definition in its file.
    span: Range<usize>,
    /// The type it applies to.
    type_condition: String,
    /// Fragments it spreads, at any depth.
    spreads: BTreeSet<String>,
    /// Its top-level selection: response keys and the fragments spread beside them.
    selection: Vec<KeyOrSpread>,
}

/// The shared fragments of one endpoint's operation files.
#[derive(Debug, Clone, Default)]
pub(crate) struct SharedFragments {
    /// `(display path, source)` of each fragments file.
    files: Vec<(String, String)>,
    fragments: BTreeMap<String, SharedFragment>,
}

/// Whether `document` holds fragment definitions and nothing else.
pub(crate) fn is_fragments_file(document: &Document) -> bool {
    !document.definitions.is_empty()
        && document
            .definitions
            .iter()
            .all(|d| matches!(d, Definition::FragmentDefinition(_)))
}

/// The names of the fragments a selection spreads, directly.
fn spreads_of(selections: &[Selection], out: &mut BTreeSet<String>) {
    for selection in selections {
        match selection {
            Selection::Field(field) => spreads_of(&field.selection_set, out),
            Selection::FragmentSpread(spread) => {
                out.insert(spread.fragment_name.to_string());
            }
            Selection::InlineFragment(inline) => spreads_of(&inline.selection_set, out),
        }
    }
}

/// The fragments an operation document spreads, directly.
fn document_spreads(document: &Document) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for definition in &document.definitions {
        match definition {
            Definition::OperationDefinition(operation) => {
                spreads_of(&operation.selection_set, &mut out)
            }
            Definition::FragmentDefinition(fragment) => {
                spreads_of(&fragment.selection_set, &mut out)
            }
            _ => {}
        }
    }
    out
}

/// The names of the fragments a document defines itself.
fn local_fragments(document: &Document) -> BTreeSet<String> {
    document
        .definitions
        .iter()
        .filter_map(|d| match d {
            Definition::FragmentDefinition(f) => Some(f.name.to_string()),
            _ => None,
        })
        .collect()
}

impl SharedFragments {
    /// Adds the fragments of one fragments file; a name defined twice is an error located at
    /// the second definition.
    pub(crate) fn add_file(
        &mut self,
        display: &str,
        source: &str,
        document: &Document,
    ) -> Result<(), Vec<Diagnostic>> {
        let index = self.files.len();
        let mut errors = Vec::new();
        for definition in &document.definitions {
            let Definition::FragmentDefinition(fragment) = definition else {
                continue;
            };
            let Some(location) = fragment.location() else {
                continue;
            };
            let name = fragment.name.to_string();
            let (line, column) = line_column(source, location.offset());
            if let Some(previous) = self.fragments.get(&name) {
                let (other_file, other_source) = &self.files[previous.file];
                let (other_line, _) = line_column(other_source, previous.span.start);
                errors.push(Diagnostic::plain(
                    display,
                    line,
                    column,
                    format!(
                        "fragment `{name}` is also defined at {other_file}:{other_line}: \
                         shared fragment names must be unique per endpoint"
                    ),
                ));
                continue;
            }
            let mut spreads = BTreeSet::new();
            spreads_of(&fragment.selection_set, &mut spreads);
            let mut selection = Vec::new();
            keys_of(&fragment.selection_set, &mut selection);
            self.fragments.insert(
                name,
                SharedFragment {
                    file: index,
                    span: location.offset()..location.end_offset(),
                    type_condition: fragment.type_condition.to_string(),
                    spreads,
                    selection,
                },
            );
        }
        self.files.push((display.to_owned(), source.to_owned()));
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The shared fragments an operation document needs: those it spreads and, transitively,
    /// those they spread, except the ones it defines itself.
    pub(crate) fn needed_by(&self, document: &Document) -> BTreeSet<String> {
        self.needed(&document_spreads(document), &local_fragments(document))
    }

    fn needed(&self, spreads: &BTreeSet<String>, local: &BTreeSet<String>) -> BTreeSet<String> {
        let mut needed = BTreeSet::new();
        let mut todo: Vec<String> = spreads.iter().cloned().collect();
        while let Some(name) = todo.pop() {
            if local.contains(&name) || needed.contains(&name) {
                continue;
            }
            if let Some(fragment) = self.fragments.get(&name) {
                needed.insert(name);
                todo.extend(fragment.spreads.iter().cloned());
            }
        }
        needed
    }

    /// The fragments files as sources for validation, each keeping only the `needed`
    /// definitions: the others are blanked out (newlines kept), so every line and column
    /// still points into the real file. Files with none of them are left out.
    pub(crate) fn sources_for(&self, needed: &BTreeSet<String>) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (index, (display, source)) in self.files.iter().enumerate() {
            let kept: Vec<&SharedFragment> = self
                .fragments
                .iter()
                .filter(|(name, f)| f.file == index && needed.contains(*name))
                .map(|(_, f)| f)
                .collect();
            if kept.is_empty() {
                continue;
            }
            let mut text = String::with_capacity(source.len());
            for (offset, character) in source.char_indices() {
                let inside = kept.iter().any(|f| f.span.contains(&offset));
                if inside || character == '\n' || character == '\r' {
                    text.push(character);
                } else {
                    // Same byte length, so later offsets are unchanged.
                    text.extend(std::iter::repeat_n(' ', character.len_utf8()));
                }
            }
            out.push((display.clone(), text));
        }
        out
    }

    /// The text of the `needed` definitions, appended to an operation for code generation
    /// and sent with it.
    pub(crate) fn text_for(&self, needed: &BTreeSet<String>) -> String {
        let mut text = String::new();
        for name in needed {
            if let Some(fragment) = self.fragments.get(name) {
                let source = &self.files[fragment.file].1;
                if let Some(definition) = source.get(fragment.span.clone()) {
                    text.push('\n');
                    text.push_str(definition);
                    text.push('\n');
                }
            }
        }
        text
    }

    /// Shared fragments no operation uses, as errors: an unused fragment is never validated
    /// against the schema (and the GraphQL specification rejects unused fragments).
    pub(crate) fn unused(&self, used: &BTreeSet<String>) -> Vec<Diagnostic> {
        self.fragments
            .iter()
            .filter(|(name, _)| !used.contains(*name))
            .map(|(name, fragment)| {
                let (display, source) = &self.files[fragment.file];
                let (line, column) = line_column(source, fragment.span.start);
                Diagnostic::plain(
                    display,
                    line,
                    column,
                    format!(
                        "fragment `{name}` is not used by any operation of the endpoint: \
                         spread it in one or remove it"
                    ),
                )
            })
            .collect()
    }

    /// Every shared fragment with where it is defined and the response keys it selects.
    pub(crate) fn summaries(&self) -> Vec<FragmentSummary> {
        self.fragments
            .iter()
            .map(|(name, fragment)| {
                let (display, source) = &self.files[fragment.file];
                FragmentSummary {
                    name: name.clone(),
                    type_condition: fragment.type_condition.clone(),
                    file: display.clone(),
                    line: line_column(source, fragment.span.start).0,
                    keys: self.keys(name),
                }
            })
            .collect()
    }
}

impl SharedFragments {
    /// The response keys fragment `name` selects, spread fragments' keys included, in order,
    /// without duplicates.
    fn keys(&self, name: &str) -> Vec<String> {
        let mut keys = Vec::new();
        self.expand_keys(name, &mut BTreeSet::new(), &mut keys);
        keys
    }

    fn expand_keys(&self, name: &str, visiting: &mut BTreeSet<String>, out: &mut Vec<String>) {
        // A cycle is a validation error reported elsewhere; never recurse forever here.
        if !visiting.insert(name.to_owned()) {
            return;
        }
        let Some(fragment) = self.fragments.get(name) else {
            return;
        };
        for item in &fragment.selection {
            match item {
                KeyOrSpread::Key(key) => {
                    if !out.contains(key) {
                        out.push(key.clone());
                    }
                }
                KeyOrSpread::Spread(inner) => self.expand_keys(inner, visiting, out),
            }
        }
    }
}

/// A shared fragment as [`crate::Generated`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FragmentSummary {
    /// The fragment's name.
    pub name: String,
    /// The type it applies to.
    pub type_condition: String,
    /// The fragments file (relative to the package root in a build).
    pub file: String,
    /// Line of its definition.
    pub line: usize,
    /// The response keys it selects (aliases or field names, spread fragments' keys included).
    pub keys: Vec<String>,
}

/// A response key of a selection, or a fragment spread to expand.
#[derive(Debug, Clone)]
enum KeyOrSpread {
    Key(String),
    Spread(String),
}

fn keys_of(selections: &[Selection], out: &mut Vec<KeyOrSpread>) {
    for selection in selections {
        match selection {
            Selection::Field(field) => out.push(KeyOrSpread::Key(
                field.alias.as_ref().unwrap_or(&field.name).to_string(),
            )),
            Selection::FragmentSpread(spread) => {
                out.push(KeyOrSpread::Spread(spread.fragment_name.to_string()))
            }
            Selection::InlineFragment(inline) => keys_of(&inline.selection_set, out),
        }
    }
}

/// 1-based line and column of a byte offset.
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(source: &str) -> Document {
        Document::parse(source, "f.graphql").expect("valid syntax")
    }

    #[test]
    fn blanked_sources_keep_positions_and_only_needed_definitions() {
        let source = "fragment A on T { a }\n# comment é\nfragment B on T { b ...A }\n";
        let document = parse(source);
        let mut shared = SharedFragments::default();
        shared.add_file("f.graphql", source, &document).unwrap();
        let needed = shared.needed(&["A".to_owned()].into(), &BTreeSet::new());
        assert_eq!(needed, ["A".to_owned()].into());
        let sources = shared.sources_for(&needed);
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0].1.len(), source.len());
        assert!(sources[0].1.starts_with("fragment A on T { a }\n"));
        assert!(!sources[0].1.contains("fragment B"));
        assert_eq!(sources[0].1.matches('\n').count(), 3);
        let both = shared.needed(&["B".to_owned()].into(), &BTreeSet::new());
        assert_eq!(both.len(), 2, "B spreads A");
        assert_eq!(shared.keys("B"), ["b", "a"]);
    }

    #[test]
    fn duplicate_names_and_unused_fragments_are_located() {
        let first = "fragment A on T { a }\n";
        let second = "\n\nfragment A on T { b }\n";
        let mut shared = SharedFragments::default();
        shared
            .add_file("one.graphql", first, &parse(first))
            .unwrap();
        let errors = shared
            .add_file("two.graphql", second, &parse(second))
            .unwrap_err();
        assert_eq!(
            (errors[0].file.as_str(), errors[0].line),
            ("two.graphql", 3)
        );
        assert!(errors[0].message.contains("one.graphql:1"));
        let unused = shared.unused(&BTreeSet::new());
        assert_eq!(unused.len(), 1);
        assert!(unused[0].message.contains("`A` is not used"));
    }
}
