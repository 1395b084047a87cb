//! Signed capabilities: how the frame's page proves, on every server-function call, which
//! customer it was rendered for.
//!
//! Belco shows the frame in a third-party iframe, where browsers block cookies, and the shop
//! token must never reach client code. So when the server renders a panel it signs a small
//! statement, "this page may act for customer (email, phone) until T", with `BELCO_SIGNING_KEY`
//! and embeds it in the page; every call from the page sends it back, and the server trusts
//! nothing else. Any instance sharing the key can check it: no session store.
//!
//! Wire form: `v1.<payload>.<mac>`, both parts unpadded base64url; the payload is JSON and the MAC
//! is HMAC-SHA256 over `v1.<payload>`. The MAC is checked (in constant time) before the payload
//! is even decoded, so a forged capability is refused without being read.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::identity::CustomerKey;
use crate::secret::Secret;

type HmacSha256 = Hmac<Sha256>;

const VERSION: &str = "v1";

/// A signing key shorter than this is refused: it could be guessed.
pub const MIN_KEY_LEN: usize = 32;

/// What a capability lets its holder act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// One customer, by normalized identifiers (as in the orders table).
    Customer(CustomerKey),
    /// The company panel: company-wide forms, no customer data.
    Company,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CapabilityError {
    /// Not a capability at all, or one signed with another key: refused as forged.
    #[error("the capability is not genuine")]
    Forged,
    /// Genuine but past its lifetime: the panel must be reloaded for a fresh one.
    #[error("the capability has expired")]
    Expired,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SigningKeyError {
    #[error("a signing key must be at least {MIN_KEY_LEN} characters (make one with `belco-panel token`)")]
    TooShort,
    #[error("no signing key given")]
    Missing,
}

/// The signed statement. Short field names: it travels in every call.
#[derive(Serialize, Deserialize)]
struct Payload {
    /// "c" customer, "o" company.
    s: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    e: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p: Option<String>,
    /// Expiry, milliseconds since the epoch.
    x: i64,
}

/// Issues and checks capabilities. Holds one or more keys: the first signs, every one verifies,
/// so a shop rotates by putting the new key first and dropping the old one a day later.
#[derive(Clone)]
pub struct Signer {
    keys: Vec<HmacSha256>,
    lifetime: Duration,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({} keys, lifetime {:?})", self.keys.len(), self.lifetime)
    }
}

impl Signer {
    /// `keys`: one key, or several separated by commas (the first signs).
    pub fn new(keys: &Secret, lifetime: Duration) -> Result<Self, SigningKeyError> {
        let keys = keys
            .expose()
            .split(',')
            .map(str::trim)
            .filter(|key| !key.is_empty())
            .map(|key| {
                if key.chars().count() < MIN_KEY_LEN {
                    return Err(SigningKeyError::TooShort);
                }
                HmacSha256::new_from_slice(key.as_bytes()).map_err(|_| SigningKeyError::TooShort)
            })
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(SigningKeyError::Missing);
        }
        Ok(Self { keys, lifetime })
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// `value`'s pseudonym for `purpose` under each of the signing keys, the first first: what the
    /// access log and the erasure records were keyed with before they had a key of their own
    /// (`crate::pseudonym`), so that such records are still found.
    pub fn pseudonyms(&self, purpose: &str, value: &str) -> Vec<String> {
        self.keys.iter().map(|key| crate::pseudonym::keyed(key, purpose, value)).collect()
    }

