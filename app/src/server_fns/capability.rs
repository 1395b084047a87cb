//! The capability check every panel server function starts with (`authorize`, or `customer` for a
//! call about one customer), and what they all answer with: the error the islands read
//! ([`PanelError`]) and its HTTP status (`answer`).
//!
//! Belco shows the frame in a third-party iframe, where there are no cookies, so every panel
//! function takes the `capability` the server signed into the page it rendered (see
//! `belco::capability`) and trusts nothing else: the customer a call acts on is the one the
//! capability names, never one the browser sends. A forged capability, or one for the other kind
//! of panel, is refused; an expired one asks for a reload. Nothing is stored in any of those cases.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

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

#[cfg(feature = "ssr")]
pub(crate) use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use std::sync::Arc;

    use belco::capability::{CapabilityError, Subject};
    use belco::identity::CustomerKey;
    use belco::notes::WritingError;
    use belco::store::{Store, StoreError, now_millis};
    use http::StatusCode;
    use leptos::prelude::use_context;

    use super::PanelError;
    use crate::settings::PanelSettings;

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
    pub fn authorize(capability: &str) -> Result<(Store, Arc<PanelSettings>, Subject), PanelError> {
        let (Some(store), Some(settings)) = (use_context::<Store>(), use_context::<Arc<PanelSettings>>()) else {
            tracing::error!("no Store or PanelSettings in the Leptos context; the server must provide them");
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
        error.count();
        PanelError::Unavailable
    }

    impl From<WritingError> for PanelError {
        fn from(error: WritingError) -> Self {
            Self::Invalid(error.to_string())
        }
    }
}
