//! `/frame`: Belco's Custom Frame. Belco loads `…/frame?token=…` in an iframe on its customer
//! card and appends `&email=…&phoneNumber=…` (either may be empty).
//!
//! The page has its own axum handler (`server/src/web.rs` → [`respond`]) rather than a route in
//! the Leptos router: it is the one page Belco loads over and over, so it is read and rendered in
//! one plain pass. Everything is read first (token, identifiers, then the customer's data), and
//! only then is the page written, synchronously: the panel by the HTML writer (`pages::html`),
//! into the markup that is the same on every panel, which Leptos rendered once at startup (the
//! document and the islands, see [`FramePage`]). The islands come out exactly as Leptos renders
//! them in a routed page (same views, same hydration script).
//!
//! Where things are: this file reads (`ssr::read`) and answers (`respond`, with the headers);
//! `frame/panel.rs` writes the panel; `frame/page.rs` holds the markup that is the same on every
//! panel ([`FramePage`]), the islands in it, and the resize script.
//!
//! Order of work, as for the orders API: the headers are chosen, then the token is read from the
//! raw query string and checked (constant time, every configured token), and only then are the
//! identifiers read and anything looked up. A missing or wrong token gets a plain 401 page that
//! names no customer.
//!
//! The whole panel, data included, is in the first HTML: no spinner before the wasm loads. The
//! orders expand with `<details>`, which needs no wasm, and the resize messages come from a tiny
//! inline script; only the notes and the forms are islands. They receive a capability signed for
//! this panel's customer (or for the company panel), which every server function they call checks
//! (`server_fns::panel`).

#[cfg(feature = "ssr")]
mod page;
#[cfg(feature = "ssr")]
mod panel;

#[cfg(feature = "ssr")]
pub use page::FramePage;
#[cfg(feature = "ssr")]
pub use ssr::{FrameSettings, StoredOrders, respond};

/// `Content-Security-Policy` for the frame: only this server's scripts and the ones carrying the
/// nonce Leptos puts on its hydration scripts, wasm allowed to compile, framed only by Belco.
#[cfg(feature = "ssr")]
pub fn content_security_policy(nonce: Option<&str>, belco_origin: &str) -> String {
    let nonce = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; frame-ancestors {belco_origin}; base-uri 'none'; \
         form-action 'self'"
    )
}

#[cfg(feature = "ssr")]
mod ssr {
    use std::sync::Arc;

    use belco::capability::{Signer, Subject};
    use belco::forms::FormSet;
    use belco::phone::{Region, customer_key};
    use belco::query::{BelcoQuery, QueryError};
    use belco::secret::TokenSet;
    use belco::store::{CustomerRecords, Owner as DataOwner, RecordLimits, Store, StoreError, now_millis};
    use http::{HeaderValue, Response, StatusCode, header};
    use leptos::nonce::Nonce;

    use super::content_security_policy;
    use super::page::{FramePage, Slot};
    use super::panel::{Customer, Page, main};
    use crate::pages::html::Html;
    use crate::server_fns::panel_ssr;

    /// What the frame needs from the server's configuration (the `app` crate cannot name the
    /// server's `Config`). The server builds it once; the server functions find it in the Leptos
    /// context as `Arc<FrameSettings>`.
    #[derive(Clone, Debug)]
    pub struct FrameSettings {
        /// `None`: no token configured, so every request is refused.
        pub tokens: Option<TokenSet>,
        /// `BELCO_ORIGIN`: the only origin that may frame the page and receive its messages.
        pub belco_origin: String,
        pub phone_region: Region,
        /// How many orders the panel lists, newest first.
        pub orders_limit: i64,
        /// Signs the capabilities the islands send back; `None`: notes and forms are off.
        pub signer: Option<Arc<Signer>>,
        /// The shop's forms (possibly none).
        pub forms: Arc<FormSet>,
        /// The page's markup that is the same on every panel: `FramePage::new(&site, &belco_origin,
        /// &forms)`.
        pub page: FramePage,
        /// The company panel's "Orders stored": `StoredOrders::default()`.
        pub stored_orders: StoredOrders,
    }

    /// How many orders are stored, as the company panel shows it: counted at most once per
    /// [`StoredOrders::MAX_AGE`], not on every load. A count reads every row (or a whole index)
    /// of the orders table, which grows with the shop, while the panel is opened again and
    /// again; a figure a minute old says the same to an agent.
    #[derive(Clone, Debug)]
    pub struct StoredOrders(Arc<crate::recent::Recent<i64>>);

    impl StoredOrders {
        pub const MAX_AGE: std::time::Duration = std::time::Duration::from_secs(60);

        async fn count(&self, store: &Store) -> Result<i64, StoreError> {
            self.0.get(store.count_orders()).await
        }
    }

    impl Default for StoredOrders {
        fn default() -> Self {
            Self(Arc::new(crate::recent::Recent::new(Self::MAX_AGE)))
        }
    }

    /// `GET /frame?token=…&email=…&phoneNumber=…` (`raw_query`: the URL's query string as sent).
    pub async fn respond(settings: &FrameSettings, store: &Store, raw_query: Option<&str>) -> Response<String> {
        let (status, page) = read(settings, store, raw_query).await;
        let nonce = Nonce::new();
        let html = render(settings, &nonce, page);
        let mut response = Response::new(html);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        match HeaderValue::from_str(&content_security_policy(Some(&*nonce), &settings.belco_origin)) {
            Ok(csp) => _ = headers.insert(header::CONTENT_SECURITY_POLICY, csp),
            Err(error) => tracing::error!(%error, "the frame's Content-Security-Policy is not a header value"),
        }
        // The URL holds the token: a click on an order link must not send it on.
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        response
    }

