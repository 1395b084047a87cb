//! Money: amounts are kept in the currency's minor units (cents for EUR, yen for JPY) and read
//! from / written to JSON as exact decimal text, never through `f64`, so `10.00` stays `10.00`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::decimal::push_digits;

/// A currency of ISO 4217 that has minor units, with how many (`EUR` 2, `JPY` 0, `KWD` 3).
///
/// The list and the digits come from the `iso_currency` crate, so a code that ISO does not list
/// (`XXQ`, a typo, a withdrawn currency) is refused rather than given two digits by guess. The
/// digits are kept beside the code: four bytes, `Copy`, and no lookup per amount written.
/// Orders stored before that check are read back by [`Currency::stored`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency {
    /// Upper-case ASCII letters.
    code: [u8; 3],
    digits: u8,
}

impl Currency {
    /// Reads a code in any case, surrounding spaces ignored (` eur ` is `EUR`).
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let letters = Self::letters(code)?;
        let upper = Self::text(&letters);
        let iso =
            iso_currency::Currency::from_code(upper).ok_or_else(|| MoneyError::UnknownCurrency(upper.to_owned()))?;
        // Gold, testing codes, `XXX`: ISO gives them no minor unit, so no amount can be read.
        let digits = iso
            .exponent()
            .and_then(|e| u8::try_from(e).ok())
            .ok_or_else(|| MoneyError::NoMinorUnit(upper.to_owned()))?;
        Ok(Self { code: letters, digits })
    }

    /// Reads a code from an order this service stored. Before codes were checked against ISO
    /// 4217 any three letters were taken, and a code outside the short list of that time got two
    /// minor digits, so such an order's amounts were stored in hundredths: it reads back with
    /// two digits, as it was written, instead of making its customer's panel unreadable.
    pub fn stored(code: &str) -> Result<Self, MoneyError> {
        match Self::parse(code) {
            Err(MoneyError::UnknownCurrency(_) | MoneyError::NoMinorUnit(_)) => {
                Ok(Self { code: Self::letters(code)?, digits: 2 })
            }
            read => read,
        }
    }

    /// Three ASCII letters, upper-cased; anything else is [`MoneyError::Currency`].
    fn letters(code: &str) -> Result<[u8; 3], MoneyError> {
        let code = code.trim();
        match code.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_alphabetic) => {
                Ok([a.to_ascii_uppercase(), b.to_ascii_uppercase(), c.to_ascii_uppercase()])
            }
            _ => Err(MoneyError::Currency(code.to_owned())),
        }
    }

    fn text(letters: &[u8; 3]) -> &str {
        // ASCII letters are always UTF-8 (`letters` made them).
        std::str::from_utf8(letters).unwrap_or("XXX")
    }

    pub fn code(&self) -> &str {
        Self::text(&self.code)
    }

    /// How many digits follow the decimal point, as ISO 4217 lists them.
    pub fn minor_digits(&self) -> u32 {
        u32::from(self.digits)
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Currency").field(&self.code()).finish()
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.code().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("currency {0:?} is not a three-letter ISO 4217 code")]
    Currency(String),
    #[error("currency {0:?} is not in the ISO 4217 list")]
    UnknownCurrency(String),
    #[error("currency {0:?} has no minor unit in ISO 4217, so it cannot price an order")]
    NoMinorUnit(String),
    #[error("amount {0} is not a decimal number")]
    NotANumber(String),
    #[error("amount {amount} has more decimals than {currency} allows ({digits})")]
    TooPrecise { amount: String, currency: Currency, digits: u32 },
    #[error("amount {0} is too large")]
    TooLarge(String),
}

