//! `GET /frame?token=…&email=…&phoneNumber=…`: the HTTP side of Belco's Custom Frame. The page
//! itself is `app`'s ([`FramePage`], showing a [`FramePanel`]).
//!
//! Order of work, as for the orders API: the token is read from the raw query string and checked
//! first (`token::check`), and only then are the identifiers read and anything looked up. A
//! missing or wrong token gets a plain 401 page that names no customer; a link that names two
//! customers gets a page that shows neither. The page is rendered by `leptos_axum`, with a nonce
//! of ours on its scripts, which the `Content-Security-Policy` allows (`http::frame_policy`); the
//! other security headers are the ones every response gets (`http::headers_and_log`).

use std::sync::Arc;

use app::{FramePage, FramePanel, PanelSettings};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use belco::query::{BelcoQuery, QueryError};
use belco::secret::TokenSet;
use belco::store::Store;

use crate::calls::CallNote;
use crate::token::TokenCheck;
use leptos::config::LeptosOptions;
use leptos::nonce::Nonce;
use leptos::prelude::*;

/// What the frame's handler needs, built once.
pub struct Frame {
    pub tokens: Option<TokenSet>,
    pub store: Store,
    pub settings: Arc<PanelSettings>,
    pub options: LeptosOptions,
}

impl Frame {
    pub async fn respond(&self, request: Request) -> Response {
        let mut note = CallNote::new("frame");
        let (status, panel) = self.read(request.uri().query(), &mut note).await;
        note.orders = panel.orders_shown();
        let nonce = Nonce::new();
        let mut response = self.render(request, panel, nonce.clone()).await;
        *response.status_mut() = status;
        response.extensions_mut().insert(note);
        match HeaderValue::from_str(&crate::http::frame_policy(&nonce, &self.settings.frame_ancestors)) {
            Ok(policy) => _ = response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy),
            Err(error) => tracing::error!(%error, "the frame's Content-Security-Policy is not a header value"),
        }
        response
    }

    /// The token first, from the raw query string, before anything else is read; then the
    /// identifiers; then storage.
    async fn read(&self, raw_query: Option<&str>, note: &mut CallNote) -> (StatusCode, FramePanel) {
        let Ok(query) = BelcoQuery::new(raw_query) else {
            note.reason = Some("refused: the query string is too long to read a token from".into());
            return (StatusCode::UNAUTHORIZED, FramePanel::UNAUTHORIZED);
        };
        note.token = crate::token::check(self.tokens.as_ref(), &query);
        if note.token != TokenCheck::Accepted {
            note.reason = note.token.refusal();
            return (StatusCode::UNAUTHORIZED, FramePanel::UNAUTHORIZED);
        }
        let (email, phone) = match (query.text("email"), query.text("phoneNumber")) {
            (Err(QueryError::Ambiguous(_)), _) | (_, Err(QueryError::Ambiguous(_))) => {
                note.reason = Some(crate::api::orders::AMBIGUOUS.into());
                return (StatusCode::OK, FramePanel::AMBIGUOUS);
            }
            (Ok(email), Ok(phone)) => (email, phone),
            (Err(e), _) | (_, Err(e)) => {
                note.reason = Some(format!("refused: {e}"));
                return (StatusCode::BAD_REQUEST, FramePanel::UNREADABLE);
            }
        };
        note.identifiers(email.as_deref(), phone.as_deref());
        if email.as_deref().is_none_or(|e| e.trim().is_empty()) && phone.as_deref().is_none_or(|p| p.trim().is_empty())
        {
            note.reason = Some("answered the company panel: no email or phone number given".into());
        }
        let key = belco::phone::customer_key(
            email.as_deref().unwrap_or(""),
            phone.as_deref().unwrap_or(""),
            self.settings.phone_region,
        );
        // Worked out once, for the panel and for the access log.
        note.key = (!key.is_empty()).then_some(key);
        match FramePanel::read(&self.settings, &self.store, email.as_deref(), phone.as_deref(), note.key.as_ref()).await
        {
            Ok(panel) => (StatusCode::OK, panel),
            Err(error) => {
                note.reason = Some(crate::api::orders::STORAGE_FAILED.into());
                tracing::error!(%error, "the frame could not read storage");
                crate::metrics::storage_failed(&error);
                (StatusCode::SERVICE_UNAVAILABLE, FramePanel::Unavailable)
            }
        }
    }

    /// The page, rendered by `leptos_axum` as any page is, with `nonce` on its scripts.
    async fn render(&self, request: Request, panel: FramePanel, nonce: Nonce) -> Response {
        let (settings, options) = (self.settings.clone(), self.options.clone());
        let page = move |panel| view! { <FramePage options=options.clone() settings=settings.clone() panel/> };
        crate::web::render_once(request, self.settings.clone(), nonce, panel, || FramePanel::Unavailable, page).await
    }
}
