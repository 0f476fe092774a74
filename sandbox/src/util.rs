//! Small helpers: clock, RFC 3339 times, draws from the seeded `fastrand` generator for test
//! data, and identifiers and secrets from the operating system's CSPRNG.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Formats milliseconds since the epoch as `2022-03-23T15:15:37Z` (or with `.123` millis when
/// `millis` is set).
pub(crate) fn rfc3339(ms: i64, millis: bool) -> String {
    taegis_platform::time::format_rfc3339(ms, millis)
}

/// Parses an RFC 3339 timestamp (also without offset, read as UTC, or a bare date) into
/// milliseconds since the epoch.
pub(crate) fn parse_time(text: &str) -> Option<i64> {
    let (secs, nanos) = taegis_platform::time::parse_lenient(text)?;
    secs.checked_mul(1000)?
        .checked_add(i64::from(nanos / 1_000_000))
}

/// A version-4-shaped UUID from the seeded generator `rng` (`fastrand`, deterministic for a
/// seed): predictable, so for seeded test data only, never for secrets (use [`secure`]).
pub(crate) fn seeded_uuid(rng: &mut fastrand::Rng) -> String {
    uuid_from(rng.u64(..), rng.u64(..))
}

/// True with probability `p`, from the seeded generator `rng`.
pub(crate) fn chance(rng: &mut fastrand::Rng, p: f64) -> bool {
    p > 0.0 && rng.f64() < p
}

/// One element of a non-empty slice, from the seeded generator `rng`.
pub(crate) fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

/// A version-4 UUID made of the bits of `a` and `b` (the version and variant bits replaced).
fn uuid_from(a: u64, b: u64) -> String {
    let a = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
    let b = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFFF,
        b >> 48,
        b & 0xFFFF_FFFF_FFFF
    )
}

/// Unpredictable values (secrets, client IDs, the UUIDs of created objects, keys), each drawn
/// directly from the operating system's CSPRNG. The error is a message for the caller.
pub(crate) mod secure {
    /// Fills `buf` from the operating system.
    pub(crate) fn fill(buf: &mut [u8]) -> Result<(), String> {
        getrandom::fill(buf)
            .map_err(|error| format!("the operating system's random source failed: {error}"))
    }

    /// A random version-4 UUID.
    pub(crate) fn uuid() -> Result<String, String> {
        let mut bytes = [0u8; 16];
        fill(&mut bytes)?;
        let (a, b) = bytes.split_at(8);
        let word = |half: &[u8]| u64::from_le_bytes(half.try_into().unwrap_or_default());
        Ok(super::uuid_from(word(a), word(b)))
    }

    /// `len` uniformly random characters from `[A-Za-z0-9]`.
    pub(crate) fn alnum(len: usize) -> Result<String, String> {
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        // The largest multiple of 62 that fits in a byte: rejecting bytes above it keeps the
        // characters uniform.
        const LIMIT: u8 = (256 / CHARS.len() * CHARS.len()) as u8;
        let mut out = String::with_capacity(len);
        let mut bytes = [0u8; 64];
        while out.len() < len {
            fill(&mut bytes)?;
            for &byte in bytes.iter().filter(|&&b| b < LIMIT) {
                if out.len() == len {
                    break;
                }
                out.push(CHARS[byte as usize % CHARS.len()] as char);
            }
        }
        Ok(out)
    }
}

pub(crate) use taegis_platform::name_filter::like;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_round_trip() {
        let ms = parse_time("2022-04-22T09:40:06.677Z").unwrap();
        assert_eq!(rfc3339(ms, true), "2022-04-22T09:40:06.677Z");
        assert_eq!(
            parse_time("2019-07-04T15:00:22"),
            parse_time("2019-07-04T15:00:22Z")
        );
        assert_eq!(
            parse_time("2019-07-04T17:00:22+02:00"),
            parse_time("2019-07-04T15:00:22Z")
        );
        assert_eq!(rfc3339(0, false), "1970-01-01T00:00:00Z");
        assert!(parse_time("yesterday").is_none());
        assert!(parse_time("2019-07-04T15:00:22+aéb").is_none());
        assert!(parse_time("2019-07-04T15:00:22.").is_none());
        assert!(parse_time("2019-07-04é15:00:22").is_none());
    }

    #[test]
    fn secure_values_have_the_expected_shape() {
        let uuid = secure::uuid().unwrap();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        assert!(matches!(&uuid[19..20], "8" | "9" | "a" | "b"), "{uuid}");
        let secret = secure::alnum(64).unwrap();
        assert_eq!(secret.len(), 64);
        assert!(secret.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(secret, secure::alnum(64).unwrap());
        assert_eq!(secure::alnum(0).unwrap(), "");
    }
}
