//! The one check every token-guarded call goes through: Belco's orders API and frame, the
//! preview, and the inspector. In this order, and nowhere else:
//!
//! 1. the token, read from the raw query string (at most [`MAX_TOKEN_SCAN`] bytes of it) before
//!    anything else is parsed, and compared in constant time with every configured token. A call
//!    whose token is not accepted is refused with 401, whatever else is wrong with it;
//! 2. the query's length ([`MAX_QUERY_LEN`]), then the identifiers Belco appended (`email`,
//!    `phoneNumber`): a name given two different values names nobody, a value that is not UTF-8
//!    is a 400;
//! 3. the customer's key, normalized (what the store is searched by).
//!
//! [`Authorized`] is step 1 (the preview's page, the inspector); [`BelcoCall`] is all three. Which
//! token a route takes is its [`Gate`]: the shop's (`BELCO_TOKENS`, in `token`) for the orders
//! API and the inspector, the preview's own (`BELCO_PREVIEW_TOKEN`) for the preview, and either
//! for the frame, which Belco loads with the shop's and the preview with its own.
//!
//! What the check found, a refusal included, is written into the call's [`Note`] when the
//! observation layer gave the request one (`middleware::observe`), so no handler reports a refusal by hand.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use belco::identity::CustomerKey;
use belco::query::{BelcoQuery, MAX_QUERY_LEN, QueryError};
use belco::secret::TokenSet;

use crate::calls::{Note, TokenCheck};
use crate::config::Config;
use crate::error::ApiError;

/// The longest query string the token is looked for in. Belco's are a token and two
/// identifiers, far below [`MAX_QUERY_LEN`]; a longer one is read for its token only, so that
/// the refusal of an over-long call without a token is the same 401 as any other.
pub const MAX_TOKEN_SCAN: usize = 4 * MAX_QUERY_LEN;

/// The refusals' sentences are the check's: each gate words its own.
impl TokenCheck {
    /// Why a call with this token was refused, for the inspector; `None` when it was not.
    pub fn refusal<G: Gate>(self) -> Option<&'static str> {
        match self {
            Self::Accepted | Self::Preview => None,
            Self::Missing => Some("refused: the URL has no token"),
            Self::Wrong => Some(G::WRONG),
            Self::Ambiguous => Some("refused: the URL gives the token two different values"),
            Self::Unread => Some("refused: the query string is too long to read a token from"),
        }
    }
}

/// Which token a route takes, and where in the query it is.
pub trait Gate: Send + Sync + 'static {
    /// Why a token that is not one of this route's is refused, for the inspector.
    const WRONG: &'static str;

    fn check(config: &Config, query: &BelcoQuery<'_>) -> TokenCheck;
}

/// The shop's token in `token`: the orders API, the inspector.
pub struct ShopToken;

/// The preview's token, in `preview_token` (or `token`): `/preview` and its parts. Nothing is
/// accepted while the preview is off.
pub struct PreviewToken;

/// The frame: the shop's token in `token`, as Belco loads it, or, with the preview on and no
/// `token` given, the preview's in `preview_token`.
pub struct FrameToken;

impl Gate for ShopToken {
    const WRONG: &'static str = "refused: the token is not one of BELCO_TOKENS";

    fn check(config: &Config, query: &BelcoQuery<'_>) -> TokenCheck {
        compare(config.tokens.as_ref(), query.bytes("token"), TokenCheck::Accepted)
    }
}

impl Gate for PreviewToken {
    const WRONG: &'static str = "refused: the token is not BELCO_PREVIEW_TOKEN";

    fn check(config: &Config, query: &BelcoQuery<'_>) -> TokenCheck {
        let given = match query.bytes("preview_token") {
            Ok(None) => query.bytes("token"),
            given => given,
        };
        compare(config.preview_tokens(), given, TokenCheck::Preview)
    }
}

impl Gate for FrameToken {
    const WRONG: &'static str = "refused: the token is not one of BELCO_TOKENS";

