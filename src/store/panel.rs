//! What agents write in the frame: notes about a customer and form submissions (customer or
//! company). Every read and write of a customer's rows names the customer's key, and the key
//! is part of each statement's condition, so an id that belongs to someone else matches nothing.

use super::fast_read::{Newest, row_struct};
use super::{Db, Sql, Store, StoreError, now_millis};
use crate::forms::{Answer, Scope};
use crate::identity::CustomerKey;

row_struct! {
    /// A note as stored. Instants are milliseconds since the epoch.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Note {
        pub id: String,
        pub author: String,
        pub body: String,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

/// A valid form submission as stored, with the title and labels it was sent with.
#[derive(Clone, Debug, PartialEq)]
pub struct Submission {
    pub id: String,
    pub form_id: String,
    pub form_title: String,
    pub author: String,
    pub answers: Vec<Answer>,
    pub created_at: i64,
}

/// Whose a submission is: one customer's, or the company's.
#[derive(Clone, Copy, Debug)]
pub enum Owner<'a> {
    Customer(&'a CustomerKey),
    Company,
}

/// A random id: 16 bytes as unpadded base64url. Not guessable, so one customer's ids say
/// nothing about another's.
fn new_id() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A customer's notes by either identifier (`$1` email, `$2` phone).
macro_rules! customer_notes {
    () => {
        "SELECT id, author, body, created_at, updated_at FROM notes WHERE email_norm = $1 OR phone_norm = $2"
    };
}

/// A customer's notes, newest first (`$3` limit).
const NOTES_SQL: Sql = Sql {
    sqlite: concat!(customer_notes!(), " ORDER BY created_at DESC, id DESC LIMIT $3"),
    postgres: concat!(customer_notes!(), " ORDER BY created_at DESC, id", bytewise!(), " DESC LIMIT $3"),
};

/// The same on the SQLite read path (see `fast_read::Newest`).
pub(super) const NEWEST_NOTES: Newest<'static, Note> = Newest {
    unordered: concat!(customer_notes!(), " LIMIT $3"),
    ordered: NOTES_SQL.sqlite,
    map: Note::from_rusqlite,
    newest_first: |a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)),
};

/// A customer's submissions by either identifier (`$1` email, `$2` phone). No `scope =
/// 'customer'` here: company rows have neither identifier, so the identifiers alone pick customer
/// rows, and a scope condition tempts SQLite into walking every customer submission through
/// `submissions_by_scope` instead of the two identifier indexes.
macro_rules! customer_submissions {
    () => {
        "SELECT id, form_id, form_title, author, answers, created_at FROM form_submissions \
         WHERE email_norm = $1 OR phone_norm = $2"
    };
}

/// A customer's submissions, newest first (`$3` limit).
const CUSTOMER_SUBMISSIONS_SQL: Sql = Sql {
    sqlite: concat!(customer_submissions!(), " ORDER BY created_at DESC, id DESC LIMIT $3"),
    postgres: concat!(customer_submissions!(), " ORDER BY created_at DESC, id", bytewise!(), " DESC LIMIT $3"),
};

/// The same on the SQLite read path (see `fast_read::Newest`).
pub(super) const NEWEST_SUBMISSIONS: Newest<'static, SubmissionRow> = Newest {
    unordered: concat!(customer_submissions!(), " LIMIT $3"),
    ordered: CUSTOMER_SUBMISSIONS_SQL.sqlite,
    map: SubmissionRow::from_rusqlite,
    newest_first: |a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)),
};

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
        })
    }
}

