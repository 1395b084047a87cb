//! The integration inspector: the last [`CAPACITY`] calls Belco made, frame loads and orders
//! lookups, with what a developer needs to see why one failed: the time, the route, the status,
//! the latency, whether the token was accepted, how many orders matched, and the reason for a
//! refusal. Emails and phone numbers are masked (`j•••@e•••.com`, `+31•••78`); no token is ever
//! kept. Kept in memory per instance (a call costs a lock and a push, no database write). A
//! call refused before any handler read it (429, or 503 when busy) is only counted.
//!
//! The handlers describe their call in a [`CallNote`] in the response's extensions; [`record`],
//! around the router, adds what only the outside sees (the final status, the time taken, the
//! request id) and keeps it. `GET /api/inspector/calls?token=…` answers the list as JSON, and
//! `belco-panel calls` prints it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use belco::query::BelcoQuery;
use serde_json::json;

use crate::config::Config;
use crate::http::ApiError;
use crate::token::TokenCheck;

/// Calls kept; the oldest goes first.
pub const CAPACITY: usize = 500;

/// What a handler knows of the call it answered.
#[derive(Clone, Debug)]
pub struct CallNote {
    /// `orders_api` or `frame`.
    pub source: &'static str,
    pub token: TokenCheck,
    /// The identifiers the call gave, masked.
    pub customer: Option<String>,
    /// The orders the lookup found (none when nothing was looked up).
    pub orders: Option<usize>,
    /// Why the call was not answered with data, in a sentence.
    pub reason: Option<String>,
    /// The customer looked up, normalized, for the access log (which keeps it keyed-hashed).
    pub key: Option<belco::identity::CustomerKey>,
}

impl CallNote {
    pub fn new(source: &'static str) -> Self {
        Self { source, token: TokenCheck::Missing, customer: None, orders: None, reason: None, key: None }
    }

    /// The identifiers Belco appended, masked.
    pub fn identifiers(&mut self, email: Option<&str>, phone: Option<&str>) {
        let parts: Vec<String> = [email.map(mask_email), phone.map(mask_phone)].into_iter().flatten().collect();
        self.customer = (!parts.is_empty()).then(|| parts.join(", "));
    }
}

/// One call, as the inspector lists it (and the preview shows it: hence `app`'s).
pub use app::Call;

/// A call as it is kept: what it costs a call to note, the rest worked out when it is listed.
#[derive(Debug)]
struct Kept {
    at_millis: i64,
    request_id: Option<axum::http::HeaderValue>,
    route: &'static str,
    status: StatusCode,
    latency: std::time::Duration,
    token: TokenCheck,
    customer: Option<String>,
    orders: Option<usize>,
    reason: Option<String>,
}

impl Kept {
    fn call(&self) -> Call {
        Call {
            at: belco::time::format_instant(self.at_millis),
            request_id: self.request_id.as_ref().and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned(),
            route: self.route.to_owned(),
            status: self.status.as_u16(),
            latency_ms: (self.latency.as_secs_f64() * 100_000.0).round() / 100.0,
            token: self.token.as_str().to_owned(),
            customer: self.customer.clone(),
            orders: self.orders,
            outcome: outcome(self.status, self.orders, self.reason.as_deref()),
        }
    }
}

/// The calls kept, newest first.
#[derive(Default)]
pub struct Inspector {
    calls: Mutex<VecDeque<Kept>>,
    /// Calls answered before any handler read them (429 after too many failed tokens from one
    /// address, 503 when the server was busy): counted, not kept, so that no caller without a
    /// token can push Belco's real calls out of the list.
    unchecked: AtomicU64,
}

impl Inspector {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn keep(&self, call: Kept) {
        if let Ok(mut calls) = self.calls.lock() {
            if calls.len() == CAPACITY {
                calls.pop_back();
            }
            calls.push_front(call);
        }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().map(|calls| calls.iter().map(Kept::call).collect()).unwrap_or_default()
    }

    /// How many calls were refused before their token was read, since the start.
    pub fn unchecked(&self) -> u64 {
        self.unchecked.load(Ordering::Relaxed)
    }
}

/// Which requests are Belco's calls.
pub(crate) fn inspected(method: &Method, uri: &Uri) -> Option<&'static str> {
    match (method, uri.path()) {
        (&Method::GET, "/api/v1.0/orders") => Some("orders_api"),
        (&Method::GET, "/frame") => Some("frame"),
        _ => None,
    }
}

/// The middleware that keeps Belco's calls (outside the one that sets `X-Request-Id`).
pub async fn record(State(inspector): State<Arc<Inspector>>, request: Request, next: Next) -> Response {
    let Some(route) = inspected(request.method(), request.uri()) else {
        return next.run(request).await;
    };
    let started = Instant::now();
    let mut response = next.run(request).await;
    let latency = started.elapsed();
    let Some(note) = response.extensions_mut().remove::<CallNote>() else {
        inspector.unchecked.fetch_add(1, Ordering::Relaxed);
        return response;
    };
    let CallNote { source, token, customer, orders, reason, .. } = note;
    inspector.keep(Kept {
        at_millis: belco::store::now_millis(),
        request_id: response.headers().get(&crate::http::REQUEST_ID).cloned(),
        route,
        status: response.status(),
        latency,
        token,
        customer,
        orders,
        reason,
    });
    // What the metrics, further out, read of it.
    response.extensions_mut().insert(CallNote { source, token, customer: None, orders, reason: None, key: None });
    response
}

