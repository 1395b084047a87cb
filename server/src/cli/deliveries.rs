//! `belco-panel deliveries [--failed]` and `deliveries retry ID|--failed`: the forms' webhook
//! deliveries, as the outbox holds them.

use crate::calls::printable;

use super::{CliResult, connect};
use crate::config::Config;

/// `belco-panel deliveries [--failed]`: the newest 100.
pub(crate) async fn deliveries(config: &Config, failed_only: bool) -> CliResult {
    let store = connect(config).await?;
    let state = failed_only.then_some(belco::store::DeliveryState::Failed);
    let listed = store.deliveries(state, 100).await;
    store.close().await;
    print!("{}", deliveries_table(&listed?, failed_only));
    Ok(())
}

/// The deliveries as `belco-panel deliveries` prints them; the last answer is the receiver's
/// text, so it is made printable.
fn deliveries_table(deliveries: &[belco::store::Delivery], failed_only: bool) -> String {
    let mut out = format!(
        "{:<26} {:<20} {:<24} {:<9} {:>8}  {}\n",
        "webhook-id", "form", "sent (UTC)", "state", "attempts", "last answer / next attempt"
    );
    for d in deliveries {
        let status = d.last_status.map(|s| format!("{s} ")).unwrap_or_default();
        let last = match (&d.last_error, d.state) {
            (_, belco::store::DeliveryState::Delivered) => format!("{status}delivered"),
            (None, _) => "not attempted yet".to_owned(),
            (Some(error), _) => printable(error),
        };
        let next = match d.state {
            belco::store::DeliveryState::Pending => {
                format!("; next attempt {}", belco::time::format_instant(d.next_attempt_at))
            }
            _ => String::new(),
        };
        out.push_str(&format!(
            "{:<26} {:<20} {:<24} {:<9} {:>8}  {last}{next}\n",
            printable(&d.id),
            printable(&d.form_id),
            belco::time::format_instant(d.created_at),
            d.state.as_str(),
            d.attempts,
        ));
    }
    if deliveries.is_empty() {
        out.push_str(if failed_only { "(no failed deliveries)\n" } else { "(no form webhooks were sent)\n" });
    }
    out
}

/// `belco-panel deliveries retry ID|--failed`.
pub(crate) async fn retry_deliveries(config: &Config, which: &belco::store::RetryWhich) -> CliResult {
    let store = connect(config).await?;
    let started = store.retry_deliveries(which, belco::store::now_millis()).await;
    store.close().await;
    match (started?, which) {
        (0, belco::store::RetryWhich::One(id)) => {
            return Err(format!("no delivery {id:?} waits for a retry (see belco-panel deliveries)").into());
        }
        (0, _) => println!("No failed deliveries to retry."),
        (n, _) => println!(
            "Started {n} deliveries over: a running belco-panel attempts them within a second, with up to {} attempts \
             each.",
            config.webhooks.schedule.attempts
        ),
    }
    Ok(())
}
