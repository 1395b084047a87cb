//! `belco-panel import FILE` (orders in Belco's shape, with a progress bar) and
//! `belco-panel backup FILE` (a copy of the SQLite database while it serves).

use belco::import::{ImportError, Progress, import_file};
use belco::store::WriteCounts;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{CliResult, connect};
use crate::config::Config;

pub(crate) async fn import(config: &Config, path: &Path) -> CliResult {
    let size = std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?.len();
    let store = connect(config).await?;
    let progress = Arc::new(Progress::default());
    let bar = indicatif::ProgressBar::new(size).with_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {percent:>3}% {binary_bytes}/{binary_total_bytes} {msg} ({eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let ticker = {
        let (bar, progress) = (bar.clone(), progress.clone());
        tokio::spawn(async move {
            loop {
                bar.set_position(progress.bytes_read.load(Ordering::Relaxed));
                bar.set_message(format!("{} orders", progress.orders_read.load(Ordering::Relaxed)));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let result = import_file(&store, path, config.phone_region, progress).await;
    ticker.abort();
    bar.finish_and_clear();
    let counts = result.map_err(|e| import_failure(path, &e))?;
    println!("{}", imported(path, counts, started.elapsed()));
    Ok(())
}

pub(crate) async fn backup(config: &Config, path: &Path) -> CliResult {
    // Opening would create an empty database at a mistyped path, and back that up.
    if let Some(file) = belco::store::sqlite_file(config.database_url.expose()).filter(|f| !f.exists()) {
        return Err(format!("DATABASE_URL names {}, which does not exist: nothing to back up", file.display()).into());
    }
    let store = connect(config).await?;
    let started = Instant::now();
    let result = store.backup_to(path).await;
    store.close().await;
    let summary = result?;
    println!(
        "Backed up to {} in {:.1} s: {} orders, {} notes, {} form submissions, {} bytes. \
         To restore, stop belco-panel and point DATABASE_URL at a copy of it (sqlite://{}).",
        path.display(),
        started.elapsed().as_secs_f64(),
        summary.orders,
        summary.notes,
        summary.submissions,
        summary.bytes,
        path.display()
    );
    Ok(())
}

/// What `import` says when it is done: how many orders were written, and how many were skipped
/// because the database already had them newer (or deleted later).
fn imported(path: &Path, counts: WriteCounts, took: Duration) -> String {
    let mut line =
        format!("Imported {} orders from {} in {:.1} s.", counts.upserted, path.display(), took.as_secs_f64());
    if counts.stale > 0 {
        line.push_str(&format!(
            " Skipped {} that the database holds in a newer version (a later updatedAt) or that were deleted since.",
            counts.stale
        ));
    }
    line
}

/// What `import` says when it fails: whether anything was stored depends on when it failed.
fn import_failure(path: &Path, e: &ImportError) -> String {
    if e.nothing_stored() {
        format!("import of {} stopped, nothing was stored: {e}", path.display())
    } else {
        format!("import of {}: {e}", path.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_that_failed_after_its_commit_does_not_say_nothing_was_stored() {
        let path = Path::new("orders.json");
        let counts = WriteCounts { upserted: 12, stale: 3, ..WriteCounts::default() };
        let source = belco::store::StoreError::UnknownScheme("checkpoint".into());
        let after = import_failure(path, &ImportError::AfterCommit { counts, source });
        assert!(after.contains("all 12 orders were stored") && !after.contains("nothing was stored"), "{after}");
        let before = import_failure(path, &ImportError::NoOrders);
        assert!(before.contains("nothing was stored"), "{before}");
        let done = imported(path, counts, Duration::from_millis(1500));
        assert!(
            done.starts_with("Imported 12 orders from orders.json in 1.5 s.") && done.contains("Skipped 3"),
            "{done}"
        );
    }
}
