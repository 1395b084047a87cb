//! `GET /preview?token=…`: the local imitation of Belco's customer card (`app`'s
//! [`PreviewPage`]), and the two parts its island asks for: `GET /preview/orders?token=…&email=…
//! &phoneNumber=…` (the orders API's answer to that lookup, as Belco lists it) and
//! `GET /preview/calls?token=…` (the inspector's last calls).
//!
//! Served only when the preview is on (`Config::preview_on`: `BELCO_PREVIEW`, `demo`, or a
//! development build); otherwise these paths are unknown (404). Behind the shop's token either
//! way, checked first as the frame checks it, and counted by the failed-token throttle.

use std::sync::Arc;

use app::{OrdersAnswer, PanelSettings, PreviewContent, PreviewPage, PreviewView};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use belco::query::BelcoQuery;
use belco::store::Store;
use leptos::config::LeptosOptions;
use leptos::nonce::Nonce;
use leptos::prelude::*;

use crate::calls::Inspector;
use crate::config::Config;
use crate::token::TokenCheck;

/// How many customers the picker offers.
const CUSTOMERS: usize = 50;
/// The largest orders answer the preview shows (the API's own limit keeps it far below).
const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// What the preview's handlers need, built once.
pub struct Preview {
    pub config: Arc<Config>,
    pub store: Store,
    pub settings: Arc<PanelSettings>,
    pub options: LeptosOptions,
    pub inspector: Arc<Inspector>,
}

pub fn router(preview: Arc<Preview>) -> Router {
    Router::new()
        .route("/preview", get(page))
        .route("/preview/orders", get(orders))
        .route("/preview/calls", get(calls))
        .with_state(preview)
}

impl Preview {
    fn accepts(&self, uri: &Uri) -> bool {
        BelcoQuery::new(uri.query())
            .is_ok_and(|query| crate::token::check(self.config.tokens.as_ref(), &query) == TokenCheck::Accepted)
    }

    /// Where Belco reaches this server: `BELCO_PUBLIC_URL`, else this machine's address.
    fn base(&self) -> String {
        crate::doctor::base_url(self.options.site_addr, self.config.public_url.as_deref())
    }
}

async fn page(State(preview): State<Arc<Preview>>, request: Request) -> Response {
    let (status, content) = read(&preview, request.uri()).await;
    let nonce = Nonce::new();
    let options = preview.options.clone();
    let page = move |content| view! { <PreviewPage options=options.clone() content/> };
    let unavailable = || PreviewContent::UNAVAILABLE;
    let mut response =
        crate::web::render_once(request, preview.settings.clone(), nonce.clone(), content, unavailable, page).await;
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    match HeaderValue::from_str(&crate::http::preview_policy(&nonce)) {
        Ok(policy) => _ = headers.insert(header::CONTENT_SECURITY_POLICY, policy),
        Err(error) => tracing::error!(%error, "the preview's Content-Security-Policy is not a header value"),
    }
    response
}

/// The token first, then the link's customer, then storage.
async fn read(preview: &Preview, uri: &Uri) -> (StatusCode, PreviewContent) {
    let query = match BelcoQuery::new(uri.query()) {
        Ok(query) if crate::token::check(preview.config.tokens.as_ref(), &query) == TokenCheck::Accepted => query,
        _ => return (StatusCode::UNAUTHORIZED, PreviewContent::UNAUTHORIZED),
    };
    let Some(token) = query.text("token").ok().flatten().map(|t| t.into_owned()) else {
        return (StatusCode::UNAUTHORIZED, PreviewContent::UNAUTHORIZED);
    };
    let customers = match preview.store.recent_customers(CUSTOMERS).await {
        Ok(customers) => customers,
        Err(error) => {
            tracing::error!(%error, "the preview could not read storage");
            crate::metrics::storage_failed(&error);
            return (StatusCode::SERVICE_UNAVAILABLE, PreviewContent::UNAVAILABLE);
        }
    };
    let given = |name: &'static str| query.text(name).ok().flatten().map(|v| v.into_owned()).unwrap_or_default();
    let (mut email, mut phone) = (given("email"), given("phoneNumber"));
    if email.is_empty()
        && phone.is_empty()
        // `&company=1` opens on the company panel.
        && !query.bytes("company").is_ok_and(|v| v.is_some())
        && let Some(newest) = customers.first()
    {
        (email, phone) = (newest.email.clone(), newest.phone.clone());
    }
    let base = preview.base();
    let masked = mask_token(&token);
    let view = PreviewView {
        frame_url: format!("{base}/frame?token={masked}"),
        orders_url: format!("{base}/api/v1.0/orders?token={masked}"),
        belco_origin: preview.config.belco_origin.clone(),
        token,
        customers,
        email,
        phone,
    };
    (StatusCode::OK, PreviewContent::Ready(Box::new(view)))
}

/// `GET /preview/orders?token=…&email=…&phoneNumber=…`: asks the orders API exactly what Belco
/// would (the same query string, through the API's own handler), and answers its reply as
/// Belco lists it, with the JSON beneath.
async fn orders(State(preview): State<Arc<Preview>>, uri: Uri) -> Response {
    if !preview.accepts(&uri) {
        return refused();
    }
    let raw = uri.query().unwrap_or_default();
    let lookup: Uri = match format!("/api/v1.0/orders?{raw}").parse() {
        Ok(lookup) => lookup,
        Err(_) => return fragment(StatusCode::BAD_REQUEST, "<p>This lookup is not a URL.</p>".into()),
    };
    let answer = crate::api::orders::list(State(preview.config.clone()), State(preview.store.clone()), lookup).await;
    let status = answer.status().as_u16();
    let body = match axum::body::to_bytes(answer.into_body(), MAX_ANSWER).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    };
    let problem = (status == 200).then(|| crate::doctor::orders_shape(&body).err()).flatten();
    // Pretty-printed for reading; Belco receives the same JSON, compact.
    let shown = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or(body.clone());
    let token = BelcoQuery::new(Some(raw))
        .ok()
        .and_then(|q| q.text("token").ok().flatten().map(|t| t.into_owned()))
        .unwrap_or_default();
    let rest = raw.split_once('&').map(|(_, rest)| format!("&{rest}")).unwrap_or_default();
    let url = format!("{}/api/v1.0/orders?token={}{rest}", preview.base(), mask_token(&token));
    let html = app::belco_orders_html(OrdersAnswer { url, status, body: shown, problem });
    fragment(StatusCode::OK, html)
}

/// `GET /preview/calls?token=…`: the inspector's table, newest first.
async fn calls(State(preview): State<Arc<Preview>>, uri: Uri) -> Response {
    if !preview.accepts(&uri) {
        return refused();
    }
    fragment(StatusCode::OK, app::calls_html(preview.inspector.calls(), preview.inspector.unchecked()))
}

fn refused() -> Response {
    fragment(StatusCode::UNAUTHORIZED, "<p>Not authorized: the preview's token is not one of BELCO_TOKENS.</p>".into())
}

/// A part of the preview's page, for its island to put in place.
fn fragment(status: StatusCode, html: String) -> Response {
    let mut response = (status, Body::from(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `s3cr3t-token` → `s3•••`: enough to tell tokens apart on screen, not to use one.
pub fn mask_token(token: &str) -> String {
    let head: String = token.chars().take(2).collect();
    format!("{head}•••")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shown_token_is_masked() {
        assert_eq!(mask_token("abcdefgh"), "ab•••");
        assert_eq!(mask_token(""), "•••");
    }
}
