//! Amounts for people in the agent's language, after CLDR's standard currency formats:
//! Dutch `€ 1.234,50` and `€ -1.234,50` (`¤ #,##0.00;¤ -#,##0.00`), English `€1,234.50` and
//! `-€1,234.50` (`¤#,##0.00`). The digits after the separator are the currency's ISO 4217 minor
//! digits (none for JPY, three for KWD), as [`Currency`] knows them.
//!
//! Three currencies are written with their symbol (EUR `€`, USD `$`, GBP `£`): the ones a Dutch
//! or Belgian shop sells in, whose symbol nobody misreads. Every other is written with its code,
//! which nobody misreads either (`kr` is Danish, Swedish or Norwegian; `$` alone is already US
//! dollars here): `CHF 12,00`, `CHF 12.00`. Between a symbol or code and the digits stands a
//! no-break space (U+00A0) wherever a space stands, so an amount never breaks across two lines.

use super::{Language, MoneyStyle, push_grouped_by_three};
use crate::decimal::push_digits;
use crate::money::Currency;

const NO_BREAK_SPACE: char = '\u{a0}';

/// `minor` units of `currency` for people, in `language`'s format.
pub fn format_money(minor: i64, currency: Currency, language: &Language) -> String {
    let symbol = symbol(currency);
    let negative = minor < 0;
    let mut out = String::with_capacity(24);
    match language.money {
        // `€ 1.234,50`, `€ -1.234,50`, `CHF 12,00`
        MoneyStyle::SymbolSpaceSign => {
            out.push_str(symbol.unwrap_or(currency.code()));
            out.push(NO_BREAK_SPACE);
            if negative {
                out.push('-');
            }
        }
        // `€1,234.50`, `-€1,234.50`, `CHF 12.00`, `-CHF 12.00`
        MoneyStyle::SignSymbol => {
            if negative {
                out.push('-');
            }
            match symbol {
                Some(symbol) => out.push_str(symbol),
                None => {
                    out.push_str(currency.code());
                    out.push(NO_BREAK_SPACE);
                }
            }
        }
        // `1 234,50 €`, `-12,00 CHF`: the symbol after the digits.
        MoneyStyle::AmountSpaceSymbol => {
            if negative {
                out.push('-');
            }
            push_grouped(&mut out, minor.unsigned_abs(), currency.minor_digits(), language.group, language.point);
            out.push(NO_BREAK_SPACE);
            out.push_str(symbol.unwrap_or(currency.code()));
            return out;
        }
    }
    push_grouped(&mut out, minor.unsigned_abs(), currency.minor_digits(), language.group, language.point);
    out
}

/// The symbol of the few currencies written with one.
fn symbol(currency: Currency) -> Option<&'static str> {
    match currency.code() {
        "EUR" => Some("€"),
        "USD" => Some("$"),
        "GBP" => Some("£"),
        _ => None,
    }
}

