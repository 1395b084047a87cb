//! The panel's language and clock: `BELCO_LANGUAGE` (the language when nothing else decides it)
//! and `BELCO_TIMEZONE` (the shop's zone, in which the panel shows every time).

use app::i18n::{Locale, Locales};
use belco::locale::Zone;

use super::{ConfigError, bad};

/// `BELCO_LANGUAGE`'s default: Dutch, Belco's market.
pub const DEFAULT_LANGUAGE: &str = "nl";

/// `BELCO_TIMEZONE`'s default.
pub const DEFAULT_TIMEZONE: &str = "Europe/Amsterdam";

/// `BELCO_LANGUAGE`: a language the panel speaks (`nl`, the default, or `en`), exactly.
pub(super) fn language(get: &impl Fn(&str) -> Option<String>) -> Result<&'static Locale, ConfigError> {
    let code = get("BELCO_LANGUAGE").unwrap_or_else(|| DEFAULT_LANGUAGE.to_owned());
    Locales::built_in_code(&code).ok_or_else(|| {
        let speaks = match app::i18n::codes().as_slice() {
            [one, two] => format!("neither {one} nor {two}"),
            more => format!("not one of {}", more.join(", ")),
        };
        bad("BELCO_LANGUAGE", format!("{code:?} is {speaks}"))
    })
}

/// `BELCO_TIMEZONE`: a zone of the IANA database (bundled in the binary), `Europe/Amsterdam`
/// unless set.
pub(super) fn timezone(get: &impl Fn(&str) -> Option<String>) -> Result<Zone, ConfigError> {
    let name = get("BELCO_TIMEZONE").unwrap_or_else(|| DEFAULT_TIMEZONE.to_owned());
    Zone::parse(&name).map_err(|refused| bad("BELCO_TIMEZONE", refused.to_string()))
}

#[cfg(test)]
mod tests {
    use belco::locale::Zone;

    use crate::config::from_pairs as config;

    #[test]
    fn dutch_in_amsterdam_unless_told() {
        let c = config(&[]).unwrap();
        assert_eq!(c.language.code(), "nl");
        assert_eq!(c.timezone, Zone::parse("Europe/Amsterdam").unwrap());
        assert_eq!(c.timezone.name(), "Europe/Amsterdam");
        let c = config(&[("BELCO_LANGUAGE", "en"), ("BELCO_TIMEZONE", "America/New_York")]).unwrap();
        assert_eq!((c.language.code(), c.timezone.name()), ("en", "America/New_York"));
        let c = config(&[("BELCO_LANGUAGE", " nl "), ("BELCO_TIMEZONE", " europe/brussels ")]).unwrap();
        assert_eq!((c.language.code(), c.timezone.name()), ("nl", "Europe/Brussels"), "trimmed, the zone in any case");
        assert_eq!(
            config(&[("BELCO_LANGUAGE", ""), ("BELCO_TIMEZONE", "")]).unwrap().timezone.name(),
            "Europe/Amsterdam"
        );
    }

    #[test]
    fn a_language_other_than_nl_or_en_is_refused() {
        for value in ["fr", "NL", "En", "nl-BE", "dutch", "nl,en"] {
            let error = config(&[("BELCO_LANGUAGE", value)]).unwrap_err();
            assert_eq!(error.var, "BELCO_LANGUAGE", "{value:?}");
            assert_eq!(error.to_string(), format!("BELCO_LANGUAGE: {value:?} is neither nl nor en"));
        }
    }

    #[test]
    fn a_zone_the_database_does_not_list_is_refused() {
        for value in ["Mars/Olympus", "Europe/Amsterdamm", "CET-1CEST,M3.5.0,M10.5.0/3", "+01:00", "Etc/Unknown"] {
            let error = config(&[("BELCO_TIMEZONE", value)]).unwrap_err();
            assert_eq!(error.var, "BELCO_TIMEZONE", "{value:?}");
            assert!(error.to_string().starts_with(&format!("BELCO_TIMEZONE: {value:?} is not a time zone")), "{error}");
        }
    }
}
