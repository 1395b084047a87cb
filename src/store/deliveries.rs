//! The outbox of form webhooks (`form_deliveries`, migration 0006): a delivery is written with
//! its submission, in the same transaction ([`Store::add_submission`]), then claimed, attempted
//! and settled by the server's delivery task, on whichever instance claims it first.
//!
//! A claim is a lease: the row is the claimer's until `lease_until`, and only the claimer (by
//! its `lease_token`) can settle it. On PostgreSQL the claim takes its rows `FOR UPDATE SKIP
//! LOCKED`, so instances claiming at the same moment each get other rows; on SQLite, one file,
//! writes are serialized anyway.

use std::collections::HashMap;
use std::time::Duration;

use super::{Store, StoreError, new_id, with_pool};

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not delivered yet: waiting for its first attempt or for a retry.
    Pending,
    /// A receiver answered 2xx.
    Delivered,
    /// Every attempt failed; `belco-panel deliveries retry` starts it over.
    Failed,
}

impl DeliveryState {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}

/// How `form_deliveries.state` reads back (a row of the table's own making holds one of the three).
impl From<String> for DeliveryState {
    fn from(text: String) -> Self {
        match text.as_str() {
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// Why an attempt failed. Recorded in `form_deliveries.last_error` as its `Display` (English, which
/// the CLI, the doctor and the logs show as is) and read back with [`FailedAttempt::read`], so that
/// the panel can say it in the agent's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailedAttempt {
    /// The receiver answered a status that is neither a success nor a redirect
    /// (`500 Internal Server Error`).
    Answered(String),
    /// The receiver answered a redirect, which is not followed (`301 Moved Permanently`).
    Redirected(String),
    /// No answer within the attempt's timeout, in seconds as written (`10`, `2.5`).
    NoAnswerWithin(String),
    /// No connection to the receiver; the network's own words (`Connection refused (os error 111)`).
    CannotConnect(String),
    /// Anything else, in the HTTP library's words.
    Other(String),
}

const ANSWERED: &str = "the receiver answered ";
const REDIRECTED: &str = ", a redirect, which is not followed: name the final URL in the forms file";
const NO_ANSWER: &str = "no answer within ";
const CANNOT_CONNECT: &str = "cannot connect: ";

impl std::fmt::Display for FailedAttempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Answered(status) => write!(f, "{ANSWERED}{status}"),
            Self::Redirected(status) => write!(f, "{ANSWERED}{status}{REDIRECTED}"),
            Self::NoAnswerWithin(seconds) => write!(f, "{NO_ANSWER}{seconds} s"),
            Self::CannotConnect(cause) => write!(f, "{CANNOT_CONNECT}{cause}"),
            Self::Other(words) => f.write_str(words),
        }
    }
}

impl FailedAttempt {
    /// A recorded `last_error` read back; what no variant wrote is `Other`, as written.
    pub fn read(recorded: &str) -> Self {
        if let Some(status) = recorded.strip_prefix(ANSWERED) {
            return match status.strip_suffix(REDIRECTED) {
                Some(status) => Self::Redirected(status.to_owned()),
                None => Self::Answered(status.to_owned()),
            };
        }
        if let Some(seconds) = recorded.strip_prefix(NO_ANSWER).and_then(|rest| rest.strip_suffix(" s")) {
            return Self::NoAnswerWithin(seconds.to_owned());
        }
        match recorded.strip_prefix(CANNOT_CONNECT) {
            Some(cause) => Self::CannotConnect(cause.to_owned()),
            None => Self::Other(recorded.to_owned()),
        }
    }

    /// The status code alone (`500`), for a variant that has one.
    pub fn status_code(&self) -> Option<&str> {
        match self {
            Self::Answered(status) | Self::Redirected(status) => status.split(' ').next(),
            _ => None,
        }
    }
}

/// A delivery as the panel, the CLI and the export show it: a row of `form_deliveries`.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Delivery {
    /// The `webhook-id` of every attempt.
    pub id: String,
    pub submission_id: String,
    pub form_id: String,
    pub url: String,
    #[sqlx(try_from = "String")]
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: i64,
    /// When a pending delivery is attempted next (milliseconds).
    pub next_attempt_at: i64,
    /// The receiver's status of the last attempt; `None` when it did not answer.
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    /// When it was delivered, or given up.
    pub finished_at: Option<i64>,
    /// The body every attempt sends.
    pub payload: String,
}

