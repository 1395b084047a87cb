//! The one observation layer: every request passes it once, and what it learns goes to the
//! three places that keep it: the inspector (`calls::inspector`), the access log
//! (`tasks::access_log`) and the metrics (`crate::metrics`). One classifier ([`CallRoute::of`]) says which requests are calls on a customer's
//! data; for those the layer hands the request a [`Note`], which the Belco-call check
//! (`belco_call`) and the handler fill in, and takes it back, once, when the answer is ready.
//!
//! - A call whose token was accepted goes to the inspector's list, the access log and the
//!   lookup metrics.
//! - A call whose token was not accepted goes to the inspector's list of refusals only (kept
//!   apart, so that no caller without a token can push Belco's real calls out) and is counted.
//! - A call refused before its token was read (429 from the throttle or a cap, 503 when busy) has
//!   an empty note: the inspector counts it.
//!
//! Nothing here depends on where other layers stand: the request id it lists is read from the
//! request when `headers::headers_and_log` ran first (it writes the id there), else from the answer.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::calls::{CallNote, CallRoute, Inspector, Note};
use crate::middleware::throttle::request_client;
use crate::tasks::access_log::AccessLog;

/// Where the layer sends what it learns; one per router.
pub struct Observer {
    pub inspector: Arc<Inspector>,
    /// `None` when the access log is off.
    pub access: Option<Arc<AccessLog>>,
    /// Off, nothing is recorded (a recorder nobody scrapes would keep every latency sample).
    pub metrics: bool,
    /// For the client address the access log keeps (`BELCO_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// The layer (see the module docs).
pub async fn observe(State(observer): State<Arc<Observer>>, mut request: Request, next: Next) -> Response {
    let call = CallRoute::of(request.method(), request.uri().path());
    if call.is_none() && !observer.metrics {
        return next.run(request).await;
    }
    // The router's pattern, never the raw path: no client can mint new series.
    let pattern = observer
        .metrics
        .then(|| request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned());
    let method = request.method().clone();
    let given_id = request.headers().get(&crate::middleware::headers::REQUEST_ID).cloned();
    let note = call.map(|_| {
        let note = Note::default();
        request.extensions_mut().insert(note.clone());
        note
    });
    let client = match (call, &observer.access) {
        (Some(_), Some(_)) => request_client(&mut request, &observer.trusted_proxies).and_then(|c| c.address()),
        _ => None,
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let latency = started.elapsed();
    let note = note.and_then(|note| note.take());
    if let Some(route) = call {
        let request_id = given_id.or_else(|| response.headers().get(&crate::middleware::headers::REQUEST_ID).cloned());
        observer.keep(route, note.as_ref(), response.status(), request_id, latency, client);
    }
    if let Some(pattern) = pattern {
        crate::metrics::request(pattern, &method, response.status(), latency);
        if let (Some(route), Some(note)) = (call, &note)
            && note.token.accepted()
            && let Some(orders) = note.orders
        {
            crate::metrics::lookup(route.as_str(), orders);
        }
    }
    response
}

impl Observer {
    /// The call to the inspector, and, when its token was accepted, to the access log.
    fn keep(
        &self,
        route: CallRoute,
        note: Option<&CallNote>,
        status: StatusCode,
        request_id: Option<HeaderValue>,
        latency: std::time::Duration,
        client: Option<IpAddr>,
    ) {
        let Some(note) = note else {
            // Refused before the check by the throttle or a cap (429), or busy (503); anything
            // else without a note (a 404 while the preview is off) is no refusal of a call.
            if matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE) {
                self.inspector.refused_before_the_check();
            }
            return;
        };
        self.inspector.keep(route, note, status, latency, request_id);
        if note.token.accepted()
            && let Some(access) = &self.access
        {
            access.record(route, note, status, client);
        }
    }
}
