//! Secrets: shop tokens and generated credentials. A secret is never `Debug`-printed or
//! serialized; tokens are compared in constant time, all of them, on every request.

use std::fmt;

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Characters a token may use: URL-unreserved, so it survives being pasted into a URL as is.
pub fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

pub const MIN_TOKEN_LEN: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token #{position} is shorter than {MIN_TOKEN_LEN} characters")]
    TooShort { position: usize },
    #[error("token #{position} has a character outside A-Z a-z 0-9 - . _ ~")]
    BadChar { position: usize },
    #[error("no token given")]
    Empty,
}

/// The tokens a shop accepts at once (several, so it can rotate without downtime). Only their
/// SHA-256 digests are kept, which also makes every comparison the same length.
#[derive(Clone)]
pub struct TokenSet {
    digests: Vec<[u8; 32]>,
}

impl TokenSet {
    /// Parses `BELCO_TOKENS`: comma-separated, surrounding blanks ignored.
    pub fn parse(list: &str) -> Result<Self, TokenError> {
        let tokens: Vec<&str> = list.split(',').map(str::trim).filter(|t| !t.is_empty()).collect();
        if tokens.is_empty() {
            return Err(TokenError::Empty);
        }
        for (i, token) in tokens.iter().enumerate() {
            if token.len() < MIN_TOKEN_LEN {
                return Err(TokenError::TooShort { position: i + 1 });
            }
            if !token.bytes().all(is_token_char) {
                return Err(TokenError::BadChar { position: i + 1 });
            }
        }
        Ok(Self { digests: tokens.iter().map(|t| digest(t.as_bytes())).collect() })
    }

    /// True when `presented` equals one of the tokens. Every token is compared, in constant
    /// time, so the answer's timing says nothing about which token or how much of it matched.
    pub fn accepts(&self, presented: Option<&[u8]>) -> bool {
        let presented = digest(presented.unwrap_or_default());
        self.digests.iter().fold(subtle::Choice::from(0), |found, d| found | d.ct_eq(&presented)).into()
    }

    pub fn len(&self) -> usize {
        self.digests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenSet({} tokens)", self.digests.len())
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// A new random token: 32 bytes as unpadded base64url (43 URL-safe characters).
pub fn generate_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A string that must not end up in logs: `Debug` shows only that it is there.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "shop-token-aaaaaaaaaaaa";
    const B: &str = "shop-token-bbbbbbbbbbbb";

    #[test]
    fn accepts_every_configured_token_and_nothing_else() {
        let set = TokenSet::parse(&format!(" {A} , {B},")).unwrap();
        assert_eq!(set.len(), 2);
        assert!(set.accepts(Some(A.as_bytes())));
        assert!(set.accepts(Some(B.as_bytes())));
        assert!(!set.accepts(None));
        assert!(!set.accepts(Some(b"")));
        assert!(!set.accepts(Some(&A.as_bytes()[..A.len() - 1])), "a prefix is not the token");
        assert!(!set.accepts(Some(format!("{A}x").as_bytes())), "an extension is not the token");
        assert!(!set.accepts(Some(A.to_uppercase().as_bytes())));
    }

    #[test]
    fn weak_or_unusable_tokens_are_refused() {
        assert_eq!(TokenSet::parse("").unwrap_err(), TokenError::Empty);
        assert_eq!(TokenSet::parse(" , ").unwrap_err(), TokenError::Empty);
        assert_eq!(TokenSet::parse("short").unwrap_err(), TokenError::TooShort { position: 1 });
        assert_eq!(
            TokenSet::parse(&format!("{A},has&ampersand-xxxxxx")).unwrap_err(),
            TokenError::BadChar { position: 2 }
        );
    }

    #[test]
    fn generated_tokens_are_valid_and_distinct() {
        let (a, b) = (generate_token(), generate_token());
        assert_ne!(a, b);
        assert!(TokenSet::parse(&a).unwrap().accepts(Some(a.as_bytes())));
    }

    #[test]
    fn secrets_do_not_print() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(…)");
        assert!(!format!("{:?}", TokenSet::parse(A).unwrap()).contains(A));
    }
}
