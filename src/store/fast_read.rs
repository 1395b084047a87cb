//! The read path on SQLite (the orders API, and the frame's reads), through rusqlite on the
//! calling thread.
//!
//! sqlx runs each SQLite connection on a worker thread of its own and hands every query and row
//! across channels; for a lookup that takes SQLite ~20 µs, those thread hops cost more than the
//! query (measured: ~40% of server CPU in the scheduler at 8.6k req/s). A read-only connection
//! taken from a small idle list and queried in place removes them. WAL mode means these readers
//! never wait for a writer, so the brief blocking of an async worker stays brief.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::identity::CustomerKey;

/// Idle connections kept for reuse; more are opened under load and closed after.
const KEEP_IDLE: usize = 8;

pub struct SqliteReader {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    closed: AtomicBool,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the store is closed")]
    Closed,
    /// A blocking thread doing the work stopped before it answered (it panicked).
    #[error("the database work stopped before it finished")]
    Stopped,
}

/// Turns off SQLite's memory statistics for the whole process, once, before the first
/// connection: with them on (SQLite's default), every allocation SQLite makes takes one global
/// mutex, which the runtime's worker threads then queue on (futex calls under load). Nothing here
/// reads the statistics. Called too late (SQLite already initialized), SQLite refuses and nothing
/// changes.
fn without_memory_statistics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config is documented as safe to call before sqlite3_initialize (and
        // returns SQLITE_MISUSE, changing nothing, after it); MEMSTATUS takes one int.
        let code =
            unsafe { rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int) };
        if code != rusqlite::ffi::SQLITE_OK {
            tracing::debug!(code, "SQLite memory statistics stay on (SQLite was already initialized)");
        }
    });
}

impl SqliteReader {
    pub fn new(path: PathBuf) -> Self {
        without_memory_statistics();
        Self { path, idle: Mutex::new(Vec::new()), closed: AtomicBool::new(false) }
    }

    /// Runs `read` on a pooled connection, outside a transaction (a single statement needs none).
    pub fn at_once<T>(&self, read: impl FnOnce(&ReadConn<'_>) -> Result<T, ReadError>) -> Result<T, ReadError> {
        self.with_connection(|conn| read(&ReadConn(conn)))
    }

    /// Runs several reads in one read transaction: they see the same state of the database, and
    /// SQLite takes its locks (system calls on the `-wal`/`-shm` files) once instead of once per
    /// statement.
    pub fn snapshot<T>(&self, reads: impl FnOnce(&ReadConn<'_>) -> Result<T, ReadError>) -> Result<T, ReadError> {
        self.with_connection(|conn| {
            conn.prepare_cached("BEGIN")?.execute([])?;
            let result = reads(&ReadConn(conn));
            // A read transaction has nothing to keep: ROLLBACK ends it either way.
            conn.prepare_cached("ROLLBACK")?.execute([])?;
            result
        })
    }

    fn with_connection<T>(&self, f: impl FnOnce(&Connection) -> Result<T, ReadError>) -> Result<T, ReadError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(ReadError::Closed);
        }
        let conn = match self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            Some(conn) => conn,
            None => self.open()?,
        };
        let result = f(&conn);
        if result.is_ok()
            && let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEEP_IDLE
            && !self.closed.load(Ordering::Acquire)
        {
            idle.push(conn);
        }
        result
    }

    fn open(&self) -> Result<Connection, rusqlite::Error> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
        )?;
        // Only a WAL checkpoint can make a reader wait; never block an async worker for long.
        conn.busy_timeout(Duration::from_millis(500))?;
        // Pages straight from the OS page cache instead of a read() syscall per page.
        conn.pragma_update(None, "mmap_size", 1i64 << 30)?;
        // As every connection to the store (see `traces`), though this one only reads.
        conn.pragma_update_and_check(None, "secure_delete", "ON", |row| row.get::<_, i64>(0))?;
        Ok(conn)
    }

    /// The database file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }
}

/// A connection of the read path: on its own ([`SqliteReader::at_once`]) or inside a read
/// transaction ([`SqliteReader::snapshot`]).
pub struct ReadConn<'c>(&'c Connection);

impl ReadConn<'_> {
    /// Runs `sql` with `params` and maps each row with `map`.
    pub fn rows<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, ReadError> {
        self.rows_into(Vec::new(), sql, params, map)
    }

    /// [`ReadConn::rows`], appended to `rows` (which may have room for them already).
    fn rows_into<T>(
        &self,
        mut rows: Vec<T>,
        sql: &str,
        params: impl rusqlite::Params,
        map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, ReadError> {
        let mut statement = self.0.prepare_cached(sql)?;
        for row in statement.query_map(params, map)? {
            rows.push(row?);
        }
        Ok(rows)
    }

    /// The newest `limit` rows for the customer `key` names: those of `newest.unordered` sorted
    /// here, or, when there are more than `limit`, those of `ordered` (see [`Newest`]).
    pub fn newest<T>(
        &self,
        ordered: &str,
        map: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
        newest: &Newest<T>,
        key: &CustomerKey,
        limit: i64,
    ) -> Result<Vec<T>, ReadError> {
        let (email, phone) = (key.email.as_deref(), key.phone.as_deref());
        // Room for a panel's worth up front, rather than growing (and moving the rows) as they come.
        let room = Vec::with_capacity(limit.clamp(0, 63) as usize + 1);
        let params = rusqlite::params![email, phone, limit.saturating_add(1)];
        let mut rows = self.rows_into(room, newest.unordered, params, map)?;
        if rows.len() as i64 > limit {
            return self.rows(ordered, rusqlite::params![email, phone, limit], map);
        }
        rows.sort_unstable_by(newest.newest_first);
        Ok(rows)
    }
}

/// The SQLite read path's way of asking for a customer's newest rows.
///
/// SQLite sorts a customer's rows (found through two indexes, one per identifier) in a temporary
/// b-tree that copies every selected column; for twenty orders that sort cost as much as finding
/// and reading them. Nearly every customer has fewer rows than the panel lists, so this asks for
/// up to `limit + 1` rows in any order (`unordered`, taking `$1` email, `$2` phone, `$3` limit) and,
/// when they all fit, puts them in order here with `newest_first`; only a customer with more
/// rows than `limit` is asked of the database again with the ordered query (the same parameters,
/// the same columns), which picks the newest. `newest_first` must order as that query's ORDER
/// BY does (SQLite compares text bytewise, as `str::cmp` does).
pub struct Newest<T> {
    pub unordered: &'static str,
    pub newest_first: fn(&T, &T) -> std::cmp::Ordering,
}

/// A row type read by both sqlx (`FromRow`) and rusqlite (`from_rusqlite`), by column name, from
/// one field list.
macro_rules! row_struct {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($(#[$fmeta:meta])* $fvis:vis $field:ident: $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(sqlx::FromRow)]
        $vis struct $name { $($(#[$fmeta])* $fvis $field: $ty),* }

        impl $name {
            /// Reads the columns by position (a lookup by name costs a string comparison per
            /// column and row): the query must select them in the fields' order, which debug
            /// builds (the tests) check.
            pub(crate) fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                let mut column = 0..;
                Ok(Self {
                    $($field: {
                        let index = column.next().unwrap_or_default();
                        debug_assert_eq!(row.as_ref().column_name(index).ok(), Some(stringify!($field)));
                        row.get(index)?
                    }),*
                })
            }
        }
    };
}
pub(crate) use row_struct;
