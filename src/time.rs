//! Instants on the wire. Belco's own example writes `2020-01-01T00:00Z` (no seconds), so dates are
//! read leniently and always written back as RFC 3339 in UTC; they are stored as milliseconds
//! since the Unix epoch, which sorts and compares the same on SQLite and PostgreSQL. Times for
//! people, in the shop's zone and the agent's language, are `locale`'s.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// Reads an RFC 3339 date-time, also without seconds (`2020-01-01T00:00Z`), with a space instead
/// of `T`, or a bare date (midnight UTC). A time without an offset is taken as UTC.
pub fn parse_instant(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.timestamp_millis());
    }
    let normalized = text.replacen(' ', "T", 1);
    for format in ["%Y-%m-%dT%H:%M%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(dt) = DateTime::parse_from_str(&normalized, format) {
            return Some(dt.timestamp_millis());
        }
    }
    let utc = normalized.strip_suffix(['Z', 'z']).unwrap_or(&normalized);
    for format in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(utc, format) {
            return Some(dt.and_utc().timestamp_millis());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc().timestamp_millis())
}

/// RFC 3339 in UTC: `2020-01-01T00:00:00Z`, with milliseconds only when there are some.
pub fn format_instant(millis: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(millis).unwrap_or_default().to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEW_YEAR_2020: i64 = 1_577_836_800_000;

    #[test]
    fn reads_what_belco_and_shops_write() {
        for text in [
            "2020-01-01T00:00Z",
            "2020-01-01T00:00:00Z",
            "2020-01-01T00:00:00.000Z",
            "2020-01-01T01:00:00+01:00",
            "2020-01-01T01:00+01:00",
            "2020-01-01 00:00:00",
            "2020-01-01T00:00",
            "2020-01-01",
        ] {
            assert_eq!(parse_instant(text), Some(NEW_YEAR_2020), "{text}");
        }
        assert_eq!(parse_instant("2020-01-01T00:00:00.250Z"), Some(NEW_YEAR_2020 + 250));
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for text in ["", "yesterday", "2020-13-01", "2020-01-01T25:00Z", "1577836800"] {
            assert_eq!(parse_instant(text), None, "{text}");
        }
    }

    #[test]
    fn writes_rfc3339_utc() {
        assert_eq!(format_instant(NEW_YEAR_2020), "2020-01-01T00:00:00Z");
        assert_eq!(format_instant(NEW_YEAR_2020 + 250), "2020-01-01T00:00:00.250Z");
    }
}
