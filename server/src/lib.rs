//! The belco-panel server: the axum router that serves Belco's Custom Orders API, the push API
//! and the Leptos pages, with the middleware every response passes through.
//!
//! - `config`: the environment variables;
//! - `api::orders`: `GET /api/v1.0/orders`, Belco's contract;
//! - `api::push`: `POST /api/v1.0/orders` and `DELETE /api/v1.0/orders/{id}`, signed by the shop;
//! - `web`: the Leptos pages and server functions;
//! - `http`: JSON errors, security headers, redacted request logs;
//! - `cli` and `demo`: the `belco-panel` subcommands.

pub mod api;
pub mod cli;
pub mod config;
pub mod demo;
pub mod http;
pub mod state;
pub mod web;

use axum::Router;
use axum::routing::get;

pub use state::AppState;

/// The whole application, ready to serve (or to drive with `tower::ServiceExt::oneshot` in tests).
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(api::router())
        .route("/health", get(http::health))
        .merge(web::routes(state.clone()))
        .method_not_allowed_fallback(http::method_not_allowed)
        .layer(axum::middleware::from_fn(http::headers_and_log))
        .with_state(state)
}
