//! The `Bearer` scheme of `Authorization` headers and pasted tokens, read one way by the
//! client, the command line and the emulator.

/// The token of `text` without surrounding whitespace and without a leading `Bearer `
/// (any case, any spaces after it); `text` itself (trimmed) when it has no such prefix.
///
/// ```
/// use taegis_platform::bearer::strip_bearer;
///
/// assert_eq!(strip_bearer("  Bearer  abc.def\n"), "abc.def");
/// assert_eq!(strip_bearer("bearer abc"), "abc");
/// assert_eq!(strip_bearer("abc"), "abc");
/// ```
pub fn strip_bearer(text: &str) -> &str {
    bearer_token(text).unwrap_or_else(|| text.trim())
}

/// The token of an `Authorization: Bearer <token>` value (empty for the scheme alone);
/// `None` for another scheme.
///
/// ```
/// use taegis_platform::bearer::bearer_token;
///
/// assert_eq!(bearer_token("Bearer  x.y.z "), Some("x.y.z"));
/// assert_eq!(bearer_token("Basic abc"), None);
/// assert_eq!(bearer_token("Bearerx"), None);
/// ```
pub fn bearer_token(value: &str) -> Option<&str> {
    let value = value.trim();
    let scheme = value.get(..6)?;
    let rest = &value[6..];
    let separated = rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_whitespace());
    (scheme.eq_ignore_ascii_case("bearer") && separated).then(|| rest.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_odd_input() {
        assert_eq!(strip_bearer("BEARER\tt"), "t");
        assert_eq!(strip_bearer("Bearerabc"), "Bearerabc");
        assert_eq!(strip_bearer(""), "");
        assert_eq!(strip_bearer("Bearer"), "");
        assert_eq!(bearer_token("Bearer "), Some(""));
        // Multi-byte text never panics on a slice boundary.
        assert_eq!(strip_bearer("Bëarer x"), "Bëarer x");
        assert_eq!(bearer_token("é"), None);
    }
}
