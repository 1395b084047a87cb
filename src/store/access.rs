//! The access log: who looked up which customer, and when (`migrations/0005_access_log.sql`).
//! Written in batches by the server's access logger, read by `belco-panel access`, exported and
//! erased with the customer's other data, and pruned by age.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::customer_data::HashedKey;
use super::fast_read::ReadError;
use super::{Db, Store, StoreError, with_pool};

/// One frame render or orders lookup.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct AccessRecord {
    /// Milliseconds since the epoch.
    pub at: i64,
    /// `frame` or `orders_api`.
    pub route: String,
    pub email_hash: Option<String>,
    pub phone_hash: Option<String>,
    /// The orders the lookup found; `None` when nothing was looked up.
    pub orders: Option<i64>,
    pub client: String,
    pub status: i64,
    pub outcome: String,
}

/// One record's `INSERT` (SQLite's append path prepares it once).
const INSERT_ONE: &str = "INSERT INTO access_log (at, route, email_hash, phone_hash, orders, client, status, outcome) \
                          VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// A batch in one `INSERT` on PostgreSQL: one array per column, the same statement for any size.
const INSERT_MANY_POSTGRES: &str = "INSERT INTO access_log (at, route, email_hash, phone_hash, orders, client, status, outcome) \
     SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[], $6::TEXT[], $7::BIGINT[], $8::TEXT[])";

/// Appends access records for one writer: on a SQLite file through a connection of its own,
/// with one prepared statement (sqlx's arguments and worker thread cost several times the
/// insert itself, which the orders API's throughput showed); elsewhere through the pool.
///
/// The SQLite connection is blocking: it is used on tokio's blocking threads only, never on a
/// runtime worker (it waits up to the busy timeout for another writer's lock, an import's say).
/// It is opened at the first append, and opened again after an append that could not open it.
pub struct AccessAppender {
    store: Store,
    sqlite: Option<Arc<SqliteAppender>>,
}

struct SqliteAppender {
    path: PathBuf,
    conn: Mutex<Option<rusqlite::Connection>>,
}

/// The SQLite appender, for a caller that runs it on a thread of its own (the server's access
/// log does, at a lower priority than the threads that answer requests).
#[derive(Clone)]
pub struct BlockingAppender(Arc<SqliteAppender>);

impl BlockingAppender {
    /// Blocking: appends `records` in one transaction; a failure leaves nothing written.
    pub fn append(&self, records: &[AccessRecord]) -> Result<(), StoreError> {
        Ok(self.0.append(records)?)
    }
}

impl AccessAppender {
    /// On SQLite, the blocking appender (see [`BlockingAppender`]); `None` elsewhere.
    pub fn blocking(&self) -> Option<BlockingAppender> {
        self.sqlite.clone().map(BlockingAppender)
    }

    /// Appends `records`, all in one transaction. A failure leaves nothing written; the caller
    /// may try the same records again.
    pub async fn append(&mut self, records: &Arc<[AccessRecord]>) -> Result<(), StoreError> {
        match &self.sqlite {
            Some(sqlite) => {
                let (sqlite, records) = (sqlite.clone(), records.clone());
                match tokio::task::spawn_blocking(move || sqlite.append(&records)).await {
                    Ok(written) => Ok(written?),
                    Err(_) => Err(ReadError::Stopped.into()),
                }
            }
            None => self.store.record_accesses(records).await,
        }
    }
}

impl SqliteAppender {
    /// Blocking: on a blocking thread only.
    fn append(&self, records: &[AccessRecord]) -> Result<(), ReadError> {
        // A panic under the lock (none is expected) leaves no half transaction behind: rusqlite
        // rolls back a dropped one. The connection is dropped and opened again all the same.
        let mut slot = self.conn.lock().unwrap_or_else(|poisoned| {
            let mut slot = poisoned.into_inner();
            *slot = None;
            slot
        });
        let conn = match &mut *slot {
            Some(conn) => conn,
            empty => empty.insert(open_sqlite(&self.path)?),
        };
        append_sqlite(conn, records)
    }
}

