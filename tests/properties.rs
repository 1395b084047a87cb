//! Property tests of everything in the domain that reads outside input: money, dates, emails,
//! phone numbers, Belco query strings, capabilities, push signatures, order JSON and form
//! submissions. Two kinds of property: no input makes a reader panic, and what we write reads
//! back as the same value (parse(render(x)) == x).
//!
//! Run: `cargo test -p belco --features ssr --test properties`. Failing cases proptest finds are
//! saved under `proptest-regressions/` and replayed first on every run; keep them in the repo.
#![cfg(feature = "ssr")]

use std::path::Path;
use std::time::Duration;

use belco::capability::{CapabilityError, Signer, Subject};
use belco::contract::OrderIn;
use belco::forms::{FieldKind, FormSet};
use belco::identity::{CustomerKey, normalize_email};
use belco::import::prepare;
use belco::locale::{Language, Zone, datetime_attr, format_date, format_time};
use belco::money::{Currency, MoneyError, format_minor, parse_minor};
use belco::phone::{Region, normalize_phone, parse_region};
use belco::push::PushVerifier;
use belco::query::{BelcoQuery, MAX_QUERY_LEN, QueryError};
use belco::secret::{Secret, TokenSet};
use belco::time::{format_instant, parse_instant};
use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::value::RawValue;

const SIGNING_KEY: &str = "property-signing-key-0123456789abcdef";
const PUSH_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw0N1Em6j9bW4=";
const NOW: i64 = 1_780_000_000_000;
const LIFETIME: Duration = Duration::from_secs(3600);
/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the instants RFC 3339 can write.
const FIRST_INSTANT: i64 = -62_167_219_200_000;
const LAST_INSTANT: i64 = 253_402_300_799_999;

/// Cases proptest found are kept in `proptest-regressions/properties.txt` (replayed first).
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/properties.txt"))),
        ..ProptestConfig::default()
    }
}

fn nl() -> Region {
    parse_region("NL").expect("NL")
}

fn signer() -> Signer {
    Signer::new(&Secret::new(SIGNING_KEY), LIFETIME).expect("signer")
}

// ---------------------------------------------------------------------------------------------
// Strategies

/// Currencies with 0, 2, 3 and 4 minor digits, their codes in any case.
fn currency() -> impl Strategy<Value = Currency> {
    let codes = vec!["EUR", "JPY", "KWD", "CLF", "USD", "ISK", "BHD", "CHF", "GBP", "VND", "UYW", "TND", "HRK"];
    (prop::sample::select(codes), any::<[bool; 3]>()).prop_map(|(code, lower)| {
        let cased: String =
            code.chars().zip(lower).map(|(c, lower)| if lower { c.to_ascii_lowercase() } else { c }).collect();
        Currency::parse(&cased).expect("an ISO 4217 code")
    })
}

/// Mixed-case letters with and without accents, as people type the local part of an address.
fn email_local() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9._+àéèëïöüçñøÀÉÈËÏÖÜÇÑØǰ-]{1,20}"
}

fn email_domain() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9äöüÄÖÜ-]{1,12}\\.[a-zA-Z]{2,6}"
}

/// Every way to write the same letter: lower, upper, and decomposed (base letter + accent).
fn respell(text: &str, choices: &[u8]) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.chars()
        .zip(choices.iter().cycle())
        .map(|(c, choice)| match choice % 3 {
            0 => c.to_lowercase().collect::<String>(),
            1 => c.to_uppercase().collect::<String>(),
            _ => c.to_string().nfd().collect::<String>(),
        })
        .collect()
}

