//! Phone numbers match on E.164 (`+31612345678`), whatever way the shop or Belco wrote them:
//! `06-12345678`, `+31 6 1234 5678`, `0031612345678`. National numbers are read in the shop's
//! region (`BELCO_PHONE_REGION`).

use std::str::FromStr;

use phonenumber::Mode;
pub use phonenumber::country::Id as Region;

use crate::identity::{CustomerKey, normalize_email};

pub fn parse_region(code: &str) -> Option<Region> {
    Region::from_str(code.trim().to_ascii_uppercase().as_str()).ok()
}

/// E.164 for anything the library can parse, even numbers it would call "invalid" (new ranges,
/// test numbers): a match needs the same digits, not a number the library has heard of.
pub fn normalize_phone(raw: &str, region: Region) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || !raw.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    // A number that names its country is read without the shop's region: with one whose trunk
    // prefix is `1` (US, CA) the library strips a leading 1 after the country code, which made
    // +49 151 12345678 and +49 511 2345678 the same customer (tests/properties.rs).
    let e164 = e164_of(raw, (!raw.starts_with('+')).then_some(region))?;
    // What is stored must read back as itself: junk such as `a+780A` comes out of the library
    // as `+7802`, which it would not read as a number again (tests/properties.rs).
    (e164_of(&e164, None).as_deref() == Some(e164.as_str())).then_some(e164)
}

/// The library's E.164 writing of `raw`, if it is only "+" and digits (anything else means the
/// library gave up on this input).
fn e164_of(raw: &str, region: Option<Region>) -> Option<String> {
    let e164 = phonenumber::parse(region, raw).ok()?.format().mode(Mode::E164).to_string();
    (e164.len() > 4 && e164.starts_with('+') && e164[1..].bytes().all(|b| b.is_ascii_digit())).then_some(e164)
}

/// The normalized identifiers for an email and a phone as given (either may be empty).
pub fn customer_key(email: &str, phone: &str, region: Region) -> CustomerKey {
    CustomerKey { email: normalize_email(email), phone: normalize_phone(phone, region) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nl() -> Region {
        parse_region("nl").unwrap()
    }

    #[test]
    fn the_ways_people_write_one_number_agree() {
        for raw in ["+31612345678", "+31 6 1234 5678", "0612345678", "06-12345678", "0031612345678", "(06) 123 456 78"]
        {
            assert_eq!(normalize_phone(raw, nl()).as_deref(), Some("+31612345678"), "{raw}");
        }
    }

    #[test]
    fn national_numbers_follow_the_region() {
        let be = parse_region("BE").unwrap();
        assert_eq!(normalize_phone("0470123456", be).as_deref(), Some("+32470123456"));
        assert_eq!(normalize_phone("+31612345678", be).as_deref(), Some("+31612345678"));
    }

    #[test]
    fn unparseable_numbers_are_none() {
        for raw in ["", "  ", "abc", "+", "call me", "a+780A"] {
            assert_eq!(normalize_phone(raw, nl()), None, "{raw:?}");
        }
        assert!(parse_region("XX").is_none());
    }

    #[test]
    fn a_number_with_its_country_code_ignores_the_shops_region() {
        let us = parse_region("US").unwrap();
        assert_eq!(normalize_phone("+49 151 12345678", us).as_deref(), Some("+4915112345678"));
        assert_eq!(normalize_phone("+49 511 2345678", us).as_deref(), Some("+495112345678"));
        assert_eq!(normalize_phone("+49 (0)151 12345678", us).as_deref(), Some("+4915112345678"));
        assert_eq!(normalize_phone("(202) 555-0123", us).as_deref(), Some("+12025550123"));
    }
}
