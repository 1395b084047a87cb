//! Form submissions, a customer's or the company's, with the title and labels they were sent
//! with. A customer's are read and written under the customer's key, as notes are.

use super::deliveries::Delivery;
use super::fast_read::{Newest, row_struct};
use super::query::{Params, Query};
use super::{Store, StoreError, new_id, now_millis, sql, with_pool};
use crate::capability::Subject;
use crate::deliveries::{SentForm, payload};
use crate::forms::{Answer, Scope, WebhookTarget};
use crate::identity::CustomerKey;

/// A valid form submission as stored, with the title and labels it was sent with.
#[derive(Clone, Debug, PartialEq)]
pub struct Submission {
    pub id: String,
    pub form_id: String,
    pub form_title: String,
    pub author: String,
    pub answers: Vec<Answer>,
    pub created_at: i64,
    /// Its webhook delivery, when its form names a webhook.
    pub delivery: Option<Delivery>,
}

/// Whose records these are: one customer's, or the company's.
#[derive(Clone, Copy, Debug)]
pub enum RecordOwner<'a> {
    Customer(&'a CustomerKey),
    Company,
}

impl<'a> RecordOwner<'a> {
    /// Whose records a panel's capability reaches: its customer's, or the company's.
    pub fn of(subject: &'a Subject) -> Self {
        match subject {
            Subject::Customer(key) => RecordOwner::Customer(key),
            Subject::Company => RecordOwner::Company,
        }
    }

    pub fn scope(&self) -> Scope {
        match self {
            RecordOwner::Customer(_) => Scope::Customer,
            RecordOwner::Company => Scope::Company,
        }
    }
}

/// A customer's submissions, newest first ([`Params::Newest`]).
pub(super) const CUSTOMER_SUBMISSIONS: Query<SubmissionRow> = Query {
    sql: sql::CUSTOMER_SUBMISSIONS,
    from_rusqlite: SubmissionRow::from_rusqlite,
    newest: Some(Newest {
        unordered: sql::CUSTOMER_SUBMISSIONS_UNORDERED,
        newest_first: |a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)),
    }),
};

/// The company's submissions, newest first ([`Params::Limit`]).
const COMPANY_SUBMISSIONS: Query<SubmissionRow> =
    Query { sql: sql::COMPANY_SUBMISSIONS, from_rusqlite: SubmissionRow::from_rusqlite, newest: None };

row_struct! {
    /// A submission's row: the answers are still JSON.
    pub(super) struct SubmissionRow {
        id: String,
        form_id: String,
        form_title: String,
        author: String,
        answers: String,
        created_at: i64,
    }
}

impl TryFrom<SubmissionRow> for Submission {
    type Error = StoreError;

    fn try_from(row: SubmissionRow) -> Result<Self, StoreError> {
        let answers = serde_json::from_str(&row.answers)
            .map_err(|e| StoreError::Corrupt { id: row.id.clone(), reason: format!("answers: {e}") })?;
        Ok(Submission {
            id: row.id,
            form_id: row.form_id,
            form_title: row.form_title,
            author: row.author,
            answers,
            created_at: row.created_at,
            delivery: None,
        })
    }
}

impl Store {
    /// Stores a valid submission of `form` for `owner`, and, when the form names a `webhook`, its
    /// delivery in the outbox, in the same transaction: a submission is never stored without it.
    /// `form_title` and the answers' labels are as the agent saw them, in the language of code
    /// `language`, which the delivery's body names.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_submission(
        &self,
        owner: RecordOwner<'_>,
        form_id: &str,
        form_title: &str,
        author: &str,
        language: &str,
        answers: Vec<Answer>,
        webhook: Option<&WebhookTarget>,
    ) -> Result<Submission, StoreError> {
        let mut submission = Submission {
            id: new_id(),
            form_id: form_id.to_owned(),
            form_title: form_title.to_owned(),
            author: author.to_owned(),
            answers,
            created_at: now_millis(),
            delivery: None,
        };
        let answers_json = serde_json::to_string(&submission.answers)
            .map_err(|e| StoreError::Corrupt { id: submission.id.clone(), reason: e.to_string() })?;
        let (scope, email, phone) = match owner {
            RecordOwner::Customer(key) => ("customer", key.email.as_deref(), key.phone.as_deref()),
            RecordOwner::Company => ("company", None, None),
        };
        const SQL: &str = "INSERT INTO form_submissions \
                           (id, form_id, form_title, scope, email_norm, phone_norm, author, answers, created_at) \
                           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        const OUTBOX: &str = "INSERT INTO form_deliveries (id, submission_id, form_id, url, secret_name, payload, \
                              state, attempts, next_attempt_at, lease_until, created_at) \
                              VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, 0, $7)";
        submission.delivery = webhook.map(|target| Delivery {
            // Standard Webhooks' ids are conventionally `msg_…`.
            id: format!("msg_{}", new_id()),
            submission_id: submission.id.clone(),
            form_id: submission.form_id.clone(),
            url: target.url.clone(),
            state: super::deliveries::DeliveryState::Pending,
            attempts: 0,
            next_attempt_at: submission.created_at,
            last_status: None,
            last_error: None,
            created_at: submission.created_at,
            finished_at: None,
            payload: payload(&SentForm {
                submission_id: &submission.id,
                form_id: &submission.form_id,
                form_title: &submission.form_title,
                scope: owner.scope(),
                language,
                customer: match owner {
                    RecordOwner::Customer(key) => Some(key),
                    RecordOwner::Company => None,
                },
                author: &submission.author,
                answers: &submission.answers,
                sent_at: submission.created_at,
            }),
        });
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(SQL)
                .bind(&submission.id)
                .bind(&submission.form_id)
                .bind(&submission.form_title)
                .bind(scope)
                .bind(email)
                .bind(phone)
                .bind(&submission.author)
                .bind(&answers_json)
                .bind(submission.created_at)
                .execute(&mut *tx)
                .await?;
            if let (Some(delivery), Some(target)) = (&submission.delivery, webhook) {
                sqlx::query(OUTBOX)
                    .bind(&delivery.id)
                    .bind(&submission.id)
                    .bind(&submission.form_id)
                    .bind(&target.url)
                    .bind(&target.secret)
                    .bind(&delivery.payload)
                    .bind(submission.created_at)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(submission)
    }

    /// The owner's submissions, newest first: a customer's by email or phone, or the company's.
    pub async fn submissions(&self, owner: RecordOwner<'_>, limit: i64) -> Result<Vec<Submission>, StoreError> {
        let rows = match owner {
            RecordOwner::Customer(key) => self.read(&CUSTOMER_SUBMISSIONS, Params::Newest(key, limit)).await?,
            RecordOwner::Company => self.read(&COMPANY_SUBMISSIONS, Params::Limit(limit)).await?,
        };
        let mut submissions = rows.into_iter().map(Submission::try_from).collect::<Result<Vec<_>, _>>()?;
        self.attach_deliveries(&mut submissions).await?;
        Ok(submissions)
    }

    /// Gives each submission its webhook delivery, if it has one (one query, none for no
    /// submissions).
    pub(super) async fn attach_deliveries(&self, submissions: &mut [Submission]) -> Result<(), StoreError> {
        if submissions.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = submissions.iter().map(|s| s.id.as_str()).collect();
        let mut deliveries = self.deliveries_of(&ids).await?;
        for submission in submissions {
            submission.delivery = deliveries.remove(&submission.id);
        }
        Ok(())
    }
}
