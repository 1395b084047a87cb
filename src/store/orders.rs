//! Order writes: upserts (one batch, or an import's stream of them), deletes with their
//! tombstones, and signed pushes, which do both together with their receipt. Every writer holds
//! the write lock ([`WriteLock`]) so that what it reads (tombstones, stored versions) cannot
//! change before it writes; "Newer wins" in docs/operating.md says what is kept.

use std::time::Duration;

use sqlx::QueryBuilder;
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

use super::receipts::record_receipt;
use super::{Store, StoreError, now_millis, with_pool};
use crate::contract::Order;
use crate::identity::CustomerKey;

/// How many orders go into one multi-row INSERT (18 parameters each: far below both databases'
/// limits, large enough that per-statement overhead disappears).
const ROWS_PER_STATEMENT: usize = 200;

/// Upserts `rows` through `$executor` (a transaction that holds the write lock, see
/// [`WriteLock`]) in multi-row statements; yields how many were written. A row is written only
/// when it is newer than what is stored: its `updatedAt` is later than the order's tombstone
/// (a delete at the same instant wins) and not earlier than the stored row's (at the same
/// instant the later write wins, so a shop re-sending a fix sees it applied).
macro_rules! upsert_rows {
    ($executor:expr, $rows:expr) => {{
        let mut written = 0u64;
        for chunk in $rows.chunks(ROWS_PER_STATEMENT) {
            let chunk = newest_of_each_id(chunk);
            let mut lookup = QueryBuilder::new("SELECT id, deleted_at FROM order_tombstones WHERE id IN (");
            let mut ids = lookup.separated(", ");
            for o in &chunk {
                ids.push_bind(o.order.id.as_str());
            }
            lookup.push(")");
            let tombstones: std::collections::HashMap<String, i64> =
                lookup.build_query_as::<(String, i64)>().fetch_all(&mut *$executor).await?.into_iter().collect();
            let live: Vec<&StoredOrder> = chunk
                .into_iter()
                .filter(|o| tombstones.get(&o.order.id).is_none_or(|deleted_at| o.order.updated_at > *deleted_at))
                .collect();
            if live.is_empty() {
                continue;
            }
            let mut insert = QueryBuilder::new(
                "INSERT INTO orders (id, number, note, status, currency, total_minor, order_date, \
                 created_at, updated_at, url, email, phone_number, customer_name, email_norm, \
                 phone_norm, products, belco_json, stored_at) ",
            );
            insert.push_values(live, |mut row, o: &StoredOrder| {
                let order = &o.order;
                row.push_bind(order.id.as_str())
                    .push_bind(order.number.as_str())
                    .push_bind(order.note.as_str())
                    .push_bind(order.status.as_str())
                    .push_bind(order.currency.code())
                    .push_bind(order.total)
                    .push_bind(order.date)
                    .push_bind(order.created_at)
                    .push_bind(order.updated_at)
                    .push_bind(order.url.as_str())
                    .push_bind(order.email.as_str())
                    .push_bind(order.phone_number.as_str())
                    .push_bind(order.customer_name.as_deref())
                    .push_bind(o.key.email.as_deref())
                    .push_bind(o.key.phone.as_deref())
                    .push_bind(o.products_json.as_str())
                    .push_bind(o.belco_json.as_str())
                    .push_bind(o.stored_at);
            });
            // The WHERE skips an older version; both databases count only the rows written.
            insert.push(
                " ON CONFLICT (id) DO UPDATE SET number = excluded.number, note = excluded.note, \
                 status = excluded.status, currency = excluded.currency, \
                 total_minor = excluded.total_minor, order_date = excluded.order_date, \
                 created_at = excluded.created_at, updated_at = excluded.updated_at, \
                 url = excluded.url, email = excluded.email, phone_number = excluded.phone_number, \
                 customer_name = excluded.customer_name, email_norm = excluded.email_norm, \
                 phone_norm = excluded.phone_norm, products = excluded.products, \
                 belco_json = excluded.belco_json, stored_at = excluded.stored_at \
                 WHERE orders.updated_at <= excluded.updated_at",
            );
            written += insert.build().execute(&mut *$executor).await?.rows_affected();
        }
        written
    }};
}

/// Applies `deletes` through `$tx`: each leaves a tombstone with its time (the newest one an id
/// has had) and removes the stored order unless that was updated after the delete.
macro_rules! delete_rows {
    ($tx:expr, $deletes:expr, $counts:expr) => {{
        for Deletion { id, deleted_at } in $deletes {
            sqlx::query(
                "INSERT INTO order_tombstones (id, deleted_at) VALUES ($1, $2) ON CONFLICT (id) \
                 DO UPDATE SET deleted_at = excluded.deleted_at \
                 WHERE order_tombstones.deleted_at < excluded.deleted_at",
            )
            .bind(id.as_str())
            .bind(*deleted_at)
            .execute(&mut *$tx)
            .await?;
            let deleted = sqlx::query("DELETE FROM orders WHERE id = $1 AND updated_at <= $2")
                .bind(id.as_str())
                .bind(*deleted_at)
                .execute(&mut *$tx)
                .await?;
            if deleted.rows_affected() > 0 {
                $counts.deleted += 1;
                continue;
            }
            let newer = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM orders WHERE id = $1")
                .bind(id.as_str())
                .fetch_one(&mut *$tx)
                .await?;
            if newer > 0 {
                $counts.stale += 1;
            } else {
                $counts.missing += 1;
            }
        }
    }};
}

