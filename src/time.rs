//! Instants on the wire. Belco's own example writes `2020-01-01T00:00Z` (no seconds), so dates are
//! read leniently and always written back as RFC 3339 in UTC; they are stored as milliseconds
//! since the Unix epoch, which sorts and compares the same on SQLite and PostgreSQL.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat, Timelike, Utc};

use crate::decimal::push_digits;

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

/// A calendar day for people, in UTC: `3 Jan 2024`.
pub fn format_day(millis: i64) -> String {
    let mut out = String::with_capacity(12);
    push_day(&mut out, millis);
    out
}

/// [`format_day`], appended to `out`.
pub fn push_day(out: &mut String, millis: i64) {
    push_day_of(out, utc(millis));
}

/// A moment for people, in UTC: `3 Jan 2024, 14:05 UTC`.
pub fn format_minute(millis: i64) -> String {
    let at = utc(millis);
    let mut out = String::with_capacity(24);
    push_day_of(&mut out, at);
    out.push_str(", ");
    push_digits(&mut out, u64::from(at.hour()), 2);
    out.push(':');
    push_digits(&mut out, u64::from(at.minute()), 2);
    out.push_str(" UTC");
    out
}

/// The same day as `YYYY-MM-DD`, for a `<time datetime>` attribute.
pub fn format_iso_day(millis: i64) -> String {
    let mut out = String::with_capacity(10);
    push_iso_day(&mut out, millis);
    out
}

/// [`format_iso_day`], appended to `out`.
pub fn push_iso_day(out: &mut String, millis: i64) {
    let at = utc(millis);
    push_year(out, at.year());
    out.push('-');
    push_digits(out, u64::from(at.month()), 2);
    out.push('-');
    push_digits(out, u64::from(at.day()), 2);
}

// These three run for every order and note on every panel, so they are written digit by digit
// rather than with chrono's strftime (which parses its format string on each call) or
// `format!`; the tests hold them to strftime's output.
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn push_day_of(out: &mut String, at: DateTime<Utc>) {
    push_digits(out, u64::from(at.day()), 1);
    out.push(' ');
    out.push_str(MONTHS[at.month0() as usize]);
    out.push(' ');
    push_year(out, at.year());
}

/// Four digits at least, as strftime's `%Y` (a sign for years before 1 AD).
fn push_year(out: &mut String, year: i32) {
    if year < 0 {
        out.push('-');
    }
    push_digits(out, u64::from(year.unsigned_abs()), 4);
}

fn utc(millis: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(millis).unwrap_or_default()
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

    #[test]
    fn writes_days_for_people_and_for_markup() {
        assert_eq!(format_day(NEW_YEAR_2020 + 2 * 86_400_000), "3 Jan 2020");
        assert_eq!(format_iso_day(NEW_YEAR_2020 + 2 * 86_400_000), "2020-01-03");
        assert_eq!(format_minute(NEW_YEAR_2020 + 14 * 3_600_000 + 5 * 60_000), "1 Jan 2020, 14:05 UTC");
    }

    #[test]
    fn dates_for_people_match_strftime() {
        let mut at = -30_000_000_000_000_i64; // the year 1019
        while at < 4_102_444_800_000 {
            let chrono = utc(at);
            assert_eq!(format_day(at), chrono.format("%-d %b %Y").to_string());
            assert_eq!(format_minute(at), chrono.format("%-d %b %Y, %H:%M UTC").to_string());
            assert_eq!(format_iso_day(at), chrono.format("%Y-%m-%d").to_string(), "{at}");
            at += 7_777_777_777; // about three months, a different hour and minute each time
        }
        assert_eq!(format_day(NEW_YEAR_2020), "1 Jan 2020");
        assert_eq!(format_minute(NEW_YEAR_2020 + 14 * 3_600_000 + 5 * 60_000), "1 Jan 2020, 14:05 UTC");
        assert_eq!(format_iso_day(NEW_YEAR_2020), "2020-01-01");
    }
}
