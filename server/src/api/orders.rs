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
use axum::response::Response;
use belco::contract::orders_response;
use belco::phone::customer_key;
use belco::query::{BelcoQuery, QueryError};
use belco::store::Store;

use crate::config::Config;
use crate::http::{ApiError, json_no_store};

/// Takes only the parts of the state it needs: extracting the whole `AppState` would clone the
/// Leptos options on every call.
pub async fn list(
    State(config): State<Arc<Config>>,
    State(store): State<Store>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let query = BelcoQuery::new(uri.query()).map_err(bad_query)?;
    if !crate::token::accepted(config.tokens.as_ref(), &query) {
        return Err(ApiError::unauthorized());
    }
    let (email, phone) = match (query.text("email"), query.text("phoneNumber")) {
        (Err(QueryError::Ambiguous(_)), _) | (_, Err(QueryError::Ambiguous(_))) => {
            return Ok(json_no_store(orders_response(std::iter::empty())));
        }
        (email, phone) => (email.map_err(bad_query)?, phone.map_err(bad_query)?),
    };
    let key = customer_key(email.as_deref().unwrap_or(""), phone.as_deref().unwrap_or(""), config.phone_region);
    let orders = store.belco_orders(&key, config.orders_limit).await?;
    let mut response = json_no_store(orders_response(orders.iter().map(String::as_str)));
    response.extensions_mut().insert(crate::metrics::Lookup { source: "orders_api", orders: orders.len() });
    Ok(response)
}

fn bad_query(e: QueryError) -> ApiError {
    match e {
        QueryError::TooLong => ApiError::new(axum::http::StatusCode::URI_TOO_LONG, e.to_string()),
        QueryError::NotUtf8(_) | QueryError::Ambiguous(_) => ApiError::bad_request(e.to_string()),
    }
}
