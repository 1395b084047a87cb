//! The push API, for the shop's backend: `POST /api/v1.0/orders` with `{"orders":[…]}` upserts
//! and `{"delete":[…]}` deletes (one body may hold both); `DELETE /api/v1.0/orders/{id}` is
//! the same push whose body must be exactly `{"delete":["{id}"]}` (or the dated form), since the
//! signature covers the body and not the path. Every request is signed per Standard Webhooks
//! with `BELCO_PUSH_SECRET`.
//!
//! The order of the checks is the point: the push API is on (else 403), the signature headers
//! are there and the timestamp within the tolerance (else 401), the body within
//! `BELCO_PUSH_MAX_BYTES` (else 413): all before the body is read. The body must then arrive
//! within `BELCO_BODY_TIMEOUT` (else 408, counted as a failed token check: a body that never
//! finishes would otherwise hold a request slot unauthenticated and cost nothing). Then the
//! signature (401). From
//! there the request's `webhook-id` is used up whatever happens: a refused body (400, 422) records
//! it on its own, an applied push records it in the transaction that applies it. A second request
//! with the id gets 409 and changes nothing.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use belco::push::{BodyError, PushBody, PushHeaders, PushPlan, RECEIPT_WINDOW};
use belco::store::{PushOutcome, WriteCounts, now_millis};
use serde_json::json;

use belco::push::PushIn;

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

#[utoipa::path(
    post,
    path = "/api/v1.0/orders",
    tag = "push",
    description = "Upserts and deletes orders, signed per Standard Webhooks with BELCO_PUSH_SECRET. \
        The checks come in this order: the push API is on (403), the signature headers are there and \
        the timestamp within 5 minutes (401), the body within BELCO_PUSH_MAX_BYTES (413) and \
        within BELCO_BODY_TIMEOUT (408), the signature (401); then the webhook-id is used up whatever happens (a second request with it gets 409).",
    params(PushSignature),
    request_body(content = PushIn, content_type = "application/json"),
    responses(
        (status = 200, description = "Applied; every order and deletion sent is in exactly one count", body = PushAnswer),
        (status = 422, description = "An order or a deletion is invalid; nothing stored", body = ErrorBody),
        PushRefusals,
    )
)]
pub async fn upsert(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<PushAnswer>, ApiError> {
    let counts = push(&state, &headers, body, None).await?;
    Ok(Json(answer(counts)))
}

#[utoipa::path(
    delete,
    path = "/api/v1.0/orders/{id}",
    tag = "push",
    description = "Deletes one order: the same signed push, whose body must be exactly {\"delete\":[\"{id}\"]} \
        (or the dated form), since the signature covers the body and not the path.",
    params(("id" = String, Path, description = "The order's id"), PushSignature),
    request_body(content = PushIn, content_type = "application/json"),
    responses(
        (status = 200, description = "Deleted", body = PushAnswer),
        (status = 404, description = "No order with that id (its deletion is remembered)", body = ErrorBody),
        (status = 422, description = "The body names another order, or is invalid; nothing stored", body = ErrorBody),
        PushRefusals,
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<PushAnswer>, ApiError> {
    let counts = push(&state, &headers, body, Some(&id)).await?;
    if counts.missing > 0 {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no order with that id (its deletion is remembered: a later push of it with an older updatedAt stays out)",
        ));
    }
    Ok(Json(answer(counts)))
}

/// A push's answer: every order and deletion sent is in exactly one of the counts.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PushAnswer {
    /// Orders written (inserted, or replacing an older version).
    upserted: u64,
    /// Deletions that removed a stored order.
    deleted: u64,
    /// Orders and deletions older than what is stored, skipped.
    stale: u64,
    /// Deletions of orders that were not stored (remembered, so a later older push stays out).
    missing: u64,
}

/// What either push route can be refused with, for the OpenAPI document (`ApiError` writes them).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Never built: it names the answers.
enum PushRefusals {
    #[response(status = 400, description = "Not a push body (not JSON, unknown keys, neither key)")]
    NotAPushBody(ErrorBody),
    #[response(
        status = 401,
        description = "Signature headers missing, timestamp outside the tolerance, or a wrong signature"
    )]
    Unsigned(ErrorBody),
    #[response(status = 403, description = "The push API is off (no BELCO_PUSH_SECRET)")]
    Off(ErrorBody),
    #[response(
        status = 408,
        description = "The body did not arrive within BELCO_BODY_TIMEOUT (counted as a failed check)"
    )]
    TooSlow(ErrorBody),
    #[response(status = 409, description = "This webhook-id was received already; nothing stored")]
    Replayed(ErrorBody),
    #[response(status = 413, description = "Body over BELCO_PUSH_MAX_BYTES")]
    TooLarge(ErrorBody),
    #[response(status = 429, description = "Too many failed checks from this address")]
    Throttled(ErrorBody),
    #[response(status = 503, description = "Storage is unavailable, or the server is busy")]
    Unavailable(ErrorBody),
}

