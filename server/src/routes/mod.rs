//! What answers each path: one module per route (or family of routes), each a handler and the
//! state it reads. [`router`] puts them together; the middleware every answer passes is applied
//! around it by `crate::middleware::apply`, and `crate::startup` does both.
//!
//! - `belco_call`: the one check every token-guarded call goes through (the token first, then
//!   the identifiers, then the customer's key), an extractor the orders API, the frame, the
//!   preview and the inspector share;
//! - `orders`: `GET /api/v1.0/orders`, Belco's Custom Orders contract;
//! - `push`: `POST /api/v1.0/orders` and `DELETE /api/v1.0/orders/{id}`, signed by the shop;
//! - `openapi`: `GET /api/openapi.json`, the document of both APIs, derived from their types;
//! - `frame`: `GET /frame`, Belco's Custom Frame (token, status, headers; `app` renders it);
//! - `preview`: `GET /preview` and its parts, Belco's customer card imitated around the frame
//!   (only while `BELCO_PREVIEW=on`, with `BELCO_PREVIEW_TOKEN`);
//! - `health`: `/health`, `/readyz`, `/healthz`;
//! - `inspector`: `GET /api/inspector/calls`, Belco's last calls;
//! - `metrics`: `GET /metrics` (off unless configured);
//! - `leptos`: the Leptos pages, the server functions (`/fn/*`) and the site's static files.

pub mod belco_call;
pub mod frame;
pub mod health;
pub mod inspector;
pub mod leptos;
pub mod metrics;
pub mod openapi;
pub mod orders;
pub mod preview;
pub mod push;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use belco::secret::TokenSet;
use belco::store::Store;

use crate::calls::Inspector;
use crate::middleware::throttle::ProxySightings;
use crate::state::AppState;
use crate::tasks::health_monitor::Monitor;

/// Every route of the main address, without the middleware. `inspector` is the one the
/// observation layer fills; `untrusted_proxy` what the throttle saw of proxies not trusted.
pub fn router(state: AppState, inspector: Arc<Inspector>, untrusted_proxy: Arc<ProxySightings>) -> Router {
    let config = &state.config;
    let settings = Arc::new(leptos::panel_settings(config));
    let frame = Arc::new(frame::Frame::new(
        config.clone(),
        state.store.clone(),
        settings.clone(),
        state.leptos_options.clone(),
    ));
    let health = Router::new()
        .route("/health", get(health::health))
        .route("/readyz", get(health::readyz))
        .route("/healthz", get(health::healthz))
        .with_state(Monitor::new(state.store.clone()));
    let listing = inspector::Listing { config: config.clone(), inspector: inspector.clone(), untrusted_proxy };
    let inspect = Router::new().route("/api/inspector/calls", get(inspector::list)).with_state(listing);
    // On the main address only when it has no address of its own.
    let scrape = match (&config.metrics_token, config.metrics_addr) {
        (Some(token), None) => Some(metrics_router(&state.store, Some(token.clone()))),
        _ => None,
    };
    let preview = config.preview_on().then(|| {
        preview::router(preview::Preview {
            config: config.clone(),
            store: state.store.clone(),
            settings: settings.clone(),
            options: state.leptos_options.clone(),
            inspector,
        })
    });
    // The push handlers read their bodies themselves, after checking the signature headers and
    // within `BELCO_PUSH_MAX_BYTES` (see `push`).
    let mut router = Router::new()
        .route("/api/v1.0/orders", get(orders::list).post(push::upsert))
        .route("/api/v1.0/orders/{id}", delete(push::delete))
        .route("/api/openapi.json", get(openapi::serve))
        .route("/frame", get(move |request| async move { frame.respond(request).await }))
        .merge(leptos::routes(state.clone(), settings))
        .method_not_allowed_fallback(crate::error::method_not_allowed)
        .with_state(state)
        .merge(health)
        .merge(inspect);
    for part in [scrape, preview].into_iter().flatten() {
        router = router.merge(part);
    }
    router
}

/// `GET /metrics` alone (for `BELCO_METRICS_ADDR`, or merged into [`router`] with a token).
pub fn metrics_router(store: &Store, token: Option<Arc<TokenSet>>) -> Router {
    Router::new().route("/metrics", get(metrics::scrape)).with_state(metrics::Scrape { store: store.clone(), token })
}

/// A JSON body already rendered, with `Cache-Control: no-store` (it holds customer data).
pub fn json_no_store(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

/// `response` with `Cache-Control: no-store`.
pub fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
