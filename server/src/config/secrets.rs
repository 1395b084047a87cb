//! The secrets, none with a default, none ever repeated in an error: the shop's tokens
//! (`BELCO_TOKENS`), the push secret (`BELCO_PUSH_SECRET`), the signing key and the lifetime of
//! what it signs (`BELCO_SIGNING_KEY`, `BELCO_CAPABILITY_LIFETIME`), the pseudonym key
//! (`BELCO_PSEUDONYM_KEY`), the preview's token (`BELCO_PREVIEW_TOKEN`) and the metrics token
//! (`BELCO_METRICS_TOKEN`).

use std::sync::Arc;
use std::time::Duration;

use belco::capability::Signer;
use belco::pseudonym::Pseudonyms;
use belco::push::PushVerifier;
use belco::secret::{Secret, TokenSet};

use super::units::parse_lifetime;
use super::{ConfigError, bad};

/// A working day: a panel left open all day keeps working; the next morning it asks for a reload.
pub const DEFAULT_CAPABILITY_LIFETIME: Duration = Duration::from_secs(10 * 3600);

/// `BELCO_TOKENS`: the shop's tokens, kept as digests.
pub(super) fn tokens(get: &impl Fn(&str) -> Option<String>) -> Result<Option<TokenSet>, ConfigError> {
    get("BELCO_TOKENS").map(|list| TokenSet::parse(&list).map_err(|e| bad("BELCO_TOKENS", e.to_string()))).transpose()
}

/// `BELCO_PUSH_SECRET`: what a push is signed with.
pub(super) fn push(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Arc<PushVerifier>>, ConfigError> {
    get("BELCO_PUSH_SECRET")
        .map(|raw| {
            PushVerifier::new(&Secret::new(raw)).map(Arc::new).map_err(|e| bad("BELCO_PUSH_SECRET", e.to_string()))
        })
        .transpose()
}

/// `BELCO_CAPABILITY_LIFETIME`: how long what the signing key signs stays valid.
pub(super) fn capability_lifetime(get: &impl Fn(&str) -> Option<String>) -> Result<Duration, ConfigError> {
    Ok(match get("BELCO_CAPABILITY_LIFETIME") {
        None => DEFAULT_CAPABILITY_LIFETIME,
        Some(raw) => parse_lifetime(&raw).filter(|d| *d >= Duration::from_secs(60)).ok_or_else(|| {
            bad(
                "BELCO_CAPABILITY_LIFETIME",
                format!("{raw:?} is not a duration from a minute to a week (168h), such as 10h or 90m"),
            )
        })?,
    })
}

/// `BELCO_SIGNING_KEY`: the keys capabilities are signed with (the first) and checked with (any).
pub(super) fn signer(
    get: &impl Fn(&str) -> Option<String>,
    capability_lifetime: Duration,
) -> Result<Option<Arc<Signer>>, ConfigError> {
    get("BELCO_SIGNING_KEY")
        .map(|raw| {
            Signer::new(&Secret::new(raw), capability_lifetime)
                .map(Arc::new)
                .map_err(|e| bad("BELCO_SIGNING_KEY", e.to_string()))
        })
        .transpose()
}

/// `BELCO_PSEUDONYM_KEY`, with the signing keys for records from before it.
pub(super) fn pseudonyms(
    get: &impl Fn(&str) -> Option<String>,
    signer: Option<Arc<Signer>>,
) -> Result<Option<Arc<Pseudonyms>>, ConfigError> {
    get("BELCO_PSEUDONYM_KEY")
        .map(|raw| {
            Pseudonyms::new(&Secret::new(raw), signer)
                .map(Arc::new)
                .map_err(|e| bad("BELCO_PSEUDONYM_KEY", e.to_string()))
        })
        .transpose()
}

/// `BELCO_METRICS_TOKEN`: who may read `/metrics` on the main address.
pub(super) fn metrics_token(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Arc<TokenSet>>, ConfigError> {
    get("BELCO_METRICS_TOKEN")
        .map(|list| TokenSet::parse(&list).map(Arc::new).map_err(|e| bad("BELCO_METRICS_TOKEN", e.to_string())))
        .transpose()
}

/// `BELCO_PREVIEW_TOKEN`: one token, as a shop token is written, and none of the shop's: whoever
/// holds a shop token (it is in every agent's iframe URL) must not open the preview with it.
pub(super) fn preview_token(
    get: &impl Fn(&str) -> Option<String>,
    shop: Option<&TokenSet>,
) -> Result<Option<TokenSet>, ConfigError> {
    get("BELCO_PREVIEW_TOKEN").map(|raw| parse_preview_token(&raw, shop)).transpose()
}

fn parse_preview_token(raw: &str, shop: Option<&TokenSet>) -> Result<TokenSet, ConfigError> {
    const VAR: &str = "BELCO_PREVIEW_TOKEN";
    if raw.contains(',') {
        return Err(bad(VAR, "holds one token, not a list"));
    }
    let token = TokenSet::parse(raw).map_err(|e| bad(VAR, e.to_string()))?;
    if shop.is_some_and(|shop| shop.accepts(Some(raw.as_bytes()))) {
        return Err(bad(VAR, "is one of BELCO_TOKENS: give the preview a token of its own (belco-panel token)"));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use crate::config::from_pairs as config;

    #[test]
    fn the_pseudonym_key_is_one_long_key() {
        let key = "p".repeat(32);
        let c = config(&[("BELCO_PSEUDONYM_KEY", &key), ("BELCO_SIGNING_KEY", &"s".repeat(32))]).unwrap();
        assert!(c.pseudonyms.is_some());
        for bad in ["too-short", &format!("{key},{key}")] {
            let error = config(&[("BELCO_PSEUDONYM_KEY", bad)]).unwrap_err();
            assert_eq!(error.var, "BELCO_PSEUDONYM_KEY");
            assert!(!error.to_string().contains(bad), "never repeated: {error}");
        }
    }

    #[test]
    fn the_preview_token_is_never_a_shop_token() {
        let shop = ("BELCO_TOKENS", "aaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbb");
        let error = config(&[shop, ("BELCO_PREVIEW_TOKEN", "bbbbbbbbbbbbbbbb")]).unwrap_err();
        assert_eq!(error.var, "BELCO_PREVIEW_TOKEN");
        assert!(error.problem.contains("BELCO_TOKENS"), "{error}");
        assert!(!error.to_string().contains("bbbbbbbbbbbbbbbb"), "never repeated: {error}");
        for bad in ["short", "cccccccccccccccc,dddddddddddddddd", "has spaces in it, sadly"] {
            assert_eq!(config(&[shop, ("BELCO_PREVIEW_TOKEN", bad)]).unwrap_err().var, "BELCO_PREVIEW_TOKEN");
        }
        let c = config(&[shop, ("BELCO_PREVIEW", "on"), ("BELCO_PREVIEW_TOKEN", "cccccccccccccccc")]).unwrap();
        assert!(c.preview_tokens().is_some_and(|t| t.accepts(Some(b"cccccccccccccccc"))));
        assert!(!c.tokens.unwrap().accepts(Some(b"cccccccccccccccc")));
    }
}
