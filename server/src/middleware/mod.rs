//! What every request passes through before and after its route: one file per layer, and
//! [`apply`], which puts them around the routes in one place, in the order a request meets them.
//!
//! - `observe`: the one observation layer, which gives each Belco call's note to the
//!   inspector, the access log and the metrics;
//! - `headers`: security headers, the request id, the request's log line (and, for a frame
//!   refused before its handler, `refusal_page`'s plain page in place of JSON);
//! - `limits`: the concurrency caps (per client address, then in all) and the request deadline;
//! - `throttle`: failed-token throttling per client address.

pub mod headers;
pub mod limits;
pub mod observe;
pub mod refusal_page;
pub mod throttle;

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use tower::ServiceBuilder;

use crate::calls::Inspector;
use crate::state::AppState;

/// `routes` inside the whole stack. From the outside in, the order a request meets them (and
/// its answer leaves them in reverse):
///
/// 1. the observation layer: every answer, refusals included, to the inspector, the access log
///    and the metrics (`observe`);
/// 2. security headers, the request id and the log line (`headers`), so every answer below
///    gets them;
/// 3. the concurrency caps, per client address then in all, and the request deadline
///    (`limits`);
/// 4. the failed-token throttle (`throttle`), which shares its [`throttle::Throttle`] with the
///    per-client cap, so they name clients alike.
pub fn apply(routes: Router, state: &AppState, inspector: Arc<Inspector>, throttle: Arc<throttle::Throttle>) -> Router {
    let config = &state.config;
    let limits = &config.limits;
    let observer = Arc::new(observe::Observer {
        inspector,
        access: state.access.clone(),
        metrics: config.metrics_on(),
        trusted_proxies: limits.trusted_proxies.clone(),
    });
    let security = headers::SecurityHeaders::new(&config.belco_origin, app::i18n::Locales::built_in(config.language));
    let request_limits = limits::RequestLimits::new(limits.max_concurrent_requests, limits.request_timeout)
        .per_client(limits.max_requests_per_client, throttle.clone());
    routes.layer(
        ServiceBuilder::new()
            .layer(from_fn_with_state(observer, observe::observe))
            .layer(from_fn_with_state(security, headers::headers_and_log))
            .layer(from_fn_with_state(request_limits, limits::limit))
            .layer(from_fn_with_state(throttle, throttle::failed_tokens)),
    )
}
