//! RFC 3339 timestamps as the platform writes them (`2022-04-22T09:40:06.677Z`), read and
//! written without a date library: one implementation for the runtime (token expiry) and the
//! emulator (times in queries and answers).

/// Parses an RFC 3339 date-time (`2022-04-22T09:40:06.677Z`, `...+02:00`; a space or `t` for
/// the `T`) into seconds and nanoseconds since the Unix epoch. Anything else (including
/// multi-byte characters anywhere) is `None`; it never panics.
///
/// ```
/// use taegis_platform::time::parse_rfc3339;
///
/// assert_eq!(parse_rfc3339("1970-01-02T00:00:01.5Z"), Some((86_401, 500_000_000)));
/// assert_eq!(parse_rfc3339("1970-01-01T02:00:00+02:00"), Some((0, 0)));
/// assert_eq!(parse_rfc3339("1970-01-02"), None);
/// ```
pub fn parse_rfc3339(text: &str) -> Option<(i64, u32)> {
    parse(text, true)
}

/// Like [`parse_rfc3339`], also accepting what the API's callers write: no offset (read as
/// UTC), offsets as `+hhmm` or `+hh`, and a bare date (`2022-04-22`, midnight UTC).
///
/// ```
/// use taegis_platform::time::parse_lenient;
///
/// assert_eq!(parse_lenient("1970-01-02"), Some((86_400, 0)));
/// assert_eq!(parse_lenient("1970-01-01 01:00:00+0100"), Some((0, 0)));
/// assert_eq!(parse_lenient("yesterday"), None);
/// ```
pub fn parse_lenient(text: &str) -> Option<(i64, u32)> {
    parse(text, false)
}

fn parse(text: &str, strict: bool) -> Option<(i64, u32)> {
    let t = text.trim();
    if !t.is_ascii() {
        return None;
    }
    let b = t.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = t.get(r)?;
        if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)? as u32, num(8..10)? as u32);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if b.len() == 10 {
        return (!strict).then_some((days * 86_400, 0));
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, m, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut secs = days * 86_400 + h * 3600 + m * 60 + s;
    let mut i = 19;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        let digits: String = t[start..i]
            .chars()
            .chain("000000000".chars())
            .take(9)
            .collect();
        nanos = digits.parse().ok()?;
    }
    let zone = &t[i..];
    let offset = match zone {
        "" if strict => return None,
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let off = &zone[1..];
            let (oh, om) = match off.len() {
                5 if off.as_bytes()[2] == b':' => (num(i + 1..i + 3)?, num(i + 4..i + 6)?),
                4 if !strict => (num(i + 1..i + 3)?, num(i + 3..i + 5)?),
                2 if !strict => (num(i + 1..i + 3)?, 0),
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    secs -= offset;
    Some((secs, nanos))
}

/// Formats milliseconds since the epoch as `2022-03-23T15:15:37Z`, or with `.123` when
/// `millis` is set.
///
/// ```
/// assert_eq!(taegis_platform::time::format_rfc3339(86_401_500, true), "1970-01-02T00:00:01.500Z");
/// ```
pub fn format_rfc3339(ms: i64, millis: bool) -> String {
    let secs = ms.div_euclid(1000);
    let frac = ms.rem_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let (h, mi, s) = (sod / 3600, (sod % 3600) / 60, sod % 60);
    if millis {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac:03}Z")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_round_trip() {
        assert_eq!(
            parse_rfc3339("2022-04-22T09:40:06.677Z").map(|t| t.1),
            Some(677_000_000)
        );
        assert_eq!(parse_lenient("1970-01-01 01:00:00+0100"), Some((0, 0)));
        assert_eq!(parse_lenient("1970-01-01T01:00:00+01"), Some((0, 0)));
        assert_eq!(parse_lenient("1970-01-01T00:00:00"), Some((0, 0)));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00"), None);
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+0100"), None);
        for bad in [
            "",
            "2022-13-01",
            "2022-04-22T25:00:00Z",
            "2022-04-22T09:40:06+\u{ff11}0:00",
            "2022-04-22T09:40:06.Z",
            "2022-04-22T09:40:06+1:00",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        for ms in [0i64, 1_650_620_406_677, -86_400_000] {
            let text = format_rfc3339(ms, true);
            let (secs, nanos) = parse_rfc3339(&text).unwrap();
            assert_eq!(secs * 1000 + i64::from(nanos / 1_000_000), ms, "{text}");
        }
    }
}
