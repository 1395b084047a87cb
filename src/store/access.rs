//! The access log: who looked up which customer, and when (`migrations/0005_access_log.sql`).
//! Written in batches by the server's access logger, read by `belco-panel access`, exported and
//! erased with the customer's other data, and pruned by age.

use super::customer_data::HashedKey;
use super::{Store, StoreError, with_pool};

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

/// Rows per `INSERT`: well under both databases' limits on bound parameters.
const ROWS_PER_INSERT: usize = 500;
const COLUMNS: &str = "at, route, email_hash, phone_hash, orders, client, status, outcome";

/// `INSERT … VALUES ($1, …, $8), ($9, …)` for `rows` rows.
fn insert_sql(rows: usize) -> String {
    let mut sql = format!("INSERT INTO access_log ({COLUMNS}) VALUES ");
    for row in 0..rows {
        let first = row * 8;
        if row > 0 {
            sql.push_str(", ");
        }
        let params: Vec<String> = (1..=8).map(|n| format!("${}", first + n)).collect();
        sql.push('(');
        sql.push_str(&params.join(", "));
        sql.push(')');
    }
    sql
}

impl Store {
    /// Appends `records`, all in one transaction.
    pub async fn record_accesses(&self, records: &[AccessRecord]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for chunk in records.chunks(ROWS_PER_INSERT) {
                let sql = insert_sql(chunk.len());
                let mut query = sqlx::query(&sql);
                for r in chunk {
                    query = query
                        .bind(r.at)
                        .bind(&r.route)
                        .bind(r.email_hash.as_deref())
                        .bind(r.phone_hash.as_deref())
                        .bind(r.orders)
                        .bind(&r.client)
                        .bind(r.status)
                        .bind(&r.outcome);
                }
                query.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The lookups of the customer `hashed` names, newest first, `limit` at most.
    pub async fn accesses(&self, hashed: &HashedKey, limit: i64) -> Result<Vec<AccessRecord>, StoreError> {
        if hashed.email.is_none() && hashed.phone.is_none() {
            return Ok(Vec::new());
        }
        const SQL: &str = "SELECT at, route, email_hash, phone_hash, orders, client, status, outcome FROM access_log \
                           WHERE email_hash = $1 OR phone_hash = $2 ORDER BY at DESC LIMIT $3";
        let (email, phone) = (hashed.email.as_deref(), hashed.phone.as_deref());
        let rows = with_pool!(self, pool => {
            sqlx::query_as::<_, AccessRecord>(SQL).bind(email).bind(phone).bind(limit).fetch_all(pool).await?
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_insert_numbers_every_parameter_once() {
        assert_eq!(
            insert_sql(2),
            "INSERT INTO access_log (at, route, email_hash, phone_hash, orders, client, status, outcome) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8), ($9, $10, $11, $12, $13, $14, $15, $16)"
        );
    }
}
