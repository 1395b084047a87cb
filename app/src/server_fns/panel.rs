//! What the frame's islands call: notes and form submissions.
//!
//! Belco shows the frame in a third-party iframe, where there are no cookies, so every function
//! here takes the `capability` the server signed into the page it rendered (see
//! `belco::capability`) and trusts nothing else: the customer a call acts on is the one the
//! capability names, never one the browser sends. A forged capability, or one for the other kind
//! of panel, is refused; an expired one asks for a reload. Nothing is stored in any of those cases.

use belco::forms::{Answer, FieldError};
use leptos::prelude::*;
use leptos::server_fn::codec::{Json, JsonEncoding};
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// The name of a form's "Your name" input, and the field a submission's error about it names:
/// not a valid form field name, so it cannot clash with one.
pub const AUTHOR_FIELD: &str = "-author";

/// The longest note, and the longest author name, in characters.
pub const MAX_NOTE_CHARS: usize = 5000;
pub const MAX_AUTHOR_CHARS: usize = 80;

/// A note as the panel shows it; times are already written for people by the server. Only the
/// server uses it (the list goes to the browser as HTML, see `pages::notes_list`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteView {
    pub id: String,
    pub author: String,
    pub body: String,
    /// `3 Jan 2024, 14:05 UTC`
    pub written: String,
    /// RFC 3339, for `<time datetime>`.
    pub written_iso: String,
    /// Set when the text was changed after it was written.
    pub edited: Option<String>,
}

/// A stored form submission as the panel lists it; times already written for people. Only the
/// server uses it (the list goes to the browser as HTML, see `pages::submissions_list`).
#[derive(Clone, Debug, PartialEq)]
pub struct SubmissionView {
    pub id: String,
    pub form_title: String,
    pub author: String,
    pub sent: String,
    pub sent_iso: String,
    pub answers: Vec<Answer>,
}

/// What a submission came to: stored (and the fresh list of sent forms, as the panel's HTML), or
/// the messages to show per field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SubmitOutcome {
    Saved(String),
    Invalid(Vec<FieldError>),
}

/// Why a call failed, in words for the agent. Internals go to the server log only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PanelError {
    #[error("This panel has been open for too long. Reload the panel to continue.")]
    Expired,
    #[error("This panel is not allowed to do that. Reload the panel and try again.")]
    Refused,
    #[error("That note is gone: someone may have deleted it. The list now shows the current notes.")]
    NoteGone,
    #[error("{0}")]
    Invalid(String),
    #[error("The panel cannot reach its storage. Try again in a moment.")]
    Unavailable,
    #[error("The server could not be reached. Check the connection and try again.")]
    CallFailed,
    /// The request itself was malformed (status 4xx): its body was not the function's arguments
    /// as JSON, or too large, or sent the wrong way. The message never quotes what was sent.
    #[error("{0}")]
    BadRequest(String),
}

impl FromServerFnError for PanelError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        match super::call_failed("a panel server function", error) {
            super::Failure::BadRequest(message) => Self::BadRequest(message.to_owned()),
            super::Failure::CallFailed => Self::CallFailed,
        }
    }
}

// The notes functions answer with the customer's notes, newest first, as the panel's HTML list
// (written and escaped by `pages::notes_list`), which the island swaps in.

/// The customer's notes.
#[server(prefix = "/fn", endpoint = "notes/list", input = Json)]
pub async fn list_notes(capability: String) -> Result<String, PanelError> {
    ssr::answer(async {
        let (store, key) = ssr::customer(&capability)?;
        ssr::notes_html(&store, &key).await
    })
    .await
}

/// Adds a note for the capability's customer.
#[server(prefix = "/fn", endpoint = "notes/add", input = Json)]
pub async fn add_note(capability: String, author: String, body: String) -> Result<String, PanelError> {
    ssr::answer(async {
        let (store, key) = ssr::customer(&capability)?;
        let author = ssr::author(&author)?;
        let body = ssr::note_body(&body)?;
        store.add_note(&key, &author, &body).await.map_err(ssr::unavailable)?;
        ssr::notes_html(&store, &key).await
    })
    .await
}

/// Replaces a note's text.
#[server(prefix = "/fn", endpoint = "notes/edit", input = Json)]
pub async fn edit_note(capability: String, id: String, body: String) -> Result<String, PanelError> {
    ssr::answer(async {
        let (store, key) = ssr::customer(&capability)?;
        let id = ssr::note_id(&id)?;
        let body = ssr::note_body(&body)?;
        match store.update_note(&key, id, &body).await.map_err(ssr::unavailable)? {
            Some(_) => ssr::notes_html(&store, &key).await,
            None => Err(PanelError::NoteGone),
        }
    })
    .await
}

