//! The JSON APIs under `/api/v1.0`.

pub mod orders;
pub mod push;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get};

use crate::state::AppState;

/// Largest push body: a batch of a few thousand orders. Bigger loads go through `import`.
pub const MAX_PUSH_BODY: usize = 16 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1.0/orders", get(orders::list).post(push::upsert))
        .route("/api/v1.0/orders/{id}", delete(push::delete))
        .layer(DefaultBodyLimit::max(MAX_PUSH_BODY))
}