impl Store {
    /// The customer's notes, newest first: those stored under the email or the phone.
    pub async fn notes(&self, key: &CustomerKey, limit: i64) -> Result<Vec<Note>, StoreError> {
        if key.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(reader) = &self.reader {
            return Ok(reader.newest(&NEWEST_NOTES, key, limit)?);
        }
        let notes = with_pool!(self, pool => {
            sqlx::query_as::<_, Note>(self.sql(&NOTES_SQL))
                .bind(key.email.as_deref())
                .bind(key.phone.as_deref())
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        Ok(notes)
    }

    /// Stores a new note under the customer's identifiers (both, when both are known).
    pub async fn add_note(&self, key: &CustomerKey, author: &str, body: &str) -> Result<Note, StoreError> {
        let now = now_millis();
        let note =
            Note { id: new_id(), author: author.to_owned(), body: body.to_owned(), created_at: now, updated_at: now };
        const SQL: &str = "INSERT INTO notes (id, email_norm, phone_norm, author, body, created_at, updated_at) \
                           VALUES ($1, $2, $3, $4, $5, $6, $7)";
        with_pool!(self, pool => {
            sqlx::query(SQL)
                .bind(&note.id)
                .bind(key.email.as_deref())
                .bind(key.phone.as_deref())
                .bind(&note.author)
                .bind(&note.body)
                .bind(note.created_at)
                .bind(note.updated_at)
                .execute(pool)
                .await?;
        });
        Ok(note)
    }

    /// Replaces a note's text; `None` when the customer has no note with this id.
    pub async fn update_note(&self, key: &CustomerKey, id: &str, body: &str) -> Result<Option<Note>, StoreError> {
        if key.is_empty() {
            return Ok(None);
        }
        const SQL: &str = "UPDATE notes SET body = $1, updated_at = $2 \
                           WHERE id = $3 AND (email_norm = $4 OR phone_norm = $5) \
                           RETURNING id, author, body, created_at, updated_at";
        let note = with_pool!(self, pool => {
            sqlx::query_as::<_, Note>(SQL)
                .bind(body)
                .bind(now_millis())
                .bind(id)
                .bind(key.email.as_deref())
                .bind(key.phone.as_deref())
                .fetch_optional(pool)
                .await?
        });
        Ok(note)
    }

    /// Deletes a note; false when the customer has no note with this id.
    pub async fn delete_note(&self, key: &CustomerKey, id: &str) -> Result<bool, StoreError> {
        if key.is_empty() {
            return Ok(false);
        }
        const SQL: &str = "DELETE FROM notes WHERE id = $1 AND (email_norm = $2 OR phone_norm = $3)";
        let deleted = with_pool!(self, pool => {
            sqlx::query(SQL).bind(id).bind(key.email.as_deref()).bind(key.phone.as_deref()).execute(pool).await?
                .rows_affected()
        });
        Ok(deleted > 0)
    }

    /// Stores a valid submission of `form` for `owner`.
    pub async fn add_submission(
        &self,
        owner: Owner<'_>,
        form_id: &str,
        form_title: &str,
        author: &str,
        answers: Vec<Answer>,
    ) -> Result<Submission, StoreError> {
        let submission = Submission {
            id: new_id(),
            form_id: form_id.to_owned(),
            form_title: form_title.to_owned(),
            author: author.to_owned(),
            answers,
            created_at: now_millis(),
        };
        let answers_json = serde_json::to_string(&submission.answers)
            .map_err(|e| StoreError::Corrupt { id: submission.id.clone(), reason: e.to_string() })?;
        let (scope, email, phone) = match owner {
            Owner::Customer(key) => ("customer", key.email.as_deref(), key.phone.as_deref()),
            Owner::Company => ("company", None, None),
        };
        const SQL: &str = "INSERT INTO form_submissions \
                           (id, form_id, form_title, scope, email_norm, phone_norm, author, answers, created_at) \
                           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        with_pool!(self, pool => {
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
                .execute(pool)
                .await?;
        });
        Ok(submission)
    }

    /// The owner's submissions, newest first: a customer's by email or phone, or the company's.
    pub async fn submissions(&self, owner: Owner<'_>, limit: i64) -> Result<Vec<Submission>, StoreError> {
        macro_rules! company_sql {
            ($collate:expr) => {
                concat!(
                    "SELECT id, form_id, form_title, author, answers, created_at FROM form_submissions \
                     WHERE scope = 'company' ORDER BY created_at DESC, id",
                    $collate,
                    " DESC LIMIT $1"
                )
            };
        }
        const COMPANY_SQL: Sql = Sql { sqlite: company_sql!(""), postgres: company_sql!(bytewise!()) };
        let rows = match (owner, &self.reader) {
            (Owner::Customer(key), _) if key.is_empty() => Vec::new(),
            (Owner::Customer(key), Some(reader)) => reader.newest(&NEWEST_SUBMISSIONS, key, limit)?,
            (Owner::Company, Some(reader)) => {
                reader.rows(COMPANY_SQL.sqlite, rusqlite::params![limit], SubmissionRow::from_rusqlite)?
            }
            (Owner::Customer(key), None) => with_pool!(self, pool => {
                sqlx::query_as::<_, SubmissionRow>(self.sql(&CUSTOMER_SUBMISSIONS_SQL))
                    .bind(key.email.as_deref())
                    .bind(key.phone.as_deref())
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
            }),
            (Owner::Company, None) => with_pool!(self, pool => {
                sqlx::query_as::<_, SubmissionRow>(self.sql(&COMPANY_SQL)).bind(limit).fetch_all(pool).await?
            }),
        };
        rows.into_iter().map(Submission::try_from).collect()
    }
}

impl Owner<'_> {
    pub fn scope(&self) -> Scope {
        match self {
            Owner::Customer(_) => Scope::Customer,
            Owner::Company => Scope::Company,
        }
    }
}
