//! What `belco-panel doctor` asks of a database, without changing it: how many of the
//! migrations it has, and whether this service could write to it. The write is real (a row in
//! `settings`) but inside a transaction that is rolled back.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use super::{MIGRATOR, StoreError};

/// A database as the doctor finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Examination {
    pub backend: &'static str,
    /// Migrations applied, and the migrations this build knows.
    pub applied: usize,
    pub known: usize,
    /// `Err` with the database's reason when a write fails.
    pub writable: Result<(), String>,
}

const APPLIED: &str = "SELECT COUNT(*) FROM _sqlx_migrations WHERE success";
const WRITE: &str = "INSERT INTO settings (key, value) VALUES ('doctor-write-check', 'x') \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value";

/// SQLite's "no such table" and PostgreSQL's undefined_table (42P01).
fn no_such_table(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db.code().as_deref() == Some("42P01") || db.message().contains("no such table"),
        _ => false,
    }
}

/// Opens `url` without creating or migrating anything, and examines it.
pub async fn examine(url: &str) -> Result<Examination, StoreError> {
    let known = MIGRATOR.iter().count();
    macro_rules! run {
        ($conn:expr, $backend:expr) => {{
            let mut conn = $conn;
            // No migrations table is no migration applied; any other failure is the answer.
            let applied: i64 = match sqlx::query_scalar(APPLIED).fetch_one(&mut conn).await {
                Ok(n) => n,
                Err(e) if no_such_table(&e) => 0,
                Err(e) => return Err(e.into()),
            };
            let writable = async {
                let mut tx = conn.begin().await?;
                sqlx::query(WRITE).execute(&mut *tx).await?;
                tx.rollback().await
            }
            .await
            .map_err(|e| e.to_string());
            conn.close().await?;
            Ok(Examination { backend: $backend, applied: usize::try_from(applied).unwrap_or(0), known, writable })
        }};
    }
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)?.create_if_missing(false);
        run!(options.connect().await?, "SQLite")
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        run!(PgConnectOptions::from_str(url)?.connect().await?, "PostgreSQL")
    } else {
        Err(StoreError::UnknownScheme(url.split(':').next().unwrap_or_default().to_owned()))
    }
}
