//! The push API, for the shop's backend: `POST /api/v1.0/orders` upserts a batch in Belco's
//! order shape (`{"orders":[…]}`), `DELETE /api/v1.0/orders/{id}` deletes one. Both are signed
//! per Standard Webhooks with `BELCO_PUSH_SECRET`; an unsigned, mis-signed or stale request is
//! refused with 401, a replayed one with 409, and nothing is stored.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use belco::import::{ImportError, prepare};
use belco::push::RECEIPT_WINDOW;
use belco::store::PushOutcome;
use serde::Deserialize;
use serde_json::json;
use serde_json::value::RawValue;

use crate::http::ApiError;
use crate::state::AppState;

#[derive(Deserialize)]
struct Batch {
    orders: Vec<Box<RawValue>>,
}

pub async fn upsert(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let webhook_id = verify(&state, &headers, &body)?;
    let batch: Batch = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!("the body must be {{\"orders\":[…]}} in Belco's order shape: {e}"))
    })?;
    let orders = batch
        .orders
        .iter()
        .enumerate()
        .map(|(i, raw)| prepare(raw, i as u64, state.config.phone_region))
        .collect::<Result<Vec<_>, ImportError>>()
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("nothing stored: {e}")))?;
    match state.store.push_orders(&webhook_id, RECEIPT_WINDOW, &orders).await? {
        PushOutcome::Applied { rows } => Ok(Json(json!({ "upserted": rows }))),
        PushOutcome::Replayed => Err(replayed()),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let webhook_id = verify(&state, &headers, &body)?;
    match state.store.push_delete(&webhook_id, RECEIPT_WINDOW, &id).await? {
        PushOutcome::Applied { rows: 0 } => Err(ApiError::new(StatusCode::NOT_FOUND, "no order with that id")),
        PushOutcome::Applied { rows } => Ok(Json(json!({ "deleted": rows }))),
        PushOutcome::Replayed => Err(replayed()),
    }
}

fn verify(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<String, ApiError> {
    let verifier = state.config.push.as_ref().ok_or_else(|| {
        ApiError::new(StatusCode::FORBIDDEN, "the push API is off: set BELCO_PUSH_SECRET to turn it on")
    })?;
    verifier.verify(body, headers).map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, e.to_string()))
}

fn replayed() -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "replayed request: this webhook-id was already accepted, nothing stored")
}
