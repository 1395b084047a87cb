//! The integration inspector: the last [`CAPACITY`] calls Belco made whose token was accepted
//! (frame loads and orders lookups, the preview's too), with what a developer needs to see why
//! one failed: the time, the route, the status, the latency, how many orders matched, and the
//! reason when there was no data. Calls whose token was not accepted are kept apart, the last
//! [`REFUSED_CAPACITY`] and a count: a wrong token pasted into Belco's settings shows there, and
//! no caller without a token can push Belco's real calls out of the list. Emails and phone
//! numbers are masked (`j•••@e•••.com`, `+31•••78`); no token is ever kept. Kept in memory per
//! instance (a call costs a lock and a push, no database write).
//!
//! The observation layer (`middleware::observe`) hands each call here with its note. `GET
//! /api/inspector/calls?token=…` answers the lists as JSON, and `belco-panel calls` prints them.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderValue, StatusCode};

use super::{CallNote, CallRoute, TokenCheck};

/// Accepted calls kept; the oldest goes first.
pub const CAPACITY: usize = 500;
/// Refused calls kept, apart; the oldest goes first.
pub const REFUSED_CAPACITY: usize = 50;

/// One call, as the inspector lists it (and the preview shows it: hence `app`'s).
pub use app::{Call, CallsListing};

/// A call as it is kept: what it costs a call to note, the rest worked out when it is listed.
#[derive(Debug)]
struct Kept {
    at_millis: i64,
    request_id: Option<HeaderValue>,
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

/// The calls kept, newest first, accepted and refused apart.
#[derive(Default)]
pub struct Inspector {
    calls: Mutex<VecDeque<Kept>>,
    refused: Mutex<VecDeque<Kept>>,
    /// Calls whose token was not accepted, since the start.
    refused_total: AtomicU64,
    /// Calls answered before their token was read (429 after too many failed tokens from one
    /// address, 503 when the server was busy): counted only.
    unchecked: AtomicU64,
}

impl Inspector {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Keeps one call, in the list its token decides.
    pub fn keep(
        &self,
        route: CallRoute,
        note: &CallNote,
        status: StatusCode,
        latency: std::time::Duration,
        request_id: Option<HeaderValue>,
    ) {
        let kept = Kept {
            at_millis: belco::store::now_millis(),
            request_id,
            route: route.as_str(),
            status,
            latency,
            token: note.token,
            customer: note.customer.clone(),
            orders: note.orders,
            reason: note.reason.clone(),
        };
        let (list, capacity) = if note.token.accepted() {
            (&self.calls, CAPACITY)
        } else {
            self.refused_total.fetch_add(1, Ordering::Relaxed);
            (&self.refused, REFUSED_CAPACITY)
        };
        if let Ok(mut list) = list.lock() {
            if list.len() >= capacity {
                list.pop_back();
            }
            list.push_front(kept);
        }
    }

    /// Counts a call refused before its token was read.
    pub fn refused_before_the_check(&self) {
        self.unchecked.fetch_add(1, Ordering::Relaxed);
    }

    /// Both lists, newest first, and the counts.
    pub fn listing(&self) -> CallsListing {
        let read = |list: &Mutex<VecDeque<Kept>>| {
            list.lock().map(|list| list.iter().map(Kept::call).collect()).unwrap_or_default()
        };
        CallsListing {
            capacity: CAPACITY as u32,
            calls: read(&self.calls),
            refused: read(&self.refused),
            refused_total: self.refused_total.load(Ordering::Relaxed),
            refused_before_the_token_check: self.unchecked.load(Ordering::Relaxed),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn note(token: TokenCheck) -> CallNote {
        CallNote {
            token,
            customer: None,
            orders: None,
            reason: (!token.accepted()).then(|| "refused: the token is not one of BELCO_TOKENS".into()),
            key: None,
        }
    }

    fn keep(inspector: &Inspector, token: TokenCheck, id: usize) {
        let (status, latency) = (StatusCode::OK, std::time::Duration::from_millis(1));
        inspector.keep(CallRoute::Frame, &note(token), status, latency, HeaderValue::from_str(&id.to_string()).ok());
    }

    #[test]
    fn the_oldest_call_goes_first() {
        let inspector = Inspector::new();
        for n in 0..CAPACITY + 3 {
            keep(&inspector, TokenCheck::Accepted, n);
        }
        let calls = inspector.listing().calls;
        assert_eq!(calls.len(), CAPACITY);
        assert_eq!(calls[0].request_id, (CAPACITY + 2).to_string(), "newest first");
        assert_eq!(calls[CAPACITY - 1].request_id, "3");
    }

    #[test]
    fn refusals_never_push_accepted_calls_out() {
        let inspector = Inspector::new();
        keep(&inspector, TokenCheck::Accepted, 1);
        keep(&inspector, TokenCheck::Preview, 2);
        for n in 0..3_000 {
            let token = [TokenCheck::Missing, TokenCheck::Unread, TokenCheck::Wrong][n % 3];
            keep(&inspector, token, 10 + n);
        }
        inspector.refused_before_the_check();
        let listing = inspector.listing();
        let ids: Vec<&str> = listing.calls.iter().map(|c| c.request_id.as_str()).collect();
        assert_eq!(ids, ["2", "1"], "Belco's calls stay");
        assert_eq!(listing.refused.len(), REFUSED_CAPACITY);
        assert_eq!(listing.refused[0].request_id, (10 + 2_999).to_string());
        assert_eq!(listing.refused[0].outcome, "refused: the token is not one of BELCO_TOKENS");
        assert_eq!((listing.refused_total, listing.refused_before_the_token_check), (3_000, 1));
    }
}
