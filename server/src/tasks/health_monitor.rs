//! Whether storage answers, as `/readyz` (and `/health`) report it: checked by one background
//! task every [`CHECK_EVERY`], so these routes, which anyone may call, never cost a database
//! query per call (and cannot be used to exhaust the pool).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use belco::store::Store;
use tokio::sync::OnceCell;

/// How often the background task pings storage. An outage shows on `/health` this much later at
/// most (plus the ping's own timeout).
pub const CHECK_EVERY: Duration = Duration::from_secs(2);

pub struct Monitor {
    store: Store,
    up: AtomicBool,
    /// Why the latest check failed ([`belco::store::StoreError::kind`]).
    reason: Mutex<&'static str>,
    /// Set by the first `/health` call, which starts the background task (so building the router
    /// needs no runtime, and a router nobody asks about pings nothing).
    started: OnceCell<()>,
}

impl Monitor {
    pub fn new(store: Store) -> Arc<Self> {
        Arc::new(Self { store, up: AtomicBool::new(false), reason: Mutex::new(""), started: OnceCell::new() })
    }

    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// The outcome of the latest check. The first call waits for the first check.
    pub async fn storage_up(self: &Arc<Self>) -> bool {
        self.readiness().await.is_ok()
    }

    /// The latest check: `Err` with why storage did not answer, in words fit for any caller.
    pub async fn readiness(self: &Arc<Self>) -> Result<(), &'static str> {
        self.started
            .get_or_init(|| async {
                self.check().await;
                tokio::spawn(refresh(Arc::downgrade(self)));
            })
            .await;
        if self.up.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err(self.reason.lock().map(|reason| *reason).unwrap_or("storage does not answer"))
        }
    }

    /// Logs only changes, so an outage is one line, not one every few seconds.
    async fn check(&self) {
        let result = self.store.ping().await;
        if let Err(e) = &result {
            e.count();
            if let Ok(mut reason) = self.reason.lock() {
                *reason = e.kind();
            }
        }
        let was_up = self.up.swap(result.is_ok(), Ordering::AcqRel);
        match result {
            Err(e) if was_up || !self.started.initialized() => {
                tracing::error!(error = %e, "health check: storage does not answer")
            }
            Ok(()) if !was_up && self.started.initialized() => tracing::info!("health check: storage answers again"),
            _ => {}
        }
    }
}

/// Checks until the router (the last holder of the monitor) is dropped.
async fn refresh(monitor: Weak<Monitor>) {
    loop {
        tokio::time::sleep(CHECK_EVERY).await;
        let Some(monitor) = monitor.upgrade() else { return };
        monitor.check().await;
    }
}
