//! The metrics' upkeep while `/metrics` is on.

use crate::metrics::exporter;

/// Folds the recorded latencies into the histograms every few seconds, so memory stays flat
/// between scrapes (started by `startup` while metrics are on).
pub async fn upkeep() {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        exporter().run_upkeep();
    }
}