/// What happened to a call, in a sentence: the handler's reason, or what its status and the
/// orders found say.
pub(crate) fn outcome(status: StatusCode, orders: Option<usize>, reason: Option<&str>) -> String {
    if let Some(reason) = reason {
        return reason.to_owned();
    }
    match (status, orders) {
        (StatusCode::SERVICE_UNAVAILABLE, _) => "refused: the request took too long".into(),
        (_, Some(0)) => "no orders for this customer".into(),
        (_, Some(1)) => "found 1 order".into(),
        (_, Some(n)) => format!("found {n} orders"),
        (s, None) if s.is_success() => "answered".into(),
        (s, None) => format!("answered {s}"),
    }
}

/// What `GET /api/inspector/calls` reads.
#[derive(Clone)]
pub struct Listing {
    pub config: Arc<Config>,
    pub inspector: Arc<Inspector>,
    /// Requests forwarded by a proxy not in `BELCO_TRUSTED_PROXIES` (for `belco-panel doctor`).
    pub untrusted_proxy: Arc<crate::throttle::ProxySightings>,
}

/// `GET /api/inspector/calls?token=…`: the calls kept, newest first, to a holder of a shop token.
pub async fn list(State(listing): State<Listing>, uri: Uri) -> Result<Response, ApiError> {
    let query = BelcoQuery::new(uri.query()).map_err(|e| ApiError::bad_request(e.to_string()))?;
    if crate::token::check(listing.config.tokens.as_ref(), &query) != TokenCheck::Accepted {
        return Err(ApiError::unauthorized());
    }
    let calls = listing.inspector.calls();
    let unchecked = listing.inspector.unchecked();
    let untrusted_proxy = listing
        .untrusted_proxy
        .seen()
        .map(|(peer, requests)| json!({ "peer": peer.to_string(), "requests": requests }));
    let listing = json!({
        "capacity": CAPACITY, "calls": calls, "refused_before_the_token_check": unchecked,
        "untrusted_proxy": untrusted_proxy,
    });
    Ok(crate::http::no_store(Json(listing).into_response()))
}

/// `john.doe@example.com` → `j•••@e•••.com`: enough to tell customers apart, not to read one.
pub fn mask_email(email: &str) -> String {
    let email = email.trim();
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let tld = domain.rsplit_once('.').map(|(_, tld)| format!(".{tld}")).unwrap_or_default();
            format!("{}•••@{}•••{tld}", first(local), first(domain))
        }
        None => format!("{}•••", first(email)),
    }
}

/// `+31612345678` → `+31•••78`: the first three and last two characters of what was sent.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.trim().chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() <= 5 {
        return "•••".into();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}•••{tail}")
}

/// The calls as `belco-panel calls` prints them, newest first, and how many were refused before
/// their token was read.
pub fn table(calls: &[Call], unchecked: u64) -> String {
    let mut out = format!(
        "{:<24} {:<10} {:>6} {:>9} {:<11} {:<30} {:>6}  {}\n",
        "time (UTC)", "route", "status", "ms", "token", "customer", "orders", "outcome"
    );
    for call in calls {
        out.push_str(&format!(
            "{:<24} {:<10} {:>6} {:>9.2} {:<11} {:<30} {:>6}  {}\n",
            call.at,
            call.route,
            call.status,
            call.latency_ms,
            call.token,
            call.customer.as_deref().unwrap_or("-"),
            call.orders.map_or("-".into(), |n| n.to_string()),
            call.outcome
        ));
    }
    if calls.is_empty() {
        out.push_str("(no calls yet: Belco calls the frame when an agent opens a conversation)\n");
    }
    if unchecked > 0 {
        out.push_str(&format!(
            "and {unchecked} calls refused before their token was read (429: too many failed tokens from one \
             address; 503: the server was busy), not listed\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_masked() {
        assert_eq!(mask_email(" John.Doe@Example.com "), "J•••@E•••.com");
        assert_eq!(mask_email("nobody"), "n•••");
        assert_eq!(mask_phone("+31 6 1234 5678"), "+31•••78");
        assert_eq!(mask_phone("0612"), "•••");
        let mut note = CallNote::new("frame");
        note.identifiers(Some("ann@shop.nl"), Some("+31612345678"));
        assert_eq!(note.customer.as_deref(), Some("a•••@s•••.nl, +31•••78"));
    }

    #[test]
    fn the_oldest_call_goes_first() {
        let inspector = Inspector::new();
        for n in 0..CAPACITY + 3 {
            inspector.keep(Kept {
                at_millis: 0,
                request_id: axum::http::HeaderValue::from_str(&n.to_string()).ok(),
                route: "frame",
                status: StatusCode::OK,
                latency: std::time::Duration::from_millis(1),
                token: TokenCheck::Accepted,
                customer: None,
                orders: None,
                reason: None,
            });
        }
        let calls = inspector.calls();
        assert_eq!(calls.len(), CAPACITY);
        assert_eq!(calls[0].request_id, (CAPACITY + 2).to_string(), "newest first");
        assert_eq!(calls[CAPACITY - 1].request_id, "3");
    }
}
