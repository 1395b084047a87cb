//! `/health`, `/readyz` and `/healthz`: the probes anyone may call. The first two answer from
//! the health monitor's last check (`tasks::health_monitor`), so a probe never costs a query.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::{ApiError, STORAGE_UNAVAILABLE};
use crate::routes::no_store;
use crate::tasks::health_monitor::Monitor;

/// `GET /health`: 200 when the database answered the last background check, 503 when it did
/// not. Answered from [`Monitor`], so an unauthenticated caller costs no query.
pub async fn health(State(monitor): State<Arc<Monitor>>) -> Response {
    if monitor.storage_up().await {
        Json(json!({ "status": "ok", "storage": monitor.backend() })).into_response()
    } else {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, STORAGE_UNAVAILABLE).into_response()
    }
}

/// `GET /healthz`: the process is alive and answers. No storage work, so a liveness probe never
/// restarts a sound process because its database is slow.
pub async fn healthz() -> Response {
    no_store(Json(json!({ "status": "ok" })).into_response())
}

/// `GET /readyz`: 200 when the database answered the last background check; 503 with the reason
/// when it did not, so a load balancer sends no traffic here meanwhile. Answered from
/// [`Monitor`], as `/health` is.
pub async fn readyz(State(monitor): State<Arc<Monitor>>) -> Response {
    let storage = monitor.backend();
    let response = match monitor.readiness().await {
        Ok(()) => Json(json!({ "status": "ready", "storage": storage })).into_response(),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "storage": storage, "reason": reason })),
        )
            .into_response(),
    };
    no_store(response)
}
