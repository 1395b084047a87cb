//! Prometheus metrics, `GET /metrics` in the text format: what Belco asks and how it goes, for
//! the shop's monitoring. Recorded through the `metrics` facade and exported by
//! `metrics-exporter-prometheus`. Off unless configured (and then nothing is recorded):
//! `BELCO_METRICS_TOKEN` serves it on the main address to `Authorization: Bearer <token>`,
//! `BELCO_METRICS_ADDR` on an address of its own instead (a private interface; the token is
//! asked there too when both are set).
//!
//! Labels are bounded: a route is the router's pattern (`/api/v1.0/orders`, `/fn/{*fn_name}`),
//! never a raw path, so no client can mint new series; no label holds a token, an email or a
//! phone number.
//!
//! - `belco_http_requests_total{route,method,status}`, `belco_http_request_duration_seconds{route}`
//! - `belco_token_refusals_total{route}`: answers 401 (a missing or wrong token or signature)
//! - `belco_lookups_total{source,matched}`: customer lookups by calls whose token was accepted
//!   (`orders_api`, `frame`, `preview_orders`), and `belco_lookup_orders_total{source}`: the
//!   orders they returned
//! - `belco_db_connections{state}`: the pool's connections, idle and in use, read at each scrape
//! - `belco_db_errors_total{kind}`: storage failures (counted by `belco::store::StoreError::count`, by [`belco::store::StoreError::kind`])
//! - `belco_webhook_attempts_total{outcome}`: the forms' webhook attempts, `delivered`, `retry`
//!   (failed, tried again) or `failed` (the last attempt failed); see `tasks/deliveries.rs`
//! - `belco_access_log_dropped_total`: calls answered but not recorded in the access log, its
//!   queue being full (the database far behind; see `tasks/access_log.rs`)
//! - `belco_build_info{version,storage}`: 1

use std::sync::OnceLock;

use axum::http::{Method, StatusCode};
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets, in seconds: half a millisecond (a cached lookup) to ten seconds.
const BUCKETS: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The process's exporter. The `metrics` facade has one recorder per process, installed by the
/// first call; every router built later (the tests build many) records into it.
pub fn exporter() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new();
        let builder = builder
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::error!("another metrics recorder is installed: /metrics shows nothing");
        }
        handle
    })
}

/// `belco_build_info`, once per router.
pub fn record_build_info(storage: &'static str) {
    exporter();
    gauge!("belco_build_info", "version" => env!("CARGO_PKG_VERSION"), "storage" => storage).set(1.0);
}

/// A call not recorded in the access log: its queue was full.
pub fn access_log_dropped() {
    counter!("belco_access_log_dropped_total").increment(1);
}

/// One request answered: counted, its latency recorded, a 401 counted as a refusal. Called by
/// the observation layer (`observe`) with the router's pattern for `route`.
pub fn request(route: String, method: &Method, status: StatusCode, latency: std::time::Duration) {
    histogram!("belco_http_request_duration_seconds", "route" => route.clone()).record(latency.as_secs_f64());
    if status == StatusCode::UNAUTHORIZED {
        counter!("belco_token_refusals_total", "route" => route.clone()).increment(1);
    }
    let method = method_label(method);
    counter!("belco_http_requests_total", "route" => route, "method" => method, "status" => status.as_u16().to_string())
        .increment(1);
}

/// A customer lookup by a call whose token was accepted, and the orders it found.
pub fn lookup(source: &'static str, orders: usize) {
    let matched = if orders > 0 { "true" } else { "false" };
    counter!("belco_lookups_total", "source" => source, "matched" => matched).increment(1);
    counter!("belco_lookup_orders_total", "source" => source).increment(orders as u64);
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