/// The Standard Webhooks headers every push carries.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // Read by `belco::push::PushHeaders`; this names them for the OpenAPI document.
struct PushSignature {
    /// The message id, 1 to 256 characters; each may be used once.
    #[param(rename = "webhook-id", pattern = "^[!-~]{1,256}$")]
    webhook_id: String,
    /// Unix seconds; within 5 minutes of the server's clock.
    #[param(rename = "webhook-timestamp", pattern = "^[0-9]{1,19}$")]
    webhook_timestamp: String,
    /// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, several separated by spaces.
    #[param(rename = "webhook-signature", pattern = "^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$")]
    webhook_signature: String,
}

fn answer(counts: WriteCounts) -> PushAnswer {
    PushAnswer { upserted: counts.upserted, deleted: counts.deleted, stale: counts.stale, missing: counts.missing }
}

/// One push, checked in the order the module comment gives. `delete_of` is the id in the path
/// of `DELETE /api/v1.0/orders/{id}`, which the signed body must name.
async fn push(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    delete_of: Option<&str>,
) -> Result<WriteCounts, ApiError> {
    let verifier = state.config.push.as_ref().ok_or_else(|| {
        ApiError::new(StatusCode::FORBIDDEN, "the push API is off: set BELCO_PUSH_SECRET to turn it on")
    })?;
    let signed = verifier.read_headers(headers, now_millis().div_euclid(1000)).map_err(unauthorized)?;
    let deadline = state.config.limits.body_timeout;
    let body = tokio::time::timeout(deadline, read_body(headers, body, state.config.push_max_bytes))
        .await
        .map_err(|_| too_slow(deadline))??;
    verifier.verify(&signed, &body).map_err(unauthorized)?;
    match plan(&signed, &body, state, delete_of) {
        Ok(plan) => match state.store.push(&signed.id, RECEIPT_WINDOW, &plan.orders, &plan.deletes).await? {
            PushOutcome::Applied(counts) => Ok(counts),
            PushOutcome::Replayed => Err(replayed()),
        },
        Err(refused) => {
            if !state.store.consume_receipt(&signed.id, RECEIPT_WINDOW).await? {
                return Err(replayed());
            }
            Err(refused)
        }
    }
}

fn unauthorized(e: belco::push::Unverified) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, e.to_string())
}

/// Reads the verified body into a plan: 400 when it is not a push, 422 when an order or
/// deletion in it is invalid or it does not name the order its route deletes.
fn plan(signed: &PushHeaders, body: &[u8], state: &AppState, delete_of: Option<&str>) -> Result<PushPlan, ApiError> {
    let plan = PushBody::parse(body, signed.timestamp, state.config.phone_region).map_err(|e| match e {
        BodyError::Shape(_) => ApiError::bad_request(format!("nothing stored: {e}")),
        BodyError::Order(_) | BodyError::Delete { .. } => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("nothing stored: {e}"))
        }
    })?;
    match delete_of {
        Some(id) if !plan.deletes_only(id) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "nothing stored: the signed body must name the order this route deletes, and nothing else: \
                 {{\"delete\":[{}]}}",
                json!(id)
            ),
        )),
        _ => Ok(plan),
    }
}

/// The body, at most `limit` bytes: a declared `Content-Length` over it is refused before a
/// byte is read, a longer body as soon as it passes the limit.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large(limit));
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        if e.into_inner().is::<http_body_util::LengthLimitError>() {
            too_large(limit)
        } else {
            ApiError::bad_request("the request body could not be read to its end")
        }
    })
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the body is over BELCO_PUSH_MAX_BYTES ({limit} bytes): send the orders in smaller batches, \
             or load large sets with `belco-panel import`"
        ),
    )
}

/// The body did not arrive in time: the sender is not authenticated yet, so this counts against
/// its address like a wrong signature.
fn too_slow(deadline: std::time::Duration) -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        format!("the body did not arrive within BELCO_BODY_TIMEOUT ({} s): send it whole, at once", deadline.as_secs()),
    )
    .counted_as_failure()
}

fn replayed() -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "replayed request: this webhook-id was already received, nothing stored")
}
