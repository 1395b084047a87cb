//! The storage health check behind the landing page's "Check storage" button.

use leptos::prelude::*;
use leptos::server_fn::codec::{Json, JsonEncoding};
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
    /// The request itself was malformed (status 4xx); the message never quotes what was sent.
    #[error("{0}")]
    BadRequest(String),
}

impl FromServerFnError for StorageCheckError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        match super::call_failed("check_storage", error) {
            super::Failure::BadRequest(message) => Self::BadRequest(message.to_owned()),
            super::Failure::CallFailed => Self::CallFailed,
        }
    }
}

/// How long one storage check's answer stands: the landing page is public, so however often
/// anyone clicks (or scripts) "Check storage", the database is pinged at most once per this.
#[cfg(feature = "ssr")]
pub const STORAGE_CHECK_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(5);

/// The last storage check's answer, shared by every call (the server puts one in the Leptos
/// context). A failed check is kept too, so a database that is down is not asked again and again.
#[cfg(feature = "ssr")]
#[derive(Debug)]
pub struct StorageCheckCache(crate::recent::Recent<Result<StoragePing, StorageCheckError>>);

#[cfg(feature = "ssr")]
impl StorageCheckCache {
    /// Answers kept for [`STORAGE_CHECK_MAX_AGE`].
    pub fn new() -> Self {
        Self::with_max_age(STORAGE_CHECK_MAX_AGE)
    }

    pub fn with_max_age(max_age: std::time::Duration) -> Self {
        Self(crate::recent::Recent::new(max_age))
    }
}

#[cfg(feature = "ssr")]
impl Default for StorageCheckCache {
    fn default() -> Self {
        Self::new()
    }
}

/// Pings the store the server put into the Leptos context and times the round trip, or answers
/// with the last ping when it is less than [`STORAGE_CHECK_MAX_AGE`] old: the call needs no
/// token, so it must not give anyone a way to make the database work.
///
/// Served at `POST /fn/check_storage`: server functions live under `/fn`, apart from the
/// token-guarded `/api/…` that Belco calls, so no middleware meant for one catches the other.
#[server(prefix = "/fn", endpoint = "check_storage", input = Json)]
pub async fn check_storage() -> Result<StoragePing, StorageCheckError> {
    use std::sync::Arc;

    use belco::store::Store;

    let (Some(store), Some(cache)) = (use_context::<Store>(), use_context::<Arc<StorageCheckCache>>()) else {
        tracing::error!("no Store or StorageCheckCache in the Leptos context; the server must provide them");
        return Err(StorageCheckError::StorageUnavailable);
    };
    let check = async {
        let started = std::time::Instant::now();
        Ok::<_, std::convert::Infallible>(match store.ping().await {
            Ok(()) => {
                Ok(StoragePing { round_trip_micros: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX) })
            }
            Err(error) => {
                tracing::warn!(%error, "storage ping failed");
                Err(StorageCheckError::StorageUnavailable)
            }
        })
    };
    match cache.0.get(check).await {
        Ok(answer) => answer,
        Err(never) => match never {},
    }
}
