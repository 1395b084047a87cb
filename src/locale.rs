//! The agent's language and clock: how a language writes dates, amounts and numbers
//! ([`Language`], data, so a language is added without touching the functions here), which of
//! the panel's languages an `Accept-Language` header asks for ([`pick_accept_language`]), and
//! times, amounts and typed numbers in a language: [`format_time`] in the shop's [`Zone`],
//! [`format_money`], [`parse_number`]. The words of each language are the panel's
//! (`app/src/i18n/`).
//!
//! Server-only (the `ssr` feature): the server decides the language and formats every value
//! while rendering, so none of this, nor its zone data, is in the browser's download.

mod money;
mod number;
mod time;

pub use money::format_money;
pub use number::{Decimal, NumberError, parse_number};
pub use time::{Zone, ZoneError, datetime_attr, format_date, format_time};

/// How one language writes dates, amounts and numbers: the part of a language that is not words
/// (those are the panel's, in `app/src/i18n/`). A language is data, so a language added to the
/// panel brings its own conventions with its strings; none is built into the functions here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Language {
    /// The BCP 47 code: `nl`, `en` (for `<html lang>`, `lang=`, `BELCO_LANGUAGE`).
    pub code: &'static str,
    /// CLDR's abbreviated month names, January first, as written after the day (`7 dec. 2026`).
    pub months: [&'static str; 12],
    /// The thousands separator and the decimal separator (`1.234,50` / `1,234.50`).
    pub group: char,
    pub point: char,
    /// Where the currency's symbol and the minus sign go.
    pub money: MoneyStyle,
}

/// Where an amount's currency symbol and minus sign stand (CLDR's currency pattern).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MoneyStyle {
    /// `€ 1.234,50`, `€ -1.234,50`, `CHF 12,00` (Dutch: `¤ #,##0.00;¤ -#,##0.00`).
    SymbolSpaceSign,
    /// `€1,234.50`, `-€1,234.50`, `CHF 12.00`, `-CHF 12.00` (English: `¤#,##0.00`).
    SignSymbol,
    /// `1 234,50 €`, `-1 234,50 €` (French, German: `#,##0.00 ¤`).
    AmountSpaceSymbol,
}

impl Language {
    /// Dutch, Belco's market and `BELCO_LANGUAGE`'s default.
    pub const NL: Language = Language {
        code: "nl",
        // `mei` is a whole word, so it has no dot.
        months: ["jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."],
        group: '.',
        point: ',',
        money: MoneyStyle::SymbolSpaceSign,
    };
    /// English.
    pub const EN: Language = Language {
        code: "en",
        months: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        group: ',',
        point: '.',
        money: MoneyStyle::SignSymbol,
    };

    /// A plain decimal (`-1234.5`, as the forms file and the store write one) the way this
    /// language writes it: its decimal separator, and the whole part grouped by three (Dutch
    /// `-1.234,5`, English `-1,234.5`), the way [`parse_number`] reads it back. The digits are
    /// kept as they are (`2.50` is `2,50`); text of another shape only gets the separator.
    pub fn decimal(&self, plain: &str) -> String {
        let (sign, unsigned) = plain.strip_prefix('-').map_or(("", plain), |rest| ("-", rest));
        let (whole, fraction) = unsigned.split_once('.').map_or((unsigned, None), |(w, f)| (w, Some(f)));
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || fraction.is_some_and(|fraction| !digits(fraction)) {
            return plain.replace('.', self.point.encode_utf8(&mut [0; 4]));
        }
        let mut out = String::with_capacity(plain.len() + whole.len() / 3 * 3);
        out.push_str(sign);
        push_grouped_by_three(&mut out, whole, self.group);
        if let Some(fraction) = fraction {
            out.push(self.point);
            out.push_str(fraction);
        }
        out
    }
}

/// ASCII `digits` with `group` between each three from the right: `1234567` → `1.234.567`.
fn push_grouped_by_three(out: &mut String, digits: &str, group: char) {
    for (i, digit) in digits.char_indices() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(digit);
    }
}

