//! Storage: a SQLite file by default, PostgreSQL for shops that run several instances. The same
//! SQL serves both (`$1` placeholders are understood by SQLite too), so each query is written
//! once. This module holds the [`Store`] handle: connecting, migrating, closing, pinging. The
//! rest, one job each:
//!
//! - `sql`: the SQL text of every read, in the two dialects.
//! - `query`: a read, and the one function that runs it on SQLite's read path or on sqlx
//!   ([`Store::read`](Store)); `fast_read`: that read path (rusqlite on the calling thread).
//! - `records`: what the orders API and the panel read ([`CustomerRecords`]); `panel_orders`:
//!   an order as the panel lists it ([`PanelOrder`]); `summary`: the panel's header
//!   ([`CustomerSummary`]); `products`: an order's product lines.
//! - `orders`: order writes (upserts, deletes with tombstones, pushes); `receipts`: the webhook
//!   ids of pushes received.
//! - `notes` and `submissions`: what agents write in the frame; `deliveries`: the outbox of the
//!   forms' webhooks; `settings`: stored settings.
//! - `traces`: what a deletion leaves in SQLite's files, and clearing it (`secure_delete`, the
//!   one-time rewrite of a database older than it, the checkpoint that empties the log).
//! - `backup`: a consistent copy of a SQLite store while it serves; `examine`: what
//!   `belco-panel doctor` asks of a database (migrations, writable), changing nothing.
//!
//! A write whose body serves both databases' transactions is a macro (`with_pool!` below,
//! `upsert_rows!`, `delete_rows!`, `record_receipt!`); each is imported by its path, so the order
//! in which modules and macros are declared does not matter.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

mod access;
mod backup;
mod customer_data;
mod customers;
mod deliveries;
mod examine;
mod fast_read;
mod notes;
mod orders;
mod panel_orders;
mod products;
mod query;
mod receipts;
mod records;
mod settings;
mod sql;
mod submissions;
mod summary;
mod traces;

pub use access::{AccessAppender, AccessRecord, BlockingAppender};
pub use backup::BackupSummary;
pub use customer_data::{CustomerExport, Erased, HashedKey};
pub use customers::KnownCustomer;
pub use deliveries::{Claimed, Delivery, DeliveryState, FailedAttempt, RetryWhich, Settled};
pub use examine::{Examination, examine};
pub use notes::Note;
pub use orders::{Deletion, PushOutcome, StoredOrder, WriteCounts};
pub use panel_orders::PanelOrder;
pub use products::ProductLine;
pub use records::{CustomerRecords, RecordLimits};
pub use submissions::{RecordOwner, Submission};
pub use summary::CustomerSummary;
pub use traces::{SECURE_DELETE_SINCE, Scrubbed};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long a SQLite writer waits for the write lock: long enough for an import's statement of
/// 200 rows, short enough that a request answers well inside the server's request timeout.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DATABASE_URL must start with sqlite: or postgres://, got {0:?}")]
    UnknownScheme(String),
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Read(#[from] fast_read::ReadError),
    #[error("stored order {id} is unreadable: {reason}")]
    Corrupt { id: String, reason: String },
    #[error("backup: {0}")]
    Backup(String),
    /// Deleted data whose bytes may still be in the database's files (see `traces`).
    #[error("{0}")]
    Traces(String),
}

impl StoreError {
    /// What went wrong, in a few words and without the database's own text (which can name
    /// hosts, users or stored data): for answers to callers who do not see the log.
    pub fn kind(&self) -> &'static str {
        match self {
            StoreError::Sqlx(sqlx::Error::PoolTimedOut) => "no database connection became free in time",
            StoreError::Sqlx(sqlx::Error::PoolClosed) => "the database connections are closed",
            StoreError::Sqlx(sqlx::Error::Io(_) | sqlx::Error::Tls(_)) => "the database cannot be reached",
            StoreError::Sqlx(sqlx::Error::Database(_)) => "the database refused the query",
            StoreError::Sqlx(_) | StoreError::Read(_) => "the database failed the query",
            StoreError::Migrate(_) => "the database schema could not be brought up to date",
            StoreError::Corrupt { .. } => "stored data is unreadable",
            StoreError::UnknownScheme(_) => "DATABASE_URL names no supported database",
            StoreError::Backup(_) => "the backup failed",
            StoreError::Traces(_) => "the deleted data's bytes could not be cleared",
        }
    }

    /// Counts this failure in `belco_db_errors_total{kind}`, the metric's one place. Whoever
    /// meets a failure logs it in its own words and counts it here: the server's
    /// `error::storage_failed` (the frame, the preview, every JSON API), the panel's server
    /// functions, and the background tasks (once per outage).
    pub fn count(&self) {
        metrics::counter!("belco_db_errors_total", "kind" => self.kind()).increment(1);
    }
}

/// A handle on the database; cheap to clone (the pools are shared).
#[derive(Clone)]
pub struct Store {
    db: Db,
    /// SQLite files only: the orders API's read path (see `fast_read`).
    reader: Option<Arc<fast_read::SqliteReader>>,
}

#[derive(Clone)]
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.backend())
    }
}

/// Runs `$body` with `$pool` bound to whichever pool this store has: one body, written once, for
/// both databases (sqlx's types differ per database, so a function would need a copy per pool).
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            $crate::store::Db::Sqlite($pool) => $body,
            $crate::store::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// How long storage may keep a request waiting. An outage then costs a request about