/// A delivery this instance has claimed and may now attempt.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub id: String,
    pub url: String,
    /// The environment variable whose secret signs it.
    pub secret_name: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i64,
    lease_token: String,
}

/// How an attempt ended, as the delivery task decided.
#[derive(Clone, Debug, PartialEq)]
pub enum Settled {
    Delivered {
        status: i64,
    },
    /// Failed; tried again at `next_attempt_at`.
    Retry {
        status: Option<i64>,
        error: String,
        next_attempt_at: i64,
    },
    /// Failed, and that was the last attempt.
    Failed {
        status: Option<i64>,
        error: String,
    },
}

/// Which deliveries `belco-panel deliveries retry` starts over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RetryWhich {
    AllFailed,
    One(String),
}

const COLUMNS: &str = "id, submission_id, form_id, url, state, attempts, next_attempt_at, last_status, last_error, \
                       created_at, finished_at, payload";

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

impl Store {
    /// Claims up to `limit` deliveries due at `now` (milliseconds) for `lease`: this instance's
    /// to attempt until then. A delivery whose claimer died is claimable again once its lease
    /// has run out.
    pub async fn claim_deliveries(&self, now: i64, lease: Duration, limit: i64) -> Result<Vec<Claimed>, StoreError> {
        const DUE: &str = "SELECT COUNT(*) FROM form_deliveries \
                           WHERE state = 'pending' AND next_attempt_at <= $1 AND lease_until <= $1";
        // A read first: the claim is a write, which on SQLite would take the write lock every
        // time the task looks, even with nothing to send.
        let due = with_pool!(self, pool => sqlx::query_scalar::<_, i64>(DUE).bind(now).fetch_one(pool).await?);
        if due == 0 {
            return Ok(Vec::new());
        }
        let skip_locked = if self.backend() == "PostgreSQL" { " FOR UPDATE SKIP LOCKED" } else { "" };
        let claim = format!(
            "UPDATE form_deliveries SET lease_until = $1, lease_token = $2 WHERE id IN (\
             SELECT id FROM form_deliveries WHERE state = 'pending' AND next_attempt_at <= $3 AND lease_until <= $3 \
             ORDER BY next_attempt_at LIMIT $4{skip_locked}) \
             RETURNING id, url, secret_name, payload, attempts"
        );
        let lease_token = new_id();
        let until = now.saturating_add(lease.as_millis() as i64);
        let rows: Vec<(String, String, String, String, i64)> = with_pool!(self, pool => {
            sqlx::query_as(&claim).bind(until).bind(&lease_token).bind(now).bind(limit).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, url, secret_name, payload, attempts)| Claimed {
                id,
                url,
                secret_name,
                payload,
                attempts,
                lease_token: lease_token.clone(),
            })
            .collect())
    }

    /// Records how an attempt of `claimed` ended, at `now`. `false` when the claim was no longer
    /// this instance's (its lease ran out and another claimed it, or it was erased): then
    /// nothing is written.
    pub async fn settle_delivery(&self, claimed: &Claimed, settled: &Settled, now: i64) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE form_deliveries SET state = $1, attempts = attempts + 1, next_attempt_at = $2, \
                           last_status = $3, last_error = $4, finished_at = $5, lease_until = 0, lease_token = NULL \
                           WHERE id = $6 AND lease_token = $7";
        let (state, next, status, error, finished) = match settled {
            Settled::Delivered { status } => (DeliveryState::Delivered, now, Some(*status), None, Some(now)),
            Settled::Retry { status, error, next_attempt_at } => {
                (DeliveryState::Pending, *next_attempt_at, *status, Some(error.as_str()), None)
            }
            Settled::Failed { status, error } => (DeliveryState::Failed, now, *status, Some(error.as_str()), Some(now)),
        };
        let changed = with_pool!(self, pool => {
            sqlx::query(SQL)
                .bind(state.as_str())
                .bind(next)
                .bind(status)
                .bind(error)
                .bind(finished)
                .bind(&claimed.id)
                .bind(&claimed.lease_token)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(changed == 1)
    }

    /// The newest deliveries (of one state, or all), newest first: `belco-panel deliveries`.
    pub async fn deliveries(&self, state: Option<DeliveryState>, limit: i64) -> Result<Vec<Delivery>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM form_deliveries WHERE ($1 IS NULL OR state = $1) \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        );
        let state = state.map(|s| s.as_str());
        let deliveries: Vec<Delivery> =
            with_pool!(self, pool => sqlx::query_as(&sql).bind(state).bind(limit).fetch_all(pool).await?);
        Ok(deliveries)
    }

    /// Starts failed deliveries over, due now, with a full schedule of attempts: all of them, or
    /// one by its id (failed or not yet delivered). How many were started over.
    pub async fn retry_deliveries(&self, which: &RetryWhich, now: i64) -> Result<u64, StoreError> {
        const SET: &str = "UPDATE form_deliveries SET state = 'pending', attempts = 0, next_attempt_at = $1, \
                           finished_at = NULL ";
        let changed = with_pool!(self, pool => {
            match which {
                RetryWhich::AllFailed => sqlx::query(&format!("{SET} WHERE state = 'failed'")).bind(now).execute(pool).await?,
                RetryWhich::One(id) => sqlx::query(&format!("{SET} WHERE id = $2 AND state <> 'delivered'"))
                    .bind(now)
                    .bind(id)
                    .execute(pool)
                    .await?,
            }
            .rows_affected()
        });
        Ok(changed)
    }

    /// The deliveries of these submissions, by submission id.
    pub(super) async fn deliveries_of(&self, submission_ids: &[&str]) -> Result<HashMap<String, Delivery>, StoreError> {
        if submission_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM form_deliveries WHERE submission_id IN ({})",
            placeholders(1, submission_ids.len())
        );
        let deliveries: Vec<Delivery> = with_pool!(self, pool => {
            let mut query = sqlx::query_as(&sql);
            for id in submission_ids {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await?
        });
        Ok(deliveries.into_iter().map(|d| (d.submission_id.clone(), d)).collect())
    }
}

