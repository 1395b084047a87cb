//! `belco-panel backup FILE`: a consistent copy of a SQLite store, taken while it serves. Notes
//! and form submissions exist nowhere else, so this is the one copy a shop has of them.
//!
//! `VACUUM INTO` reads the whole database in one read transaction: the copy holds every commit
//! made before it began and none made after, and writers are not held up (the store is in WAL
//! mode, where readers and a writer do not wait for each other). It holds customers' emails,
//! phone numbers and notes, so it is private from its first byte: it is written into a file this
//! code creates readable by its owner only (`O_EXCL`, mode 0600, before SQLite writes a byte;
//! `VACUUM INTO` accepts an empty file), inside a directory only the owner may enter (0700, for
//! SQLite's own journal beside it), next to the target. It is synced and only then linked to the
//! target's name, which fails rather than replace a file, so a copy cut short by a crash or a
//! full disk never takes that name. PostgreSQL is backed up with `pg_dump`.

use std::path::{Path, PathBuf};

use super::{Db, Store, StoreError};

/// What a finished backup holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupSummary {
    pub bytes: u64,
    pub orders: i64,
    pub notes: i64,
    pub submissions: i64,
}

impl Store {
    /// Copies a SQLite store to `target`, which must not exist yet (an earlier backup is never
    /// overwritten). Fails on PostgreSQL, naming `pg_dump`.
    pub async fn backup_to(&self, target: &Path) -> Result<BackupSummary, StoreError> {
        let Db::Sqlite(pool) = &self.db else {
            return Err(StoreError::Backup(
                "a PostgreSQL store is backed up with pg_dump (see docs/operating.md, \"Backups\")".into(),
            ));
        };
        // A dangling symlink counts too: the target's name is never taken over.
        if std::fs::symlink_metadata(target).is_ok() {
            return Err(StoreError::Backup(format!("{} exists already; name a new file", target.display())));
        }
        let private = partial_name(target);
        remove_stale(&private);
        let copy = async {
            create_private_dir(&private).map_err(|e| io_error(&private, e))?;
            let partial = private.join("copy.db");
            create_private_file(&partial).map_err(|e| io_error(&partial, e))?;
            let name = partial.to_str().ok_or_else(|| {
                StoreError::Backup(format!("{} is not a UTF-8 path, which SQLite needs", partial.display()))
            })?;
            sqlx::query("VACUUM INTO ?").bind(name).execute(pool).await?;
            sync_file(&partial)?;
            // A link, not a rename: it fails if `target` appeared meanwhile, which is never replaced.
            std::fs::hard_link(&partial, target).map_err(|e| io_error(target, e))?;
            std::fs::remove_dir_all(&private).map_err(|e| io_error(&private, e))?;
            if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
                // The link itself survives a power cut once the directory is synced.
                std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io_error(dir, e))?;
            }
            Ok::<_, StoreError>(())
        };
        if let Err(e) = copy.await {
            remove_stale(&private);
            return Err(e);
        }
        summarize(target).await
    }
}

/// `orders.db` → `.orders.db.partial`, the private directory the copy is written in, beside the
/// target (so the link does not cross file systems).
fn partial_name(target: &Path) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "backup".into());
    target.with_file_name(format!(".{name}.partial"))
}

/// Removes what a backup cut short left at `private` (a directory, or the file older versions
/// wrote there): it is a copy of customers' data, which an erasure would not reach.
fn remove_stale(private: &Path) {
    match std::fs::symlink_metadata(private) {
        Ok(meta) if meta.is_dir() => {
            let _ = std::fs::remove_dir_all(private);
        }
        Ok(_) => {
            let _ = std::fs::remove_file(private);
        }
        Err(_) => {}
    }
}

/// Creates the directory `path`, which must not exist, for its owner only.
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Creates the empty file `path`, which must not exist (`O_EXCL`), readable and writable by its
/// owner only from the start.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

fn sync_file(path: &Path) -> Result<(), StoreError> {
    std::fs::File::open(path).and_then(|f| f.sync_all()).map_err(|e| io_error(path, e))
}

fn io_error(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Backup(format!("{}: {e}", path.display()))
}

/// Opens the copy read-only, checks it, and counts what it holds.
async fn summarize(target: &Path) -> Result<BackupSummary, StoreError> {
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{ConnectOptions, Connection};
    let mut copy = SqliteConnectOptions::new().filename(target).read_only(true).connect().await?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut copy).await?;
    if check != "ok" {
        return Err(StoreError::Backup(format!(
            "the copy in {} fails SQLite's integrity check: {check}",
            target.display()
        )));
    }
    let count = |table: &'static str| format!("SELECT COUNT(*) FROM {table}");
    let orders: i64 = sqlx::query_scalar(&count("orders")).fetch_one(&mut copy).await?;
    let notes: i64 = sqlx::query_scalar(&count("notes")).fetch_one(&mut copy).await?;
    let submissions: i64 = sqlx::query_scalar(&count("form_submissions")).fetch_one(&mut copy).await?;
    copy.close().await?;
    let bytes = std::fs::metadata(target).map_err(|e| io_error(target, e))?.len();
    Ok(BackupSummary { bytes, orders, notes, submissions })
}
