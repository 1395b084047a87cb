//! What the islands call on the server, all under the URL prefix `/fn`. Each function returns its own error type, so that what
//! reaches the browser is chosen here and never an internal error's text.

mod panel;
mod storage;

#[cfg(feature = "ssr")]
pub(crate) use panel::ssr as panel_ssr;
pub use panel::{
    AUTHOR_FIELD, AddNote, DeleteNote, EditNote, ListNotes, MAX_AUTHOR_CHARS, MAX_NOTE_CHARS, NoteView, PanelError,
    SubmissionView, SubmitForm, SubmitOutcome, add_note, delete_note, edit_note, list_notes, submit_form,
};
pub use storage::{CheckStorage, StorageCheckError, StoragePing, check_storage};
