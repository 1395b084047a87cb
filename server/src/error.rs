//! How the server answers what went wrong: [`ApiError`], a JSON `{"error": "…"}` that never
//! leaks internals, and the one path a storage failure takes on its way to a client
//! ([`storage_failed`]: logged, counted, then a 503 the client may retry).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use belco::store::StoreError;

/// Put into a response's extensions by a handler (or [`ApiError::counted_as_failure`]) whose refusal is worth a failed token check
/// although its status is not 401: a body read before authentication that did not arrive in
/// time (`BELCO_BODY_TIMEOUT`). Without it, stalling a body would cost nothing.
#[derive(Clone, Copy, Debug)]
pub struct CountsAsFailure;

/// An error answered as `{"error": "…"}`. Internal causes are logged here and replaced by a
/// generic message: database text never reaches a client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    /// Whether the failed-token throttle counts this answer although it is not a 401.
    counts_as_failure: bool,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), counts_as_failure: false }
    }

    /// This error, counted by the failed-token throttle ([`CountsAsFailure`]).
    pub fn counted_as_failure(mut self) -> Self {
        self.counts_as_failure = true;
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// The same answer for a missing token, a wrong one, and any customer: it reveals nothing.
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "missing or invalid token")
    }
}

/// What a client reads when storage does not answer (a 503 on every route, `/health` too).
pub const STORAGE_UNAVAILABLE: &str = "storage is unavailable, try again shortly";

/// Storage that fails is, to the client, storage that is down for now: a 503 it may retry, the
/// same answer the frame, the server functions and `/health` give. The cause goes to the log.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        storage_failed(&e, "storage failed");
        Self::new(StatusCode::SERVICE_UNAVAILABLE, STORAGE_UNAVAILABLE)
    }
}

/// A storage failure met while answering, reported once: `sentence` in the log with the error,
/// and the count (`belco_db_errors_total{kind}`, [`StoreError::count`]). The frame and the
/// preview, which answer with a page of their own, call this; the orders API, the push API and
/// `/health` reach it through `From<StoreError> for ApiError`; the server functions log and
/// count alike in `app`. The background tasks (the health monitor, the access log's writer, the
/// webhook deliveries) word their own log line, once per outage, and count.
pub fn storage_failed(error: &StoreError, sentence: &'static str) {
    tracing::error!(%error, "{sentence}");
    error.count();
}

/// Every error answer of the JSON APIs: `{"error":"…"}`, a sentence for people.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(ErrorBody { error: self.message })).into_response();
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.counts_as_failure {
            response.extensions_mut().insert(CountsAsFailure);
        }
        response
    }
}

/// Every path not routed for its method: a JSON 405.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed on this path")
}
