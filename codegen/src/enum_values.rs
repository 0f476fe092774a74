//! Gives every generated enum the values its schema lists, as `Enum::VALUES` (in schema
//! order), so callers that check or offer values (a CLI argument, a form) read them from the
//! schema the code was generated from instead of keeping a copy. graphql_client_codegen's
//! enums have a catch-all variant, so parsing alone accepts any text.

use apollo_compiler::schema::ExtendedType;

/// Adds `impl Enum { pub const VALUES: &'static [&'static str] }` after every enum in
/// `items` (and nested modules) that names an enum of `schema`.
pub(crate) fn add_schema_values(items: &mut Vec<syn::Item>, schema: &apollo_compiler::Schema) {
    let mut added = Vec::new();
    for (index, item) in items.iter_mut().enumerate() {
        match item {
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &mut module.content {
                    add_schema_values(items, schema);
                }
            }
            syn::Item::Enum(item) => {
                let Some(ExtendedType::Enum(enum_type)) =
                    schema.types.get(item.ident.to_string().as_str())
                else {
                    continue;
                };
                let name = &item.ident;
                let values = enum_type.values.keys().map(|v| v.as_str());
                let block: syn::Item = syn::parse_quote! {
                    impl #name {
                        /// The values the schema lists, in its order.
                        pub const VALUES: &'static [&'static str] = &[#(#values),*];
                    }
                };
                added.push((index + 1, block));
            }
            _ => {}
        }
    }
    for (offset, (index, block)) in added.into_iter().enumerate() {
        items.insert(index + offset, block);
    }
}