    /// A capability for `subject`, valid from `now_millis` for the configured lifetime.
    pub fn issue(&self, subject: &Subject, now_millis: i64) -> String {
        // Saturating: a lifetime given in code (not read from `BELCO_CAPABILITY_LIFETIME`, which
        // stops at a week) may be any size.
        let lifetime = i64::try_from(self.lifetime.as_millis()).unwrap_or(i64::MAX);
        let expiry = now_millis.saturating_add(lifetime);
        let payload = match subject {
            Subject::Customer(key) => Payload { s: "c".into(), e: key.email.clone(), p: key.phone.clone(), x: expiry },
            Subject::Company => Payload { s: "o".into(), e: None, p: None, x: expiry },
        };
        // Serializing a struct of strings and an integer cannot fail.
        let json = serde_json::to_vec(&payload).unwrap_or_default();
        let signed = format!("{VERSION}.{}", URL_SAFE_NO_PAD.encode(json));
        let mut mac = self.keys[0].clone();
        mac.update(signed.as_bytes());
        let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signed}.{tag}")
    }

    /// The subject a genuine, unexpired capability names.
    pub fn verify(&self, capability: &str, now_millis: i64) -> Result<Subject, CapabilityError> {
        let (signed, tag) = capability.rsplit_once('.').ok_or(CapabilityError::Forged)?;
        let (version, payload) = signed.split_once('.').ok_or(CapabilityError::Forged)?;
        if version != VERSION {
            return Err(CapabilityError::Forged);
        }
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| CapabilityError::Forged)?;
        let genuine = self.keys.iter().any(|key| {
            let mut mac = key.clone();
            mac.update(signed.as_bytes());
            mac.verify_slice(&tag).is_ok()
        });
        if !genuine {
            return Err(CapabilityError::Forged);
        }
        // Signed by us, so well-formed unless a key leaked; still never panic on it.
        let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| CapabilityError::Forged)?;
        let payload: Payload = serde_json::from_slice(&json).map_err(|_| CapabilityError::Forged)?;
        if now_millis >= payload.x {
            return Err(CapabilityError::Expired);
        }
        match payload.s.as_str() {
            "c" => {
                let key = CustomerKey { email: payload.e, phone: payload.p };
                if key.is_empty() { Err(CapabilityError::Forged) } else { Ok(Subject::Customer(key)) }
            }
            "o" => Ok(Subject::Company),
            _ => Err(CapabilityError::Forged),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef-key-one";
    const OTHER: &str = "fedcba9876543210fedcba9876543210-key-two";
    const NOW: i64 = 1_780_000_000_000;
    const HOUR: Duration = Duration::from_secs(3600);

    fn signer(keys: &str) -> Signer {
        Signer::new(&Secret::new(keys), 8 * HOUR).unwrap()
    }

    fn customer(email: &str, phone: Option<&str>) -> Subject {
        Subject::Customer(CustomerKey { email: Some(email.into()), phone: phone.map(Into::into) })
    }

    #[test]
    fn a_pseudonym_is_stable_keyed_and_per_purpose() {
        let signer = |keys: &str| Signer::new(&Secret::new(keys), Duration::from_secs(60)).unwrap();
        let a = signer("k".repeat(32).as_str());
        let pseudonym = a.pseudonyms("email", "john@example.com")[0].clone();
        assert_eq!(pseudonym.len(), 32);
        assert!(pseudonym.bytes().all(|b| b.is_ascii_hexdigit()) && !pseudonym.contains("john"));
        assert_eq!(
            a.pseudonyms("email", "john@example.com"),
            std::slice::from_ref(&pseudonym),
            "the same on every call"
        );
        assert_ne!(a.pseudonyms("phone", "john@example.com")[0], pseudonym, "per purpose");
        let (k, m) = ("k".repeat(32), "m".repeat(32));
        assert_eq!(signer(&format!("{m},{k}")).pseudonyms("email", "john@example.com")[1], pseudonym, "per key");
    }

    #[test]
    fn a_capability_names_its_customer_until_it_expires() {
        let signer = signer(KEY);
        let alice = customer("alice@example.com", Some("+31612345678"));
        let capability = signer.issue(&alice, NOW);
        assert_eq!(signer.verify(&capability, NOW), Ok(alice.clone()));
        assert_eq!(signer.verify(&capability, NOW + 8 * 3_600_000 - 1), Ok(alice));
        assert_eq!(signer.verify(&capability, NOW + 8 * 3_600_000), Err(CapabilityError::Expired));
        let company = signer.issue(&Subject::Company, NOW);
        assert_eq!(signer.verify(&company, NOW), Ok(Subject::Company));
    }

    #[test]
    fn another_key_or_any_change_is_forged() {
        let capability = signer(KEY).issue(&customer("alice@example.com", None), NOW);
        assert_eq!(signer(OTHER).verify(&capability, NOW), Err(CapabilityError::Forged));

        // Swap the payload for Bob's, keeping Alice's MAC.
        let bob = signer(OTHER).issue(&customer("bob@example.com", None), NOW);
        let (_, alice_tag) = capability.rsplit_once('.').unwrap();
        let (bob_signed, _) = bob.rsplit_once('.').unwrap();
        assert_eq!(signer(KEY).verify(&format!("{bob_signed}.{alice_tag}"), NOW), Err(CapabilityError::Forged));

        for junk in ["", ".", "v1..", "v1.e30.", "v2.e30.AAAA", "garbage", &capability[..capability.len() - 2]] {
            assert_eq!(signer(KEY).verify(junk, NOW), Err(CapabilityError::Forged), "{junk:?}");
        }
    }

    #[test]
    fn an_expired_forgery_is_still_forged() {
        let capability = signer(OTHER).issue(&customer("alice@example.com", None), NOW - 10 * 3_600_000);
        assert_eq!(signer(KEY).verify(&capability, NOW), Err(CapabilityError::Forged));
    }

    #[test]
    fn every_listed_key_verifies_and_the_first_signs() {
        let rotating = signer(&format!("{OTHER}, {KEY}"));
        let old = signer(KEY).issue(&Subject::Company, NOW);
        assert_eq!(rotating.verify(&old, NOW), Ok(Subject::Company));
        let new = rotating.issue(&Subject::Company, NOW);
        assert_eq!(signer(OTHER).verify(&new, NOW), Ok(Subject::Company));
        assert_eq!(signer(KEY).verify(&new, NOW), Err(CapabilityError::Forged));
    }

    #[test]
    fn short_or_missing_keys_are_refused() {
        assert_eq!(Signer::new(&Secret::new("short"), HOUR).unwrap_err(), SigningKeyError::TooShort);
        assert_eq!(Signer::new(&Secret::new(" , "), HOUR).unwrap_err(), SigningKeyError::Missing);
        assert_eq!(Signer::new(&Secret::new(format!("{KEY},short")), HOUR).unwrap_err(), SigningKeyError::TooShort);
    }

    #[test]
    fn the_debug_form_shows_no_key() {
        let shown = format!("{:?}", signer(KEY));
        assert!(!shown.contains("0123"), "{shown}");
    }

    #[test]
    fn an_absurd_lifetime_still_issues() {
        // A Signer built in code with an absurd lifetime still issues (expiry saturates).
        let forever = Signer::new(&Secret::new(KEY), Duration::from_secs(u64::MAX)).expect("key");
        let capability = forever.issue(&Subject::Company, NOW);
        assert_eq!(forever.verify(&capability, NOW), Ok(Subject::Company));
    }
}
