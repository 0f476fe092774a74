//! Validation of executable documents against a schema, with rustc-style diagnostics, and the
//! search for deprecated fields, arguments and enum values that an operation uses.

use apollo_compiler::ast::{DirectiveList, OperationType, Value};
use apollo_compiler::diagnostic::ToCliReport as _;
use apollo_compiler::executable::{Selection, SelectionSet};
use apollo_compiler::parser::SourceSpan;
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::{DiagnosticList, Valid};
use apollo_compiler::{ExecutableDocument, Node};
use std::collections::HashSet;
use std::fmt;

use crate::Schema;

/// One problem found in a GraphQL document, located by file, line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as given to the checker (relative to the package root in a build).
    pub file: String,
    /// 1-based line of the problem (0 when the problem has no location).
    pub line: usize,
    /// 1-based column of the problem (0 when the problem has no location).
    pub column: usize,
    /// What is wrong, in one line.
    pub message: String,
    /// The full multi-line report, with the source excerpt and labels.
    pub report: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl Diagnostic {
    /// One diagnostic per entry of `list`, each located in the source file it points into
    /// (`file` for those that point nowhere).
    pub(crate) fn from_list(file: &str, list: &DiagnosticList) -> Vec<Diagnostic> {
        let mut diagnostics: Vec<Diagnostic> = list
            .iter()
            .map(|diagnostic| {
                let start = diagnostic.line_column_range().map(|range| range.start);
                let source_file = diagnostic
                    .error
                    .location()
                    .and_then(|span| diagnostic.sources.get(&span.file_id()))
                    .map(|source| source.path().display().to_string());
                Diagnostic {
                    file: source_file.unwrap_or_else(|| file.to_owned()),
                    line: start.as_ref().map_or(0, |s| s.line),
                    column: start.as_ref().map_or(0, |s| s.column),
                    message: diagnostic.error.to_string(),
                    report: format!("{diagnostic}"),
                }
            })
            .collect();
        // A syntax error can be reported by both the parser and the validator.
        diagnostics.dedup();
        diagnostics
    }

    pub(crate) fn plain(file: &str, line: usize, column: usize, message: String) -> Diagnostic {
        let report = format!("Error: {message}\n   ╭─[ {file}:{line}:{column} ]\n");
        Diagnostic {
            file: file.to_owned(),
            line,
            column,
            message,
            report,
        }
    }
}

pub use taegis_platform::OperationKind;

/// A named operation found in a valid document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationInfo {
    /// The operation name as written (`createClient`).
    pub name: String,
    /// Query, mutation or subscription.
    pub kind: OperationKind,
    /// Line where the operation starts.
    pub line: usize,
}

/// A deprecated schema element that a document uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deprecation {
    /// The file as given to the checker.
    pub file: String,
    /// 1-based line of the use.
    pub line: usize,
    /// 1-based column of the use.
    pub column: usize,
    /// Schema coordinate of the element: `Query.clients`, `Query.tenants(tenantsQuery:)`,
    /// `ClientsSearchSortBy.NAME`.
    pub coordinate: String,
    /// The deprecation reason from the schema, if any.
    pub reason: Option<String>,
}

impl fmt::Display for Deprecation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: `{}` is deprecated",
            self.file, self.line, self.column, self.coordinate
        )?;
        match &self.reason {
            Some(reason) => write!(f, ": {reason}"),
            None => Ok(()),
        }
    }
}

/// The result of checking a valid document.
#[derive(Debug)]
pub struct CheckedDocument {
    /// The validated document, ready for execution or code generation.
    pub document: Valid<ExecutableDocument>,
    /// Every named operation of the document, in source order.
    pub operations: Vec<OperationInfo>,
    /// Every deprecated field, argument or enum value the document uses.
    pub deprecations: Vec<Deprecation>,
}

impl Schema {
    /// Validates `source` against this schema with every rule of the GraphQL specification,
    /// and requires each operation to be named (generated code is named after operations).
    ///
    /// `file` is only used in messages.
    pub fn check(&self, source: &str, file: &str) -> Result<CheckedDocument, Vec<Diagnostic>> {
        self.check_sources(source, file, &[])
    }

