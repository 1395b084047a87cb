//! What a Belco call was, in the words every part that keeps one shares: which route it was
//! ([`CallRoute`]), what became of its token ([`TokenCheck`]), and the note the Belco-call check
//! and the handler fill in ([`Note`], [`CallNote`]). The observation layer
//! (`middleware::observe`) hands each note to the inspector ([`inspector`]), the access log's
//! writer (`tasks::access_log`) and the metrics. Identifiers are kept masked ([`mask_email`],
//! [`mask_phone`]) and everything a caller sent is made [`printable`] before anyone shows it.
//!
//! Below the routes and the middleware, above nothing of the server: both fill and read it.

pub mod inspector;

use std::sync::{Arc, Mutex};

use axum::http::Method;
use belco::identity::CustomerKey;

pub use inspector::Inspector;

/// What the token of a call was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenCheck {
    /// One of the shop's tokens (`BELCO_TOKENS`).
    Accepted,
    /// The preview's own token (`BELCO_PREVIEW_TOKEN`), where the route takes it.
    Preview,
    Missing,
    /// Not a token this route takes (or none is configured).
    Wrong,
    /// The token given two different values, which counts as no token.
    Ambiguous,
    /// A query string over `routes::belco_call::MAX_TOKEN_SCAN` bytes: not read at all.
    Unread,
}

impl TokenCheck {
    pub fn accepted(self) -> bool {
        matches!(self, Self::Accepted | Self::Preview)
    }

    /// As the inspector lists it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Preview => "preview",
            Self::Missing => "missing",
            Self::Wrong => "wrong",
            Self::Ambiguous => "ambiguous",
            Self::Unread => "unread",
        }
    }
}

/// The calls on a customer's data: Belco's two, and the preview's orders lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallRoute {
    /// `GET /api/v1.0/orders`, Belco's Custom Orders call.
    OrdersApi,
    /// `GET /frame`, Belco's Custom Frame (or the preview's load of it).
    Frame,
    /// `GET /preview/orders`, the preview asking the orders API's question for its developer.
    PreviewOrders,
}

impl CallRoute {
    /// The classifier: which requests are calls.
    pub fn of(method: &Method, path: &str) -> Option<Self> {
        match (method, path) {
            // HEAD runs the GET handler (its lookup included) and only drops the body, whose
            // length still tells something: it is a call like any other.
            (&Method::GET | &Method::HEAD, "/api/v1.0/orders") => Some(Self::OrdersApi),
            (&Method::GET | &Method::HEAD, "/frame") => Some(Self::Frame),
            (&Method::GET | &Method::HEAD, "/preview/orders") => Some(Self::PreviewOrders),
            _ => None,
        }
    }

    /// As the inspector, the access log and the metrics name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrdersApi => "orders_api",
            Self::Frame => "frame",
            Self::PreviewOrders => "preview_orders",
        }
    }
}

/// What the check and the handler found of one call.
#[derive(Clone, Debug)]
pub struct CallNote {
    pub token: TokenCheck,
    /// The identifiers the call gave, masked (for the inspector).
    pub customer: Option<String>,
    /// The orders the lookup found (none when nothing was looked up).
    pub orders: Option<usize>,
    /// Why the call was not answered with data, in a sentence.
    pub reason: Option<String>,
    /// The customer looked up, normalized (for the access log, which keeps it keyed-hashed).
    pub key: Option<CustomerKey>,
}

impl CallNote {
    /// The identifiers Belco appended, masked.
    pub fn identifiers(&mut self, email: Option<&str>, phone: Option<&str>) {
        let masked = [email.map(mask_email), phone.map(mask_phone)];
        let parts: Vec<String> = masked.into_iter().flatten().collect();
        self.customer = (!parts.is_empty()).then(|| parts.join(", "));
    }
}

/// A call's note, shared by the layer (which takes it back) and the request (where the check
/// and the handler write it). Empty until the check has read the token.
#[derive(Clone, Default)]
pub struct Note(Arc<Mutex<Option<CallNote>>>);

impl Note {
    pub fn update(&self, change: impl FnOnce(&mut CallNote)) {
        if let Ok(mut slot) = self.0.lock() {
            let note = slot.get_or_insert_with(|| CallNote {
                token: TokenCheck::Missing,
                customer: None,
                orders: None,
                reason: None,
                key: None,
            });
            change(note);
        }
    }

    /// The note, once: `None` when the token was never read.
    pub fn take(&self) -> Option<CallNote> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
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
}
