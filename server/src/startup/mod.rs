//! Putting the server together and taking it apart: [`router`] (the routes inside the
//! middleware, for one state) and [`Application`], which owns everything a running belco-panel
//! holds: the state, the background tasks, the listeners, and the order they stop in.
//! `belco-panel serve` and `demo` run one ([`Application::build`], then
//! [`Application::run_until`]); the tests' `TestApp` assembles one without listeners
//! ([`Application::assemble`]) and drives its router in-process.
//!
//! `accept` is the accept loop every listener runs (header and write timeouts, the connection
//! cap), in place of `axum::serve`.

pub mod accept;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use belco::store::Store;
use leptos::config::LeptosOptions;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::calls::Inspector;
use crate::config::Config;
use crate::middleware::throttle::{Throttle, failed_tokens};
use crate::state::AppState;
use crate::tasks::{access_log, deliveries};

/// Every route of the main address inside the whole middleware stack, for `state`.
pub fn router(state: AppState) -> Router {
    let limits = &state.config.limits;
    let throttle = Throttle::new(limits.token_failures_per_minute, limits.trusted_proxies.clone());
    let inspector = Inspector::new();
    if state.config.metrics_on() {
        crate::metrics::record_build_info(state.store.backend());
    }
    let routes = crate::routes::router(state.clone(), inspector.clone(), throttle.sightings());
    crate::middleware::apply(routes, &state, inspector, throttle)
}

/// A belco-panel: its state and router, the tasks beside them, and (once built) its listeners.
pub struct Application {
    state: AppState,
    router: Router,
    access_writer: Option<access_log::Writer>,
    deliverer: Option<deliveries::Deliverer>,
    upkeep: Option<JoinHandle<()>>,
    listener: Option<TcpListener>,
    metrics_listener: Option<TcpListener>,
}

impl Application {
    /// The state and the router, with the access log's writer when the log is on: what
    /// answering requests needs. No listener and no webhook deliveries (a test starts those
    /// itself when it wants them). Needs a Tokio runtime.
    pub fn assemble(config: Config, store: Store, leptos_options: LeptosOptions) -> Self {
        let (access, access_writer) = match (&config.pseudonyms, config.access_log) {
            (Some(pseudonyms), true) => {
                let (log, writer) = access_log::start(store.clone(), pseudonyms.clone(), config.access_retention);
                (Some(log), Some(writer))
            }
            _ => (None, None),
        };
        let state = AppState { leptos_options, store, config: Arc::new(config), access };
        Self {
            router: router(state.clone()),
            state,
            access_writer,
            deliverer: None,
            upkeep: None,
            listener: None,
            metrics_listener: None,
        }
    }

    /// [`Self::assemble`], with the listeners bound (`LEPTOS_SITE_ADDR`, and
    /// `BELCO_METRICS_ADDR` when set) and every task started: the webhook deliveries and, while
    /// metrics are on, their upkeep. An address that cannot be listened on is an error naming
    /// its variable.
    pub async fn build(config: Config, store: Store, leptos_options: LeptosOptions) -> Result<Self, String> {
        let addr = leptos_options.site_addr;
        let metrics_addr = config.metrics_addr;
        let mut app = Self::assemble(config, store, leptos_options);
        app.listener =
            Some(TcpListener::bind(addr).await.map_err(|e| format!("LEPTOS_SITE_ADDR: cannot listen on {addr}: {e}"))?);
        if let Some(metrics_addr) = metrics_addr {
            app.metrics_listener = Some(
                TcpListener::bind(metrics_addr)
                    .await
                    .map_err(|e| format!("BELCO_METRICS_ADDR: cannot listen on {metrics_addr}: {e}"))?,
            );
        }
        let config = &app.state.config;
        app.deliverer = Some(deliveries::start(app.state.store.clone(), config.webhooks.clone()));
        app.upkeep = config.metrics_on().then(|| tokio::spawn(crate::tasks::metrics::upkeep()));
        Ok(app)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The router of the main address (routes and middleware), to serve or to call in-process.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The main listener's address, once built.
    pub fn address(&self) -> Option<SocketAddr> {
        self.listener.as_ref().and_then(|listener| listener.local_addr().ok())
    }

    /// Serves until `shutdown` completes, then stops in order: the listeners (requests in
    /// flight finish, see `accept`), the access log's queue written out, the webhook attempts
    /// under way settled, and the store closed (on SQLite that checkpoints the WAL into the
    /// database file and removes the `-wal` and `-shm` files).
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) {
        let config = self.state.config.clone();
        let connections = accept::Connections::from(&config.limits);
        let metrics = self.metrics_listener.map(|listener| {
            // Its own listener, so its own failed-token throttle: a wrong bearer token there is
            // refused after the same number of tries as one on the main address.
            let limits = &config.limits;
            let throttle = Throttle::new(limits.token_failures_per_minute, limits.trusted_proxies.clone());
            let router = crate::routes::metrics_router(&self.state.store, config.metrics_token.clone())
                .layer(axum::middleware::from_fn_with_state(throttle, failed_tokens));
            if let Ok(addr) = listener.local_addr() {
                tracing::info!(%addr, "metrics listening");
            }
            tokio::spawn(accept::run_with(listener, router, connections, std::future::pending()))
        });
        if let Some(listener) = self.listener {
            if let Ok(addr) = listener.local_addr() {
                tracing::info!(%addr, "listening");
            }
            accept::run_with(listener, self.router, connections, shutdown).await;
        } else {
            shutdown.await;
            drop(self.router);
        }
        for task in [metrics, self.upkeep].into_iter().flatten() {
            task.abort();
        }
        // Nothing is served any more: the access log's queue is written out (the writer closes it).
        if let Some(writer) = self.access_writer {
            writer.finish(Duration::from_secs(5)).await;
        }
        // Webhook attempts under way are settled, so a receiver that answered is not sent it again.
        if let Some(deliverer) = self.deliverer {
            deliverer.finish(config.webhooks.timeout + Duration::from_secs(2)).await;
        }
        self.state.store.close().await;
        tracing::info!("storage closed");
    }
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
