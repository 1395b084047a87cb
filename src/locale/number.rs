//! Numbers as an agent types them in their language, read to the same exact decimal whatever
//! the language: Dutch `3,5` and English `3.5` are both `3.5`; Dutch `1.234,5` and English
//! `1,234.5` both `1234.5`.
//!
//! A separator is read as a thousands separator only where it is followed by exactly three
//! digits, in groups after a first group of one to three digits that does not start with 0:
//! Dutch `1.234` is a thousand two hundred and thirty-four, as a Dutch reader reads it. Anything
//! else is refused, never guessed: a Dutch `3.5` is neither 35 nor 3.5 but an error that says to
//! use a comma (and an English `3,5` one that says to use a point), since the agent wrote it the
//! other language's way.

use std::fmt;

use super::Language;

/// An exact decimal as typed, in the plain form the forms store: an optional `-`, digits, and
/// optionally `.` and more digits (`-12`, `3.5`, `1234.50`). The digits are the agent's own: no
/// rounding, and trailing or leading zeros are kept (`2,50` is `2.50`), as an English agent's
/// `2.50` has always been stored.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decimal(String);

impl Decimal {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Decimal> for String {
    fn from(value: Decimal) -> Self {
        value.0
    }
}

/// Why what was typed is not a number in the agent's language. The panel's strings say it to
/// the agent; `Display` says it in English, for logs and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Not a number in this language's way nor with the separators swapped (`abc`, `1.23.4`,
    /// `1e9`, `.5`).
    #[error("not a number")]
    NotANumber,
    /// A decimal written with the other separator (a Dutch agent's `3.5`, `1,234.5`; an English
    /// agent's `3,5`): the agent is told which separator their language uses.
    #[error("a decimal written with the other decimal separator")]
    OtherPoint,
}

/// Reads `input` (surrounding white space ignored) as a number written the `language` way:
/// Dutch `-1.234,5`, English `-1,234.5`. No `+`, no exponent, no spaces inside, no separator
/// first or last.
pub fn parse_number(input: &str, language: &Language) -> Result<Decimal, NumberError> {
    let input = input.trim();
    if let Some(decimal) = read(input, language.group, language.point) {
        return Ok(decimal);
    }
    // Written the other way with a decimal separator (a grouped whole number such as `1,234`
    // in Dutch is no number either way, so it gets the plain message).
    match read(input, language.point, language.group) {
        Some(decimal) if decimal.0.contains('.') => Err(NumberError::OtherPoint),
        _ => Err(NumberError::NotANumber),
    }
}

/// The number `text` is, written with `group` and `point`, if it is one.
fn read(text: &str, group: char, point: char) -> Option<Decimal> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = match unsigned.split_once(point) {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if fraction.is_some_and(|fraction| !digits(fraction)) {
        return None;
    }
    let mut groups = whole.split(group);
    let first = groups.next()?;
    let grouped = whole.contains(group);
    if !digits(first) || (grouped && (first.len() > 3 || first.starts_with('0'))) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    if negative {
        out.push('-');
    }
    out.push_str(first);
    for rest in groups {
        if rest.len() != 3 || !digits(rest) {
            return None;
        }
        out.push_str(rest);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    Some(Decimal(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NL: &Language = &Language::NL;
    const EN: &Language = &Language::EN;

    fn read_as(input: &str, language: &Language) -> Result<String, NumberError> {
        parse_number(input, language).map(String::from)
    }

    #[test]
    fn dutch_numbers() {
        for (input, decimal) in [
            ("3,5", "3.5"),
            ("1.234,5", "1234.5"),
            ("1.234", "1234"),
            ("12.345.678,90", "12345678.90"),
            ("0,25", "0.25"),
            ("-0,25", "-0.25"),
            ("-1.234,5", "-1234.5"),
            ("12", "12"),
            (" 2,50 ", "2.50"),
            ("1234,5", "1234.5"),
            ("007", "007"),
            ("0", "0"),
        ] {
            assert_eq!(read_as(input, NL), Ok(decimal.to_owned()), "{input:?}");
        }
    }

    #[test]
    fn english_numbers() {
        for (input, decimal) in [
            ("3.5", "3.5"),
            ("1,234.5", "1234.5"),
            ("1,234", "1234"),
            ("1.234", "1.234"),
            ("12,345,678.90", "12345678.90"),
            ("-1,234.5", "-1234.5"),
            ("1234.5", "1234.5"),
            ("12", "12"),
        ] {
            assert_eq!(read_as(input, EN), Ok(decimal.to_owned()), "{input:?}");
        }
    }

    #[test]
    fn the_same_number_in_both_languages_is_the_same_decimal() {
        for (nl, en) in [("3,5", "3.5"), ("1.234,5", "1,234.5"), ("-0,07", "-0.07"), ("1.000.000", "1,000,000")] {
            assert_eq!(parse_number(nl, NL), parse_number(en, EN), "{nl} / {en}");
        }
    }

    #[test]
    fn a_dutch_decimal_point_is_refused_with_a_hint_to_use_a_comma() {
        for input in ["3.5", "0.5", "-3.5", "12.34", "1234.5678", "1,234.5", "0.500", "1.2345", "3.50"] {
            assert_eq!(parse_number(input, NL), Err(NumberError::OtherPoint), "{input:?}");
        }
    }

    #[test]
    fn an_english_decimal_comma_is_refused_with_a_hint_to_use_a_point() {
        for input in ["3,5", "0,5", "-3,5", "12,34", "1.234,5", "0,500", "1,2345"] {
            assert_eq!(parse_number(input, EN), Err(NumberError::OtherPoint), "{input:?}");
        }
    }

    #[test]
    fn what_is_no_number_either_way_is_refused_plainly() {
        for input in [
            "",
            " ",
            "-",
            "abc",
            "1.23.4",
            "1,23,4",
            "1.2.3",
            "1e9",
            "NaN",
            "inf",
            "+1",
            ".5",
            ",5",
            "5.",
            "5,",
            "--1",
            "1 234",
            "1\u{a0}234",
            "12 kg",
            "0x10",
            "1..234",
            "1.234.",
            "1.234,5,6",
            "1,234,5",
            "-.5",
            "1.234.56",
        ] {
            for language in [NL, EN] {
                assert_eq!(parse_number(input, language), Err(NumberError::NotANumber), "{input:?} {language:?}");
            }
        }
    }

    #[test]
    fn a_grouped_number_of_the_other_language_is_not_taken_for_a_decimal() {
        // `1,234` in Dutch is 1.234 (a decimal comma, fine); `1.234` in English is 1.234 too.
        assert_eq!(read_as("1,234", NL), Ok("1.234".into()));
        // `1,234,567` is no Dutch number (two decimal commas), and a whole number in English:
        // no hint to use a comma, since the agent wrote no decimals.
        assert_eq!(parse_number("1,234,567", NL), Err(NumberError::NotANumber));
        assert_eq!(parse_number("1.234.567", EN), Err(NumberError::NotANumber));
    }

    #[test]
    fn never_silently_reads_3_point_5_as_35() {
        for input in ["3.5", "3.50", "03.500", "0.350"] {
            let read = parse_number(input, NL);
            assert!(read.is_err(), "{input:?} must not read as {read:?}");
        }
        // Exactly three digits after the point is a thousands group in Dutch, as Dutch readers read it.
        assert_eq!(read_as("3.500", NL), Ok("3500".into()));
    }
}
