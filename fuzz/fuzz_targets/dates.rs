//! Any text as an order date: no panic, and what reads writes back as the same instant.
#![no_main]

use belco::time::{format_day, format_instant, parse_instant};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Some(millis) = parse_instant(text) {
        let _ = format_day(millis);
        let written = format_instant(millis);
        // RFC 3339 writes years 0 to 9999 only; beyond them chrono writes a sign.
        if (-62_167_219_200_000..=253_402_300_799_999).contains(&millis) {
            assert_eq!(parse_instant(&written), Some(millis), "{text:?} → {written}");
        }
    }
});