/// An order ready to store: validated, its customer key normalized, its Belco JSON rendered.
#[derive(Clone, Debug)]
pub struct StoredOrder {
    pub order: Order,
    pub key: CustomerKey,
    products_json: String,
    belco_json: String,
    stored_at: i64,
}

impl StoredOrder {
    pub fn new(order: Order, key: CustomerKey) -> Self {
        let products_json = serde_json::to_string(&order.products).unwrap_or_else(|_| "[]".into());
        let belco_json = order.to_belco_json();
        Self { order, key, products_json, belco_json, stored_at: now_millis() }
    }
}

/// A multi-row upsert may not name one id twice (PostgreSQL refuses). Of the copies of an id,
/// the one kept is the one that writing them one by one would leave: the newest `updatedAt`,
/// and of those the last.
fn newest_of_each_id(chunk: &[StoredOrder]) -> Vec<&StoredOrder> {
    let mut newest: std::collections::HashMap<&str, &StoredOrder> =
        std::collections::HashMap::with_capacity(chunk.len());
    for o in chunk.iter().rev() {
        newest
            .entry(o.order.id.as_str())
            .and_modify(|kept| {
                if o.order.updated_at > kept.order.updated_at {
                    *kept = o;
                }
            })
            .or_insert(o);
    }
    chunk.iter().filter(|o| newest.get(o.order.id.as_str()).is_some_and(|kept| std::ptr::eq(*kept, *o))).collect()
}

/// An order deleted through the push API, and when (milliseconds since the epoch): what orders
/// the delete against upserts of the same id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deletion {
    pub id: String,
    pub deleted_at: i64,
}

/// How a write of orders went: each order or deletion sent is counted once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteCounts {
    /// Orders written (inserted or replacing an older version).
    pub upserted: u64,
    /// Deletions that removed a stored order.
    pub deleted: u64,
    /// Orders and deletions skipped as older than what is stored: an order not newer than the
    /// stored one or than its tombstone (or than a copy later in the same write), a deletion of
    /// an order updated after it.
    pub stale: u64,
    /// Deletions of ids that were not stored (their tombstones are kept all the same).
    pub missing: u64,
}

/// Opens a transaction that holds the database's write lock from its first statement, so
/// what it reads (tombstones, stored versions) cannot change before it writes. SQLite: `BEGIN
/// IMMEDIATE` (a deferred transaction that reads first could not write after another
/// connection did). PostgreSQL: a transaction-scoped advisory lock taken by every writer of
/// orders, waiting at most as long as SQLite's busy timeout.
trait WriteLock {
    type Db: sqlx::Database;
    fn begin_write(&self) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>> + Send;
}

/// The advisory lock key of order writes on PostgreSQL (any constant; "belco" in ASCII).
const ORDER_WRITES_LOCK: i64 = 0x62_656c_636f;

impl WriteLock for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl WriteLock for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        let mut tx = self.begin().await?;
        sqlx::query("SET LOCAL lock_timeout = '10s'").execute(&mut *tx).await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(ORDER_WRITES_LOCK).execute(&mut *tx).await?;
        Ok(tx)
    }
}

/// What a push did.
#[derive(Debug, PartialEq, Eq)]
pub enum PushOutcome {
    Applied(WriteCounts),
    /// This webhook id was received before: nothing was written.
    Replayed,
}

impl Store {
    /// Upserts all `orders` in one transaction: all of them are stored, or none. Returns how
    /// many were written (older versions than the stored ones are skipped, see [`upsert_rows!`]).
    pub async fn upsert_orders(&self, orders: &[StoredOrder]) -> Result<u64, StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let written = upsert_rows!(tx, orders);
            tx.commit().await?;
            Ok(written)
        })
    }

    /// Upserts batches as they arrive, in one transaction that commits only when the channel
    /// closes cleanly; the first `Err` from the producer rolls everything back and is returned.
    pub async fn upsert_stream<E>(
        &self,
        mut batches: tokio::sync::mpsc::Receiver<Result<Vec<StoredOrder>, E>>,
    ) -> Result<Result<WriteCounts, E>, StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut counts = WriteCounts::default();
            while let Some(batch) = batches.recv().await {
                match batch {
                    Ok(rows) => {
                        let written = upsert_rows!(tx, rows);
                        counts.upserted += written;
                        counts.stale += (rows.len() as u64).saturating_sub(written);
                    }
                    Err(e) => {
                        tx.rollback().await?;
                        return Ok(Err(e));
                    }
                }
            }
            tx.commit().await?;
            Ok(Ok(counts))
        })
    }

    /// Applies one signed push (deletions, then upserts) in one transaction together with its
    /// receipt, unless its webhook id was received before. A failure leaves no receipt, so the
    /// sender's retry is applied. Receipts older than `window` are pruned: a replay that old
    /// fails the signature's time check anyway.
    pub async fn push(
        &self,
        webhook_id: &str,
        window: Duration,
        orders: &[StoredOrder],
        deletes: &[Deletion],
    ) -> Result<PushOutcome, StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if !record_receipt!(tx, webhook_id, window) {
                tx.rollback().await?;
                return Ok(PushOutcome::Replayed);
            }
            let mut counts = WriteCounts::default();
            delete_rows!(tx, deletes, counts);
            counts.upserted = upsert_rows!(tx, orders);
            counts.stale += (orders.len() as u64).saturating_sub(counts.upserted);
            tx.commit().await?;
            Ok(PushOutcome::Applied(counts))
        })
    }
}
