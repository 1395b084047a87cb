//! What a deletion leaves in a SQLite database's files, and how the store leaves nothing.
//!
//! SQLite does not overwrite what it deletes: a deleted row's bytes stay in the free space of its
//! page, or in a page put on the free list, until something reuses them. So every connection
//! runs with `secure_delete = ON`, which zeroes them as they are freed (the pool's, the read
//! path's and the access log's). A database created before that still holds what was deleted or
//! overwritten while it was off (an order re-imported with a shorter note keeps the old one in a
//! freed page): the first [`Store::leave_no_trace`] on it rewrites the file (`VACUUM`), once, and
//! the settings remember it under [`SECURE_DELETE_SINCE`]; a database this version creates gets
//! that mark when it is created, so it is never rewritten. At the first erasure rather than at
//! startup: the rewrite takes seconds per million orders (measured: 6 to 7 s for 1M, a 965 MB
//! file) and as much free disk as the database, which every start after an upgrade would pay
//! for something only an erasure needs; `customer erase` is run by someone who asked for it, and
//! says it was done. In WAL mode the log holds earlier versions of the changed pages until a
//! checkpoint copies the newest back and truncates it: that checkpoint must complete, which a
//! connection still reading an older state of the database (a running server's) prevents, and
//! then the caller is told.

use std::time::{Duration, Instant};

use sqlx::SqlitePool;

use super::{Db, Store, StoreError, now_millis};
use crate::time::format_instant;

/// The setting that says since when every connection to this database deleted securely: set when
/// the database is created, or when its one-time rewrite is done.
pub const SECURE_DELETE_SINCE: &str = "sqlite.secure_delete_since";

/// What [`Store::leave_no_trace`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scrubbed {
    /// How long the one-time rewrite of a database older than `secure_delete` took, when this
    /// call made it.
    pub rewritten: Option<Duration>,
}

/// Whether the database has no schema yet: one this version is about to create.
pub(super) async fn is_empty(pool: &SqlitePool) -> Result<bool, StoreError> {
    let objects: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master").fetch_one(pool).await?;
    Ok(objects == 0)
}

impl Store {
    /// Records that every deletion on this database from now on zeroes its bytes (the first mark
    /// stands).
    pub(super) async fn mark_secure_from_start(&self) -> Result<(), StoreError> {
        self.setting_or_insert(SECURE_DELETE_SINCE, &format_instant(now_millis())).await?;
        Ok(())
    }

    /// On SQLite: makes sure no file of the database holds the bytes of anything deleted before
    /// it: rewrites the file once if it is older than `secure_delete`, then folds the write-ahead
    /// log into the file and truncates it, checking that this completed. Nothing on PostgreSQL.
    pub async fn leave_no_trace(&self) -> Result<Scrubbed, StoreError> {
        let Db::Sqlite(pool) = &self.db else {
            return Ok(Scrubbed::default());
        };
        let mut scrubbed = Scrubbed::default();
        if self.setting(SECURE_DELETE_SINCE).await?.is_none() {
            let started = Instant::now();
            sqlx::query("VACUUM").execute(pool).await.map_err(|e| {
                StoreError::Traces(format!(
                    "the deleted rows are gone, but the database file could not be rewritten to clear pages freed \
                     before secure_delete was on ({e})"
                ))
            })?;
            self.mark_secure_from_start().await?;
            scrubbed.rewritten = Some(started.elapsed());
        }
        let log =
            self.reader.as_ref().map_or_else(|| "the -wal file".to_owned(), |r| format!("{}-wal", r.path().display()));
        let unfinished = |why: String| {
            StoreError::Traces(format!(
                "the deleted rows are gone, but earlier versions of their pages are still in the write-ahead log \
                 ({log}): {why}"
            ))
        };
        let (busy, frames, copied): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(pool)
            .await
            .map_err(|e| unfinished(format!("the checkpoint failed ({e})")))?;
        if busy != 0 || copied < frames {
            return Err(unfinished(format!(
                "another connection is reading or writing the database (a running belco-panel?), so it could not be \
                 emptied ({copied} of {frames} pages copied back)"
            )));
        }
        Ok(scrubbed)
    }
}
