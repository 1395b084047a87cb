//! `GET /frame?token=…&email=…&phoneNumber=…`: the HTTP side of Belco's Custom Frame. The page
//! itself is `app`'s ([`FramePage`], showing a [`FramePanel`]).
//!
//! The checks are the Belco-call check's (`belco_call`, the frame's gate): the token first, from
//! the raw query string, before the identifiers are read and anything is looked up. A token not
//! accepted gets a plain 401 page that names no customer; a link that names two customers gets a
//! page that shows neither. The preview loads the frame with its own token (`preview_token`):
//! only such a load names `'self'` beside Belco's origin in `frame-ancestors`, and sends its
//! resize messages to a parent of this server's origin. The page is rendered by `leptos_axum`,
//! with a nonce of ours on its scripts, which the `Content-Security-Policy` allows
//! (`middleware::headers::frame_policy`); the other security headers are the ones every response
//! gets (`middleware::headers::headers_and_log`).
//!
//! The page's language is chosen here, for every answer, refusals included
//! (`app::i18n::Locales::for_request`: `lang=`, then `Accept-Language`, then `BELCO_LANGUAGE`).

use std::sync::Arc;

use app::i18n::L10n;
use app::{FramePage, FramePanel, PanelSettings};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use belco::store::Store;
use leptos::config::LeptosOptions;
use leptos::nonce::Nonce;
use leptos::prelude::*;

use crate::calls::Note;
use crate::calls::TokenCheck;
use crate::config::Config;
use crate::middleware::headers::FrameLanguage;
use crate::routes::belco_call::{FrameToken, Refusal};

/// What the frame's handler needs, built once.
pub struct Frame {
    pub config: Arc<Config>,
    pub store: Store,
    pub settings: Arc<PanelSettings>,
    pub options: LeptosOptions,
    /// `frame-ancestors` for a load by Belco, and for one by the preview.
    pub ancestors: String,
    pub preview_ancestors: String,
}

impl Frame {
    pub fn new(config: Arc<Config>, store: Store, settings: Arc<PanelSettings>, options: LeptosOptions) -> Self {
        let ancestors = config.belco_origin.clone();
        let preview_ancestors = format!("{ancestors} 'self'");
        Self { config, store, settings, options, ancestors, preview_ancestors }
    }

    pub async fn respond(&self, request: Request) -> Response {
        let note = request.extensions().get::<Note>().cloned();
        // Chosen by the middleware (`middleware::headers`), or here for a router without it.
        let locale = match request.extensions().get::<FrameLanguage>() {
            Some(FrameLanguage(locale)) => locale,
            None => {
                let accept_language = request.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
                self.settings.locales.for_request(request.uri().query(), accept_language)
            }
        };
        let l10n = L10n::new(locale, self.settings.zone.clone());
        let (status, panel, preview) = self.read(request.uri().query(), note.as_ref(), &l10n).await;
        let nonce = Nonce::new();
        let mut response = self.render(request, panel, l10n, preview, nonce.clone()).await;
        *response.status_mut() = status;
        let ancestors = if preview { &self.preview_ancestors } else { &self.ancestors };
        match HeaderValue::from_str(&crate::middleware::headers::frame_policy(&nonce, ancestors)) {
            Ok(policy) => _ = response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy),
            Err(error) => tracing::error!(%error, "the frame's Content-Security-Policy is not a header value"),
        }
        response
    }

    /// The Belco-call check, then storage. Also says whether the preview loaded it.
    async fn read(&self, raw_query: Option<&str>, note: Option<&Note>, l10n: &L10n) -> (StatusCode, FramePanel, bool) {
        let call = match crate::routes::belco_call::identify::<FrameToken>(&self.config, raw_query, note) {
            Ok(call) => call,
            Err(Refusal::Token(_)) => return (StatusCode::UNAUTHORIZED, FramePanel::UNAUTHORIZED, false),
            Err(Refusal::Ambiguous) => return (StatusCode::OK, FramePanel::AMBIGUOUS, false),
            Err(Refusal::TooLong) => return (StatusCode::URI_TOO_LONG, FramePanel::UNREADABLE, false),
            Err(Refusal::Unreadable(_)) => return (StatusCode::BAD_REQUEST, FramePanel::UNREADABLE, false),
        };
        let preview = call.token == TokenCheck::Preview;
        if call.names_nobody() {
            call.reason("answered the company panel: no email or phone number given");
        }
        let (email, phone) = (call.email.as_deref(), call.phone.as_deref());
        match FramePanel::read(&self.settings, l10n, &self.store, email, phone, call.key.as_ref()).await {
            Ok(panel) => {
                if let Some(orders) = panel.orders_shown() {
                    call.found(orders);
                }
                (StatusCode::OK, panel, preview)
            }
            Err(error) => {
                call.reason(crate::routes::orders::STORAGE_FAILED);
                crate::error::storage_failed(&error, "the frame could not read storage");
                (StatusCode::SERVICE_UNAVAILABLE, FramePanel::Unavailable, preview)
            }
        }
    }

    /// The page, rendered by `leptos_axum` as any page is, with `nonce` on its scripts.
    async fn render(&self, request: Request, panel: FramePanel, l10n: L10n, preview: bool, nonce: Nonce) -> Response {
        let (settings, options) = (self.settings.clone(), self.options.clone());
        let page = move |panel| {
            view! { <FramePage options=options.clone() settings=settings.clone() l10n=l10n.clone() panel preview/> }
        };
        crate::routes::leptos::render_once(
            request,
            self.settings.clone(),
            nonce,
            panel,
            || FramePanel::Unavailable,
            page,
        )
        .await
    }
}