    fn check(config: &Config, query: &BelcoQuery<'_>) -> TokenCheck {
        match query.bytes("token") {
            Ok(None) if config.preview_tokens().is_some() => {
                compare(config.preview_tokens(), query.bytes("preview_token"), TokenCheck::Preview)
            }
            given => compare(config.tokens.as_ref(), given, TokenCheck::Accepted),
        }
    }
}

/// `given` against `tokens` (every one, in constant time); no token configured accepts nothing.
fn compare(
    tokens: Option<&TokenSet>,
    given: Result<Option<Cow<'_, [u8]>>, QueryError>,
    accepted: TokenCheck,
) -> TokenCheck {
    match given {
        Err(_) => TokenCheck::Ambiguous,
        Ok(None) => TokenCheck::Missing,
        Ok(Some(token)) if tokens.is_some_and(|tokens| tokens.accepts(Some(&token))) => accepted,
        Ok(Some(_)) => TokenCheck::Wrong,
    }
}

/// Why a call was not let through, with the sentence the inspector shows beside it.
#[derive(Debug)]
pub enum Refusal {
    /// The token was not accepted (or not read): 401, whatever else is wrong.
    Token(TokenCheck),
    /// The query string is over [`MAX_QUERY_LEN`] bytes (the token was accepted): 414.
    TooLong,
    /// An identifier is given two different values: the link names nobody. Each route says
    /// how it answers nobody (the orders API `{"orders":[]}`, the frame a page naming no one).
    Ambiguous,
    /// An identifier is not UTF-8 once decoded: 400.
    Unreadable(QueryError),
}

/// What the inspector says of a call that named two customers.
pub const AMBIGUOUS: &str = "answered nobody: the identifiers name more than one customer (two different values)";

impl Refusal {
    fn reason<G: Gate>(&self) -> String {
        match self {
            Self::Token(check) => check.refusal::<G>().unwrap_or_default().to_owned(),
            Self::TooLong => format!("refused: {}", QueryError::TooLong),
            Self::Ambiguous => AMBIGUOUS.to_owned(),
            Self::Unreadable(e) => format!("refused: {e}"),
        }
    }
}

/// The JSON answer (the orders API, the inspector): 401 for a token, 414, 400.
impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::Token(_) => ApiError::unauthorized(),
            Self::TooLong => ApiError::new(StatusCode::URI_TOO_LONG, QueryError::TooLong.to_string()),
            Self::Ambiguous => ApiError::bad_request(QueryError::Ambiguous("email").to_string()),
            Self::Unreadable(e) => ApiError::bad_request(e.to_string()),
        }
        .into_response()
    }
}

/// A call whose token `G` accepted (step 1 of the module's list).
pub struct Authorized<G> {
    pub token: TokenCheck,
    gate: PhantomData<G>,
}

/// A call whose token `G` accepted, with the customer it names (the module's three steps).
pub struct BelcoCall<G = ShopToken> {
    pub token: TokenCheck,
    /// The identifiers as Belco appended them, decoded; `None` when not given (or empty).
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The customer, normalized; `None` when neither identifier could be read (no customer).
    pub key: Option<CustomerKey>,
    note: Option<Note>,
    gate: PhantomData<G>,
}

/// Step 1: the token, before anything else of the query is read.
pub fn authorize<'q, G: Gate>(
    config: &Config,
    raw_query: Option<&'q str>,
    note: Option<&Note>,
) -> Result<(TokenCheck, BelcoQuery<'q>), Refusal> {
    let (token, query) = match BelcoQuery::within(raw_query, MAX_TOKEN_SCAN) {
        Ok(query) => (G::check(config, &query), Some(query)),
        Err(_) => (TokenCheck::Unread, None),
    };
    if let Some(note) = note {
        note.update(|call| call.token = token);
    }
    match query {
        Some(query) if token.accepted() => Ok((token, query)),
        _ => Err(refused::<G>(Refusal::Token(token), note)),
    }
}

