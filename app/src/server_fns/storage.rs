//! The storage health check behind the landing page's "Check storage" button.

use leptos::prelude::*;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// How long one round trip to the database took.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoragePing {
    /// Microseconds, not milliseconds: a local SQLite file answers well under one millisecond.
    pub round_trip_micros: u64,
}

impl StoragePing {
    /// The round trip in milliseconds with one decimal, for display (`0.2`). Integer arithmetic:
    /// formatting an `f64` would add float-printing code to the wasm for this one line.
    pub fn millis_text(&self) -> String {
        let tenths = (self.round_trip_micros + 50) / 100;
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// Why a storage check failed, in words fit for the browser. The details of a storage failure
/// go to the server log only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum StorageCheckError {
    #[error("storage did not answer")]
    StorageUnavailable,
    /// The call itself failed: the network, or the server could not run the function.
    #[error("the server could not be reached")]
    CallFailed,
}

impl FromServerFnError for StorageCheckError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        super::call_failed("check_storage", error);
        Self::CallFailed
    }
}

/// Pings the store the server put into the Leptos context and times the round trip.
///
/// Served at `POST /fn/check_storage`: server functions live under `/fn`, apart from the
/// token-guarded `/api/…` that Belco calls, so no middleware meant for one catches the other.
#[server(prefix = "/fn", endpoint = "check_storage")]
pub async fn check_storage() -> Result<StoragePing, StorageCheckError> {
    use belco::store::Store;

    let Some(store) = use_context::<Store>() else {
        tracing::error!("no Store in the Leptos context; the server must provide it");
        return Err(StorageCheckError::StorageUnavailable);
    };
    let started = std::time::Instant::now();
    match store.ping().await {
        Ok(()) => {
            Ok(StoragePing { round_trip_micros: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX) })
        }
        Err(error) => {
            tracing::warn!(%error, "storage ping failed");
            Err(StorageCheckError::StorageUnavailable)
        }
    }
}
