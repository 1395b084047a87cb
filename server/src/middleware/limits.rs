//! The router's own limits: how many requests run at once, in all and per client address, and
//! how long one may take. Each answers at once with a refusal the client may retry, instead of
//! queueing without end. (The header-read and write timeouts and the connection cap, which must
//! act outside a request, are in `startup::accept`; the body deadline in the handlers that read
//! a body before authentication.)
//!
//! The per-client cap comes first, so one address that holds many requests open (a body that
//! never finishes) is refused before it takes the slots everyone shares. Its default is far above
//! what an office behind one NAT address makes (40 agents, each a frame, its files and a few
//! server functions: under 300 at the very worst), and below the global cap, so one address never
//! holds every slot.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::middleware::throttle::{Client, Throttle};

#[derive(Clone)]
pub struct RequestLimits {
    slots: Arc<Semaphore>,
    timeout: Duration,
    per_client: Option<PerClient>,
}

/// Requests in flight per client (as the throttle names clients: IPv6 per /64, behind trusted
/// proxies the forwarded address). A client leaves the table when its last request ends, so it
/// holds only the clients with a request open.
#[derive(Clone)]
struct PerClient {
    max: usize,
    throttle: Arc<Throttle>,
    in_flight: Arc<Mutex<HashMap<Client, usize>>>,
}

/// One request's place in [`PerClient::in_flight`], given back when the request ends (or is
/// dropped with its connection).
struct Held {
    in_flight: Arc<Mutex<HashMap<Client, usize>>>,
    client: Client,
}

impl PerClient {
    fn take(&self, client: Client) -> Option<Held> {
        let mut table = self.in_flight.lock().ok()?;
        let count = table.entry(client.clone()).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Held { in_flight: self.in_flight.clone(), client })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Ok(mut table) = self.in_flight.lock()
            && let Some(count) = table.get_mut(&self.client)
        {
            *count -= 1;
            if *count == 0 {
                table.remove(&self.client);
            }
        }
    }
}

impl RequestLimits {
    pub fn new(max_concurrent: usize, timeout: Duration) -> Self {
        Self { slots: Arc::new(Semaphore::new(max_concurrent.max(1))), timeout, per_client: None }
    }

    /// At most `max` requests in flight per client, the client as `throttle` names it.
    pub fn per_client(mut self, max: usize, throttle: Arc<Throttle>) -> Self {
        self.per_client = Some(PerClient { max: max.max(1), throttle, in_flight: Arc::default() });
        self
    }
}

/// The probes and the scrape: answered from memory, so they take no slot and are answered when
/// every slot is taken (a full server is alive; a liveness probe must not restart it for that).
const EXEMPT: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// Refuses a request at once when its client has `max_per_client` requests in flight (429), or
/// when `max_concurrent` are running (503: load shedding, a queue would only make every answer
/// late), and ends one that runs past `timeout`, body reading included. A request without a peer
/// address (the router driven in-process) has no per-client cap.
pub async fn limit(State(limits): State<RequestLimits>, mut request: Request, next: Next) -> Response {
    if EXEMPT.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let client = match &limits.per_client {
        Some(per_client) => {
            per_client.throttle.note_untrusted_proxy(&request);
            per_client.throttle.client_of_request(&mut request).map(|client| (per_client, client))
        }
        None => None,
    };
    let _held = match client {
        Some((per_client, client)) => match per_client.take(client) {
            Some(held) => Some(held),
            None => {
                return refuse(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too many requests at once from this address, try again shortly",
                );
            }
        },
        _ => None,
    };
    let Ok(_slot) = limits.slots.clone().try_acquire_owned() else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "the server is busy, try again shortly");
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

/// What a client refused by a cap reads, with `Retry-After: 1` (the caps free up as soon as a
/// request ends). On the frame, `headers::headers_and_log` shows a page of plain words instead
/// (`refusal_page::plain_refusal`).
fn refuse(status: StatusCode, message: &str) -> Response {
    let mut response = ApiError::new(status, message).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}
