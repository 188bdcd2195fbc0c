//! The one lenient reader of the timestamps formats record.
//!
//! Accepted forms, tried in this order (surrounding white space is ignored):
//! 1. **RFC 3339 / ISO 8601 with an offset**: `2025-06-01T12:00:00Z`,
//!    `2025-06-01T12:00:00.123456+02:00`, a space for the `T` (what `jiff` parses as a
//!    [`Timestamp`]). A leap second (`23:59:60`) is read as `23:59:59`.
//! 2. **Naive ISO 8601** without an offset, as Python writes `datetime.isoformat()` of a local
//!    time (OpenHands, Harbor, old Inspect logs): `2025-04-30T16:32:54.707474`, taken as UTC. A
//!    source that writes these writes them all the same way, so differences between them (the
//!    elapsed times readers need) are right whatever the zone was. ISO 8601's shorter forms
//!    that `jiff` reads are accepted too: `2025-04-30T16`, `20250430T163254`, and a date alone
//!    (`2025-04-30`, midnight).
//! 3. **Seconds, milliseconds, microseconds or nanoseconds since the Unix epoch**: a JSON
//!    number, or a string of ASCII digits (an optional `-`, an optional fraction). The unit is
//!    told by magnitude: below 10^11 seconds (until the year 5138), below 10^14 milliseconds,
//!    below 10^17 microseconds, else nanoseconds; so a millisecond, microsecond or nanosecond
//!    count must be after 3 March 1973 to be read as one. Negative counts are before 1970. A
//!    string of digits alone is always a count (`20250430` is seconds, not a date).
//!
//! Anything else is `None`, never a panic: an empty string, digits that are not ASCII, a count
//! outside the years −9999 to 9999, a non-finite number. Readers turn `None` into a warning
//! naming the field.
//!
//! A header's `started_at` is taken only from the first form ([`has_offset`]): a naive time
//! or a bare number says nothing reliable about the zone it was written in.

use jiff::Timestamp;
use serde_json::Value;

/// Something a timestamp is read from: a string, or a JSON value (a string or a number).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Raw<'a> {
    Str(&'a str),
    Json(&'a Value),
}

impl<'a> From<&'a str> for Raw<'a> {
    fn from(s: &'a str) -> Self {
        Raw::Str(s)
    }
}

impl<'a> From<&'a String> for Raw<'a> {
    fn from(s: &'a String) -> Self {
        Raw::Str(s)
    }
}

impl<'a> From<&'a Value> for Raw<'a> {
    fn from(v: &'a Value) -> Self {
        match v {
            Value::String(s) => Raw::Str(s),
            other => Raw::Json(other),
        }
    }
}

/// The instant a timestamp in any accepted form stands for.
pub(crate) fn parse_timestamp<'a>(raw: impl Into<Raw<'a>>) -> Option<Timestamp> {
    match raw.into() {
        Raw::Str(s) => parse_str(s),
        Raw::Json(Value::Number(n)) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => from_count(i128::from(i)),
            (None, Some(u)) => from_count(i128::from(u)),
            (None, None) => n.as_f64().and_then(from_float),
        },
        Raw::Json(_) => None,
    }
}

/// Seconds since the Unix epoch of a timestamp in any accepted form, to the microsecond. A
/// number of seconds is returned as it is (no rounding), once it is known to be a valid time.
pub(crate) fn seconds<'a>(raw: impl Into<Raw<'a>>) -> Option<f64> {
    let raw = raw.into();
    let t = parse_timestamp(raw)?;
    if let Raw::Json(Value::Number(n)) = raw
        && let Some(f) = n.as_f64().filter(|f| f.abs() < SECONDS_BELOW)
    {
        return Some(f);
    }
    Some(t.as_microsecond() as f64 / 1e6)
}

/// Whether `ts` is an RFC 3339 timestamp with an offset (the first form): the only form a
/// header's `started_at` is taken from.
pub(crate) fn has_offset(ts: &str) -> bool {
    ts.trim().parse::<Timestamp>().is_ok()
}

/// Counts below this are seconds; each factor of 1000 above it the next smaller unit.
const SECONDS_BELOW: f64 = 1e11;

fn parse_str(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    if is_count(s) {
        return match s.parse::<i128>() {
            Ok(n) => from_count(n),
            Err(_) => s.parse::<f64>().ok().and_then(from_float),
        };
    }
    let civil: jiff::civil::DateTime = s.parse().ok()?;
    jiff::tz::TimeZone::UTC.to_timestamp(civil).ok()
}