    /// Like [`check`](Self::check), with shared fragments files: `fragments` holds the
    /// `(file, source)` of files defining fragments the operation may spread. The fragments it
    /// spreads (and those they spread) join its document, the others are ignored, as in a
    /// build. Diagnostics name the file each problem is in.
    pub fn check_with(
        &self,
        source: &str,
        file: &str,
        fragments: &[(String, String)],
    ) -> Result<CheckedDocument, Vec<Diagnostic>> {
        let mut shared = crate::fragments::SharedFragments::default();
        for (fragment_file, fragment_source) in fragments {
            let document =
                apollo_compiler::ast::Document::parse(fragment_source.as_str(), fragment_file)
                    .map_err(|with_errors| {
                        Diagnostic::from_list(fragment_file, &with_errors.errors)
                    })?;
            shared.add_file(fragment_file, fragment_source, &document)?;
        }
        let operation = match apollo_compiler::ast::Document::parse(source, file) {
            Ok(document) => document,
            Err(with_errors) => with_errors.partial,
        };
        let needed = shared.needed_by(&operation);
        self.check_sources(source, file, &shared.sources_for(&needed))
    }

    /// Validates `source` together with the `fragments` sources, `(file, source)` pairs of
    /// fragment definitions that the document must all use.
    pub(crate) fn check_sources(
        &self,
        source: &str,
        file: &str,
        fragments: &[(String, String)],
    ) -> Result<CheckedDocument, Vec<Diagnostic>> {
        // With the schema's sources, so that a report can show the schema lines it points at
        // (without them the report printer complains on stderr and leaves them out).
        let mut errors = DiagnosticList::new(self.schema.sources.clone());
        let mut builder = ExecutableDocument::builder(Some(&self.schema), &mut errors);
        let mut parser = apollo_compiler::parser::Parser::new();
        parser.parse_into_executable_builder(source, file, &mut builder);
        for (fragment_file, fragment_source) in fragments {
            parser.parse_into_executable_builder(
                fragment_source.as_str(),
                fragment_file,
                &mut builder,
            );
        }
        let document = builder.build();
        if !errors.is_empty() {
            // Report validation errors too, as `parse_and_validate` does.
            let mut all = Diagnostic::from_list(file, &errors);
            if let Err(more) = document.validate(&self.schema) {
                for diagnostic in Diagnostic::from_list(file, &more.errors) {
                    if !all.contains(&diagnostic) {
                        all.push(diagnostic);
                    }
                }
            }
            crate::suggest::add_suggestions(self, &mut all);
            return Err(all);
        }
        let document = document.validate(&self.schema).map_err(|with_errors| {
            let mut diagnostics = Diagnostic::from_list(file, &with_errors.errors);
            crate::suggest::add_suggestions(self, &mut diagnostics);
            diagnostics
        })?;
        let mut diagnostics = Vec::new();
        let mut operations = Vec::new();
        if let Some(anonymous) = &document.operations.anonymous {
            let (line, column) = start(&document, anonymous.location());
            diagnostics.push(Diagnostic::plain(
                file,
                line,
                column,
                "anonymous operation: give the operation a name, generated code is named after it"
                    .into(),
            ));
        }
        for (name, operation) in &document.operations.named {
            operations.push(OperationInfo {
                name: name.to_string(),
                kind: match operation.operation_type {
                    OperationType::Query => OperationKind::Query,
                    OperationType::Mutation => OperationKind::Mutation,
                    OperationType::Subscription => OperationKind::Subscription,
                },
                line: start(&document, operation.location()).0,
            });
        }
        if operations.is_empty() && diagnostics.is_empty() {
            diagnostics.push(Diagnostic::plain(
                file,
                1,
                1,
                "the document has no operation".into(),
            ));
        }
        if !diagnostics.is_empty() {
            return Err(diagnostics);
        }
        let deprecations = DeprecationFinder::new(self, &document).run();
        Ok(CheckedDocument {
            document,
            operations,
            deprecations,
        })
    }
}

