//! The shop's token, as Belco sends it in the query string of the orders API and the frame.

use belco::query::BelcoQuery;
use belco::secret::TokenSet;

/// Whether `query` carries one of the configured tokens (compared in constant time against
/// every one). No token configured refuses everything; a `token` given two different values is
/// no token.
pub fn accepted(tokens: Option<&TokenSet>, query: &BelcoQuery) -> bool {
    let token = query.bytes("token").ok().flatten();
    tokens.is_some_and(|tokens| tokens.accepts(token.as_deref()))
}
