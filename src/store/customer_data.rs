//! Everything held about one customer, for the GDPR's right of access and right to erasure:
//! `belco-panel customer export` and `belco-panel customer erase`. Both find the customer's rows
//! as the panel does, by either normalized identifier, exactly.

use serde::Serialize;

use super::submissions::RecordOwner;
use super::{Store, StoreError, new_id, now_millis, with_pool};
use crate::forms::Answer;
use crate::identity::CustomerKey;
use crate::time::format_instant;

/// Everything held about a customer, as `customer export` writes it.
#[derive(Debug, Serialize)]
pub struct CustomerExport {
    pub exported_at: String,
    /// The normalized identifiers the rows were matched on.
    pub customer: CustomerKey,
    /// Each order as stored: Belco's JSON, with the customer's identifiers and name as the shop
    /// sent them.
    pub orders: Vec<serde_json::Value>,
    pub notes: Vec<ExportedNote>,
    pub form_submissions: Vec<ExportedSubmission>,
    /// The webhook deliveries of those submissions: where each went, the body it sent, how it
    /// ended.
    pub deliveries: Vec<ExportedDelivery>,
    /// Who looked them up, and when (the access log), newest first.
    pub access_log: Vec<ExportedAccess>,
}

#[derive(Debug, Serialize)]
pub struct ExportedAccess {
    pub at: String,
    pub route: String,
    pub client: String,
    pub status: i64,
    pub orders: Option<i64>,
    pub outcome: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedNote {
    pub id: String,
    pub author: String,
    pub body: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedSubmission {
    pub id: String,
    pub form: String,
    pub form_title: String,
    pub author: String,
    pub answers: Vec<Answer>,
    pub sent_at: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedDelivery {
    pub webhook_id: String,
    pub submission_id: String,
    pub url: String,
    pub state: &'static str,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
    /// The body sent, as JSON.
    pub payload: serde_json::Value,
}

/// What an erasure removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Erased {
    pub orders: u64,
    pub notes: u64,
    pub submissions: u64,
    pub deliveries: u64,
    pub accesses: u64,
    /// SQLite: how long the one-time rewrite of a database older than `secure_delete` took, when
    /// this erasure made it (see [`Store::leave_no_trace`]).
    pub rewritten: Option<std::time::Duration>,
}

/// The customer's identifiers keyed-hashed, as the erasure's own record keeps them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HashedKey {
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The customer's orders, oldest first, and what the shop sent about them beside Belco's JSON.
const ORDERS: &str = "SELECT belco_json, email, phone_number, customer_name, order_date, id FROM orders \
                      WHERE email_norm = $1 OR phone_norm = $2";

type OrderRow = (String, String, String, Option<String>, i64, String);

impl Store {
    /// Everything held about the customer `key` names (nothing when it names nobody); their
    /// access records are those under `hashed`, the same identifiers keyed-hashed.
    pub async fn export_customer(&self, key: &CustomerKey, hashed: &HashedKey) -> Result<CustomerExport, StoreError> {
        let mut export = CustomerExport {
            exported_at: format_instant(now_millis()),
            customer: key.clone(),
            orders: Vec::new(),
            notes: Vec::new(),
            form_submissions: Vec::new(),
            deliveries: Vec::new(),
            access_log: Vec::new(),
        };
        if key.is_empty() {
            return Ok(export);
        }
        export.access_log = self
            .accesses(hashed, i64::MAX)
            .await?
            .into_iter()
            .map(|a| ExportedAccess {
                at: format_instant(a.at),
                route: a.route,
                client: a.client,
                status: a.status,
                orders: a.orders,
                outcome: a.outcome,
            })
            .collect();
        let (email, phone) = (key.email.as_deref(), key.phone.as_deref());
        let mut rows: Vec<OrderRow> = with_pool!(self, pool => {
            sqlx::query_as(ORDERS).bind(email).bind(phone).fetch_all(pool).await?
        });
        rows.sort_by(|a, b| (a.4, &a.5).cmp(&(b.4, &b.5)));
        for (belco_json, email, phone, name, _, id) in rows {
            let mut order: serde_json::Value = serde_json::from_str(&belco_json)
                .map_err(|e| StoreError::Corrupt { id: id.clone(), reason: e.to_string() })?;
            if let Some(fields) = order.as_object_mut() {
                fields.insert("email".into(), email.into());
                fields.insert("phoneNumber".into(), phone.into());
                fields.insert("customerName".into(), name.into());
            }
            export.orders.push(order);
        }
        for delivery in self.customer_deliveries(email, phone).await? {
            export.deliveries.push(ExportedDelivery {
                payload: serde_json::from_str(&delivery.payload)
                    .map_err(|e| StoreError::Corrupt { id: delivery.id.clone(), reason: e.to_string() })?,
                webhook_id: delivery.id,
                submission_id: delivery.submission_id,
                url: delivery.url,
                state: delivery.state.as_str(),
                attempts: delivery.attempts,
                last_status: delivery.last_status,
                last_error: delivery.last_error,
                created_at: format_instant(delivery.created_at),
                finished_at: delivery.finished_at.map(format_instant),
            });
        }
        let mut notes = self.notes(key, i64::MAX).await?;
        notes.reverse();
        export.notes = notes
            .into_iter()
            .map(|note| ExportedNote {
                id: note.id,
                author: note.author,
                body: note.body,
                created_at: format_instant(note.created_at),
                updated_at: format_instant(note.updated_at),
            })
            .collect();
        let mut submissions = self.submissions(RecordOwner::Customer(key), i64::MAX).await?;
        submissions.reverse();
        export.form_submissions = submissions
            .into_iter()
            .map(|s| ExportedSubmission {
                id: s.id,
                form: s.form_id,
                form_title: s.form_title,
                author: s.author,
                answers: s.answers,
                sent_at: format_instant(s.created_at),
            })
            .collect();
        Ok(export)
    }

    /// Deletes everything held about the customer `key` names, in one transaction (their access
    /// records by `hashed`, the identifiers keyed-hashed), and records the erasure under `hashed`.
    /// Nothing is recorded when there was nothing to erase. On SQLite the database files then hold
    /// no trace of them ([`Store::leave_no_trace`]): an error after the commit says what remains.
    pub async fn erase_customer(&self, key: &CustomerKey, hashed: &HashedKey) -> Result<Erased, StoreError> {
        if key.is_empty() {
            return Ok(Erased::default());
        }
        let (email, phone) = (key.email.as_deref(), key.phone.as_deref());
        const ORDERS: &str = "DELETE FROM orders WHERE email_norm = $1 OR phone_norm = $2";
        const NOTES: &str = "DELETE FROM notes WHERE email_norm = $1 OR phone_norm = $2";
        // Company submissions have neither identifier, so these are the customer's alone.
        const SUBMISSIONS: &str = "DELETE FROM form_submissions WHERE email_norm = $1 OR phone_norm = $2";
        const ACCESSES: &str = "DELETE FROM access_log WHERE email_hash = $1 OR phone_hash = $2";
        const RECORD: &str = "INSERT INTO erasures (id, erased_at, email_hash, phone_hash, orders, notes, submissions) \
                              VALUES ($1, $2, $3, $4, $5, $6, $7)";
        // A pending delivery goes too: an erased customer's form is not sent after the erasure.
        let deliveries_sql = super::deliveries::delete_of_customer();
        // SQLite zeroes the deleted bytes as it goes (every connection has secure_delete on);
        // PostgreSQL's dead rows stay in its files until VACUUM reuses their space (README).
        let mut erased = with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let orders = sqlx::query(ORDERS).bind(email).bind(phone).execute(&mut *tx).await?.rows_affected();
            let notes = sqlx::query(NOTES).bind(email).bind(phone).execute(&mut *tx).await?.rows_affected();
            let deliveries =
                sqlx::query(&deliveries_sql).bind(email).bind(phone).execute(&mut *tx).await?.rows_affected();
            let submissions = sqlx::query(SUBMISSIONS).bind(email).bind(phone).execute(&mut *tx).await?.rows_affected();
            let accesses = sqlx::query(ACCESSES)
                .bind(hashed.email.as_deref())
                .bind(hashed.phone.as_deref())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let erased = Erased { orders, notes, submissions, deliveries, accesses, rewritten: None };
            if erased != Erased::default() {
                sqlx::query(RECORD)
                    .bind(new_id())
                    .bind(now_millis())
                    .bind(hashed.email.as_deref())
                    .bind(hashed.phone.as_deref())
                    .bind(orders as i64)
                    .bind(notes as i64)
                    .bind(submissions as i64)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            erased
        });
        // And what the write-ahead log (and, on an older database, freed pages) still hold.
        erased.rewritten = self.leave_no_trace().await?.rewritten;
        Ok(erased)
    }

    /// How many erasures were recorded under either hashed identifier.
    pub async fn erasures(&self, hashed: &HashedKey) -> Result<i64, StoreError> {
        const SQL: &str = "SELECT COUNT(*) FROM erasures WHERE email_hash = $1 OR phone_hash = $2";
        let (email, phone) = (hashed.email.as_deref(), hashed.phone.as_deref());
        let n =
            with_pool!(self, pool => sqlx::query_scalar::<_, i64>(SQL).bind(email).bind(phone).fetch_one(pool).await?);
        Ok(n)
    }
}