fn start(document: &ExecutableDocument, location: Option<SourceSpan>) -> (usize, usize) {
    location
        .and_then(|span| span.line_column_range(&document.sources))
        .map_or((0, 0), |range| (range.start.line, range.start.column))
}

struct DeprecationFinder<'a> {
    schema: &'a Schema,
    document: &'a ExecutableDocument,
    found: Vec<Deprecation>,
    seen: HashSet<(String, String, usize, usize)>,
    visited_fragments: HashSet<String>,
}

impl<'a> DeprecationFinder<'a> {
    fn new(schema: &'a Schema, document: &'a ExecutableDocument) -> Self {
        Self {
            schema,
            document,
            found: Vec::new(),
            seen: HashSet::new(),
            visited_fragments: HashSet::new(),
        }
    }

    fn run(mut self) -> Vec<Deprecation> {
        for operation in self.document.operations.iter() {
            self.selection_set(&operation.selection_set);
        }
        self.found
    }

    fn report(
        &mut self,
        location: Option<SourceSpan>,
        coordinate: String,
        directives: &DirectiveList,
    ) {
        let Some(directive) = directives.get("deprecated") else {
            return;
        };
        let (line, column) = start(self.document, location);
        let file = location
            .and_then(|span| self.document.sources.get(&span.file_id()))
            .map(|source| source.path().display().to_string())
            .unwrap_or_default();
        if !self
            .seen
            .insert((file.clone(), coordinate.clone(), line, column))
        {
            return;
        }
        let reason = directive
            .specified_argument_by_name("reason")
            .and_then(|value| value.as_str())
            .map(str::to_owned)
            .or_else(|| Some("No longer supported".to_owned()));
        self.found.push(Deprecation {
            file,
            line,
            column,
            coordinate,
            reason,
        });
    }

    fn selection_set(&mut self, set: &SelectionSet) {
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    let coordinate = format!("{}.{}", set.ty, field.name);
                    self.report(
                        field.location(),
                        coordinate.clone(),
                        &field.definition.directives,
                    );
                    for argument in &field.arguments {
                        if let Some(definition) = field.definition.argument_by_name(&argument.name)
                        {
                            self.report(
                                argument.location(),
                                format!("{coordinate}({}:)", argument.name),
                                &definition.directives,
                            );
                            self.value(&argument.value, definition.ty.inner_named_type().as_str());
                        }
                    }
                    self.selection_set(&field.selection_set);
                }
                Selection::InlineFragment(fragment) => self.selection_set(&fragment.selection_set),
                Selection::FragmentSpread(spread) => {
                    let name = spread.fragment_name.to_string();
                    if self.visited_fragments.insert(name) {
                        if let Some(fragment) = self.document.fragments.get(&spread.fragment_name) {
                            self.selection_set(&fragment.selection_set);
                        }
                    }
                }
            }
        }
    }

    /// Literal enum values and input object fields inside an argument value.
    fn value(&mut self, value: &Node<Value>, type_name: &str) {
        let Some(ty) = self.schema.schema.types.get(type_name) else {
            return;
        };
        match (value.as_ref(), ty) {
            (Value::Enum(name), ExtendedType::Enum(definition)) => {
                if let Some(enum_value) = definition.values.get(name) {
                    self.report(
                        value.location(),
                        format!("{type_name}.{name}"),
                        &enum_value.directives,
                    );
                }
            }
            (Value::List(items), _) => {
                for item in items {
                    self.value(item, type_name);
                }
            }
            (Value::Object(fields), ExtendedType::InputObject(definition)) => {
                for (name, field_value) in fields {
                    if let Some(field) = definition.fields.get(name) {
                        self.report(
                            field_value.location(),
                            format!("{type_name}.{name}"),
                            &field.directives,
                        );
                        self.value(field_value, field.ty.inner_named_type().as_str());
                    }
                }
            }
            _ => {}
        }
    }
}
