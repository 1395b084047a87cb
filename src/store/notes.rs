//! Notes that agents keep about a customer. Every read and write names the customer's key, and
//! the key is part of each statement's condition, so an id that belongs to someone else matches
//! nothing.

use super::fast_read::{Newest, row_struct};
use super::query::{Params, Query};
use super::{Store, StoreError, new_id, now_millis, sql, with_pool};
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

/// A customer's notes, newest first ([`Params::Newest`]).
pub(super) const NOTES: Query<Note> = Query {
    sql: sql::NOTES,
    from_rusqlite: Note::from_rusqlite,
    newest: Some(Newest {
        unordered: sql::NOTES_UNORDERED,
        newest_first: |a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)),
    }),
};

impl Store {
    /// The customer's notes, newest first: those stored under the email or the phone.
    pub async fn notes(&self, key: &CustomerKey, limit: i64) -> Result<Vec<Note>, StoreError> {
        self.read(&NOTES, Params::Newest(key, limit)).await
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
}