fn open_sqlite(path: &Path) -> Result<rusqlite::Connection, ReadError> {
    let conn = rusqlite::Connection::open(path)?;
    // As the pool's connections: a commit is synced, and a busy database is waited for.
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // As every connection: what it deletes is zeroed (`traces.rs`).
    conn.pragma_update_and_check(None, "secure_delete", "ON", |row| row.get::<_, i64>(0))?;
    Ok(conn)
}

fn append_sqlite(conn: &mut rusqlite::Connection, records: &[AccessRecord]) -> Result<(), ReadError> {
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare_cached(INSERT_ONE)?;
        for r in records {
            insert.execute(rusqlite::params![
                r.at,
                r.route,
                r.email_hash,
                r.phone_hash,
                r.orders,
                r.client,
                r.status,
                r.outcome
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

impl Store {
    /// The access log's appender (see [`AccessAppender`]); on SQLite its connection is opened
    /// at the first append.
    pub fn access_appender(&self) -> AccessAppender {
        let sqlite = self
            .reader
            .as_ref()
            .map(|reader| Arc::new(SqliteAppender { path: reader.path().to_path_buf(), conn: Mutex::new(None) }));
        AccessAppender { store: self.clone(), sqlite }
    }

    /// Appends `records`, all in one transaction, through the pool.
    pub async fn record_accesses(&self, records: &[AccessRecord]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                for r in records {
                    sqlx::query(INSERT_ONE)
                        .bind(r.at)
                        .bind(&r.route)
                        .bind(r.email_hash.as_deref())
                        .bind(r.phone_hash.as_deref())
                        .bind(r.orders)
                        .bind(&r.client)
                        .bind(r.status)
                        .bind(&r.outcome)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }
            Db::Postgres(pool) => {
                let column = |f: fn(&AccessRecord) -> String| records.iter().map(f).collect::<Vec<_>>();
                let optional = |f: fn(&AccessRecord) -> Option<String>| records.iter().map(f).collect::<Vec<_>>();
                let mut tx = pool.begin().await?;
                // As SQLite's busy timeout: a lock held elsewhere is waited for 5 s, then the
                // batch fails (the access log tries it again) instead of waiting on the server
                // for as long as the lock lasts, where no cancelling the call would withdraw it.
                sqlx::query("SET LOCAL lock_timeout = '5s'").execute(&mut *tx).await?;
                sqlx::query(INSERT_MANY_POSTGRES)
                    .bind(records.iter().map(|r| r.at).collect::<Vec<_>>())
                    .bind(column(|r| r.route.clone()))
                    .bind(optional(|r| r.email_hash.clone()))
                    .bind(optional(|r| r.phone_hash.clone()))
                    .bind(records.iter().map(|r| r.orders).collect::<Vec<_>>())
                    .bind(column(|r| r.client.clone()))
                    .bind(records.iter().map(|r| r.status).collect::<Vec<_>>())
                    .bind(column(|r| r.outcome.clone()))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// The lookups of the customer `hashed` names (under any of its pseudonyms), newest first,
    /// `limit` at most.
    pub async fn accesses(&self, hashed: &HashedKey, limit: i64) -> Result<Vec<AccessRecord>, StoreError> {
        if hashed.is_empty() {
            return Ok(Vec::new());
        }
        let (matching, pseudonyms) = hashed.filter(2);
        let sql = format!(
            "SELECT at, route, email_hash, phone_hash, orders, client, status, outcome FROM access_log \
             WHERE {matching} ORDER BY at DESC LIMIT $1"
        );
        let rows = with_pool!(self, pool => {
            let mut query = sqlx::query_as::<_, AccessRecord>(&sql).bind(limit);
            for pseudonym in &pseudonyms {
                query = query.bind(*pseudonym);
            }
            query.fetch_all(pool).await?
        });
        Ok(rows)
    }

    /// Deletes the records from before `before` (ms since the epoch); answers how many went.
    pub async fn prune_accesses(&self, before: i64) -> Result<u64, StoreError> {
        const SQL: &str = "DELETE FROM access_log WHERE at < $1";
        let n = with_pool!(self, pool => sqlx::query(SQL).bind(before).execute(pool).await?.rows_affected());
        Ok(n)
    }
}
