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
    /// The webhook deliveries of those submissions: where each went (the receiver's address
    /// without its query or credentials, which are the shop's), the body it sent, how it ended.
    pub deliveries: Vec<ExportedDelivery>,
    /// When their data was looked up (the access log), newest first. Without the client's
    /// address: that is the shop's agent's or Belco's server's, not the customer's.
    pub access_log: Vec<ExportedAccess>,
}

#[derive(Debug, Serialize)]
pub struct ExportedAccess {
    pub at: String,
    pub route: String,
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

/// The customer's identifiers keyed-hashed (`crate::pseudonym`): each identifier's pseudonyms,
/// the one records are written under now first, then those earlier records may be under.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HashedKey {
    pub email: Vec<String>,
    pub phone: Vec<String>,
}

impl HashedKey {
    /// The pseudonyms a record is written under.
    pub fn current(&self) -> (Option<&str>, Option<&str>) {
        (self.email.first().map(String::as_str), self.phone.first().map(String::as_str))
    }

    pub fn is_empty(&self) -> bool {
        self.email.is_empty() && self.phone.is_empty()
    }

    /// `WHERE` for the rows under any of these pseudonyms, with numbered parameters from `$first`,
    /// and the values to bind in order (`email_hash IN (…) OR phone_hash IN (…)`; an empty list
    /// matches nothing).
    pub(crate) fn filter(&self, first: usize) -> (String, Vec<&str>) {
        let list = |column: &str, values: &[String], from: usize| {
            if values.is_empty() {
                return "FALSE".to_owned();
            }
            let params: Vec<String> = (from..from + values.len()).map(|n| format!("${n}")).collect();
            format!("{column} IN ({})", params.join(", "))
        };
        let sql = format!(
            "({} OR {})",
            list("email_hash", &self.email, first),
            list("phone_hash", &self.phone, first + self.email.len())
        );
        (sql, self.email.iter().chain(&self.phone).map(String::as_str).collect())
    }
}

/// `url` without what is the shop's: only where it went, `scheme://host[:port]`. Credentials,
/// the path (Slack- or Zapier-style receivers carry their key there), the query and the
/// fragment stay out. `https://u:k@hooks.shop.example/returns/T0K3N?key=…` →
/// `https://hooks.shop.example`.
pub fn without_secrets(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    if scheme.is_empty() { host.to_owned() } else { format!("{scheme}://{host}") }
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
                url: without_secrets(&delivery.url),
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
    /// records under any of `hashed`'s pseudonyms), and records the erasure under the current ones.
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
        const RECORD: &str = "INSERT INTO erasures (id, erased_at, email_hash, phone_hash, orders, notes, submissions) \
                              VALUES ($1, $2, $3, $4, $5, $6, $7)";
        // A pending delivery goes too: an erased customer's form is not sent after the erasure.
        let deliveries_sql = super::deliveries::delete_of_customer();
        // SQLite zeroes the deleted bytes as it goes (every connection has secure_delete on);
        // PostgreSQL's dead rows stay in its files until VACUUM reuses their space (docs/gdpr.md, "Erasure").
        let mut erased = with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let orders = sqlx::query(ORDERS).bind(email).bind(phone).execute(&mut *tx).await?.rows_affected();
            let notes = sqlx::query(NOTES).bind(email).bind(phone).execute(&mut *tx).await?.rows_affected();
            let deliveries =
                sqlx::query(&deliveries_sql).bind(email).bind(phone).execute(&mut *tx).await?.rows_affected();
            let submissions = sqlx::query(SUBMISSIONS).bind(email).bind(phone).execute(&mut *tx).await?.rows_affected();
            let (matching, pseudonyms) = hashed.filter(1);
            let accesses_sql = format!("DELETE FROM access_log WHERE {matching}");
            let mut accesses = sqlx::query(&accesses_sql);
            for pseudonym in pseudonyms {
                accesses = accesses.bind(pseudonym);
            }
            let accesses = accesses.execute(&mut *tx).await?.rows_affected();
            let erased = Erased { orders, notes, submissions, deliveries, accesses, rewritten: None };
            if erased != Erased::default() {
                let (email_hash, phone_hash) = hashed.current();
                sqlx::query(RECORD)
                    .bind(new_id())
                    .bind(now_millis())
                    .bind(email_hash)
                    .bind(phone_hash)
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

    /// How many erasures were recorded under any of the hashed identifiers.
    pub async fn erasures(&self, hashed: &HashedKey) -> Result<i64, StoreError> {
        let (matching, pseudonyms) = hashed.filter(1);
        let sql = format!("SELECT COUNT(*) FROM erasures WHERE {matching}");
        let n = with_pool!(self, pool => {
            let mut query = sqlx::query_scalar::<_, i64>(&sql);
            for pseudonym in &pseudonyms {
                query = query.bind(*pseudonym);
            }
            query.fetch_one(pool).await?
        });
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_address_loses_what_is_the_shops() {
        for (url, kept) in [
            ("https://hooks.shop.example/returns", "https://hooks.shop.example"),
            ("https://u:k3y@hooks.shop.example:8443/r?key=s3cret&x=1#frag", "https://hooks.shop.example:8443"),
            ("https://hooks.shop.example?token=s3cret", "https://hooks.shop.example"),
            ("https://hooks.slack.example/services/T000/B000/s3cret", "https://hooks.slack.example"),
            ("http://a@b@127.0.0.1:3019/hook", "http://127.0.0.1:3019"),
            ("https://[::1]:8443/p/q#k", "https://[::1]:8443"),
        ] {
            assert_eq!(without_secrets(url), kept, "{url}");
        }
    }

    #[test]
    fn pseudonyms_are_matched_as_a_list() {
        let hashed = HashedKey { email: vec!["a".into(), "b".into()], phone: vec![] };
        assert_eq!(hashed.filter(2), ("(email_hash IN ($2, $3) OR FALSE)".to_owned(), vec!["a", "b"]));
        assert_eq!(hashed.current(), (Some("a"), None));
        let both = HashedKey { email: vec!["a".into()], phone: vec!["p".into(), "q".into()] };
        assert_eq!(both.filter(1).0, "(email_hash IN ($1) OR phone_hash IN ($2, $3))");
        assert!(HashedKey::default().is_empty());
    }
}