/// All three steps: the token, the identifiers, the customer's key.
pub fn identify<G: Gate>(
    config: &Config,
    raw_query: Option<&str>,
    note: Option<&Note>,
) -> Result<BelcoCall<G>, Refusal> {
    let (token, query) = authorize::<G>(config, raw_query, note)?;
    if query.len() > MAX_QUERY_LEN {
        return Err(refused::<G>(Refusal::TooLong, note));
    }
    let (email, phone) = match (query.text("email"), query.text("phoneNumber")) {
        (Err(QueryError::Ambiguous(_)), _) | (_, Err(QueryError::Ambiguous(_))) => {
            return Err(refused::<G>(Refusal::Ambiguous, note));
        }
        (Ok(email), Ok(phone)) => (email.map(Cow::into_owned), phone.map(Cow::into_owned)),
        (Err(e), _) | (_, Err(e)) => return Err(refused::<G>(Refusal::Unreadable(e), note)),
    };
    let key =
        belco::phone::customer_key(email.as_deref().unwrap_or(""), phone.as_deref().unwrap_or(""), config.phone_region);
    let key = (!key.is_empty()).then_some(key);
    if let Some(note) = note {
        note.update(|call| {
            call.identifiers(email.as_deref(), phone.as_deref());
            call.key.clone_from(&key);
        });
    }
    Ok(BelcoCall { token, email, phone, key, note: note.cloned(), gate: PhantomData })
}

fn refused<G: Gate>(refusal: Refusal, note: Option<&Note>) -> Refusal {
    if let Some(note) = note {
        note.update(|call| call.reason = Some(refusal.reason::<G>()));
    }
    refusal
}

impl<G> BelcoCall<G> {
    /// Whether the call names no customer: neither an email nor a phone number was given.
    pub fn names_nobody(&self) -> bool {
        let blank = |value: &Option<String>| value.as_deref().is_none_or(|v| v.trim().is_empty());
        blank(&self.email) && blank(&self.phone)
    }

    /// The lookup found `orders` orders (the inspector, the access log and the metrics read it).
    pub fn found(&self, orders: usize) {
        if let Some(note) = &self.note {
            note.update(|call| call.orders = Some(orders));
        }
    }

    /// Why the call was answered without data, in a sentence for the inspector.
    pub fn reason(&self, reason: impl Into<String>) {
        if let Some(note) = &self.note {
            let reason = reason.into();
            note.update(|call| call.reason = Some(reason));
        }
    }
}

impl<S, G> FromRequestParts<S> for Authorized<G>
where
    Arc<Config>: FromRef<S>,
    S: Send + Sync,
    G: Gate,
{
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refusal> {
        let config = Arc::<Config>::from_ref(state);
        let note = parts.extensions.get::<Note>();
        let (token, _) = authorize::<G>(&config, parts.uri.query(), note)?;
        Ok(Self { token, gate: PhantomData })
    }
}

