//! Clock and sleep abstractions, so that token expiry and retry backoff can be driven by
//! tests (or another runtime) without waiting.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A boxed, sendable future, as returned by the crate's pluggable traits.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Tells the current wall-clock time (used for token expiry and `Retry-After` dates).
pub trait TimeSource: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemTimeSource;

impl TimeSource for SystemTimeSource {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Waits for a duration (used between retries and device-code polls).
pub trait AsyncSleep: Send + Sync + fmt::Debug {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// Sleeps with `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleep;

impl AsyncSleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

fn to_system_time(days: i64, secs_of_day: i64, nanos: u32, offset_secs: i64) -> Option<SystemTime> {
    let secs = days
        .checked_mul(86_400)?
        .checked_add(secs_of_day)?
        .checked_sub(offset_secs)?;
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses an RFC 3339 date-time such as `2022-04-22T09:40:06.677Z` or
/// `2022-04-22T11:40:06+02:00` (the platform's one parser, `taegis_platform::time`).
pub(crate) fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let (secs, nanos) = taegis_platform::time::parse_rfc3339(s)?;
    to_system_time(0, secs, nanos, 0)
}

/// Parses an HTTP date in the IMF-fixdate form (`Wed, 21 Oct 2015 07:28:00 GMT`).
pub(crate) fn parse_http_date(s: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let day = num(parts[1])?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == parts[2])? as u32 + 1;
    let year = num(parts[3])? as i64;
    let mut t = parts[4].split(':');
    let (h, m, sec) = (num(t.next()?)?, num(t.next()?)?, num(t.next()?)?);
    if h > 23 || m > 59 || sec > 60 || !(1..=31).contains(&day) {
        return None;
    }
    let secs_of_day = i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(sec);
    to_system_time(
        taegis_platform::time::days_from_civil(year, month, day),
        secs_of_day,
        0,
        0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix(t: SystemTime) -> f64 {
        t.duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
    }

    #[test]
    fn rfc3339() {
        // The token guide's example: 2022-04-22T09:40:06.677Z.
        let t = parse_rfc3339("2022-04-22T09:40:06.677Z").unwrap();
        assert!((unix(t) - 1_650_620_406.677).abs() < 1e-6);
        let offset = parse_rfc3339("2022-04-22T11:40:06.677+02:00").unwrap();
        assert_eq!(t, offset);
        assert_eq!(unix(parse_rfc3339("1970-01-01T00:00:00Z").unwrap()), 0.0);
        for bad in [
            "",
            "2022-04-22",
            "2022-13-01T00:00:00Z",
            "2022-04-22T09:40:06",
            "garbage-garbage-garb",
            "2022-04-22T09:40:06+0é00",
            "2022-04-22T09:40:06+02x00",
        ] {
            assert!(parse_rfc3339(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn http_date() {
        let t = parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(unix(t), 1_445_412_480.0);
        assert!(parse_http_date("Wed, 21 Oct 2015 07:28:00 PST").is_none());
        assert!(parse_http_date("120").is_none());
    }
}
