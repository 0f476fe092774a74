//! A string that never prints itself.

use std::fmt;

use zeroize::Zeroize;

/// A secret value (client secret, access token): its `Debug` output is redacted, it has no
/// `Display`, and its memory is zeroed when dropped.
///
/// Read it only where it must be sent, with [`SecretString::expose_secret`].
///
/// ```
/// use taegis_sdk::SecretString;
///
/// let secret = SecretString::new("hunter2");
/// assert_eq!(format!("{secret:?}"), "SecretString(<redacted>)");
/// assert_eq!(secret.expose_secret(), "hunter2");
/// ```
#[derive(Clone, Default)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself. Call this only to send it where it belongs.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(<redacted>)")
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl<'de> serde::Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

impl serde::Serialize for SecretString {
    /// Serializes the secret itself: serialization is how it is sent or stored on purpose.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Compares two secrets in constant time (for equal lengths), with `subtle`.
pub(crate) fn secrets_equal(a: &SecretString, b: &SecretString) -> bool {
    use subtle::ConstantTimeEq as _;
    bool::from(a.0.as_bytes().ct_eq(b.0.as_bytes()))
}

impl PartialEq for SecretString {
    /// Compares in constant time.
    fn eq(&self, other: &Self) -> bool {
        secrets_equal(self, other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = SecretString::new("very-secret-value");
        let debug = format!("{s:?} {:?}", Some(&s));
        assert!(!debug.contains("very-secret-value"), "{debug}");
        assert!(debug.contains("<redacted>"));
    }

    #[test]
    fn equality_helper() {
        assert!(secrets_equal(&"abc".into(), &"abc".into()));
        assert!(!secrets_equal(&"abc".into(), &"abd".into()));
        assert!(!secrets_equal(&"abc".into(), &"abcd".into()));
    }

    #[test]
    fn deserializes_from_json_string() {
        let s: SecretString = serde_json::from_str("\"tok\"").unwrap();
        assert_eq!(s.expose_secret(), "tok");
    }
}
