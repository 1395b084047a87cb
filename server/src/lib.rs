//! The belco-panel server: the axum router that serves Belco's Custom Orders API, the push API
//! and the Leptos pages, with the middleware every response passes through.
//!
//! - `config`: the environment variables;
//! - `api::orders`: `GET /api/v1.0/orders`, Belco's contract;
//! - `api::push`: `POST /api/v1.0/orders` and `DELETE /api/v1.0/orders/{id}`, signed by the shop;
//! - `openapi`: `GET /api/openapi.json`, the document of both APIs, derived from their types;
//! - `frame`: `GET /frame`, Belco's Custom Frame (token, status, headers; `app` renders it);
//! - `preview`: `GET /preview`, Belco's customer card imitated around the frame (off in
//!   production unless `BELCO_PREVIEW=on`);
//! - `belco_call`: the one check every token-guarded call goes through (the token first, then
//!   the identifiers, then the customer's key), an extractor the orders API, the frame, the
//!   preview and the inspector share;
//! - `observe`: the one observation layer, which gives each call's note to the inspector, the
//!   access log and the metrics;
//! - `web`: the Leptos pages and server functions;
//! - `http`: JSON errors, security headers, redacted request logs with request ids, `/healthz`;
//! - `metrics`: Prometheus metrics at `/metrics` (off unless configured);
//! - `calls`: the integration inspector, Belco's last calls (`/api/inspector/calls`);
//! - `access`: the access log's writer (every frame render and orders lookup, kept by customer);
//! - `deliveries`: the task that sends the forms' webhooks from the outbox;
//! - `limits`, `throttle`, `health`, `serve`: request limits, failed-token throttling, the
//!   storage check behind `/readyz` and `/health` (`/healthz` needs none), and the accept loop with its header timeout;
//! - `cli`, `demo` and `doctor`: the `belco-panel` subcommands.

pub mod access;
pub mod api;
pub mod belco_call;
pub mod calls;
pub mod cli;
pub mod config;
pub mod deliveries;
pub mod demo;
pub mod doctor;
pub mod frame;
pub mod health;
pub mod http;
pub mod limits;
pub mod metrics;
pub mod observe;
pub mod openapi;
pub mod preview;
pub mod serve;
pub mod state;
pub mod throttle;
pub mod web;

use axum::Router;
use axum::routing::get;

pub use state::AppState;

/// The whole application, ready to serve (or to drive with `tower::ServiceExt::oneshot` in tests).
///
/// From the outside in: the observation layer (every answer, refusals included, to the
/// inspector, the access log and the metrics; see `observe`), security headers and the log (so
/// every answer below gets them), the concurrency limits (per client address, then in all) and
/// request timeout, then the failed-token throttle. The throttle and the per-client limit share
/// one [`throttle::Throttle`], so they name clients alike; it also notes requests forwarded by an
/// untrusted proxy, which the inspector's listing shows.
pub fn app(state: AppState) -> Router {
    let limits = &state.config.limits;
    let throttle = throttle::Throttle::new(limits.token_failures_per_minute, limits.trusted_proxies.clone());
    let request_limits = limits::RequestLimits::new(limits.max_concurrent_requests, limits.request_timeout)
        .per_client(limits.max_requests_per_client, throttle.clone());
    let security = http::SecurityHeaders::new(&state.config.belco_origin);
    let health = Router::new()
        .route("/health", get(http::health))
        .route("/readyz", get(http::readyz))
        .route("/healthz", get(http::healthz))
        .with_state(health::Monitor::new(state.store.clone()));
    let metrics_on = state.config.metrics_token.is_some() || state.config.metrics_addr.is_some();
    if metrics_on {
        metrics::record_build_info(state.store.backend());
    }
    let inspector = calls::Inspector::new();
    let observer = std::sync::Arc::new(observe::Observer {
        inspector: inspector.clone(),
        access: state.access.clone(),
        metrics: metrics_on,
        trusted_proxies: limits.trusted_proxies.clone(),
    });
    let listing = calls::Listing {
        config: state.config.clone(),
        inspector: inspector.clone(),
        untrusted_proxy: throttle.sightings(),
    };
    let inspect = Router::new().route("/api/inspector/calls", get(calls::list)).with_state(listing);
    // On the main address only when it has no address of its own.
    let scrape = match (&state.config.metrics_token, state.config.metrics_addr) {
        (Some(token), None) => Some(metrics_router(&state.store, Some(token.clone()))),
        _ => None,
    };
    let preview = state.config.preview_on().then(|| {
        preview::router(preview::Preview {
            config: state.config.clone(),
            store: state.store.clone(),
            settings: std::sync::Arc::new(web::panel_settings(&state.config)),
            options: state.leptos_options.clone(),
            inspector,
        })
    });
    let mut router = Router::new()
        .merge(api::router())
        .merge(web::routes(state.clone()))
        .method_not_allowed_fallback(http::method_not_allowed)
        .with_state(state)
        .merge(health)
        .merge(inspect);
    for part in [scrape, preview].into_iter().flatten() {
        router = router.merge(part);
    }
    router
        .layer(axum::middleware::from_fn_with_state(throttle, throttle::failed_tokens))
        .layer(axum::middleware::from_fn_with_state(request_limits, limits::limit))
        .layer(axum::middleware::from_fn_with_state(security, http::headers_and_log))
        .layer(axum::middleware::from_fn_with_state(observer, observe::observe))
}

/// `GET /metrics` alone (for `BELCO_METRICS_ADDR`, or merged into [`app`] with a token).
pub fn metrics_router(store: &belco::store::Store, token: Option<std::sync::Arc<belco::secret::TokenSet>>) -> Router {
    Router::new().route("/metrics", get(metrics::scrape)).with_state(metrics::Scrape { store: store.clone(), token })
}
