//! The shop's token, as Belco sends it in the query string of the orders API and the frame.

use belco::query::BelcoQuery;
use belco::secret::TokenSet;

/// What the token of a call was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenCheck {
    Accepted,
    Missing,
    /// Not one of `BELCO_TOKENS` (or none is configured).
    Wrong,
    /// `token` given two different values, which counts as no token.
    Ambiguous,
}

impl TokenCheck {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Missing => "missing",
            Self::Wrong => "wrong",
            Self::Ambiguous => "ambiguous",
        }
    }

    /// Why a call with this token was refused, for the inspector.
    pub fn refusal(self) -> Option<String> {
        match self {
            Self::Accepted => None,
            Self::Missing => Some("refused: the URL has no token".into()),
            Self::Wrong => Some("refused: the token is not one of BELCO_TOKENS".into()),
            Self::Ambiguous => Some("refused: the URL gives the token two different values".into()),
        }
    }
}

/// Whether `query` carries one of the configured tokens (compared in constant time against
/// every one). No token configured refuses everything; a `token` given two different values is
/// no token.
pub fn check(tokens: Option<&TokenSet>, query: &BelcoQuery) -> TokenCheck {
    match query.bytes("token") {
        Err(_) => TokenCheck::Ambiguous,
        Ok(None) => TokenCheck::Missing,
        Ok(Some(token)) if tokens.is_some_and(|tokens| tokens.accepts(Some(&token))) => TokenCheck::Accepted,
        Ok(Some(_)) => TokenCheck::Wrong,
    }
}