/// Reads a JSON number's text (`10`, `10.5`, `-3.25`, `1e2`, `1.50E+1`) as an exact count of
/// minor units. Trailing zeros beyond the currency's digits are fine (`10.000` EUR); any other
/// extra precision is an error rather than a silent rounding.
pub fn parse_minor(text: &str, currency: Currency) -> Result<i64, MoneyError> {
    let bad = || MoneyError::NotANumber(text.to_owned());
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => {
            let exp = rest[at + 1..].strip_prefix('+').unwrap_or(&rest[at + 1..]);
            (&rest[..at], exp.parse::<i32>().map_err(|_| bad())?)
        }
        None => (rest, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty()
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
        || (mantissa.contains('.') && frac_part.is_empty())
    {
        return Err(bad());
    }
    // value = digits × 10^(exponent − frac_len); we want value × 10^minor_digits.
    let digits: String = [int_part, frac_part].concat();
    let digits = digits.trim_start_matches('0');
    let shift = exponent as i64 - frac_part.len() as i64 + currency.minor_digits() as i64;
    let too_large = || MoneyError::TooLarge(text.to_owned());
    let mut minor: i64 = 0;
    let (kept, dropped) = if shift >= 0 {
        (digits, "")
    } else {
        let cut = digits.len().saturating_sub((-shift) as usize);
        digits.split_at(cut)
    };
    if dropped.bytes().any(|b| b != b'0') {
        return Err(MoneyError::TooPrecise { amount: text.to_owned(), currency, digits: currency.minor_digits() });
    }
    for b in kept.bytes() {
        minor = minor.checked_mul(10).and_then(|m| m.checked_add((b - b'0') as i64)).ok_or_else(too_large)?;
    }
    if shift > 0 && minor != 0 {
        let scale = 10i64.checked_pow(u32::try_from(shift).map_err(|_| too_large())?);
        minor = scale.and_then(|s| minor.checked_mul(s)).ok_or_else(too_large)?;
    }
    Ok(if negative { -minor } else { minor })
}

/// Writes minor units as JSON number text with exactly the currency's digits: `1000` EUR →
/// `10.00`, `1000` JPY → `1000`, `-5` EUR → `-0.05`.
pub fn format_minor(minor: i64, currency: Currency) -> String {
    let mut out = String::with_capacity(24);
    if minor < 0 {
        out.push('-');
    }
    push_amount(&mut out, minor.unsigned_abs(), currency);
    out
}

/// Appends an amount without its sign, `abs` minor units with exactly the currency's digits:
/// `1000` EUR → `10.00`. (The panel writes a few hundred of these per page, hence no `format!`.)
pub fn push_amount(out: &mut String, abs: u64, currency: Currency) {
    let digits = currency.minor_digits();
    let scale = 10u64.pow(digits);
    push_digits(out, abs / scale, 1);
    if digits > 0 {
        out.push('.');
        push_digits(out, abs % scale, digits as usize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }
    fn jpy() -> Currency {
        Currency::parse("jpy").unwrap()
    }
    fn kwd() -> Currency {
        Currency::parse("KWD").unwrap()
    }

    #[test]
    fn parses_decimal_text_exactly() {
        assert_eq!(parse_minor("10.00", eur()), Ok(1000));
        assert_eq!(parse_minor("10", eur()), Ok(1000));
        assert_eq!(parse_minor("10.5", eur()), Ok(1050));
        assert_eq!(parse_minor("0.07", eur()), Ok(7));
        assert_eq!(parse_minor("-3.25", eur()), Ok(-325));
        assert_eq!(parse_minor("1e2", eur()), Ok(10000));
        assert_eq!(parse_minor("1.5E+1", eur()), Ok(1500));
        assert_eq!(parse_minor("1250e-2", eur()), Ok(1250));
        assert_eq!(parse_minor("10.000", eur()), Ok(1000));
        assert_eq!(parse_minor("1000", jpy()), Ok(1000));
        assert_eq!(parse_minor("1.234", kwd()), Ok(1234));
        assert_eq!(parse_minor("0", eur()), Ok(0));
    }

    #[test]
    fn refuses_what_it_would_have_to_round() {
        assert!(matches!(parse_minor("10.005", eur()), Err(MoneyError::TooPrecise { .. })));
        assert!(matches!(parse_minor("10.5", jpy()), Err(MoneyError::TooPrecise { .. })));
        for bad in ["", "-", ".5", "5.", "1.2.3", "abc", "1e", "0x10", "+1", "1 0"] {
            assert!(parse_minor(bad, eur()).is_err(), "{bad:?} should not parse");
        }
        assert!(matches!(parse_minor("1e30", eur()), Err(MoneyError::TooLarge(_))));
    }

    #[test]
    fn formats_with_the_currency_digits() {
        assert_eq!(format_minor(1000, eur()), "10.00");
        assert_eq!(format_minor(7, eur()), "0.07");
        assert_eq!(format_minor(-5, eur()), "-0.05");
        assert_eq!(format_minor(1000, jpy()), "1000");
        assert_eq!(format_minor(1234, kwd()), "1.234");
        assert_eq!(format_minor(i64::MIN, eur()), "-92233720368547758.08");
    }

    #[test]
    fn currency_codes_are_three_letters() {
        assert_eq!(Currency::parse(" eur ").unwrap().code(), "EUR");
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("E1R").is_err());
        assert!(Currency::parse("").is_err());
    }

    #[test]
    fn currency_digits_are_iso_4217s() {
        for (code, digits) in [("JPY", 0), ("KWD", 3), ("EUR", 2), ("USD", 2), ("ISK", 0), ("BHD", 3), ("CLF", 4)] {
            assert_eq!(Currency::parse(code).unwrap().minor_digits(), digits, "{code}");
        }
        assert_eq!(format!("{:?}", eur()), "Currency(\"EUR\")");
    }

    #[test]
    fn codes_iso_does_not_list_or_gives_no_minor_unit_are_refused() {
        assert_eq!(Currency::parse("xxq"), Err(MoneyError::UnknownCurrency("XXQ".into())));
        assert_eq!(Currency::parse("NLG"), Err(MoneyError::UnknownCurrency("NLG".into())), "withdrawn in 2002");
        assert_eq!(Currency::parse("XAU"), Err(MoneyError::NoMinorUnit("XAU".into())));
        assert_eq!(Currency::parse("XXX"), Err(MoneyError::NoMinorUnit("XXX".into())));
        let shown = MoneyError::UnknownCurrency("XXQ".into()).to_string();
        assert_eq!(shown, "currency \"XXQ\" is not in the ISO 4217 list");
    }

    #[test]
    fn codes_stored_before_the_iso_check_read_back_with_the_two_digits_they_were_written_with() {
        for code in ["xxq", "NLG", "XAU"] {
            let read = Currency::stored(code).expect("a stored three-letter code reads back");
            assert_eq!((read.code(), read.minor_digits()), (code.to_ascii_uppercase().as_str(), 2));
            assert_eq!(format_minor(1050, read), "10.50");
        }
        assert_eq!(Currency::stored("jpy"), Currency::parse("JPY"), "an ISO code reads as ISO lists it");
        assert_eq!(Currency::stored("KWD").map(|c| c.minor_digits()), Ok(3));
        assert_eq!(Currency::stored("EU"), Err(MoneyError::Currency("EU".into())));
        assert_eq!(Currency::stored("€UR"), Err(MoneyError::Currency("€UR".into())));
    }

    #[test]
    fn writes_amounts_with_the_currencys_digits() {
        let cases: [(i64, Currency, &str); 9] = [
            (1000, eur(), "10.00"),
            (-5, eur(), "-0.05"),
            (0, eur(), "0.00"),
            (7, eur(), "0.07"),
            (1000, jpy(), "1000"),
            (0, jpy(), "0"),
            (-1200, jpy(), "-1200"),
            (1234, kwd(), "1.234"),
            (5, kwd(), "0.005"),
        ];
        for (minor, currency, text) in cases {
            assert_eq!(format_minor(minor, currency), text, "{minor} {currency}");
            assert_eq!(parse_minor(text, currency), Ok(minor), "{text} reads back");
        }
        assert_eq!(format_minor(i64::MAX, jpy()), "9223372036854775807");
        assert_eq!(format_minor(i64::MIN, eur()), "-92233720368547758.08");
    }
}