/// `acquire_timeout` (it answers 503), not the pool's default of 30 s.
#[derive(Clone, Copy, Debug)]
pub struct StoreOptions {
    /// PostgreSQL: the wait for a pooled connection (or a new one, while the server is down).
    pub acquire_timeout: Duration,
    /// PostgreSQL: `statement_timeout`, set on every connection, so a stuck query ends too.
    pub statement_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { acquire_timeout: Duration::from_secs(1), statement_timeout: Duration::from_secs(10) }
    }
}

impl Store {
    /// Opens the database named by `url` (`sqlite:path`, `sqlite://path`, `postgres://…`),
    /// creating a SQLite file if needed, and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, StoreOptions::default()).await
    }

    /// [`Store::connect`] with the given timeouts.
    pub async fn connect_with(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let (store, fresh) = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                // WAL: readers (Belco's calls) never wait for a writer (an import).
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: every commit syncs the WAL before it returns, so a push answered 200 or
                // a saved note survives a power cut (NORMAL could lose the last commits).
                .synchronous(SqliteSynchronous::Full)
                // A writer waits this long for another (an import) before answering 503.
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                // Deleted and overwritten content is zeroed, on every connection and at once:
                // otherwise freed pages keep it until reused, and an erasure leaves it in the
                // file (see `traces`).
                .pragma("secure_delete", "ON");
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let reader =
                (!in_memory).then(|| Arc::new(fast_read::SqliteReader::new(options.get_filename().to_owned())));
            let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
            let fresh = traces::is_empty(&pool).await?;
            (Store { db: Db::Sqlite(pool), reader }, fresh)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let statement_timeout = format!("{}ms", options.statement_timeout.as_millis());
            let connect = PgConnectOptions::from_str(url)?.options([("statement_timeout", statement_timeout.as_str())]);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect)
                .await?;
            (Store { db: Db::Postgres(pool), reader: None }, false)
        } else {
            return Err(StoreError::UnknownScheme(url.split(':').next().unwrap_or_default().to_owned()));
        };
        with_pool!(store, pool => MIGRATOR.run(pool).await?);
        // A SQLite database this version creates has had secure_delete from its first page.
        if fresh {
            store.mark_secure_from_start().await?;
        }
        Ok(store)
    }

    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "SQLite",
            Db::Postgres(_) => "PostgreSQL",
        }
    }

    /// Closes the pools; every later call fails.
    pub async fn close(&self) {
        if let Some(reader) = &self.reader {
            reader.close();
        }
        with_pool!(self, pool => pool.close().await);
    }

    /// The pool's connections now: how many are open, and how many of those are idle.
    pub fn pool_stats(&self) -> PoolStats {
        with_pool!(self, pool => PoolStats { size: pool.size(), idle: pool.num_idle() })
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    pub async fn count_orders(&self) -> Result<i64, StoreError> {
        let n = with_pool!(self, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM orders").fetch_one(pool).await?);
        Ok(n)
    }

    /// After a large write (an import): folds SQLite's write-ahead log back into the database
    /// file and truncates it, so later reads do not search a log of hundreds of megabytes.
    /// Nothing to do on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if let Db::Sqlite(pool) = &self.db {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
        }
        Ok(())
    }
}

/// [`Store::pool_stats`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolStats {
    pub size: u32,
    pub idle: usize,
}

/// The file a `sqlite:` URL names (`None` for PostgreSQL, in-memory databases and bad URLs).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let options = SqliteConnectOptions::from_str(url).ok().filter(|_| url.starts_with("sqlite:"))?;
    let file = options.get_filename();
    (!(url.contains(":memory:") || url.contains("mode=memory"))).then(|| file.to_owned())
}

pub fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A random id: 16 bytes as unpadded base64url. Not guessable, so one customer's ids say
/// nothing about another's.
fn new_id() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Acknowledged writes are durable: every pooled SQLite connection commits with
    /// `synchronous = FULL` (2), not NORMAL (1).
    /// `pragma` as each of three pooled SQLite connections reads it (held at once, so they are
    /// three different connections).
    async fn pooled_pragma(store: &Store, pragma: &str) -> Vec<i64> {
        let Db::Sqlite(pool) = &store.db else { panic!("SQLite") };
        let mut held = Vec::new();
        let mut values = Vec::new();
        for _ in 0..3 {
            let mut conn = pool.acquire().await.expect("connection");
            values.push(sqlx::query_scalar(&format!("PRAGMA {pragma}")).fetch_one(&mut *conn).await.expect("pragma"));
            held.push(conn);
        }
        values
    }

    #[tokio::test]
    async fn sqlite_commits_are_synced() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("d.db").display())).await.expect("store");
        assert_eq!(pooled_pragma(&store, "synchronous").await, [2, 2, 2], "synchronous must be FULL");
        store.close().await;
    }

    /// Every connection deletes securely: the pool's and the read path's; and a database created
    /// here is marked as such from the start, so an erasure never needs to rewrite it.
    #[tokio::test]
    async fn sqlite_connections_delete_securely_from_the_start() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("d.db").display())).await.expect("store");
        assert_eq!(pooled_pragma(&store, "secure_delete").await, [1, 1, 1], "secure_delete must be on");
        let reader = store.reader.as_ref().expect("a file has a read path");
        let on = reader.at_once(|c| c.rows("PRAGMA secure_delete", [], |r| r.get::<_, i64>(0))).expect("pragma");
        assert_eq!(on, [1], "the read path's too");
        assert!(store.setting(SECURE_DELETE_SINCE).await.expect("setting").is_some(), "marked at creation");
        assert_eq!(store.leave_no_trace().await.expect("clear"), Scrubbed::default(), "no rewrite");
        store.close().await;
    }
}
