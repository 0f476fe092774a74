//! Works around graphql_client_codegen's enum fallback variant (graphql-rust/graphql-client
//! issue #446, open): every generated enum gets a catch-all `Other(String)` for values the
//! schema did not list, which collides with a schema value `OTHER` (normalised to `Other`),
//! as in the alerts API's `ResolutionStatus`, and the generated code does not compile. For
//! such enums the catch-all is renamed `Unknown(String)` (or `UnknownValue(String)` if
//! `UNKNOWN` is a value too), in the enum and in its generated `Serialize`/`Deserialize`.

use syn::visit_mut::VisitMut;

/// The fallback variant's name as graphql_client_codegen writes it.
const FALLBACK: &str = "Other";

/// Renames the colliding fallback variants in `items` (and nested modules); returns the
/// names of the enums changed, e.g. `ResolutionStatus -> Unknown(String)`.
pub(crate) fn rename_colliding_fallbacks(items: &mut [syn::Item]) -> Vec<String> {
    let mut renamed: Vec<(String, String)> = Vec::new();
    for item in items.iter_mut() {
        if let syn::Item::Enum(item) = item {
            if let Some(new_name) = rename_in_enum(item) {
                renamed.push((item.ident.to_string(), new_name));
            }
        }
    }
    let mut notes: Vec<String> = Vec::new();
    for item in items.iter_mut() {
        match item {
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &mut module.content {
                    notes.extend(rename_colliding_fallbacks(items));
                }
            }
            syn::Item::Impl(block) => {
                let syn::Type::Path(self_type) = &*block.self_ty else {
                    continue;
                };
                let Some(last) = self_type.path.segments.last() else {
                    continue;
                };
                let name = last.ident.to_string();
                if let Some((_, new_name)) = renamed.iter().find(|(e, _)| *e == name) {
                    let mut fix = FixUses {
                        enum_name: &name,
                        new_name,
                    };
                    fix.visit_item_impl_mut(block);
                }
            }
            _ => {}
        }
    }
    notes.extend(
        renamed
            .into_iter()
            .map(|(e, n)| format!("{e}: the catch-all variant is {n}(String)")),
    );
    notes.sort();
    notes.dedup();
    notes
}

/// Renames the tuple variant `Other(String)` of `item` when a unit variant `Other` exists.
fn rename_in_enum(item: &mut syn::ItemEnum) -> Option<String> {
    let has = |name: &str, unit: bool| {
        item.variants
            .iter()
            .any(|v| v.ident == name && matches!(v.fields, syn::Fields::Unit) == unit)
    };
    if !(has(FALLBACK, true) && has(FALLBACK, false)) {
        return None;
    }
    let new_name = if has("Unknown", true) {
        "UnknownValue"
    } else {
        "Unknown"
    };
    for variant in item.variants.iter_mut() {
        if variant.ident == FALLBACK && !matches!(variant.fields, syn::Fields::Unit) {
            variant.ident = syn::Ident::new(new_name, variant.ident.span());
        }
    }
    Some(new_name.to_owned())
}

/// Rewrites `Enum::Other(..)` calls and patterns (the fallback; the unit value `Enum::Other`
/// is a plain path and stays).
struct FixUses<'a> {
    enum_name: &'a str,
    new_name: &'a str,
}

impl FixUses<'_> {
    fn fix(&self, path: &mut syn::Path) {
        let n = path.segments.len();
        if n >= 2
            && path.segments[n - 2].ident == self.enum_name
            && path.segments[n - 1].ident == FALLBACK
        {
            let span = path.segments[n - 1].ident.span();
            path.segments[n - 1].ident = syn::Ident::new(self.new_name, span);
        }
    }
}

impl VisitMut for FixUses<'_> {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        if let syn::Expr::Path(func) = &mut *call.func {
            self.fix(&mut func.path);
        }
        syn::visit_mut::visit_expr_call_mut(self, call);
    }

    fn visit_pat_tuple_struct_mut(&mut self, pattern: &mut syn::PatTupleStruct) {
        self.fix(&mut pattern.path);
        syn::visit_mut::visit_pat_tuple_struct_mut(self, pattern);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enum_with_an_other_value_gets_a_distinct_catch_all() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod m {
                pub enum ResolutionStatus { Open, Other, Other(String) }
                impl Serialize for ResolutionStatus {
                    fn serialize(&self) -> &str {
                        match *self {
                            ResolutionStatus::Open => "OPEN",
                            ResolutionStatus::Other => "OTHER",
                            ResolutionStatus::Other(ref s) => &s,
                        }
                    }
                }
                impl Deserialize for ResolutionStatus {
                    fn deserialize(s: String) -> Self {
                        match s.as_str() {
                            "OTHER" => ResolutionStatus::Other,
                            _ => ResolutionStatus::Other(s),
                        }
                    }
                }
                pub enum SortOrder { Asc, Other(String) }
            }
        };
        let notes = rename_colliding_fallbacks(&mut file.items);
        assert_eq!(
            notes,
            ["ResolutionStatus: the catch-all variant is Unknown(String)"]
        );
        let code = prettyplease::unparse(&file);
        assert!(code.contains("Other,\n"), "the schema value stays: {code}");
        assert!(code.contains("Unknown(String)"), "{code}");
        assert!(
            code.contains("ResolutionStatus::Unknown(ref s) => &s"),
            "{code}"
        );
        assert!(code.contains("_ => ResolutionStatus::Unknown(s)"), "{code}");
        assert!(
            code.contains("\"OTHER\" => ResolutionStatus::Other,"),
            "{code}"
        );
        assert!(
            code.contains("pub enum SortOrder {\n        Asc,\n        Other(String),"),
            "untouched: {code}"
        );
    }
}
