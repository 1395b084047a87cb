//! What the islands call on the server, all under the URL prefix `/fn`. Each function returns its own error type, so that what
//! reaches the browser is chosen here and never an internal error's text.

mod capability;
mod forms;
mod notes;
mod storage;

#[cfg(feature = "ssr")]
pub use storage::{STORAGE_CHECK_MAX_AGE, StorageCheckCache};

pub use capability::PanelError;
pub use forms::{FieldMessage, SentForms, SubmitForm, SubmitOutcome, sent_forms, submit_form};
pub use notes::{AddNote, DeleteNote, EditNote, ListNotes, add_note, delete_note, edit_note, list_notes};
pub use storage::{CheckStorage, StorageCheckError, StoragePing, check_storage};

use leptos::server_fn::error::ServerFnErrorErr;

/// What a failure before or outside the function itself comes to.
// In the browser only `CallFailed` is made: a malformed request is the server's to see.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
enum Failure {
    /// On the server: the request's body could not be read as the function's arguments (empty,
    /// not JSON, wrong types, a lone surrogate, …). The message says so without quoting the body.
    BadRequest(&'static str),
    /// Anything else: the network (in the browser), or the server could not answer.
    CallFailed,
}

/// Sorts out a call that failed before or outside the function. A request the server could not
/// read as the function's arguments answers `400` (through `leptos_axum`'s `ResponseOptions`,
/// which the server applies to the response after the function). The log gets the function and
/// the kind of failure only: the decoder's text quotes the value sent (an email, a note).
fn call_failed(function: &str, error: ServerFnErrorErr) -> Failure {
    #[cfg(feature = "ssr")]
    {
        let (kind, failure) = match error {
            ServerFnErrorErr::Deserialization(_) | ServerFnErrorErr::Args(_) => {
                ("arguments", Failure::BadRequest("The request's body does not hold this function's arguments."))
            }
            ServerFnErrorErr::MissingArg(_) => {
                ("missing argument", Failure::BadRequest("The request's body lacks one of this function's arguments."))
            }
            ServerFnErrorErr::Serialization(_) => ("serialization", Failure::CallFailed),
            ServerFnErrorErr::Response(_) => ("response", Failure::CallFailed),
            ServerFnErrorErr::MiddlewareError(_) => ("middleware", Failure::CallFailed),
            ServerFnErrorErr::ServerError(_) => ("server error", Failure::CallFailed),
            _ => ("other", Failure::CallFailed),
        };
        match failure {
            Failure::BadRequest(_) => {
                if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                    response.set_status(http::StatusCode::BAD_REQUEST);
                }
                tracing::info!(function, kind, "a server function call was refused: its arguments could not be read");
            }
            Failure::CallFailed => tracing::warn!(function, kind, "a server function could not run"),
        }
        failure
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = (function, error);
        Failure::CallFailed
    }
}
