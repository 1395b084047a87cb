//! `GET /preview?preview_token=…`: the local imitation of Belco's customer card (`app`'s
//! [`PreviewPage`]), and the two parts its island asks for: `GET /preview/orders?preview_token=…
//! &email=…&phoneNumber=…` (the orders API's answer to that lookup, as Belco lists it) and
//! `GET /preview/calls?preview_token=…` (the inspector's last calls). The frame it shows is
//! loaded with the same token (`/frame?preview_token=…`).
//!
//! Served only when the preview is on (`Config::preview_on`: `BELCO_PREVIEW`, `demo`, or a
//! development build, and never without `BELCO_PREVIEW_TOKEN`); otherwise these paths are unknown
//! (404). The preview lists customers' names, emails and phone numbers, so it takes a token of
//! its own, never a shop token (those are in every agent's iframe URL): checked first, by the
//! Belco-call check (`belco_call`, the preview's gate), and counted by the failed-token throttle.
//! Its orders lookups go to the access log and the metrics as Belco's do (`middleware::observe`).

use std::sync::Arc;

use app::{OrdersAnswer, PanelSettings, PreviewContent, PreviewPage, PreviewView};
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRef, Request, State};
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
use crate::routes::belco_call::{Authorized, BelcoCall, PreviewToken, Refusal};

/// How many customers the picker offers.
const CUSTOMERS: usize = 50;
/// The largest orders answer the preview shows (the API's own limit keeps it far below).
const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// What the preview's handlers need, built once (cheap to clone: shared parts).
#[derive(Clone)]
pub struct Preview {
    pub config: Arc<Config>,
    pub store: Store,
    pub settings: Arc<PanelSettings>,
    pub options: LeptosOptions,
    pub inspector: Arc<Inspector>,
}

pub fn router(preview: Preview) -> Router {
    Router::new()
        .route("/preview", get(page))
        .route("/preview/orders", get(orders))
        .route("/preview/calls", get(calls))
        .with_state(preview)
}

impl FromRef<Preview> for Arc<Config> {
    fn from_ref(preview: &Preview) -> Self {
        preview.config.clone()
    }
}

impl Preview {
    /// Where Belco reaches this server: `BELCO_PUBLIC_URL`, else this machine's address.
    fn base(&self) -> String {
        crate::config::base_url(self.options.site_addr, self.config.public_url.as_deref())
    }
}

async fn page(
    authorized: Result<Authorized<PreviewToken>, Refusal>,
    State(preview): State<Preview>,
    request: Request,
) -> Response {
    let (status, content) = match authorized {
        Ok(_) => read(&preview, request.uri()).await,
        Err(_) => (StatusCode::UNAUTHORIZED, PreviewContent::UNAUTHORIZED),
    };
    let nonce = Nonce::new();
    let options = preview.options.clone();
    let page = move |content| view! { <PreviewPage options=options.clone() content/> };
    let unavailable = || PreviewContent::UNAVAILABLE;
    let mut response = crate::routes::leptos::render_once(
        request,
        preview.settings.clone(),
        nonce.clone(),
        content,
        unavailable,
        page,
    )
    .await;
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    match HeaderValue::from_str(&crate::middleware::headers::preview_policy(&nonce)) {
        Ok(policy) => _ = headers.insert(header::CONTENT_SECURITY_POLICY, policy),
        Err(error) => tracing::error!(%error, "the preview's Content-Security-Policy is not a header value"),
    }
    response
}

/// The link's customer, then storage (the token was accepted).
async fn read(preview: &Preview, uri: &Uri) -> (StatusCode, PreviewContent) {
    // Read by the check already, so within its bound.
    let Ok(query) = BelcoQuery::within(uri.query(), crate::routes::belco_call::MAX_TOKEN_SCAN) else {
        return (StatusCode::UNAUTHORIZED, PreviewContent::UNAUTHORIZED);
    };
    let given = |name: &'static str| query.text(name).ok().flatten().map(|v| v.into_owned()).unwrap_or_default();
    let token = match given("preview_token") {
        token if token.is_empty() => given("token"),
        token => token,
    };
    let customers = match preview.store.recent_customers(CUSTOMERS).await {
        Ok(customers) => customers,
        Err(error) => {
            crate::error::storage_failed(&error, "the preview could not read storage");
            return (StatusCode::SERVICE_UNAVAILABLE, PreviewContent::UNAVAILABLE);
        }
    };
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
    let view = PreviewView {
        frame_url: format!("{base}/frame?token={SHOP_TOKEN}"),
        orders_url: format!("{base}/api/v1.0/orders?token={SHOP_TOKEN}"),
        belco_origin: preview.config.belco_origin.clone(),
        token,
        customers,
        email,
        phone,
    };
    (StatusCode::OK, PreviewContent::Ready(Box::new(view)))
}

/// Where the URLs to paste into Belco take a shop token (the preview never knows one).
const SHOP_TOKEN: &str = "•••";

/// `GET /preview/orders?preview_token=…&email=…&phoneNumber=…`: asks exactly what Belco would of
/// the orders API (the same identifiers, through the API's own lookup), and answers its reply as
/// Belco lists it, with the JSON beneath.
async fn orders(call: Result<BelcoCall<PreviewToken>, Refusal>, State(preview): State<Preview>, uri: Uri) -> Response {
    let answer = match call {
        Ok(call) => crate::routes::orders::lookup(&preview.config, &preview.store, &call).await,
        Err(Refusal::Token(_)) => return refused(),
        Err(Refusal::Ambiguous) => crate::routes::json_no_store(belco::contract::orders_response(std::iter::empty())),
        Err(refusal) => refusal.into_response(),
    };
    let status = answer.status().as_u16();
    let body = match axum::body::to_bytes(answer.into_body(), MAX_ANSWER).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    };
    let problem = (status == 200).then(|| belco::contract::orders_shape(&body).err()).flatten();
    // Pretty-printed for reading; Belco receives the same JSON, compact.
    let shown = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or(body.clone());
    // The identifiers as they were appended, and nothing else of the query (its token above all).
    let raw = uri.query().unwrap_or_default();
    let rest: String = raw
        .split('&')
        .filter(|pair| matches!(pair.split('=').next(), Some("email" | "phoneNumber")))
        .map(|pair| format!("&{pair}"))
        .collect();
    let url = format!("{}/api/v1.0/orders?token={SHOP_TOKEN}{rest}", preview.base());
    let html = app::belco_orders_html(OrdersAnswer { url, status, body: shown, problem });
    fragment(StatusCode::OK, html)
}

/// `GET /preview/calls?preview_token=…`: the inspector's tables, newest first.
async fn calls(authorized: Result<Authorized<PreviewToken>, Refusal>, State(preview): State<Preview>) -> Response {
    if authorized.is_err() {
        return refused();
    }
    fragment(StatusCode::OK, app::calls_html(preview.inspector.listing()))
}

fn refused() -> Response {
    fragment(StatusCode::UNAUTHORIZED, "<p>Not authorized: the preview's token is not BELCO_PREVIEW_TOKEN.</p>".into())
}

/// A part of the preview's page, for its island to put in place.
fn fragment(status: StatusCode, html: String) -> Response {
    let mut response = (status, Body::from(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
