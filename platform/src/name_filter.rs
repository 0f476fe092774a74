//! The name filter of the tenants and clients APIs (`name: "acme%"`, label names): SQL
//! `LIKE` with `%` only, without regard to case. One implementation for the runtime (which
//! re-checks labels the API cannot filter together) and the emulator (which answers the
//! filter).

/// Whether `text` matches `pattern`, where `%` stands for any run of characters (none
/// included) and a pattern without `%` must equal the whole text; case is ignored.
///
/// ```
/// use taegis_platform::name_filter::like;
///
/// assert!(like("acme%", "ACME Corp"));
/// assert!(!like("acme", "ACME Corp"));
/// ```
pub fn like(pattern: &str, text: &str) -> bool {
    let (pattern, text) = (pattern.to_lowercase(), text.to_lowercase());
    let parts: Vec<&str> = pattern.split('%').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn percent_matches_any_run_and_case_is_ignored() {
        assert!(like("gold", "Gold"));
        assert!(like("%old", "gold"));
        assert!(like("g%d", "gold"));
        assert!(like("%", ""));
        assert!(!like("g%x", "gold"));
        assert!(!like("gold", "golden"));
        assert!(like("%app%", "My App one"));
        assert!(like("my%", "My App"));
        assert!(!like("app", "my app"));
        assert!(like("a%c%e", "abcde"));
        assert!(!like("a%c%e", "abcdx"));
    }
}
