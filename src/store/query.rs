//! A read, and the one place that decides where it runs: through rusqlite on the calling thread
//! for a SQLite file (see `fast_read`), or through sqlx (PostgreSQL, and SQLite in memory).
//!
//! Each read names its SQL (in both dialects), its row type and, for a customer's newest rows,
//! how SQLite's read path sorts them; [`Store::read`] runs it on whichever path this store has.

use sqlx::postgres::PgRow;
use sqlx::query::QueryAs;
use sqlx::sqlite::SqliteRow;
use sqlx::{Database, Encode, FromRow, Type};

use super::fast_read::{Newest, ReadConn, ReadError};
use super::sql::Sql;
use super::{Db, Store, StoreError};
use crate::identity::CustomerKey;

/// What a read is bound with: the same parameters, in the same order, on either path.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Params<'a> {
    /// `$1` email, `$2` phone: all the customer's rows.
    Customer(&'a CustomerKey),
    /// `$1` email, `$2` phone, `$3` the most rows: the customer's newest.
    Newest(&'a CustomerKey, i64),
    /// `$1` the most rows.
    Limit(i64),
}

impl Params<'_> {
    /// A customer without email or phone has no rows; no query is needed to say so.
    fn matches_nothing(&self) -> bool {
        match self {
            Params::Customer(key) | Params::Newest(key, _) => key.is_empty(),
            Params::Limit(_) => false,
        }
    }
}

/// A read: its SQL in both dialects and how a row of it becomes an `R` (sqlx's `FromRow`, and
/// `from_rusqlite` on SQLite's read path; `fast_read::row_struct!` writes both from one field
/// list).
pub(crate) struct Query<R: 'static> {
    pub sql: Sql,
    pub from_rusqlite: fn(&rusqlite::Row<'_>) -> rusqlite::Result<R>,
    /// For a read of a customer's newest rows ([`Params::Newest`]): how SQLite's read path asks
    /// for them unsorted and sorts them itself. `None` runs `sql` there as it is.
    pub newest: Option<Newest<R>>,
}

/// A row type both paths can read.
pub(crate) trait Row: Send + Unpin + for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> {}
impl<R: Send + Unpin + for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow>> Row for R {}

impl Store {
    /// Runs `query` with `params` where this store reads: on the SQLite read path when it has one,
    /// else on its sqlx pool.
    pub(crate) async fn read<R: Row>(&self, query: &Query<R>, params: Params<'_>) -> Result<Vec<R>, StoreError> {
        if params.matches_nothing() {
            return Ok(Vec::new());
        }
        if let Some(reader) = &self.reader {
            return Ok(reader.at_once(|conn| query.on_sqlite(conn, params))?);
        }
        let rows = match &self.db {
            Db::Sqlite(pool) => bind(sqlx::query_as(query.sql.sqlite), params).fetch_all(pool).await?,
            Db::Postgres(pool) => bind(sqlx::query_as(query.sql.postgres), params).fetch_all(pool).await?,
        };
        Ok(rows)
    }
}

impl<R> Query<R> {
    /// The read on a connection of SQLite's read path (alone, or inside a snapshot of several).
    pub(crate) fn on_sqlite(&self, conn: &ReadConn<'_>, params: Params<'_>) -> Result<Vec<R>, ReadError> {
        if params.matches_nothing() {
            return Ok(Vec::new());
        }
        let (sql, map) = (self.sql.sqlite, self.from_rusqlite);
        match (params, &self.newest) {
            (Params::Newest(key, limit), Some(newest)) => conn.newest(sql, map, newest, key, limit),
            (Params::Newest(key, limit), None) => conn.rows(sql, rusqlite::params![key.email, key.phone, limit], map),
            (Params::Customer(key), _) => conn.rows(sql, rusqlite::params![key.email, key.phone], map),
            (Params::Limit(limit), _) => conn.rows(sql, rusqlite::params![limit], map),
        }
    }
}

/// Binds `params` to a sqlx query, in the order [`Params`] gives them.
fn bind<'q, DB, R>(
    query: QueryAs<'q, DB, R, DB::Arguments<'q>>,
    params: Params<'q>,
) -> QueryAs<'q, DB, R, DB::Arguments<'q>>
where
    DB: Database,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
{
    match params {
        Params::Customer(key) => query.bind(key.email.as_deref()).bind(key.phone.as_deref()),
        Params::Newest(key, limit) => query.bind(key.email.as_deref()).bind(key.phone.as_deref()).bind(limit),
        Params::Limit(limit) => query.bind(limit),
    }
}
