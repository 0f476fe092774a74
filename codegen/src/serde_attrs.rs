//! Reading `#[serde(...)]` attributes with `syn`: the one reader for the code generator (which
//! finds a generated field's GraphQL name) and the fragment check (which finds the JSON keys a
//! hand-written struct reads).

/// What the `#[serde(...)]` attributes of a struct or field say, as far as the code generator
/// and the fragment check need it.
#[derive(Debug, Default)]
pub(crate) struct SerdeOptions {
    /// `rename = "..."` (or its `deserialize` half).
    pub(crate) rename: Option<String>,
    /// `rename_all` is present.
    pub(crate) rename_all: bool,
    /// `skip` or `skip_deserializing`.
    pub(crate) skip: bool,
    /// `flatten`.
    pub(crate) flatten: bool,
}

/// Reads the `#[serde(...)]` attributes among `attrs`; options it does not interpret are
/// skipped, an attribute it cannot read is an error.
pub(crate) fn read(attrs: &[syn::Attribute]) -> Result<SerdeOptions, String> {
    let mut options = SerdeOptions::default();
    for attribute in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attribute
            .parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    if meta.input.peek(syn::Token![=]) {
                        options.rename = Some(meta.value()?.parse::<syn::LitStr>()?.value());
                    } else {
                        // rename(deserialize = "...", serialize = "...")
                        meta.parse_nested_meta(|inner| {
                            let value = inner.value()?.parse::<syn::LitStr>()?.value();
                            if inner.path.is_ident("deserialize") {
                                options.rename = Some(value);
                            }
                            Ok(())
                        })?;
                    }
                } else if meta.path.is_ident("rename_all") {
                    options.rename_all = true;
                    skip_value(&meta)?;
                } else if meta.path.is_ident("skip") || meta.path.is_ident("skip_deserializing") {
                    options.skip = true;
                } else if meta.path.is_ident("flatten") {
                    options.flatten = true;
                } else {
                    skip_value(&meta)?;
                }
                Ok(())
            })
            .map_err(|error| format!("unreadable serde attribute: {error}"))?;
    }
    Ok(options)
}

/// Consumes `= value` or `(...)` after a serde option we do not interpret.
fn skip_value(meta: &syn::meta::ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.step(|cursor| {
            let mut rest = *cursor;
            while let Some((_, next)) = rest.token_tree() {
                rest = next;
            }
            Ok(((), rest))
        })?;
    }
    Ok(())
}