    /// The token first, from the raw query string, before anything else is read; then the
    /// identifiers; then storage.
    async fn read(settings: &FrameSettings, store: &Store, raw_query: Option<&str>) -> (StatusCode, Page) {
        // Two different tokens are no token.
        let query = BelcoQuery::new(raw_query).ok().filter(|query| {
            let token = query.bytes("token").ok().flatten();
            settings.tokens.as_ref().is_some_and(|tokens| tokens.accepts(token.as_deref()))
        });
        let Some(query) = query else {
            let text = "This link has no valid token. Check the Custom Frame URL in Belco's settings.";
            return (StatusCode::UNAUTHORIZED, Page::Message { title: "Not authorized", text });
        };
        let (email, phone) = match (query.text("email"), query.text("phoneNumber")) {
            // The link may carry an address Belco did not encode (`x&email=victim@…`): it names
            // nobody, and the page shows no data and signs no capability.
            (Err(QueryError::Ambiguous(_)), _) | (_, Err(QueryError::Ambiguous(_))) => {
                let text = "This link names more than one customer, so nothing is shown. Open the conversation \
                            again from Belco; if this keeps happening, check the contact's email address and \
                            phone number.";
                return (StatusCode::OK, Page::Message { title: "More than one customer", text });
            }
            (Ok(email), Ok(phone)) => (email, phone),
            _ => {
                let text = "The email address or phone number in this link is not text.";
                return (StatusCode::BAD_REQUEST, Page::Message { title: "Unreadable link", text });
            }
        };
        let email = email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
        let phone = phone.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty());
        let read = if email.is_none() && phone.is_none() {
            read_company(store, settings).await
        } else {
            read_customer(store, settings, email, phone).await
        };
        match read {
            Ok(page) => (StatusCode::OK, page),
            Err(error) => {
                tracing::error!(%error, "the frame could not read storage");
                (StatusCode::SERVICE_UNAVAILABLE, Page::Unavailable)
            }
        }
    }

    async fn read_company(store: &Store, settings: &FrameSettings) -> Result<Page, StoreError> {
        let (stored, submissions) = futures::try_join!(
            settings.stored_orders.count(store),
            store.submissions(DataOwner::Company, panel_ssr::SUBMISSIONS_LIMIT)
        )?;
        Ok(Page::Company {
            stored,
            capability: capability(settings, &Subject::Company),
            submissions: submissions.into_iter().map(panel_ssr::submission_view).collect(),
        })
    }

    async fn read_customer(
        store: &Store,
        settings: &FrameSettings,
        email: Option<String>,
        phone: Option<String>,
    ) -> Result<Page, StoreError> {
        let key = customer_key(email.as_deref().unwrap_or(""), phone.as_deref().unwrap_or(""), settings.phone_region);
        let limits = RecordLimits {
            orders: settings.orders_limit,
            notes: panel_ssr::NOTES_LIMIT,
            submissions: panel_ssr::SUBMISSIONS_LIMIT,
        };
        let CustomerRecords { summary, orders, notes, submissions } = store.customer_records(&key, limits).await?;
        // A key with neither part (an email and a phone that cannot be read) names nobody.
        let unreadable = key.is_empty();
        let capability = if unreadable { None } else { capability(settings, &Subject::Customer(key)) };
        Ok(Page::Customer(Box::new(Customer {
            email,
            phone,
            summary,
            orders,
            notes: notes.into_iter().map(panel_ssr::note_view).collect(),
            submissions: submissions.into_iter().map(panel_ssr::submission_view).collect(),
            unreadable,
            capability,
        })))
    }

    /// A capability for `subject`, if this server signs any.
    fn capability(settings: &FrameSettings, subject: &Subject) -> Option<String> {
        settings.signer.as_ref().map(|signer| signer.issue(subject, now_millis()))
    }

    /// Bytes reserved for a page: a panel with 20 orders and 10 notes is ~47 KB.
    const PAGE_CAPACITY: usize = 64 * 1024;

    /// The whole document in one synchronous pass: [`FramePage`]'s markup, with this response's
    /// nonce, its panel (written with `pages::html`), and in the islands, their capability and
    /// lists.
    fn render(settings: &FrameSettings, nonce: &str, page: Page) -> String {
        let mut html = Html::with_capacity(PAGE_CAPACITY);
        let mut page = Some(page);
        settings.page.document.write(&mut html, |html, slot| match slot {
            Slot::Nonce => _ = html.attr(nonce),
            Slot::Panel => page.take().into_iter().for_each(|page| main(html, settings, page)),
            Slot::Capability | Slot::Notes | Slot::Submissions => {}
        });
        html.finish()
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn the_policy_carries_the_nonce_and_the_framing_origin() {
        let csp = content_security_policy(Some("abc"), "https://app.belco.io");
        assert!(csp.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"), "{csp}");
        assert!(csp.contains("frame-ancestors https://app.belco.io;"), "{csp}");
    }
}
