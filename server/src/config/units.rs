//! Numbers as the variables write them: durations (`10s`, `90m`, `1h30m`, `8h`; a bare number is
//! seconds), days (`90d`), sizes in bytes (`512KiB`, `2MiB`), whole numbers in a range; and the
//! readers of a duration or a whole-number variable, whose error names the variable.

use std::time::Duration;

use super::{ConfigError, bad};

/// The longest duration [`parse_lifetime`] accepts: a page that may still write a week after it
/// was rendered is as much as any shop needs, and anything longer stops being a bound at all.
const MAX_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// Reads a lifetime such as `8h`, `90m`, `3600s` or `1h30m` (a bare number is seconds), of at
/// most [`MAX_LIFETIME`]. Every step is checked, so no input overflows.
pub(super) fn parse_lifetime(raw: &str) -> Option<Duration> {
    parse_units(raw.trim()).filter(|d| !d.is_zero() && *d <= MAX_LIFETIME)
}

fn parse_units(raw: &str) -> Option<Duration> {
    if let Ok(seconds) = raw.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let mut total = 0u64;
    let mut digits = String::new();
    for c in raw.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let n: u64 = digits.parse().ok()?;
        digits.clear();
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    digits.is_empty().then(|| Duration::from_secs(total))
}

/// Whole days, `90d` or `90`, from 1 to 3650.
pub(super) fn parse_days(raw: &str) -> Option<Duration> {
    let days = raw.strip_suffix('d').unwrap_or(raw).trim().parse::<u64>().ok().filter(|d| (1..=3650).contains(d))?;
    Some(Duration::from_secs(days * 24 * 3600))
}

/// A size in bytes: `500000`, `512KiB`, `2MiB` (binary units; a space before the unit is fine).
pub(super) fn parse_bytes(raw: &str) -> Option<usize> {
    let digits = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(digits);
    let scale = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1024,
        "MiB" => 1024 * 1024,
        _ => return None,
    };
    number.parse::<usize>().ok()?.checked_mul(scale)
}

/// A duration variable (`10s`, `2m`, `1h`; a bare number is seconds), from a second to a week.
pub(super) fn duration(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: Duration,
) -> Result<Duration, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(raw) => parse_lifetime(&raw)
            .ok_or_else(|| bad(var, format!("{raw:?} is not a duration such as 10s, 2m or 1h (a second to a week)"))),
    }
}

/// A whole number from 1 to `max`.
pub(super) fn whole(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: usize,
    max: usize,
) -> Result<usize, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| bad(var, format!("{raw:?} is not a whole number from 1 to {max}"))),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::test_runner::FileFailurePersistence;

    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn lifetimes_read_as_people_write_them() {
        assert_eq!(parse_lifetime("8h"), Some(8 * HOUR));
        assert_eq!(parse_lifetime("90m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_lifetime("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_lifetime("3600"), Some(HOUR));
        assert_eq!(parse_lifetime("45s"), Some(Duration::from_secs(45)));
        for bad in ["", "0", "0h", "h", "8 h", "8d", "-1h", "1.5h", "h8"] {
            assert_eq!(parse_lifetime(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn lifetimes_stop_at_a_week_and_never_overflow() {
        assert_eq!(parse_lifetime("168h"), Some(MAX_LIFETIME));
        assert_eq!(parse_lifetime("604800"), Some(MAX_LIFETIME));
        let huge = u64::MAX.to_string();
        for too_long in ["168h1s", "604801", "10000h", "18446744073709551615s", "5124095576030431h", huge.as_str()] {
            assert_eq!(parse_lifetime(too_long), None, "{too_long:?}");
        }
    }

    proptest! {
        // Failures proptest finds are kept with the server's others, in
        // `server/proptest-regressions/`.
        #![proptest_config(ProptestConfig {
            failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/properties.txt"))),
            ..ProptestConfig::default()
        })]

        #[test]
        fn lifetimes_never_panic(text in "\\PC{0,20}", unitish in "[0-9hms]{0,30}") {
            let _ = parse_lifetime(&text);
            let _ = parse_lifetime(&unitish);
        }
    }
}
