//! The integration inspector: the last [`CAPACITY`] calls Belco made whose token was accepted
//! (frame loads and orders lookups, the preview's too), with what a developer needs to see why
//! one failed: the time, the route, the status, the latency, how many orders matched, and the
//! reason when there was no data. Calls whose token was not accepted are kept apart, the last
//! [`REFUSED_CAPACITY`] and a count: a wrong token pasted into Belco's settings shows there, and
//! no caller without a token can push Belco's real calls out of the list. Emails and phone
//! numbers are masked (`j•••@e•••.com`, `+31•••78`); no token is ever kept. Kept in memory per
//! instance (a call costs a lock and a push, no database write).
//!
//! The observation layer (`observe`) hands each call here with its note. `GET
//! /api/inspector/calls?token=…` answers the lists as JSON, and `belco-panel calls` prints them.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{FromRef, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::belco_call::{Authorized, ShopToken, TokenCheck};
use crate::config::Config;
use crate::observe::{CallNote, CallRoute};

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

/// What `GET /api/inspector/calls` reads.
#[derive(Clone)]
pub struct Listing {
    pub config: Arc<Config>,
    pub inspector: Arc<Inspector>,
    /// Requests forwarded by a proxy not in `BELCO_TRUSTED_PROXIES` (for `belco-panel doctor`).
    pub untrusted_proxy: Arc<crate::throttle::ProxySightings>,
}

impl FromRef<Listing> for Arc<Config> {
    fn from_ref(listing: &Listing) -> Self {
        listing.config.clone()
    }
}

/// `GET /api/inspector/calls?token=…`: the calls kept, newest first, to a holder of a shop token,
/// and whether requests arrived through a proxy not trusted (`untrusted_proxy`, for the doctor).
pub async fn list(_: Authorized<ShopToken>, State(listing): State<Listing>) -> Response {
    let untrusted_proxy = listing
        .untrusted_proxy
        .seen()
        .map(|(peer, requests)| serde_json::json!({ "peer": peer.to_string(), "requests": requests }));
    let mut answer = serde_json::to_value(listing.inspector.listing()).unwrap_or_default();
    if let Some(fields) = answer.as_object_mut() {
        fields.insert("untrusted_proxy".into(), untrusted_proxy.unwrap_or_default());
    }
    crate::http::no_store(Json(answer).into_response())
}

/// `john.doe@example.com` → `j•••@e•••.com`: enough to tell customers apart, not to read one.
/// What is kept is the caller's text, so it is made [`printable`].
pub fn mask_email(email: &str) -> String {
    let email = email.trim();
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let tld = domain.rsplit_once('.').map(|(_, tld)| format!(".{tld}")).unwrap_or_default();
            printable(&format!("{}•••@{}•••{tld}", first(local), first(domain)))
        }
        None => printable(&format!("{}•••", first(email))),
    }
}

/// `+31612345678` → `+31•••78`: the first three and last two characters of what was sent,
/// made [`printable`].
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.trim().chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() <= 5 {
        return "•••".into();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    printable(&format!("{head}•••{tail}"))
}

/// The calls as `belco-panel calls` prints them, newest first, and how many were refused before
/// their token was read. Every text is made [`printable`]: it came from a caller, or from a
/// server that may not be this version of belco-panel.
pub fn table(calls: &[Call], unchecked: u64) -> String {
    let mut out = format!(
        "{:<24} {:<10} {:>6} {:>9} {:<11} {:<30} {:>6}  {}\n",
        "time (UTC)", "route", "status", "ms", "token", "customer", "orders", "outcome"
    );
    for call in calls {
        out.push_str(&format!(
            "{:<24} {:<10} {:>6} {:>9.2} {:<11} {:<30} {:>6}  {}\n",
            printable(&call.at),
            printable(&call.route),
            call.status,
            call.latency_ms,
            printable(&call.token),
            printable(call.customer.as_deref().unwrap_or("-")),
            call.orders.map_or("-".into(), |n| n.to_string()),
            printable(&call.outcome)
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

/// `text` as it may be shown on a terminal (or a page): each character that could act instead of
/// being read is replaced by `�`. Those are the controls (C0 with TAB, CR and LF, DEL, C1: the
/// start of escape sequences such as `ESC [ 31 m` or OSC 8 links), the bidi controls that reorder
/// what follows (U+202A–U+202E, U+2066–U+2069, and the marks), and the invisible ones (zero
/// width, soft hyphen, BOM, tags), which can make two different texts look the same.
pub fn printable(text: &str) -> String {
    text.chars().map(|c| if acts(c) { '\u{FFFD}' } else { c }).collect()
}

/// Whether `c` is a control, a bidi control or an invisible format character.
fn acts(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
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
    }

    fn note(token: TokenCheck) -> CallNote {
        CallNote {
            token,
            customer: None,
            orders: None,
            reason: token.refusal::<ShopToken>().map(Into::into),
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

    #[test]
    fn nothing_that_acts_on_a_terminal_is_printed() {
        assert_eq!(printable("Jan de Vries, café ✓ •••"), "Jan de Vries, café ✓ •••");
        assert_eq!(printable("a\u{1b}[31mred"), "a\u{FFFD}[31mred");
        assert_eq!(
            printable("\u{1b}]8;;http://evil\u{07}x\u{1b}]8;;\u{1b}\\"),
            "\u{FFFD}]8;;http://evil\u{FFFD}x\u{FFFD}]8;;\u{FFFD}\\"
        );
        assert_eq!(printable("\u{9b}31m\u{85}\u{9d}"), "\u{FFFD}31m\u{FFFD}\u{FFFD}");
        assert_eq!(printable("a\tb\r\nc\u{7f}\u{0}"), "a\u{FFFD}b\u{FFFD}\u{FFFD}c\u{FFFD}\u{FFFD}");
        for c in [
            '\u{202A}',
            '\u{202E}',
            '\u{2066}',
            '\u{2069}',
            '\u{200E}',
            '\u{200B}',
            '\u{200D}',
            '\u{FEFF}',
            '\u{2028}',
            '\u{E0041}',
        ] {
            assert_eq!(printable(&format!("x{c}y")), "x\u{FFFD}y", "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn a_hostile_identifier_is_masked_printable() {
        let masked = mask_email("\u{1b}[31m@\u{202E}x.c\u{1b}]8;;http://evil\u{07}.com\u{9b}");
        assert_eq!(masked, "\u{FFFD}•••@\u{FFFD}•••.com\u{FFFD}");
        assert_eq!(mask_email("a\u{1b}[31m"), "a•••");
        assert_eq!(mask_email("\u{202E}moc.x"), "\u{FFFD}•••");
        assert_eq!(mask_phone("\u{1b}[2J+316123\u{07}8"), "\u{FFFD}[2•••\u{FFFD}8");
    }

    #[test]
    fn the_table_prints_no_controls_from_a_call_or_a_server() {
        let hostile = "\u{1b}[2J\u{9b}\u{202E}\r\n\t\u{200B}";
        let call = Call {
            at: hostile.into(),
            request_id: hostile.into(),
            route: hostile.into(),
            status: 200,
            latency_ms: 1.0,
            token: hostile.into(),
            customer: Some(hostile.into()),
            orders: None,
            outcome: hostile.into(),
        };
        let out = table(&[call], 0);
        assert_eq!(out.lines().count(), 2, "{out:?}");
        assert!(out.chars().all(|c| c == '\n' || !acts(c)), "{out:?}");
    }
}
