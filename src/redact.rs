//! Server text we show is scrubbed of the secrets the client holds, in every form in which
//! they travel: raw, standard and URL-safe base64 of `id:secret` (the `Basic` header),
//! percent-encoded, JSON-escaped, and the bearer token. A trailing fragment of a secret (text
//! cut by a size limit) is removed too. Terminal control characters are escaped separately by
//! [`escape_controls`].

use std::borrow::Cow;

use base64::Engine as _;
use zeroize::Zeroizing;

/// What replaces a secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// Secrets shorter than this are not searched for (they would match ordinary text).
const MIN_SECRET_CHARS: usize = 4;

/// The shortest trailing fragment of a secret that is removed at the end of a text.
const MIN_FRAGMENT_CHARS: usize = 4;

/// The forms of the secrets one client holds, longest first.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    needles: Vec<Zeroizing<String>>,
}

impl Redactor {
    /// Adds a client secret and the `Basic` value of `id:secret`, in every encoding.
    pub(crate) fn with_client_credentials(mut self, client_id: &str, secret: &str) -> Self {
        self.add_secret(secret);
        let pair = Zeroizing::new(format!("{client_id}:{secret}"));
        for engine in [
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::URL_SAFE,
        ] {
            let encoded = Zeroizing::new(engine.encode(pair.as_bytes()));
            self.push(encoded.trim_end_matches('=').to_owned());
            self.push(encoded.to_string());
        }
        self.sort();
        self
    }

    /// Adds a secret (a token, a device code) in every encoding.
    pub(crate) fn with_secret(mut self, secret: &str) -> Self {
        self.add_secret(secret);
        self.sort();
        self
    }

    fn add_secret(&mut self, secret: &str) {
        self.push(secret.to_owned());
        for keep in [UNRESERVED, ALPHANUMERIC] {
            for upper in [true, false] {
                self.push(percent_encode(secret, keep, upper));
            }
        }
        if let Ok(json) = serde_json::to_string(secret) {
            let inner = &json[1..json.len() - 1];
            self.push(inner.to_owned());
            self.push(inner.replace('/', "\\/"));
        }
    }

    fn push(&mut self, form: String) {
        let form = Zeroizing::new(form);
        if form.chars().count() >= MIN_SECRET_CHARS && !self.needles.contains(&form) {
            self.needles.push(form);
        }
    }

    fn sort(&mut self) {
        self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    /// `text` without any form of a secret, nor a trailing fragment of one.
    pub(crate) fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = Cow::Owned(out.replace(needle.as_str(), REDACTED));
            }
        }
        if let Some(cut) = self.trailing_fragment(&out) {
            let mut owned = out.into_owned();
            owned.truncate(cut);
            owned.push_str(REDACTED);
            out = Cow::Owned(owned);
        }
        out
    }

    /// Redacts a string in place.
    pub(crate) fn redact_string(&self, text: &mut String) {
        if let Cow::Owned(clean) = self.redact(text) {
            *text = clean;
        }
    }

    /// Redacts every string and object key of a JSON value.
    pub(crate) fn redact_json(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        if self.needles.is_empty() {
            return;
        }
        match value {
            Value::String(s) => self.redact_string(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact_json(v)),
            Value::Object(map) => {
                let dirty: Vec<String> = map
                    .keys()
                    .filter(|k| matches!(self.redact(k), Cow::Owned(_)))
                    .cloned()
                    .collect();
                for key in dirty {
                    if let Some(v) = map.remove(&key) {
                        map.insert(self.redact(&key).into_owned(), v);
                    }
                }
                map.values_mut().for_each(|v| self.redact_json(v));
            }
            _ => {}
        }
    }

    /// Where a trailing fragment of a secret starts, if the text ends with one.
    fn trailing_fragment(&self, text: &str) -> Option<usize> {
        let mut longest: Option<usize> = None;
        for needle in &self.needles {
            let starts: Vec<usize> = needle
                .char_indices()
                .map(|(i, _)| i)
                .skip(MIN_FRAGMENT_CHARS)
                .collect();
            for end in starts.into_iter().rev() {
                if text.ends_with(&needle[..end]) {
                    let at = text.len() - end;
                    longest = Some(longest.map_or(at, |l| l.min(at)));
                    break;
                }
            }
        }
        longest
    }
}

/// Bytes left as they are by `encodeURIComponent`-style encoders (RFC 3986 unreserved).
const UNRESERVED: &[u8] = b"-._~";
/// Only letters and digits left as they are.
const ALPHANUMERIC: &[u8] = b"";

fn percent_encode(text: &str, keep: &[u8], upper: bool) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || keep.contains(&byte) {
            out.push(byte as char);
        } else if upper {
            out.push_str(&format!("%{byte:02X}"));
        } else {
            out.push_str(&format!("%{byte:02x}"));
        }
    }
    out
}

/// Whether a character would act on a terminal rather than show: C0 and C1 controls, DEL,
/// and the bidirectional overrides and isolates that reorder what is shown.
pub fn is_terminal_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Server text made safe to print on a terminal: every control character, escape sequence
/// introducer and bidirectional override is written as `\u{..}`.
///
/// ```
/// assert_eq!(taegis_sdk::escape_controls("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
/// assert_eq!(taegis_sdk::escape_controls("plain"), "plain");
/// ```
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_terminal_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_terminal_control(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_is_redacted() {
        let r = Redactor::default()
            .with_client_credentials("id", "p@ss/w+rd?")
            .with_secret("tok.en");
        let basic = base64::engine::general_purpose::STANDARD.encode("id:p@ss/w+rd?");
        for text in [
            "p@ss/w+rd?".to_owned(),
            format!("Basic {basic}"),
            "secret=p%40ss%2Fw%2Brd%3F".to_owned(),
            "secret=p%40ss%2fw%2brd%3f".to_owned(),
            "\"p@ss\\/w+rd?\"".to_owned(),
            "Bearer tok.en".to_owned(),
        ] {
            let clean = r.redact(&text);
            assert!(clean.contains(REDACTED), "{text} -> {clean}");
            assert!(
                !clean.contains("w+rd") && !clean.contains("tok.en"),
                "{clean}"
            );
        }
        assert_eq!(r.redact("nothing here"), "nothing here");
    }

    #[test]
    fn trailing_fragments_are_cut() {
        let r = Redactor::default().with_secret("ABCDEFGHIJ");
        assert_eq!(r.redact("x ABCDE"), format!("x {REDACTED}"));
        assert_eq!(r.redact("x ABC"), "x ABC", "shorter than the minimum");
        assert_eq!(
            r.redact("ABCDEFGHIJ ABCDEFG"),
            format!("{REDACTED} {REDACTED}")
        );
    }

    #[test]
    fn json_keys_and_strings() {
        let r = Redactor::default().with_secret("s3cr3t-value");
        let mut v = serde_json::json!({"s3cr3t-value": ["Bearer s3cr3t-value", 1]});
        r.redact_json(&mut v);
        assert!(!v.to_string().contains("s3cr3t"), "{v}");
    }

    #[test]
    fn controls_are_escaped() {
        assert_eq!(escape_controls("\u{9b}31m\u{202e}"), "\\u{9b}31m\\u{202e}");
    }
}
