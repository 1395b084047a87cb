//! Pseudonyms: a customer's identifiers keyed-hashed, so that the access log and the erasure
//! records say whose they are to whoever holds the key, and to nobody else (a dump of the
//! database cannot be tested against a list of emails).
//!
//! They are keyed with a key of their own, `BELCO_PSEUDONYM_KEY`, which never rotates (a new key
//! would make every earlier record unfindable) and is never stored in the database. Records
//! written before that key existed were keyed with the signing key (`BELCO_SIGNING_KEY`) of the
//! time: [`Pseudonyms::of`] matches those too, under every signing key still configured, so keep
//! an old signing key configured until the access log's retention has passed since the upgrade.

use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::capability::Signer;
use crate::identity::CustomerKey;
use crate::secret::Secret;
use crate::store::HashedKey;

type HmacSha256 = Hmac<Sha256>;

/// A pseudonym key shorter than this is refused: it could be guessed.
pub const MIN_KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PseudonymKeyError {
    #[error("a pseudonym key must be at least {MIN_KEY_LEN} characters (make one with `belco-panel token`)")]
    TooShort,
    #[error("holds one key, not a list: the pseudonym key never rotates")]
    List,
}

/// `value` keyed-hashed for `purpose` with `mac` (HMAC-SHA256 over a label, the purpose and the
/// value, apart from anything a capability's tag is computed over), 32 hex digits: the same
/// value always gives the same pseudonym under one key.
pub(crate) fn keyed(mac: &HmacSha256, purpose: &str, value: &str) -> String {
    let mut mac = mac.clone();
    mac.update(b"belco-panel pseudonym\0");
    mac.update(purpose.as_bytes());
    mac.update(b"\0");
    mac.update(value.as_bytes());
    mac.finalize().into_bytes()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The key the access log and the erasure records are written with, and the signing keys
/// earlier records may have been written with.
#[derive(Clone)]
pub struct Pseudonyms {
    key: HmacSha256,
    /// `BELCO_SIGNING_KEY` as configured: every one of its keys may have keyed older records.
    earlier: Option<Arc<Signer>>,
}

impl std::fmt::Debug for Pseudonyms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pseudonyms").field("earlier", &self.earlier).finish_non_exhaustive()
    }
}

impl Pseudonyms {
    /// `key`: `BELCO_PSEUDONYM_KEY`; `earlier`: the configured signing keys, if any.
    pub fn new(key: &Secret, earlier: Option<Arc<Signer>>) -> Result<Self, PseudonymKeyError> {
        let key = key.expose().trim();
        if key.contains(',') {
            return Err(PseudonymKeyError::List);
        }
        if key.chars().count() < MIN_KEY_LEN {
            return Err(PseudonymKeyError::TooShort);
        }
        let key = HmacSha256::new_from_slice(key.as_bytes()).map_err(|_| PseudonymKeyError::TooShort)?;
        Ok(Self { key, earlier })
    }

    /// The pseudonyms new records are written under.
    pub fn current(&self, customer: &CustomerKey) -> HashedKey {
        let of = |purpose: &str, value: &Option<String>| value.iter().map(|v| keyed(&self.key, purpose, v)).collect();
        HashedKey { email: of("email", &customer.email), phone: of("phone", &customer.phone) }
    }

    /// Every pseudonym the customer's records may be under: the current ones first, then those
    /// of every configured signing key (records from before the pseudonym key).
    pub fn of(&self, customer: &CustomerKey) -> HashedKey {
        let mut hashed = self.current(customer);
        if let Some(signer) = &self.earlier {
            let earlier = |purpose: &str, value: &Option<String>| -> Vec<String> {
                value.iter().flat_map(|v| signer.pseudonyms(purpose, v)).collect()
            };
            hashed.email.extend(earlier("email", &customer.email));
            hashed.phone.extend(earlier("phone", &customer.phone));
        }
        hashed
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const KEY: &str = "pseudonym-key-0123456789abcdef-0123456789";
    const OLD: &str = "old-signing-key-0123456789abcdef-0123456789";
    const NEW: &str = "new-signing-key-0123456789abcdef-0123456789";

    fn signer(keys: &str) -> Arc<Signer> {
        Arc::new(Signer::new(&Secret::new(keys), Duration::from_secs(3600)).unwrap())
    }

    fn ann() -> CustomerKey {
        CustomerKey { email: Some("ann@shop.nl".into()), phone: Some("+31612345678".into()) }
    }

    #[test]
    fn records_keep_one_pseudonym_whatever_the_signing_keys() {
        let before = Pseudonyms::new(&Secret::new(KEY), Some(signer(OLD))).unwrap();
        let after = Pseudonyms::new(&Secret::new(KEY), Some(signer(&format!("{NEW},{OLD}")))).unwrap();
        let dropped = Pseudonyms::new(&Secret::new(KEY), Some(signer(NEW))).unwrap();
        assert_eq!(before.current(&ann()), after.current(&ann()));
        assert_eq!(after.current(&ann()), dropped.current(&ann()));
        let current = before.current(&ann());
        assert_eq!((current.email.len(), current.phone.len()), (1, 1));
        assert_eq!(current.email[0].len(), 32);
        assert_ne!(current.email[0], current.phone[0], "the purpose is part of the hash");
    }

    #[test]
    fn records_from_before_the_key_are_matched_under_every_signing_key() {
        let old = signer(OLD);
        // What the access log wrote before the pseudonym key: the first signing key's pseudonym.
        let legacy = old.pseudonyms("email", "ann@shop.nl")[0].clone();
        let rotated = Pseudonyms::new(&Secret::new(KEY), Some(signer(&format!("{NEW},{OLD}")))).unwrap();
        let all = rotated.of(&ann());
        assert_eq!(all.email.len(), 3, "current, then the new and the old signing key's");
        assert_eq!(all.email[0], rotated.current(&ann()).email[0]);
        assert!(all.email.contains(&legacy));
        let without = Pseudonyms::new(&Secret::new(KEY), Some(signer(NEW))).unwrap();
        assert!(!without.of(&ann()).email.contains(&legacy), "an old key dropped finds nothing of its own");
    }

    #[test]
    fn a_short_key_or_a_list_is_refused() {
        assert_eq!(Pseudonyms::new(&Secret::new("short"), None).unwrap_err(), PseudonymKeyError::TooShort);
        let list = format!("{KEY},{KEY}");
        assert_eq!(Pseudonyms::new(&Secret::new(list.as_str()), None).unwrap_err(), PseudonymKeyError::List);
        let debug = format!("{:?}", Pseudonyms::new(&Secret::new(KEY), None).unwrap());
        assert!(!debug.contains(KEY), "{debug}");
    }
}
