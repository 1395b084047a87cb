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

/// A call that failed before or outside the function itself (network, decoding). Where this runs
/// on the server, the error's text may describe internals: it is logged, and the browser gets
/// only its own error type's `CallFailed`.
fn call_failed(function: &str, error: leptos::server_fn::error::ServerFnErrorErr) {
    #[cfg(feature = "ssr")]
    tracing::warn!(%error, function, "a server function could not run");
    #[cfg(not(feature = "ssr"))]
    let _ = (function, error);
}
