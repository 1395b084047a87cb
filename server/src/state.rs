//! What every handler and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use belco::store::Store;
use leptos::config::LeptosOptions;

use crate::config::Config;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub config: Arc<Config>,
    /// The access log, when it is on (`BELCO_ACCESS_LOG`) and started (`tasks::access_log::start`).
    pub access: Option<Arc<crate::tasks::access_log::AccessLog>>,
}