/// `abs` minor units with `digits` after `point` and the whole units grouped by three with
/// `group`: `123450`, 2 → `1.234,50` (Dutch) or `1,234.50` (English).
fn push_grouped(out: &mut String, abs: u64, digits: u32, group: char, point: char) {
    let scale = 10u64.pow(digits);
    let mut whole = itoa::Buffer::new();
    push_grouped_by_three(out, whole.format(abs / scale), group);
    if digits > 0 {
        out.push(point);
        push_digits(out, abs % scale, digits as usize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NL: &Language = &Language::NL;
    const EN: &Language = &Language::EN;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    #[test]
    fn euros_in_each_language() {
        let eur = currency("EUR");
        for (minor, nl, en) in [
            (123_450, "€\u{a0}1.234,50", "€1,234.50"),
            (1_000, "€\u{a0}10,00", "€10.00"),
            (7, "€\u{a0}0,07", "€0.07"),
            (0, "€\u{a0}0,00", "€0.00"),
            (99_999, "€\u{a0}999,99", "€999.99"),
            (100_000, "€\u{a0}1.000,00", "€1,000.00"),
            (123_456_789_012, "€\u{a0}1.234.567.890,12", "€1,234,567,890.12"),
        ] {
            assert_eq!(format_money(minor, eur, NL), nl, "{minor}");
            assert_eq!(format_money(minor, eur, EN), en, "{minor}");
        }
        assert_eq!(format_money(123_450, eur, NL), "€ 1.234,50".replace(' ', "\u{a0}"));
    }

    #[test]
    fn negative_amounts() {
        let eur = currency("EUR");
        assert_eq!(format_money(-123_450, eur, NL), "€\u{a0}-1.234,50");
        assert_eq!(format_money(-123_450, eur, EN), "-€1,234.50");
        assert_eq!(format_money(-5, eur, NL), "€\u{a0}-0,05");
        assert_eq!(format_money(-5, eur, EN), "-€0.05");
        assert_eq!(format_money(-1_200, currency("CHF"), NL), "CHF\u{a0}-12,00");
        assert_eq!(format_money(-1_200, currency("CHF"), EN), "-CHF\u{a0}12.00");
        assert_eq!(format_money(i64::MIN, eur, EN), "-€92,233,720,368,547,758.08");
        assert_eq!(format_money(i64::MIN, eur, NL), "€\u{a0}-92.233.720.368.547.758,08");
        assert_eq!(format_money(i64::MAX, currency("JPY"), NL), "JPY\u{a0}9.223.372.036.854.775.807");
    }

    #[test]
    fn symbols_for_three_codes_for_the_rest() {
        assert_eq!(format_money(1_050, currency("USD"), NL), "$\u{a0}10,50");
        assert_eq!(format_money(1_050, currency("USD"), EN), "$10.50");
        assert_eq!(format_money(1_050, currency("GBP"), NL), "£\u{a0}10,50");
        assert_eq!(format_money(1_050, currency("GBP"), EN), "£10.50");
        assert_eq!(format_money(1_200, currency("CHF"), NL), "CHF\u{a0}12,00");
        assert_eq!(format_money(1_200, currency("CHF"), EN), "CHF\u{a0}12.00");
        assert_eq!(format_money(123_456, currency("SEK"), NL), "SEK\u{a0}1.234,56");
        assert_eq!(format_money(123_456, currency("SEK"), EN), "SEK\u{a0}1,234.56");
    }

    #[test]
    fn iso_4217_digits() {
        let (jpy, kwd) = (currency("JPY"), currency("KWD"));
        assert_eq!(format_money(1_234, jpy, NL), "JPY\u{a0}1.234");
        assert_eq!(format_money(1_234, jpy, EN), "JPY\u{a0}1,234");
        assert_eq!(format_money(0, jpy, EN), "JPY\u{a0}0");
        assert_eq!(format_money(-500, jpy, EN), "-JPY\u{a0}500");
        assert_eq!(format_money(1_234, kwd, NL), "KWD\u{a0}1,234");
        assert_eq!(format_money(1_234, kwd, EN), "KWD\u{a0}1.234");
        assert_eq!(format_money(1_234_567, kwd, NL), "KWD\u{a0}1.234,567");
        assert_eq!(format_money(5, kwd, EN), "KWD\u{a0}0.005");
        assert_eq!(format_money(12_345, currency("CLF"), EN), "CLF\u{a0}1.2345", "four digits");
    }

    #[test]
    fn a_language_may_write_the_symbol_after_the_amount() {
        let french = Language {
            code: "fr",
            group: '\u{202f}',
            point: ',',
            money: MoneyStyle::AmountSpaceSymbol,
            ..Language::NL
        };
        assert_eq!(format_money(123_450, currency("EUR"), &french), "1\u{202f}234,50\u{a0}€");
        assert_eq!(format_money(-1_200, currency("CHF"), &french), "-12,00\u{a0}CHF");
    }

    #[test]
    fn a_code_stored_before_the_iso_check_is_written_with_its_two_digits() {
        let old = Currency::stored("NLG").unwrap();
        assert_eq!(format_money(1_050, old, NL), "NLG\u{a0}10,50");
        assert_eq!(format_money(1_050, old, EN), "NLG\u{a0}10.50");
    }
}
