//! The router's own limits: how many requests run at once, and how long one may take. Both
//! answer a plain 503 the client may retry, instead of queueing without end. (The header-read
//! timeout, which must act before there is a request, is in `serve`.)

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::http::ApiError;

#[derive(Clone)]
pub struct RequestLimits {
    slots: Arc<Semaphore>,
    timeout: Duration,
}

impl RequestLimits {
    pub fn new(max_concurrent: usize, timeout: Duration) -> Self {
        Self { slots: Arc::new(Semaphore::new(max_concurrent.max(1))), timeout }
    }
}

/// The probes and the scrape: answered from memory, so they take no slot and are answered when
/// every slot is taken (a full server is alive; a liveness probe must not restart it for that).
const EXEMPT: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// Refuses a request at once when `max_concurrent` are running (load shedding: a queue would
/// only make every answer late), and ends one that runs past `timeout`, body reading included.
pub async fn limit(State(limits): State<RequestLimits>, request: Request, next: Next) -> Response {
    if EXEMPT.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let Ok(_slot) = limits.slots.clone().try_acquire_owned() else {
        return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the server is busy, try again shortly").into_response();
    };
    match tokio::time::timeout(limits.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout_ms = limits.timeout.as_millis() as u64, "a request ran out of time");
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the request took too long, try again shortly")
                .into_response()
        }
    }
}
