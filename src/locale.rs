//! The agent's language and clock: which language the panel speaks ([`Language`], read from
//! `BELCO_LANGUAGE` or an `Accept-Language` header), and times, amounts and typed numbers in that
//! language: [`format_time`] in the shop's [`Zone`], [`format_money`], [`parse_number`].
//!
//! Server-only (the `ssr` feature): the server decides the language and formats every value
//! while rendering, so none of this, nor its zone data, is in the browser's download.

mod money;
mod number;
mod time;

pub use money::format_money;
pub use number::{Decimal, NumberError, parse_number};
pub use time::{Zone, ZoneError, datetime_attr, format_date, format_time};

/// A language the panel speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Language {
    /// Dutch, Belco's market and `BELCO_LANGUAGE`'s default.
    Nl,
    /// English.
    En,
}

impl Language {
    /// Every language the panel speaks.
    pub const ALL: [Language; 2] = [Language::Nl, Language::En];

    /// The BCP 47 code: `nl`, `en` (for `<html lang>`, `lang=`, `BELCO_LANGUAGE`).
    pub fn code(self) -> &'static str {
        match self {
            Language::Nl => "nl",
            Language::En => "en",
        }
    }

    /// Exactly `nl` or `en`; anything else (`NL`, `nl-BE`, ` en`, `fr`) is `None`.
    pub fn parse(code: &str) -> Option<Language> {
        Self::ALL.into_iter().find(|language| language.code() == code)
    }

    /// The language an `Accept-Language` header asks for, if it names one the panel speaks.
    ///
    /// Each entry is a language range with an optional weight (`nl-BE;q=0.8`). The range's
    /// primary subtag decides (`nl`, `nl-BE`, `nl-NL` are Dutch; `en-GB`, `en-US` English; any
    /// case). The highest weight wins, an equal weight goes to the entry that comes first; an
    /// entry weighted `q=0` ("not this one") never wins. `*` names no language, so it never
    /// picks one (the caller's next rule does, which `*` allows). An entry that is not a
    /// language range or whose weight is not a weight (`q=2`, `q=abc`, `q=0.1234`) is ignored,
    /// and so is everything else that is garbage: the header is the browser's, and a bad one
    /// must not cost the agent the panel.
    pub fn from_accept_language(header: &str) -> Option<Language> {
        let mut best: Option<(u16, Language)> = None;
        for entry in header.split(',') {
            let Some((range, weight)) = accept_entry(entry) else { continue };
            let Some(language) = Self::of_range(range) else { continue };
            if weight > 0 && best.is_none_or(|(top, _)| weight > top) {
                best = Some((weight, language));
            }
        }
        best.map(|(_, language)| language)
    }

    /// The language a well-formed language range's primary subtag names.
    fn of_range(range: &str) -> Option<Language> {
        let primary = range.split(['-', '_']).next()?;
        Self::ALL.into_iter().find(|language| primary.eq_ignore_ascii_case(language.code()))
    }
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

    #[test]
    fn a_language_is_nl_or_en_exactly() {
        assert_eq!(Language::parse("nl"), Some(Language::Nl));
        assert_eq!(Language::parse("en"), Some(Language::En));
        for other in ["", "NL", "En", "nl-BE", " en", "en ", "fr", "dutch", "nld"] {
            assert_eq!(Language::parse(other), None, "{other:?}");
        }
        for language in Language::ALL {
            assert_eq!(Language::parse(language.code()), Some(language));
        }
        assert_eq!((Language::Nl.code(), Language::En.code()), ("nl", "en"));
    }

    #[test]
    fn accept_language_takes_the_highest_weight_of_a_language_the_panel_speaks() {
        let cases = [
            ("nl", Some(Language::Nl)),
            ("en", Some(Language::En)),
            ("nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7", Some(Language::Nl)),
            ("en-GB,en;q=0.9,nl;q=0.8", Some(Language::En)),
            ("nl-BE", Some(Language::Nl)),
            ("NL-be", Some(Language::Nl)),
            ("en_GB", Some(Language::En)),
            ("fr-BE,fr;q=0.9,nl;q=0.8,en;q=0.7", Some(Language::Nl)),
            ("de, en;q=0.5, nl;q=0.6", Some(Language::Nl)),
            ("nl;q=0.5, en;q=0.9", Some(Language::En)),
            ("nl;q=0.500, en;q=0.501", Some(Language::En)),
            ("en;q=1.0, nl;q=1", Some(Language::En)),
            ("nl;q=0.8,en;q=0.8", Some(Language::Nl)),
            ("en;q=0.8,nl;q=0.8", Some(Language::En)),
            ("  en-US ; q=0.3 ,  ", Some(Language::En)),
            ("en;Q=0.2", Some(Language::En)),
            ("nl;q=0., en;q=1.", Some(Language::En)),
        ];
        for (header, expected) in cases {
            assert_eq!(Language::from_accept_language(header), expected, "{header:?}");
        }
    }

    #[test]
    fn accept_language_excludes_q0_and_skips_the_wildcard() {
        assert_eq!(Language::from_accept_language("nl;q=0"), None);
        assert_eq!(Language::from_accept_language("nl;q=0.000, en;q=0.001"), Some(Language::En));
        assert_eq!(Language::from_accept_language("en;q=0, nl;q=0.1"), Some(Language::Nl));
        assert_eq!(Language::from_accept_language("*"), None);
        assert_eq!(Language::from_accept_language("*, en;q=0.5"), Some(Language::En), "`*` names no language");
        assert_eq!(Language::from_accept_language("fr, de;q=0.9, *;q=0.1"), None);
        assert_eq!(Language::from_accept_language("fr-FR, de"), None);
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
            assert_eq!(Language::from_accept_language(header), None, "{header:?}");
        }
        assert_eq!(Language::from_accept_language("nl;q=2, en;q=0.1"), Some(Language::En), "the bad entry alone");
        assert_eq!(Language::from_accept_language("x-garbage%%, nl-BE;q=0.7"), Some(Language::Nl));
        assert_eq!(Language::from_accept_language(&"zz;q=0.5,".repeat(10_000)), None);
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