/// A phone number in E.164 that the numbering plan knows, with how its country writes it
/// nationally (its trunk prefix and the rest), for the countries a Dutch shop ships to.
fn e164_number() -> impl Strategy<Value = (String, &'static str, String)> {
    prop_oneof![
        "6[0-9]{8}".prop_map(|n| (format!("+31{n}"), "NL", format!("0{n}"))),
        "4[6-9][0-9]{7}".prop_map(|n| (format!("+32{n}"), "BE", format!("0{n}"))),
        "15[0-9]{9}".prop_map(|n| (format!("+49{n}"), "DE", format!("0{n}"))),
        "7[4-9][0-9]{8}".prop_map(|n| (format!("+44{n}"), "GB", format!("0{n}"))),
        "[2-9][0-8][0-9][2-9][0-9]{6}".prop_map(|n| (format!("+1{n}"), "US", n)),
    ]
}

/// Splits digits with the separators people use: spaces, dashes, dots, brackets.
fn with_separators(digits: &str, seps: &[u8]) -> String {
    let mut out = String::new();
    for (c, s) in digits.chars().zip(seps.iter().cycle()) {
        out.push(c);
        match s % 6 {
            0 => out.push(' '),
            1 => out.push('-'),
            2 => out.push('.'),
            _ => {}
        }
    }
    out.trim_end_matches([' ', '-', '.']).to_owned()
}