/// Which of `codes` an `Accept-Language` header asks for (its index), if it names one.
///
/// Each entry is a language range with an optional weight (`nl-BE;q=0.8`). The range's primary
/// subtag decides (`nl`, `nl-BE`, `nl-NL` are Dutch; `en-GB`, `en-US` English; any case). The
/// highest weight wins, an equal weight goes to the entry that comes first; an entry weighted
/// `q=0` ("not this one") never wins. `*` names no language, so it never picks one (the caller's
/// next rule does, which `*` allows). An entry that is not a language range or whose weight is
/// not a weight (`q=2`, `q=abc`, `q=0.1234`) is ignored, and so is everything else that is
/// garbage: the header is the browser's, and a bad one must not cost the agent the panel.
pub fn pick_accept_language(header: &str, codes: &[&str]) -> Option<usize> {
    let mut best: Option<(u16, usize)> = None;
    for entry in header.split(',') {
        let Some((range, weight)) = accept_entry(entry) else { continue };
        let Some(index) = code_of_tag(range, codes) else { continue };
        if weight > 0 && best.is_none_or(|(top, _)| weight > top) {
            best = Some((weight, index));
        }
    }
    best.map(|(_, index)| index)
}

/// Which of `codes` the language tag `tag` names, by its primary subtag in any case: `nl`, `NL`,
/// `nl-BE` and `nl_BE` all name `nl`.
pub fn code_of_tag(tag: &str, codes: &[&str]) -> Option<usize> {
    let primary = tag.split(['-', '_']).next()?;
    codes.iter().position(|code| primary.eq_ignore_ascii_case(code))
}

/// One entry of an `Accept-Language` header, `range[;q=weight]`: the range (checked to be one)
/// and the weight in thousandths (1000 when none is given); `None` when it is not well formed.
fn accept_entry(entry: &str) -> Option<(&str, u16)> {
    let mut parts = entry.split(';');
    let range = parts.next()?.trim();
    if !is_language_range(range) {
        return None;
    }
    let mut weight = 1000;
    for parameter in parts {
        let (name, value) = parameter.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("q") {
            return None;
        }
        weight = parse_weight(value.trim())?;
    }
    Some((range, weight))
}

