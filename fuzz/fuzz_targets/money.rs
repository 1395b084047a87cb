//! Any text as an amount in a few currencies: no panic, and what reads writes back the same.
#![no_main]

use belco::money::{Currency, format_minor, parse_minor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    for code in ["EUR", "JPY", "KWD", "CLF"] {
        let currency = Currency::parse(code).expect("a known code");
        if let Ok(minor) = parse_minor(text, currency) {
            assert_eq!(parse_minor(&format_minor(minor, currency), currency), Ok(minor), "{text:?}");
        }
    }
    let _ = Currency::parse(text);
});
