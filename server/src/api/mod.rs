//! The JSON APIs under `/api/v1.0`.

pub mod orders;
pub mod push;

use axum::Router;
use axum::routing::{delete, get};

use crate::state::AppState;

/// The push handlers read their bodies themselves, after checking the signature headers and
/// within `BELCO_PUSH_MAX_BYTES` (see `push`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1.0/orders", get(orders::list).post(push::upsert))
        .route("/api/v1.0/orders/{id}", delete(push::delete))
        .route("/api/openapi.json", get(crate::openapi::serve))
}