/// Deletes a note.
#[server(prefix = "/fn", endpoint = "notes/delete", input = Json)]
pub async fn delete_note(capability: String, id: String) -> Result<String, PanelError> {
    ssr::answer(async {
        let (store, key) = ssr::customer(&capability)?;
        if store.delete_note(&key, ssr::note_id(&id)?).await.map_err(ssr::unavailable)? {
            ssr::notes_html(&store, &key).await
        } else {
            Err(PanelError::NoteGone)
        }
    })
    .await
}

/// Validates and stores one submission of a form of the capability's panel.
///
/// `values` are the form's fields as the browser posts them (name, text); an unchecked checkbox
/// is absent. Invalid input stores nothing and comes back as `SubmitOutcome::Invalid`.
#[server(prefix = "/fn", endpoint = "forms/submit", input = Json)]
pub async fn submit_form(
    capability: String,
    form_id: String,
    author: String,
    values: Vec<(String, String)>,
) -> Result<SubmitOutcome, PanelError> {
    ssr::answer(ssr::submit(&capability, &form_id, &author, &values)).await
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use std::sync::Arc;

    use belco::capability::{CapabilityError, Subject};
    use belco::forms::FieldError;
    use belco::identity::CustomerKey;
    use belco::store::{Note, RecordOwner, Store, StoreError, Submission, now_millis};
    use belco::time::{format_instant, format_minute};
    use http::StatusCode;
    use leptos::prelude::use_context;

    use super::{AUTHOR_FIELD, MAX_AUTHOR_CHARS, MAX_NOTE_CHARS, NoteView, PanelError, SubmissionView, SubmitOutcome};
    use crate::pages::FrameSettings;

    /// How many notes and submissions a panel lists.
    pub const NOTES_LIMIT: i64 = 100;
    pub const SUBMISSIONS_LIMIT: i64 = 50;

    /// Runs a server function's body; a failure gets the HTTP status that says what it is (the
    /// body still carries the `PanelError` for the island).
    pub async fn answer<T>(body: impl Future<Output = Result<T, PanelError>>) -> Result<T, PanelError> {
        let result = body.await;
        if let (Err(error), Some(response)) = (&result, use_context::<leptos_axum::ResponseOptions>()) {
            response.set_status(match error {
                PanelError::Expired => StatusCode::UNAUTHORIZED,
                PanelError::Refused => StatusCode::FORBIDDEN,
                PanelError::NoteGone => StatusCode::NOT_FOUND,
                PanelError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                PanelError::BadRequest(_) => StatusCode::BAD_REQUEST,
                PanelError::Unavailable | PanelError::CallFailed => StatusCode::SERVICE_UNAVAILABLE,
            });
        }
        result
    }

    /// Checks the capability and answers with what it allows.
    fn authorize(capability: &str) -> Result<(Store, Arc<FrameSettings>, Subject), PanelError> {
        let (Some(store), Some(settings)) = (use_context::<Store>(), use_context::<Arc<FrameSettings>>()) else {
            tracing::error!("no Store or FrameSettings in the Leptos context; the server must provide them");
            return Err(PanelError::Unavailable);
        };
        let Some(signer) = settings.signer.as_ref() else {
            return Err(PanelError::Refused);
        };
        match signer.verify(capability, now_millis()) {
            Ok(subject) => Ok((store, settings, subject)),
            Err(CapabilityError::Expired) => Err(PanelError::Expired),
            Err(CapabilityError::Forged) => {
                tracing::warn!("a panel call with a capability this server did not sign was refused");
                Err(PanelError::Refused)
            }
        }
    }

    /// For calls about one customer: the store and the customer the capability names.
    pub fn customer(capability: &str) -> Result<(Store, CustomerKey), PanelError> {
        match authorize(capability)? {
            (store, _, Subject::Customer(key)) => Ok((store, key)),
            (_, _, Subject::Company) => Err(PanelError::Refused),
        }
    }

    pub fn unavailable(error: StoreError) -> PanelError {
        tracing::error!(%error, "a panel call could not use storage");
        PanelError::Unavailable
    }

    pub fn author(raw: &str) -> Result<String, PanelError> {
        let author = raw.trim();
        if author.is_empty() {
            return Err(PanelError::Invalid("Enter your name, so colleagues know who wrote this.".into()));
        }
        if author.chars().count() > MAX_AUTHOR_CHARS || author.chars().any(char::is_control) {
            return Err(PanelError::Invalid(format!(
                "Enter your name as one line of at most {MAX_AUTHOR_CHARS} characters."
            )));
        }
        Ok(author.to_owned())
    }

    /// A note's text, every line break made `\n`. Line breaks and tabs are kept (a textarea
    /// holds both); any other control character is refused, on every database alike:
    /// PostgreSQL cannot store a NUL in text, and the rest show as nothing or garbage.
    pub fn note_body(raw: &str) -> Result<String, PanelError> {
        let body = raw.replace("\r\n", "\n").replace('\r', "\n");
        if body.trim().is_empty() {
            return Err(PanelError::Invalid("Write the note first.".into()));
        }
        if body.chars().count() > MAX_NOTE_CHARS {
            return Err(PanelError::Invalid(format!("Keep a note under {MAX_NOTE_CHARS} characters.")));
        }
        if body.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(PanelError::Invalid("Remove the invisible control characters from this note.".into()));
        }
        Ok(body.trim_end().to_owned())
    }

    /// A note id as the server makes them (unpadded base64url). Anything else names no note, and
    /// is not sent to the database (where a NUL in it would fail on PostgreSQL only).
    pub fn note_id(id: &str) -> Result<&str, PanelError> {
        let shaped = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if shaped { Ok(id) } else { Err(PanelError::NoteGone) }
    }

    pub async fn notes_html(store: &Store, key: &CustomerKey) -> Result<String, PanelError> {
        let notes = store.notes(key, NOTES_LIMIT).await.map_err(unavailable)?;
        let notes: Vec<NoteView> = notes.into_iter().map(note_view).collect();
        Ok(crate::pages::notes_list::notes_html(&notes, true))
    }

    pub fn note_view(note: Note) -> NoteView {
        NoteView {
            written: format_minute(note.created_at),
            written_iso: format_instant(note.created_at),
            edited: (note.updated_at != note.created_at).then(|| format_minute(note.updated_at)),
            id: note.id,
            author: note.author,
            body: note.body,
        }
    }

    pub fn submission_view(submission: Submission) -> SubmissionView {
        SubmissionView {
            sent: format_minute(submission.created_at),
            sent_iso: format_instant(submission.created_at),
            id: submission.id,
            form_title: submission.form_title,
            author: submission.author,
            answers: submission.answers,
        }
    }

    /// The panel's list of sent forms, as HTML (`pages::submissions_list`).
    pub async fn submissions_html(store: &Store, owner: RecordOwner<'_>) -> Result<String, PanelError> {
        let rows = store.submissions(owner, SUBMISSIONS_LIMIT).await.map_err(unavailable)?;
        let submissions: Vec<SubmissionView> = rows.into_iter().map(submission_view).collect();
        Ok(crate::pages::submissions_list::submissions_html(&submissions))
    }

    pub async fn submit(
        capability: &str,
        form_id: &str,
        author: &str,
        values: &[(String, String)],
    ) -> Result<SubmitOutcome, PanelError> {
        let (store, settings, subject) = authorize(capability)?;
        let owner = match &subject {
            Subject::Customer(key) => RecordOwner::Customer(key),
            Subject::Company => RecordOwner::Company,
        };
        // A form of the other panel's scope is as unknown here as a form that does not exist.
        let Some(form) = settings.forms.get(form_id).filter(|form| form.scope == owner.scope()) else {
            return Err(PanelError::Refused);
        };
        let author = match self::author(author) {
            Ok(author) => Some(author),
            Err(PanelError::Invalid(message)) => {
                // Shown next to the name field, with the form's own messages.
                return Ok(SubmitOutcome::Invalid(with_author_error(form.validate(values).err(), message)));
            }
            Err(other) => return Err(other),
        };
        let answers = match form.validate(values) {
            Ok(answers) => answers,
            Err(errors) => return Ok(SubmitOutcome::Invalid(errors)),
        };
        let author = author.unwrap_or_default();
        store.add_submission(owner, &form.id, &form.title, &author, answers).await.map_err(unavailable)?;
        Ok(SubmitOutcome::Saved(submissions_html(&store, owner).await?))
    }

    /// The author's message first (its field comes first in the form), then the form's own.
    fn with_author_error(errors: Option<Vec<FieldError>>, message: String) -> Vec<FieldError> {
        let mut all = vec![FieldError { field: AUTHOR_FIELD.to_owned(), message }];
        all.extend(errors.unwrap_or_default());
        all
    }
}
