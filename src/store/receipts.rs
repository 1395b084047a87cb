//! Push receipts: the webhook ids of signed pushes already received, so that a replayed request
//! changes nothing. Kept for a window (the signature's time check refuses anything older).

use std::time::Duration;

use super::{Store, StoreError, with_pool};

/// Inserts a push receipt inside `$tx`; false when the id is already there. A macro so that one
/// body serves the transactions of both databases (a push records its receipt in its own
/// transaction, `orders.rs`); imported by path, so where it is declared does not matter.
macro_rules! record_receipt {
    ($tx:expr, $webhook_id:expr, $window:expr) => {{
        let now = $crate::store::now_millis();
        let oldest = now - i64::try_from($window.as_millis()).unwrap_or(i64::MAX);
        sqlx::query("DELETE FROM push_receipts WHERE received_at < $1").bind(oldest).execute(&mut *$tx).await?;
        let inserted = sqlx::query(
            "INSERT INTO push_receipts (webhook_id, received_at) VALUES ($1, $2) ON CONFLICT (webhook_id) DO NOTHING",
        )
        .bind($webhook_id)
        .bind(now)
        .execute(&mut *$tx)
        .await?;
        inserted.rows_affected() == 1
    }};
}
pub(super) use record_receipt;

impl Store {
    /// Records the webhook id of a signed push that was refused (a 400 or 422), so that the
    /// same signed request cannot be sent again; false when the id was already received.
    pub async fn consume_receipt(&self, webhook_id: &str, window: Duration) -> Result<bool, StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let recorded = record_receipt!(tx, webhook_id, window);
            tx.commit().await?;
            Ok(recorded)
        })
    }
}
