//! Who a customer is: a normalized email and/or a normalized phone number. Matching is exact on
//! these normalized forms, never partial.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Normalizes an email for exact, case-insensitive matching: trimmed, Unicode NFC (so a
/// decomposed `é` equals a composed one), then lower-cased with Unicode's rules (`ÉLODIE` =
/// `élodie`). Returns `None` for anything that is not shaped like `local@domain`.
pub fn normalize_email(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let (local, domain) = trimmed.rsplit_once('@')?;
    if local.is_empty()
        || domain.is_empty()
        || local.contains('@')
        || trimmed.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return None;
    }
    if trimmed.is_ascii() {
        // Nearly every address: no Unicode forms to reconcile.
        return Some(trimmed.to_ascii_lowercase());
    }
    // Composed again after lower-casing: `J` + caron has no composed capital, but lower-cased it
    // composes to `ǰ`, so without the second pass the result was not normalized (tests/properties.rs).
    Some(trimmed.nfc().collect::<String>().to_lowercase().nfc().collect())
}

/// The identifiers one request or one order carries, already normalized.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CustomerKey {
    pub email: Option<String>,
    /// E.164, e.g. `+31612345678`.
    pub phone: Option<String>,
}

impl CustomerKey {
    pub fn is_empty(&self) -> bool {
        self.email.is_none() && self.phone.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_match_case_insensitively_and_unicode_aware() {
        assert_eq!(normalize_email(" John@Example.COM ").as_deref(), Some("john@example.com"));
        assert_eq!(normalize_email("ÉLODIE@exämple.fr"), normalize_email("élodie@EXÄMPLE.fr"));
        // "e" + combining acute accent vs the precomposed "é".
        assert_eq!(normalize_email("e\u{301}lodie@x.fr"), normalize_email("\u{e9}lodie@x.fr"));
        assert_eq!(normalize_email("john+tag@example.com").as_deref(), Some("john+tag@example.com"));
    }

    #[test]
    fn normalizing_twice_changes_nothing() {
        assert_eq!(normalize_email("J\u{30C}@x.nl"), normalize_email("\u{1F0}@x.nl"));
        let once = normalize_email("J\u{30C}@x.nl").unwrap();
        assert_eq!(normalize_email(&once).as_deref(), Some(once.as_str()));
    }

    #[test]
    fn what_is_not_an_email_is_none() {
        for raw in ["", "   ", "john", "@example.com", "john@", "jo hn@example.com", "a@b@c"] {
            assert_eq!(normalize_email(raw), None, "{raw:?}");
        }
    }
}
