//! `GET /api/v1.0/orders`: Belco's Custom Orders call, server to server.
//!
//! The checks are the Belco-call check's (`belco_call`), in the contract's order: the token
//! first (constant time, every configured token), and a missing or wrong one is refused with 401
//! before anything is looked up or even decoded; then the identifiers as Belco appends them,
//! normalized, and matched exactly. A link that gives an identifier two different values names
//! nobody (see `belco::query`): it gets the answer for an unknown customer, `200 {"orders":[]}`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use belco::contract::orders_response;
use belco::store::Store;

use crate::config::Config;
use crate::error::{ApiError, ErrorBody};
use crate::routes::belco_call::{BelcoCall, Gate, Refusal};
use crate::routes::json_no_store;

/// Takes only the parts of the state it needs: extracting the whole `AppState` would clone the
/// Leptos options on every call.
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
        (status = 401, description = "Missing or wrong token (or a query string over 16 KiB, whose token is not read); \
            the same answer for every customer, whatever else is wrong with the call", body = ErrorBody),
        (status = 414, description = "A query string over 4 KiB, with an accepted token", body = ErrorBody),
        (status = 429, description = "Too many failed token checks from this address", body = ErrorBody),
        (status = 503, description = "Storage is unavailable, or the server is busy", body = ErrorBody),
    )
)]
pub async fn list(
    call: Result<BelcoCall, Refusal>,
    State(config): State<Arc<Config>>,
    State(store): State<Store>,
) -> Response {
    match call {
        Ok(call) => lookup(&config, &store, &call).await,
        Err(Refusal::Ambiguous) => json_no_store(orders_response(std::iter::empty())),
        Err(refusal) => refusal.into_response(),
    }
}

/// The orders of the customer `call` names, newest first, as Belco reads them (the preview asks
/// through here too). What was found goes into the call's note.
pub async fn lookup<G>(config: &Config, store: &Store, call: &BelcoCall<G>) -> Response
where
    G: Gate,
{
    let Some(key) = &call.key else {
        call.found(0);
        return json_no_store(orders_response(std::iter::empty()));
    };
    match store.belco_orders(key, config.orders_limit).await {
        Ok(orders) => {
            call.found(orders.len());
            json_no_store(orders_response(orders.iter().map(String::as_str)))
        }
        Err(error) => {
            call.reason(STORAGE_FAILED);
            ApiError::from(error).into_response()
        }
    }
}

/// Why a call got no data, as the inspector says it.
pub const STORAGE_FAILED: &str = "refused: storage did not answer";