/// `-?[0-9]+(\.[0-9]*)?` in ASCII, at most 40 characters (beyond that no count is a time).
fn is_count(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    s.len() <= 40
        && !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// A whole count since the epoch, its unit told by magnitude.
fn from_count(n: i128) -> Option<Timestamp> {
    let a = n.unsigned_abs();
    let per_unit: i128 = if a < 100_000_000_000 {
        1_000_000_000
    } else if a < 100_000_000_000_000 {
        1_000_000
    } else if a < 100_000_000_000_000_000 {
        1_000
    } else {
        1
    };
    Timestamp::from_nanosecond(n.checked_mul(per_unit)?).ok()
}

/// A fractional count since the epoch, its unit told by magnitude; to the nanosecond.
fn from_float(f: f64) -> Option<Timestamp> {
    if !f.is_finite() {
        return None;
    }
    let a = f.abs();
    let secs = if a < SECONDS_BELOW {
        f
    } else if a < SECONDS_BELOW * 1e3 {
        f / 1e3
    } else if a < SECONDS_BELOW * 1e6 {
        f / 1e6
    } else {
        f / 1e9
    };
    // Far outside jiff's range (±10^12 s is past the year 9999): refuse before converting.
    if secs.abs() >= 1e12 {
        return None;
    }
    let whole = secs.floor();
    let nanos = ((secs - whole) * 1e9).round();
    let (whole, nanos) = if nanos >= 1e9 { (whole + 1.0, 0.0) } else { (whole, nanos) };
    Timestamp::new(whole as i64, nanos as i32).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: &str) -> Option<String> {
        parse_timestamp(s).map(|t| t.to_string())
    }

    #[test]
    fn offset_timestamps() {
        assert_eq!(at("2025-01-01T00:00:10Z").as_deref(), Some("2025-01-01T00:00:10Z"));
        assert_eq!(at(" 2025-01-01T02:00:10.5+02:00\n").as_deref(), Some("2025-01-01T00:00:10.5Z"));
        assert_eq!(at("2025-01-01 00:00:10Z").as_deref(), Some("2025-01-01T00:00:10Z"));
        assert!(has_offset("2025-01-01T00:00:10Z"));
        assert!(!has_offset("2025-01-01T00:00:10"));
        assert!(!has_offset("1735689610"));
    }

    #[test]
    fn naive_timestamps_are_utc() {
        assert_eq!(at("2025-04-30T16:32:54.707474").as_deref(), Some("2025-04-30T16:32:54.707474Z"));
        assert_eq!(seconds("2024-05-05T07:59:35"), Some(1_714_895_975.0));
        assert_eq!(seconds("2024-05-05T07:59:35+00:00"), Some(1_714_895_975.0));
        assert_eq!(seconds("2025-01-01T00:00:00Z"), Some(1_735_689_600.0));
        let (a, b) = (seconds("2025-04-30T16:32:54.707474").unwrap(), seconds("2025-04-30T16:32:57.821635").unwrap());
        assert!((b - a - 3.114161).abs() < 1e-6, "{}", b - a);
    }

    #[test]
    fn epoch_counts_in_every_unit() {
        let want = Some("2023-11-14T22:13:20Z".to_owned());
        for v in [json!(1_700_000_000), json!(1_700_000_000_000u64), json!(1_700_000_000_000_000u64)] {
            assert_eq!(parse_timestamp(&v).map(|t| t.to_string()), want, "{v}");
        }
        assert_eq!(at("1700000000000000000"), want);
        assert_eq!(at("1700000000"), want);
        assert_eq!(
            parse_timestamp(&json!(1_700_000_000.25)).map(|t| t.to_string()).as_deref(),
            Some("2023-11-14T22:13:20.25Z")
        );
        assert_eq!(
            parse_timestamp(&json!(1_700_000_000_250.0)).map(|t| t.to_string()).as_deref(),
            Some("2023-11-14T22:13:20.25Z")
        );
        assert_eq!(at("-1").as_deref(), Some("1969-12-31T23:59:59Z"));
        assert_eq!(at("-1.5").as_deref(), Some("1969-12-31T23:59:58.5Z"));
        assert_eq!(at("-0.0000000001").as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(at("0.9999999999").as_deref(), Some("1970-01-01T00:00:01Z"));
        assert_eq!(parse_timestamp(&json!(0)).map(|t| t.to_string()).as_deref(), Some("1970-01-01T00:00:00Z"));
        // A float number of seconds is kept as it is.
        assert_eq!(seconds(&json!(1_780_680_349.441_035_5)), Some(1_780_680_349.441_035_5));
        assert_eq!(seconds(&json!(1_700_000_000_000u64)), Some(1_700_000_000.0));
    }

    #[test]
    fn odd_input_is_none_never_a_panic() {
        for s in [
            "",
            "   ",
            "yesterday",
            "-",
            ".5",
            "1.2.3",
            "--1",
            "１７００００００００",
            "２０２５-01-01T00:00:00Z",
            "2025-13-01T00:00:00Z",
            "2025-01-01T00:00:00+99:00",
            "99999999999999999999999999999999999999999",
            "-99999999999999999999999999999999999999999",
            "1e400",
            "NaN",
            "inf",
            "9999999999999999999999999999999999999999",
            "-170141183460469231731687303715884105728",
        ] {
            assert_eq!(parse_timestamp(s), None, "{s:?}");
            assert_eq!(seconds(s), None, "{s:?}");
        }
        for v in
            [json!(u64::MAX), json!(i64::MIN), json!(f64::MAX), json!(-1e300), json!(null), json!(true), json!([1])]
        {
            // Counts this large are nanoseconds: u64::MAX is in 2554, i64::MIN in 1677.
            let got = parse_timestamp(&v);
            assert_eq!(got.is_some(), v == json!(u64::MAX) || v == json!(i64::MIN), "{v}");
        }
        assert_eq!(
            parse_timestamp(&json!(i64::MIN)).map(|t| t.to_string()).as_deref(),
            Some("1677-09-21T00:12:43.145224192Z")
        );
    }

    #[test]
    fn leap_seconds_are_the_second_before() {
        assert_eq!(at("2016-12-31T23:59:60Z").as_deref(), Some("2016-12-31T23:59:59Z"));
        assert_eq!(at("2016-12-31T23:59:60").as_deref(), Some("2016-12-31T23:59:59Z"));
    }
}