/// `*`, or `1*8ALPHA *("-" 1*8alphanum)` (RFC 4647), also with `_` (`en_GB`), which some
/// clients send.
fn is_language_range(range: &str) -> bool {
    if range == "*" {
        return true;
    }
    let mut subtags = range.split(['-', '_']);
    let primary_ok =
        subtags.next().is_some_and(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    primary_ok && subtags.all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A weight of RFC 9110 (`0`, `0.5`, `0.125`, `1`, `1.000`) in thousandths.
fn parse_weight(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths: u16 = 0;
    for (i, b) in fraction.bytes().enumerate() {
        thousandths += u16::from(b - b'0') * [100, 10, 1][i];
    }
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The panel's two languages, as `app`'s registry lists them.
    fn pick(header: &str) -> Option<Language> {
        let languages = [Language::NL, Language::EN];
        pick_accept_language(header, &languages.map(|language| language.code)).map(|index| languages[index])
    }

    #[test]
    fn a_third_language_is_picked_as_any_other() {
        assert_eq!(pick_accept_language("fr-BE,nl;q=0.8", &["nl", "en", "fr"]), Some(2));
        assert_eq!(pick_accept_language("fr-BE,nl;q=0.8", &["nl", "en"]), Some(0));
        assert_eq!(pick_accept_language("nl", &[]), None);
    }

    #[test]
    fn decimals_take_the_languages_point() {
        assert_eq!(Language::NL.decimal("-2.5"), "-2,5");
        assert_eq!(Language::EN.decimal("-2.5"), "-2.5");
        assert_eq!(Language::NL.decimal("100"), "100");
        // Grouped by three, as parse_number reads them back.
        for (plain, nl, en) in [
            ("1234.5", "1.234,5", "1,234.5"),
            ("-1234567.89", "-1.234.567,89", "-1,234,567.89"),
            ("1.234", "1,234", "1.234"),
            ("5000", "5.000", "5,000"),
            ("2.50", "2,50", "2.50"),
            ("999", "999", "999"),
        ] {
            assert_eq!(Language::NL.decimal(plain), nl, "{plain}");
            assert_eq!(Language::EN.decimal(plain), en, "{plain}");
            let back = |language: &Language, text: &str| parse_number(text, language).map(String::from);
            assert_eq!(back(&Language::NL, nl).as_deref(), Ok(plain), "{nl}");
            assert_eq!(back(&Language::EN, en).as_deref(), Ok(plain), "{en}");
        }
    }

    #[test]
    fn accept_language_takes_the_highest_weight_of_a_language_the_panel_speaks() {
        let cases = [
            ("nl", Some(Language::NL)),
            ("en", Some(Language::EN)),
            ("nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7", Some(Language::NL)),
            ("en-GB,en;q=0.9,nl;q=0.8", Some(Language::EN)),
            ("nl-BE", Some(Language::NL)),
            ("NL-be", Some(Language::NL)),
            ("en_GB", Some(Language::EN)),
            ("fr-BE,fr;q=0.9,nl;q=0.8,en;q=0.7", Some(Language::NL)),
            ("de, en;q=0.5, nl;q=0.6", Some(Language::NL)),
            ("nl;q=0.5, en;q=0.9", Some(Language::EN)),
            ("nl;q=0.500, en;q=0.501", Some(Language::EN)),
            ("en;q=1.0, nl;q=1", Some(Language::EN)),
            ("nl;q=0.8,en;q=0.8", Some(Language::NL)),
            ("en;q=0.8,nl;q=0.8", Some(Language::EN)),
            ("  en-US ; q=0.3 ,  ", Some(Language::EN)),
            ("en;Q=0.2", Some(Language::EN)),
            ("nl;q=0., en;q=1.", Some(Language::EN)),
        ];
        for (header, expected) in cases {
            assert_eq!(pick(header), expected, "{header:?}");
        }
    }

    #[test]
    fn accept_language_excludes_q0_and_skips_the_wildcard() {
        assert_eq!(pick("nl;q=0"), None);
        assert_eq!(pick("nl;q=0.000, en;q=0.001"), Some(Language::EN));
        assert_eq!(pick("en;q=0, nl;q=0.1"), Some(Language::NL));
        assert_eq!(pick("*"), None);
        assert_eq!(pick("*, en;q=0.5"), Some(Language::EN), "`*` names no language");
        assert_eq!(pick("fr, de;q=0.9, *;q=0.1"), None);
        assert_eq!(pick("fr-FR, de"), None);
    }

    #[test]
    fn accept_language_ignores_garbage() {
        for header in [
            "",
            ",,,",
            ";q=1",
            "nl;q=2",
            "nl;q=1.5",
            "nl;q=1.001",
            "nl;q=-1",
            "nl;q=0.1234",
            "nl;q=abc",
            "nl;q=",
            "nl;q",
            "nl;level=1",
            "nl;q=0.5;q",
            "n l",
            "nl-",
            "nl--BE",
            "nl-toolongsubtag",
            "nl1",
            "néerlandais",
            "ned\u{0}erlands",
            "english",
            "1nl",
            "q=1",
        ] {
            assert_eq!(pick(header), None, "{header:?}");
        }
        assert_eq!(pick("nl;q=2, en;q=0.1"), Some(Language::EN), "the bad entry alone");
        assert_eq!(pick("x-garbage%%, nl-BE;q=0.7"), Some(Language::NL));
        assert_eq!(pick(&"zz;q=0.5,".repeat(10_000)), None);
    }

    #[test]
    fn weights_are_read_in_thousandths() {
        for (text, weight) in [
            ("0", 0),
            ("0.", 0),
            ("0.5", 500),
            ("0.05", 50),
            ("0.125", 125),
            ("1", 1000),
            ("1.", 1000),
            ("1.000", 1000),
        ] {
            assert_eq!(parse_weight(text), Some(weight), "{text}");
        }
        for text in ["", ".5", "1.5", "2", "0.1234", "01", "+1", "0,5", "1e0"] {
            assert_eq!(parse_weight(text), None, "{text}");
        }
    }
}