impl<S, G> FromRequestParts<S> for BelcoCall<G>
where
    Arc<Config>: FromRef<S>,
    S: Send + Sync,
    G: Gate,
{
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refusal> {
        let config = Arc::<Config>::from_ref(state);
        identify::<G>(&config, parts.uri.query(), parts.extensions.get::<Note>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOP: &str = "shop-token-aaaaaaaaaaaaaaaa";
    const PREVIEW: &str = "preview-token-bbbbbbbbbbbbbb";

    fn config(preview: bool) -> Config {
        Config::from_lookup(|name| match name {
            "BELCO_TOKENS" => Some(SHOP.into()),
            "BELCO_PREVIEW" => Some(if preview { "on" } else { "off" }.into()),
            "BELCO_PREVIEW_TOKEN" if preview => Some(PREVIEW.into()),
            "BELCO_FORMS" => Some(concat!(env!("CARGO_MANIFEST_DIR"), "/../forms.toml").into()),
            _ => None,
        })
        .unwrap()
    }

    fn token<G: Gate>(config: &Config, query: &str) -> Result<TokenCheck, TokenCheck> {
        match authorize::<G>(config, Some(query), None) {
            Ok((token, _)) => Ok(token),
            Err(Refusal::Token(token)) => Err(token),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_gate_takes_its_own_token_only() {
        let on = config(true);
        assert_eq!(token::<ShopToken>(&on, &format!("token={SHOP}")), Ok(TokenCheck::Accepted));
        assert_eq!(token::<ShopToken>(&on, &format!("token={PREVIEW}")), Err(TokenCheck::Wrong));
        assert_eq!(token::<ShopToken>(&on, &format!("preview_token={PREVIEW}")), Err(TokenCheck::Missing));
        assert_eq!(token::<PreviewToken>(&on, &format!("preview_token={PREVIEW}")), Ok(TokenCheck::Preview));
        assert_eq!(token::<PreviewToken>(&on, &format!("token={PREVIEW}")), Ok(TokenCheck::Preview));
        assert_eq!(token::<PreviewToken>(&on, &format!("token={SHOP}")), Err(TokenCheck::Wrong));
        assert_eq!(token::<FrameToken>(&on, &format!("token={SHOP}&email=a@b.nl")), Ok(TokenCheck::Accepted));
        assert_eq!(token::<FrameToken>(&on, &format!("preview_token={PREVIEW}")), Ok(TokenCheck::Preview));
        assert_eq!(token::<FrameToken>(&on, &format!("token={PREVIEW}")), Err(TokenCheck::Wrong));
        assert_eq!(token::<FrameToken>(&on, &format!("preview_token={SHOP}")), Err(TokenCheck::Wrong));

        let off = config(false);
        assert_eq!(token::<PreviewToken>(&off, &format!("preview_token={PREVIEW}")), Err(TokenCheck::Wrong));
        assert_eq!(token::<FrameToken>(&off, &format!("preview_token={PREVIEW}")), Err(TokenCheck::Missing));
    }

    #[test]
    fn a_token_not_accepted_is_refused_whatever_else_is_wrong() {
        let config = config(false);
        let long = "x".repeat(MAX_QUERY_LEN);
        for query in [
            format!("email={long}"),
            format!("token=nope&email={long}"),
            format!("token={SHOP}&token=other&email=a@b.nl"),
            "email=a@b.nl&email=c@d.nl&token=nope".to_owned(),
            format!("token={SHOP}&email={}", "y".repeat(MAX_TOKEN_SCAN)),
        ] {
            let refusal = identify::<ShopToken>(&config, Some(&query), None).err();
            assert!(matches!(refusal, Some(Refusal::Token(_))), "{refusal:?} for {}", &query[..40]);
        }
        // With the token accepted, what else is wrong is said.
        let over = identify::<ShopToken>(&config, Some(&format!("token={SHOP}&email={long}")), None);
        assert!(matches!(over, Err(Refusal::TooLong)));
        let two = identify::<ShopToken>(&config, Some(&format!("token={SHOP}&email=a@b.nl&email=c@d.nl")), None);
        assert!(matches!(two, Err(Refusal::Ambiguous)));
        let bytes = identify::<ShopToken>(&config, Some(&format!("token={SHOP}&email=%FF@b.nl")), None);
        assert!(matches!(bytes, Err(Refusal::Unreadable(_))));
    }

    #[test]
    fn the_call_carries_the_customer_and_notes_what_the_check_found() {
        let config = config(false);
        let note = Note::default();
        let call =
            identify::<ShopToken>(&config, Some(&format!("email=Ann@Shop.nl&token={SHOP}&phoneNumber=")), Some(&note))
                .unwrap();
        assert_eq!(call.email.as_deref(), Some("Ann@Shop.nl"));
        assert_eq!(call.key.as_ref().and_then(|k| k.email.as_deref()), Some("ann@shop.nl"));
        call.found(3);
        let noted = note.take().unwrap();
        assert_eq!((noted.token, noted.orders), (TokenCheck::Accepted, Some(3)));
        assert_eq!(noted.customer.as_deref(), Some("A•••@S•••.nl"));

        let refused = Note::default();
        assert!(identify::<ShopToken>(&config, Some("token=guess-guess-guess-guess"), Some(&refused)).is_err());
        let noted = refused.take().unwrap();
        assert_eq!(noted.token, TokenCheck::Wrong);
        assert_eq!(noted.reason.as_deref(), Some(ShopToken::WRONG));
        assert!(noted.key.is_none() && noted.customer.is_none(), "nothing of the customer is read");

        let company = identify::<ShopToken>(&config, Some(&format!("token={SHOP}&email=&phoneNumber=")), None).unwrap();
        assert!(company.names_nobody() && company.key.is_none());
    }
}
