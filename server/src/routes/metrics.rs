//! `GET /metrics`: the Prometheus text of what `crate::metrics` recorded, to a caller with
//! `BELCO_METRICS_TOKEN` when one is configured (on the main address, or on
//! `BELCO_METRICS_ADDR` alone).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use belco::secret::TokenSet;
use belco::store::Store;
use metrics::gauge;

use crate::metrics::exporter;

/// What `GET /metrics` needs: the store (for the pool gauges) and the token, if one is asked.
#[derive(Clone)]
pub struct Scrape {
    pub store: Store,
    pub token: Option<Arc<TokenSet>>,
}

/// `GET /metrics`: the text format, to a caller with the token when one is configured.
pub async fn scrape(State(scrape): State<Scrape>, headers: HeaderMap) -> Response {
    if let Some(tokens) = &scrape.token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
            .map(<[u8]>::trim_ascii);
        if !tokens.accepts(presented) {
            let mut refused = (StatusCode::UNAUTHORIZED, "metrics need Authorization: Bearer <BELCO_METRICS_TOKEN>\n")
                .into_response();
            refused.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return refused;
        }
    }
    let pool = scrape.store.pool_stats();
    gauge!("belco_db_connections", "state" => "idle").set(pool.idle as f64);
    gauge!("belco_db_connections", "state" => "in_use").set(f64::from(pool.size) - pool.idle as f64);
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        exporter().render(),
    )
        .into_response()
}
