//! `GET /api/inspector/calls?token=…`: the integration inspector's lists (`calls::Inspector`)
//! as JSON, for `belco-panel calls`, the preview and the doctor.

use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRef, State};
use axum::response::{IntoResponse, Response};

use crate::calls::Inspector;
use crate::config::Config;
use crate::middleware::throttle::ProxySightings;
use crate::routes::belco_call::{Authorized, ShopToken};
use crate::routes::no_store;

/// What `GET /api/inspector/calls` reads.
#[derive(Clone)]
pub struct Listing {
    pub config: Arc<Config>,
    pub inspector: Arc<Inspector>,
    /// Requests forwarded by a proxy not in `BELCO_TRUSTED_PROXIES` (for `belco-panel doctor`).
    pub untrusted_proxy: Arc<ProxySightings>,
}

impl FromRef<Listing> for Arc<Config> {
    fn from_ref(listing: &Listing) -> Self {
        listing.config.clone()
    }
}

/// `GET /api/inspector/calls?token=…`: the calls kept, newest first, to a holder of a shop token,
/// and whether requests arrived through a proxy not trusted (`untrusted_proxy`, for the doctor).
pub async fn list(_: Authorized<ShopToken>, State(listing): State<Listing>) -> Response {
    let untrusted_proxy = listing
        .untrusted_proxy
        .seen()
        .map(|(peer, requests)| serde_json::json!({ "peer": peer.to_string(), "requests": requests }));
    let mut answer = serde_json::to_value(listing.inspector.listing()).unwrap_or_default();
    if let Some(fields) = answer.as_object_mut() {
        fields.insert("untrusted_proxy".into(), untrusted_proxy.unwrap_or_default());
    }
    no_store(Json(answer).into_response())
}