/// The customer's submissions (`$1` email, `$2` phone), by either identifier.
const OF_CUSTOMER: &str = "submission_id IN (SELECT id FROM form_submissions WHERE email_norm = $1 OR phone_norm = $2)";

impl Store {
    /// The deliveries of a customer's submissions, oldest first: for the export.
    pub(super) async fn customer_deliveries(
        &self,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Result<Vec<Delivery>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM form_deliveries WHERE {OF_CUSTOMER} ORDER BY created_at, id");
        let deliveries: Vec<Delivery> =
            with_pool!(self, pool => sqlx::query_as(&sql).bind(email).bind(phone).fetch_all(pool).await?);
        Ok(deliveries)
    }
}

/// Deletes a customer's deliveries (`$1` email, `$2` phone), in the erasure's transaction: before
/// their submissions, which it finds them by.
pub(super) fn delete_of_customer() -> String {
    format!("DELETE FROM form_deliveries WHERE {OF_CUSTOMER}")
}

#[cfg(test)]
mod tests {
    use super::FailedAttempt;

    #[test]
    fn a_failed_attempt_reads_back_as_it_was_recorded() {
        for failed in [
            FailedAttempt::Answered("500 Internal Server Error".into()),
            FailedAttempt::Redirected("301 Moved Permanently".into()),
            FailedAttempt::NoAnswerWithin("2.5".into()),
            FailedAttempt::CannotConnect("Connection refused (os error 111)".into()),
            FailedAttempt::Other("error sending request".into()),
        ] {
            assert_eq!(FailedAttempt::read(&failed.to_string()), failed, "{failed}");
        }
        assert_eq!(FailedAttempt::Answered("500 Internal Server Error".into()).status_code(), Some("500"));
        assert_eq!(FailedAttempt::read("no answer within 10 s").to_string(), "no answer within 10 s");
        assert_eq!(
            FailedAttempt::Redirected("302 Found".into()).to_string(),
            "the receiver answered 302 Found, a redirect, which is not followed: name the final URL in the forms file"
        );
        assert_eq!(FailedAttempt::CannotConnect("x".into()).status_code(), None);
    }
}
