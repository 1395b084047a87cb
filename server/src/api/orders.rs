//! `GET /api/v1.0/orders`: Belco's Custom Orders call, server to server.
//!
//! Order of work, which is the contract: the token is checked first (constant time, every
//! configured token), and a missing or wrong one is refused before anything is looked up or even
//! decoded; then the identifiers are read as Belco appends them, normalized, and matched exactly.
//! A link that gives an identifier two different values names nobody (see `belco::query`): it
//! gets the answer for an unknown customer, `200 {"orders":[]}`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use belco::contract::orders_response;
use belco::phone::customer_key;
use belco::query::{BelcoQuery, QueryError};
use belco::store::Store;

use crate::calls::CallNote;
use crate::config::Config;
use crate::http::{ApiError, ErrorBody, json_no_store};
use crate::token::TokenCheck;

/// Takes only the parts of the state it needs: extracting the whole `AppState` would clone the
/// Leptos options on every call. The answer carries a [`CallNote`] for the inspector and the
/// metrics.
#[utoipa::path(
    get,
    path = "/api/v1.0/orders",
    tag = "orders",
    description = "Belco's Custom Orders call: the customer's orders, newest first, matched exactly on the \
        normalized email or E.164 phone number (either one). The token is checked first. A name given two \
        different values names nobody (200 with no orders). Parameters are read as Belco sends them: \
        %XX is decoded, a bare + stays a plus.",
    params(
        ("token" = String, Query, description = "One of BELCO_TOKENS"),
        ("email" = Option<String>, Query, description = "The customer's email, as Belco appends it"),
        ("phoneNumber" = Option<String>, Query, description = "The customer's phone number, as Belco appends it"),
    ),
    responses(
        (status = 200, description = "The customer's orders (none for an unknown customer)", body = belco::contract::OrdersResponse),
        (status = 400, description = "A parameter is not UTF-8", body = ErrorBody),
        (status = 401, description = "Missing or wrong token; the same answer for every customer", body = ErrorBody),
        (status = 414, description = "A query string over 4 KiB", body = ErrorBody),
        (status = 429, description = "Too many failed token checks from this address", body = ErrorBody),
        (status = 503, description = "Storage is unavailable, or the server is busy", body = ErrorBody),
    )
)]
pub async fn list(State(config): State<Arc<Config>>, State(store): State<Store>, uri: Uri) -> Response {
    let mut note = CallNote::new("orders_api");
    let mut response = answer(&config, &store, &uri, &mut note).await.unwrap_or_else(IntoResponse::into_response);
    response.extensions_mut().insert(note);
    response
}

async fn answer(config: &Config, store: &Store, uri: &Uri, note: &mut CallNote) -> Result<Response, ApiError> {
    let query = BelcoQuery::new(uri.query()).map_err(|e| bad_query(e, note))?;
    note.token = crate::token::check(config.tokens.as_ref(), &query);
    if note.token != TokenCheck::Accepted {
        note.reason = note.token.refusal();
        return Err(ApiError::unauthorized());
    }
    let (email, phone) = match (query.text("email"), query.text("phoneNumber")) {
        (Err(QueryError::Ambiguous(_)), _) | (_, Err(QueryError::Ambiguous(_))) => {
            note.reason = Some(AMBIGUOUS.into());
            return Ok(json_no_store(orders_response(std::iter::empty())));
        }
        (email, phone) => (email.map_err(|e| bad_query(e, note))?, phone.map_err(|e| bad_query(e, note))?),
    };
    note.identifiers(email.as_deref(), phone.as_deref());
    let key = customer_key(email.as_deref().unwrap_or(""), phone.as_deref().unwrap_or(""), config.phone_region);
    let orders = store.belco_orders(&key, config.orders_limit).await.inspect_err(|_| {
        note.reason = Some(STORAGE_FAILED.into());
    })?;
    note.key = (!key.is_empty()).then_some(key);
    note.orders = Some(orders.len());
    Ok(json_no_store(orders_response(orders.iter().map(String::as_str))))
}

/// Why a call got no data, as the inspector says it.
pub const AMBIGUOUS: &str = "answered nobody: the identifiers name more than one customer (two different values)";
pub const STORAGE_FAILED: &str = "refused: storage did not answer";

fn bad_query(e: QueryError, note: &mut CallNote) -> ApiError {
    note.reason = Some(format!("refused: {e}"));
    match e {
        QueryError::TooLong => ApiError::new(axum::http::StatusCode::URI_TOO_LONG, e.to_string()),
        QueryError::NotUtf8(_) | QueryError::Ambiguous(_) => ApiError::bad_request(e.to_string()),
    }
}