/// Percent-encodes every byte that a query value cannot carry as is (and, at random, others).
fn percent_encode(value: &str, encode_all: bool) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        let plain = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@' | b'+');
        if plain && !encode_all {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn customer_key() -> impl Strategy<Value = CustomerKey> {
    (prop::option::of("\\PC{1,40}"), prop::option::of("\\+[0-9]{6,15}"))
        .prop_filter("a customer has an identifier", |(e, p)| e.is_some() || p.is_some())
        .prop_map(|(email, phone)| CustomerKey { email, phone })
}

fn subject() -> impl Strategy<Value = Subject> {
    prop_oneof![1 => Just(Subject::Company), 4 => customer_key().prop_map(Subject::Customer)]
}

/// Any JSON value, nested a few levels: what a hostile shop or attacker could post.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_filter("JSON has no NaN", |f| f.is_finite()).prop_map(serde_json::Value::from),
        "\\PC{0,20}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map("\\PC{0,10}", inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An order object whose fields each hold either a plausible value or any JSON at all.
fn order_like() -> impl Strategy<Value = serde_json::Value> {
    let text =
        |plausible: &'static str| prop_oneof![3 => plausible.prop_map(serde_json::Value::from), 1 => json_value()];
    (
        text("[A-Z0-9-]{0,8}"),
        text("2[0-9]{3}-[0-1][0-9]-[0-3][0-9](T[0-2][0-9]:[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,3})?)?Z?)?"),
        text("[a-z]{0,10}"),
        text("[A-Za-z]{2,4}"),
        prop_oneof![
            "-?[0-9]{1,22}(\\.[0-9]{0,6})?([eE][+-]?[0-9]{1,3})?".prop_map(|n| n.parse::<serde_json::Value>().ok()),
            json_value().prop_map(Some),
        ],
        prop::collection::vec((text("\\PC{0,10}"), any::<i64>(), "-?[0-9]{1,6}(\\.[0-9]{1,4})?"), 0..3),
        text("(https?://|javascript:|data:)?[a-z./]{0,20}"),
        text("[a-z]{0,6}@?[a-z.]{0,6}"),
        text("[+0-9 ()-]{0,16}"),
    )
        .prop_map(|(id, date, status, currency, total, products, url, email, phone)| {
            let products: Vec<serde_json::Value> = products
                .into_iter()
                .map(|(name, quantity, price)| {
                    let price = price.parse::<serde_json::Value>().unwrap_or(serde_json::Value::Null);
                    serde_json::json!({"name": name, "quantity": quantity, "price": price})
                })
                .collect();
            let mut order = serde_json::json!({
                "id": id, "date": date, "status": status, "currency": currency, "products": products,
                "url": url, "email": email, "phoneNumber": phone,
            });
            if let Some(total) = total {
                order["total"] = total;
            }
            order
        })
}

/// A valid order in Belco's shape, with money and dates already in their stored forms.
fn valid_order() -> impl Strategy<Value = (serde_json::Value, i64, i64)> {
    (
        "[A-Za-z0-9-]{1,12}",
        "\\PC{0,30}",
        currency(),
        -1_000_000_000_000i64..1_000_000_000_000,
        FIRST_INSTANT..=LAST_INSTANT,
        prop::collection::vec(("\\PC{0,20}", 0i64..1000, -1_000_000i64..1_000_000), 0..4),
        prop_oneof![Just(String::new()), "https://[a-z]{1,10}\\.nl/[a-z0-9/]{0,10}"],
        "[a-z0-9.]{1,10}@[a-z]{1,8}\\.nl",
        prop_oneof![Just(String::new()), "\\+316[0-9]{8}"],
    )
        .prop_map(|(id, note, currency, total, date, products, url, email, phone)| {
            let products: Vec<serde_json::Value> = products
                .into_iter()
                .map(|(name, quantity, price)| {
                    let price: serde_json::Value = format_minor(price, currency).parse().expect("JSON number");
                    serde_json::json!({"name": name, "quantity": quantity, "price": price})
                })
                .collect();
            let order = serde_json::json!({
                "id": id, "note": note, "number": id, "date": format_instant(date), "status": "paid",
                "currency": currency.code(), "products": products,
                "total": format_minor(total, currency).parse::<serde_json::Value>().expect("JSON number"),
                "url": url, "email": email, "phoneNumber": phone,
            });
            (order, total, date)
        })
}

fn read_order(json: &str) -> Option<belco::contract::Order> {
    serde_json::from_str::<OrderIn>(json).ok().and_then(|order| order.validate().ok())
}

/// The languages of the panel (`app::i18n::LOCALES`'s codes).
const LANGUAGES: &[&str] = &["nl", "en"];

fn shipped_forms() -> FormSet {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("forms.toml");
    FormSet::load(&path, LANGUAGES).expect("the shipped forms.toml")
}

// ---------------------------------------------------------------------------------------------
// Money

proptest! {
    #![proptest_config(config())]

    /// Any three letters are a currency of ISO 4217 with 0 to 4 digits, or refused as not listed
    /// or without a minor unit: never a guessed default.
    #[test]
    fn three_letters_are_an_iso_currency_or_refused(code in "[A-Za-z]{3}") {
        match Currency::parse(&code) {
            Ok(currency) => {
                prop_assert!(currency.minor_digits() <= 4, "{}", code);
                prop_assert_eq!(currency.code(), code.to_ascii_uppercase());
                prop_assert_eq!(Currency::parse(currency.code()), Ok(currency));
            }
            Err(MoneyError::UnknownCurrency(shown) | MoneyError::NoMinorUnit(shown)) => {
                prop_assert_eq!(shown, code.to_ascii_uppercase());
            }
            Err(other) => prop_assert!(false, "{code}: {other}"),
        }
    }

    #[test]
    fn money_reads_back_what_it_writes(minor in (i64::MIN + 1)..=i64::MAX, currency in currency()) {
        let text = format_minor(minor, currency);
        prop_assert_eq!(parse_minor(&text, currency), Ok(minor), "{}", text);
    }

    #[test]
    fn money_written_with_an_exponent_or_extra_zeros_reads_the_same(
        minor in -1_000_000_000_000i64..1_000_000_000_000, currency in currency(), zeros in 0usize..6,
    ) {
        let digits = currency.minor_digits();
        let text = format_minor(minor, currency);
        let padded = if digits == 0 { format!("{text}.{}", "0".repeat(zeros + 1)) } else { format!("{text}{}", "0".repeat(zeros)) };
        prop_assert_eq!(parse_minor(&padded, currency), Ok(minor), "{}", padded);
        let exponent = format!("{minor}e-{digits}");
        prop_assert_eq!(parse_minor(&exponent, currency), Ok(minor), "{}", exponent);
        let upper = format!("{minor}0E-{}", digits + 1);
        prop_assert_eq!(parse_minor(&upper, currency), Ok(minor), "{}", upper);
    }

    /// One more significant digit than the currency has is refused, never rounded away.
    #[test]
    fn money_is_never_rounded(minor in -1_000_000_000i64..1_000_000_000, currency in currency(), extra in 1u8..=9) {
        let text = format_minor(minor, currency);
        let longer = if currency.minor_digits() == 0 { format!("{text}.{extra}") } else { format!("{text}{extra}") };
        let refused = matches!(parse_minor(&longer, currency), Err(MoneyError::TooPrecise { .. }));
        prop_assert!(refused, "{} must not be rounded", longer);
    }

    #[test]
    fn money_reading_never_panics(text in "\\PC{0,40}", number in "[-+]?[0-9.]{0,30}([eE][-+]?[0-9]{0,12})?", currency in currency()) {
        let _ = parse_minor(&text, currency);
        let _ = parse_minor(&number, currency);
    }

    #[test]
    fn currency_reading_never_panics(code in "\\PC{0,8}") {
        let _ = Currency::parse(&code);
    }
}

/// Found writing these properties: the one amount `format_minor` writes that `parse_minor`
/// cannot read back is `i64::MIN` (its magnitude is not an `i64`). It is refused cleanly, as
/// too large, rather than misread or a panic; no shop has such an order.
#[test]
fn the_most_negative_amount_is_refused_not_misread() {
    let eur = Currency::parse("EUR").expect("EUR");
    let text = format_minor(i64::MIN, eur);
    assert!(matches!(parse_minor(&text, eur), Err(MoneyError::TooLarge(_))), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Dates

proptest! {
    #![proptest_config(config())]

    #[test]
    fn instants_read_back_what_they_write(millis in FIRST_INSTANT..=LAST_INSTANT) {
        let text = format_instant(millis);
        prop_assert_eq!(parse_instant(&text), Some(millis), "{}", text);
    }

    /// The same instant written in another offset, with a space, or without `Z`, is the same.
    #[test]
    fn instants_read_the_same_whatever_the_offset(
        millis in (FIRST_INSTANT + 86_400_000)..(LAST_INSTANT - 86_400_000), offset_minutes in -1439i32..=1439,
    ) {
        let offset = FixedOffset::east_opt(offset_minutes * 60).expect("within a day");
        let utc = DateTime::<Utc>::from_timestamp_millis(millis).expect("in range");
        let shifted = utc.with_timezone(&offset).to_rfc3339_opts(SecondsFormat::Millis, false);
        prop_assert_eq!(parse_instant(&shifted), Some(millis), "{}", shifted);
        let naive = utc.format("%Y-%m-%d %H:%M:%S%.3f").to_string();
        prop_assert_eq!(parse_instant(&naive), Some(millis), "{}", naive);
        let minutes = utc.format("%Y-%m-%dT%H:%MZ").to_string();
        prop_assert_eq!(parse_instant(&minutes), Some(millis - millis.rem_euclid(60_000)), "{}", minutes);
    }

    #[test]
    fn dates_never_panic(text in "\\PC{0,40}", dateish in "[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}([T ][0-9:.]{0,14}([Zz]|[+-][0-9:]{0,6})?)?", millis in any::<i64>()) {
        let _ = parse_instant(&text);
        let _ = parse_instant(&dateish);
        let _ = (format_instant(millis), datetime_attr(millis));
        // Times for people, in a zone with daylight saving, in each language: any instant, none panics.
        let zone = Zone::parse("Europe/Amsterdam").expect("a zone");
        for language in [Language::NL, Language::EN] {
            let _ = (format_time(millis, &zone, &language), format_date(millis, &zone, &language));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Emails

proptest! {
    #![proptest_config(config())]

    #[test]
    fn email_normalization_is_idempotent(raw in "\\PC{0,40}", local in email_local(), domain in email_domain()) {
        for raw in [raw, format!("{local}@{domain}")] {
            if let Some(once) = normalize_email(&raw) {
                prop_assert_eq!(normalize_email(&once), Some(once.clone()), "{:?}", raw);
            }
        }
    }

    /// The same address in any mix of upper and lower case, composed or decomposed accents, and
    /// surrounding blanks, is one address.
    #[test]
    fn emails_match_whatever_the_case_or_unicode_form(
        local in email_local(), domain in email_domain(), choices in prop::collection::vec(any::<u8>(), 1..40),
    ) {
        let plain = format!("{local}@{domain}");
        let respelled = format!("  {}\t", respell(&plain, &choices));
        let expected = normalize_email(&plain);
        prop_assert!(expected.is_some(), "{:?} is an address", plain);
        prop_assert_eq!(normalize_email(&respelled), expected, "{:?} vs {:?}", respelled, plain);
    }
}

// ---------------------------------------------------------------------------------------------
// Phone numbers

proptest! {
    #![proptest_config(config())]

    #[test]
    fn e164_numbers_read_back_in_any_region((e164, _, _) in e164_number(), region in prop::sample::select(vec!["NL", "BE", "DE", "GB", "US", "FR"])) {
        let region = parse_region(region).expect("region");
        prop_assert_eq!(normalize_phone(&e164, region), Some(e164.clone()));
    }

    /// However the number is written (national with the trunk prefix, `00` instead of `+`,
    /// spaces, dashes, dots), it is the same E.164 number.
    #[test]
    fn the_ways_people_write_a_number_agree((e164, region, national) in e164_number(), seps in prop::collection::vec(any::<u8>(), 1..12)) {
        let region = parse_region(region).expect("region");
        prop_assert_eq!(normalize_phone(&national, region), Some(e164.clone()), "{}", national);
        let spaced = with_separators(&national, &seps);
        prop_assert_eq!(normalize_phone(&spaced, region), Some(e164.clone()), "{}", spaced);
        let (country, rest) = e164.split_at(if e164.starts_with("+1") { 2 } else { 3 });
        let spaced_international = format!("{country} {}", with_separators(rest, &seps));
        prop_assert_eq!(normalize_phone(&spaced_international, nl()), Some(e164.clone()), "{}", spaced_international);
        if !e164.starts_with("+1") {
            // 00 is the international prefix in the countries above, not in North America.
            let zero_zero = format!("00{}", &e164[1..]);
            prop_assert_eq!(normalize_phone(&zero_zero, region), Some(e164.clone()), "{}", zero_zero);
        }
    }

    #[test]
    fn phone_normalization_is_idempotent(raw in "[+0-9 ().#*a-zA-Z-]{0,30}", region in prop::sample::select(vec!["NL", "BE", "US", "GB"])) {
        let region = parse_region(region).expect("region");
        if let Some(once) = normalize_phone(&raw, region) {
            prop_assert_eq!(normalize_phone(&once, region), Some(once.clone()), "{:?}", raw);
        }
    }

    #[test]
    fn phone_reading_never_panics(raw in "\\PC{0,40}", digits in "[+0-9]{0,60}", region in "\\PC{0,4}") {
        let _ = normalize_phone(&raw, nl());
        let _ = normalize_phone(&digits, nl());
        let _ = parse_region(&region);
    }
}

// ---------------------------------------------------------------------------------------------
// Query strings

proptest! {
    #![proptest_config(config())]

    /// A percent-encoded value comes back as it was, wherever it stands and whatever other
    /// parameters surround it; a bare `+` stays a plus.
    #[test]
    fn a_percent_encoded_value_reads_back(
        value in "\\PC{1,40}", encode_all in any::<bool>(), before in "[a-z]{1,8}=[a-z0-9]{0,8}", after in "[a-z]{1,8}=[a-z0-9]{0,8}",
    ) {
        prop_assume!(!before.starts_with("email=") && !after.starts_with("email="));
        let raw = format!("{before}&email={}&{after}", percent_encode(&value, encode_all));
        let query = BelcoQuery::new(Some(&raw)).expect("short");
        let text = query.text("email").expect("UTF-8").map(|v| v.into_owned());
        prop_assert_eq!(text.as_deref(), Some(value.as_str()), "{}", raw);
        let bytes = query.bytes("email").expect("one value").map(|v| v.into_owned());
        prop_assert_eq!(bytes.as_deref(), Some(value.as_bytes()));
    }

    /// Belco appends its parameters after the shop's: empty values left in the shop's URL never
    /// hide them, the same value repeated is that value, and two different non-empty values are
    /// ambiguous (a contact's address may smuggle a second `email` in), never one of them.
    #[test]
    fn one_value_is_read_and_two_different_ones_are_ambiguous(values in prop::collection::vec("[a-z0-9@.+]{0,8}", 1..6)) {
        let raw: Vec<String> = values.iter().map(|v| format!("email={}", percent_encode(v, false))).collect();
        let raw = raw.join("&");
        let distinct: std::collections::BTreeSet<&String> = values.iter().filter(|v| !v.is_empty()).collect();
        let query = BelcoQuery::new(Some(&raw)).expect("short");
        let read = query.text("email").map(|v| v.map(|v| v.into_owned()));
        match distinct.len() {
            0 => prop_assert_eq!(read, Ok(None)),
            1 => prop_assert_eq!(read, Ok(distinct.into_iter().next().cloned())),
            _ => prop_assert_eq!(read, Err(QueryError::Ambiguous("email"))),
        }
    }

    #[test]
    fn raw_bytes_read_back_and_invalid_utf8_is_an_error(value in prop::collection::vec(any::<u8>(), 1..40)) {
        let raw = format!("phoneNumber={}", value.iter().map(|b| format!("%{b:02x}")).collect::<String>());
        let query = BelcoQuery::new(Some(&raw)).expect("short");
        let bytes = query.bytes("phoneNumber").expect("one value").map(|v| v.into_owned());
        prop_assert_eq!(bytes.as_deref(), Some(&value[..]));
        prop_assert_eq!(query.text("phoneNumber").is_ok(), std::str::from_utf8(&value).is_ok());
    }

    #[test]
    fn query_reading_never_panics(raw in "\\PC{0,200}", structured in "([a-zA-Z%0-9]{0,6}=?[%0-9a-fA-F&=+]{0,10}&?){0,10}") {
        for raw in [raw, structured] {
            if let Ok(query) = BelcoQuery::new(Some(&raw)) {
                for name in ["token", "email", "phoneNumber"] {
                    let _ = query.bytes(name);
                    let _ = query.text("email");
                }
            }
        }
    }

    #[test]
    fn long_queries_are_refused_whatever_they_hold(extra in 1usize..2000, fill in "[a-z&=%]{1,4}") {
        let raw = fill.repeat((MAX_QUERY_LEN + extra) / fill.len() + 1);
        prop_assert!(BelcoQuery::new(Some(&raw)).is_err());
    }

    #[test]
    fn tokens_accept_only_themselves(token in "[A-Za-z0-9._~-]{16,40}", other in prop::collection::vec(any::<u8>(), 0..50)) {
        let set = TokenSet::parse(&token).expect("a valid token");
        prop_assert!(set.accepts(Some(token.as_bytes())));
        prop_assert_eq!(set.accepts(Some(&other)), other == token.as_bytes());
    }
}

// ---------------------------------------------------------------------------------------------
// Capabilities

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_capability_verifies_for_its_own_subject(subject in subject(), age in 0i64..3_599_999) {
        let capability = signer().issue(&subject, NOW);
        prop_assert_eq!(signer().verify(&capability, NOW + age), Ok(subject));
    }

    /// Change any one byte (to any other ASCII byte), drop one, or add one: refused as forged.
    #[test]
    fn any_change_to_a_capability_is_refused(
        subject in subject(), at in any::<prop::sample::Index>(), byte in 0u8..128, edit in 0u8..3,
    ) {
        let capability = signer().issue(&subject, NOW);
        let mut bytes = capability.clone().into_bytes();
        let i = at.index(bytes.len());
        match edit {
            0 => {
                prop_assume!(bytes[i] != byte);
                bytes[i] = byte;
            }
            1 => {
                bytes.remove(i);
            }
            _ => bytes.insert(i, byte),
        }
        let changed = String::from_utf8(bytes).expect("ASCII");
        prop_assert_eq!(signer().verify(&changed, NOW), Err(CapabilityError::Forged), "{} → {}", capability, changed);
    }

    #[test]
    fn a_capability_for_one_customer_is_not_one_for_another(a in customer_key(), b in customer_key()) {
        prop_assume!(a != b);
        let capability = signer().issue(&Subject::Customer(a.clone()), NOW);
        let verified = signer().verify(&capability, NOW);
        prop_assert_eq!(&verified, &Ok(Subject::Customer(a)));
        prop_assert_ne!(verified, Ok(Subject::Customer(b)));
    }

    #[test]
    fn an_expired_capability_is_refused(subject in subject(), late in 0i64..10_000_000_000) {
        let capability = signer().issue(&subject, NOW);
        let expiry = NOW + LIFETIME.as_millis() as i64;
        prop_assert_eq!(signer().verify(&capability, expiry + late), Err(CapabilityError::Expired));
    }

    #[test]
    fn another_keys_capability_is_forged(subject in subject(), key in "[A-Za-z0-9]{32,48}") {
        prop_assume!(key != SIGNING_KEY);
        let other = Signer::new(&Secret::new(key), LIFETIME).expect("long enough");
        prop_assert_eq!(signer().verify(&other.issue(&subject, NOW), NOW), Err(CapabilityError::Forged));
    }

    #[test]
    fn capability_checking_never_panics(junk in "\\PC{0,120}", dotted in "v1\\.[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_=-]{0,50}") {
        prop_assert!(signer().verify(&junk, NOW).is_err());
        prop_assert!(signer().verify(&dotted, NOW).is_err());
    }
}

// ---------------------------------------------------------------------------------------------
// Push signatures

fn push_headers(id: &str, timestamp: &str, signature: &str) -> Option<http::HeaderMap> {
    let mut headers = http::HeaderMap::new();
    headers.insert("webhook-id", id.parse().ok()?);
    headers.insert("webhook-timestamp", timestamp.parse().ok()?);
    headers.insert("webhook-signature", signature.parse().ok()?);
    Some(headers)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_signed_push_verifies_and_any_change_to_its_body_is_refused(
        body in prop::collection::vec(any::<u8>(), 0..200), id in "[a-zA-Z0-9_]{1,40}", at in any::<prop::sample::Index>(), byte in any::<u8>(),
    ) {
        let verifier = PushVerifier::new(&Secret::new(PUSH_SECRET)).expect("secret");
        let now = Utc::now().timestamp();
        let signature = verifier.sign(&id, now, &body);
        let headers = push_headers(&id, &now.to_string(), &signature).expect("ASCII headers");
        let signed = verifier.read_headers(&headers, now).expect("the headers of a fresh push");
        prop_assert_eq!(&signed.id, &id);
        // The library signs the body as UTF-8 text: other bytes are refused, signed or not.
        prop_assert_eq!(verifier.verify(&signed, &body).is_ok(), std::str::from_utf8(&body).is_ok());
        let mut changed = body.clone();
        if changed.is_empty() {
            changed.push(byte);
        } else {
            let i = at.index(changed.len());
            prop_assume!(changed[i] != byte);
            changed[i] = byte;
        }
        prop_assert!(verifier.verify(&signed, &changed).is_err());
    }

    #[test]
    fn push_verification_never_panics(
        body in prop::collection::vec(any::<u8>(), 0..100), id in "\\PC{0,20}",
        timestamp in prop_oneof![any::<i64>().prop_map(|t| t.to_string()), "\\PC{0,20}"], signature in "\\PC{0,80}",
    ) {
        let verifier = PushVerifier::new(&Secret::new(PUSH_SECRET)).expect("secret");
        if let Some(headers) = push_headers(&id, &timestamp, &signature) {
            // Either step may refuse; a forged signature never passes both.
            let now = Utc::now().timestamp();
            if let Ok(signed) = verifier.read_headers(&headers, now) {
                prop_assert!(verifier.verify(&signed, &body).is_err());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Orders (import file and push bodies share `prepare`)

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_valid_order_reads_back_from_its_belco_json((json, total, date) in valid_order()) {
        let order = read_order(&json.to_string()).expect("a valid order");
        prop_assert_eq!((order.total, order.date), (total, date));
        let wire = order.to_belco_json();
        let again = read_order(&wire).expect("Belco's JSON is a valid order");
        prop_assert_eq!(again, order);
    }

    #[test]
    fn order_reading_never_panics(order in order_like(), any_json in json_value()) {
        for json in [order, any_json] {
            let text = json.to_string();
            let raw = RawValue::from_string(text.clone()).expect("valid JSON");
            let _ = prepare(&raw, 0, nl());
            if let Some(order) = read_order(&text) {
                // What validation lets through is written back as valid JSON.
                let wire = order.to_belco_json();
                prop_assert!(serde_json::from_str::<serde_json::Value>(&wire).is_ok(), "{}", wire);
            }
        }
    }

    #[test]
    fn order_text_reading_never_panics(text in "\\PC{0,200}") {
        let _ = serde_json::from_str::<OrderIn>(&text).map(OrderIn::validate);
    }
}

// ---------------------------------------------------------------------------------------------
// Forms: the file, and submissions to the shipped forms

/// Values for a field: plausible, or anything at all.
fn field_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,30}",
        "-?[0-9]{1,40}(\\.[0-9]{0,40})?",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        "[a-z]{1,10}@[a-z]{1,10}\\.[a-z]{2,4}",
        Just("on".to_owned()),
        ".{0,10}[\\x00-\\x1f\\r\\n]{1,3}.{0,10}",
        "<script>alert\\([0-9]\\)</script>",
    ]
}

proptest! {
    #![proptest_config(config())]

    /// Whatever is posted, a submission is checked without a panic; what passes is one answer per
    /// field, in field order, each within the limit of its kind.
    #[test]
    fn submissions_are_checked_without_panicking(
        form_index in 0usize..3, posted in prop::collection::vec((prop_oneof!["[a-z_]{1,16}", "\\PC{0,10}"], field_value()), 0..12),
        use_names in any::<bool>(), dutch in any::<bool>(),
    ) {
        let forms = shipped_forms();
        let form = &forms.all()[form_index % forms.len()];
        let values: Vec<(String, String)> = posted
            .into_iter()
            .enumerate()
            .map(|(i, (name, value))| {
                let name = if use_names { form.fields[i % form.fields.len()].name.clone() } else { name };
                (name, value)
            })
            .collect();
        match form.validate(&values, if dutch { &Language::NL } else { &Language::EN }) {
            Ok(answers) => {
                prop_assert_eq!(answers.len(), form.fields.len());
                for (answer, field) in answers.iter().zip(&form.fields) {
                    prop_assert_eq!(&answer.name, &field.name);
                    let limit = if field.kind == FieldKind::Textarea { 5000 } else { 500 };
                    prop_assert!(answer.value.chars().count() <= limit);
                    let control = answer.value.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
                    prop_assert!(!control, "{:?}", answer.value);
                }
            }
            Err(errors) => prop_assert!(!errors.is_empty()),
        }
    }

    #[test]
    fn forms_files_are_read_without_panicking(text in "\\PC{0,200}", shaped in "(\\[\\[form(\\.field)?\\]\\]\n([a-z]{1,8} = (\"[^\"\\n]{0,10}\"|[0-9.e-]{1,6}|true|\\[\"a\", \"a\"\\]|\\{( [a-z]{2} = (\"[^\"\\n]{0,5}\"|1),?){0,3} \\})\n){0,5}){0,4}") {
        let _ = FormSet::parse(&text, Path::new("forms.toml"), LANGUAGES);
        let _ = FormSet::parse(&shaped, Path::new("forms.toml"), LANGUAGES);
    }
}
