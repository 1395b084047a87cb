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

/// Why a call failed, with the words for the agent in the panel's language (the call's
/// `language`). Internals go to the server log only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PanelError {
    /// The capability is too old: the panel must be reloaded.
    #[error("{0}")]
    Expired(String),
    /// A capability this server did not sign, or one for another panel.
    #[error("{0}")]
    Refused(String),
    /// The note is no longer there.
    #[error("{0}")]
    NoteGone(String),
    /// What the agent wrote was refused.
    #[error("{0}")]
    Invalid(String),
    /// Storage did not answer.
    #[error("{0}")]
    Unavailable(String),
    /// The call did not reach the function: made in the browser, which says it in the words
    /// the island was given.
    #[error("the server could not be reached")]
    CallFailed,
    /// The request itself was malformed (status 4xx): its body was not the function's arguments
    /// as JSON, or too large, or sent the wrong way. For the developer, in English; the message
    /// never quotes what was sent.
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
    use crate::i18n::L10n;
    use crate::settings::PanelSettings;

    /// Why a panel call failed, before it is put in words ([`answer`] does, in the call's
    /// language).
    #[derive(Debug)]
    pub enum Why {
        Expired,
        Refused,
        NoteGone,
        Writing(WritingError),
        Unavailable,
    }

    impl From<WritingError> for Why {
        fn from(error: WritingError) -> Self {
            Self::Writing(error)
        }
    }

    /// What a server function works with: the store, the panel's settings, and the language and
    /// zone of the panel that called (its `language`; an unknown one is the default).
    pub struct Call {
        pub store: Store,
        pub settings: Arc<PanelSettings>,
        pub l10n: L10n,
    }

    /// The store and settings the server put in the Leptos context, and `language`'s words.
    pub fn call(language: &str) -> Option<Call> {
        let (Some(store), Some(settings)) = (use_context::<Store>(), use_context::<Arc<PanelSettings>>()) else {
            tracing::error!("no Store or PanelSettings in the Leptos context; the server must provide them");
            return None;
        };
        let l10n = settings.l10n(language);
        Some(Call { store, settings, l10n })
    }

    /// Runs a server function's `body` with the [`Call`] of `language`; a failure is put in that
    /// language's words and gets the HTTP status that says what it is (the body still carries
    /// the `PanelError` for the island).
    pub async fn answer<T, F>(language: &str, body: impl FnOnce(Call) -> F) -> Result<T, PanelError>
    where
        F: Future<Output = Result<T, Why>>,
    {
        let Some(call) = call(language) else {
            // No settings, so no languages to choose from: the default's words.
            return Err(PanelError::Unavailable(crate::i18n::LOCALES[0].words.storage_down.to_owned()));
        };
        let l10n = call.l10n.clone();
        let words = l10n.words();
        let result = body(call).await.map_err(|why| match why {
            Why::Expired => PanelError::Expired(words.expired.to_owned()),
            Why::Refused => PanelError::Refused(words.refused.to_owned()),
            Why::NoteGone => PanelError::NoteGone(words.note_gone.to_owned()),
            Why::Writing(error) => PanelError::Invalid(l10n.writing(error)),
            Why::Unavailable => PanelError::Unavailable(words.storage_down.to_owned()),
        });
        if let (Err(error), Some(response)) = (&result, use_context::<leptos_axum::ResponseOptions>()) {
            response.set_status(match error {
                PanelError::Expired(_) => StatusCode::UNAUTHORIZED,
                PanelError::Refused(_) => StatusCode::FORBIDDEN,
                PanelError::NoteGone(_) => StatusCode::NOT_FOUND,
                PanelError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                PanelError::BadRequest(_) => StatusCode::BAD_REQUEST,
                PanelError::Unavailable(_) | PanelError::CallFailed => StatusCode::SERVICE_UNAVAILABLE,
            });
        }
        result
    }

    impl Call {
        /// Checks the capability and answers with whom it names.
        pub fn authorize(&self, capability: &str) -> Result<Subject, Why> {
            let Some(signer) = self.settings.signer.as_ref() else {
                return Err(Why::Refused);
            };
            match signer.verify(capability, now_millis()) {
                Ok(subject) => Ok(subject),
                Err(CapabilityError::Expired) => Err(Why::Expired),
                Err(CapabilityError::Forged) => {
                    tracing::warn!("a panel call with a capability this server did not sign was refused");
                    Err(Why::Refused)
                }
            }
        }

        /// For calls about one customer: the customer the capability names.
        pub fn customer(&self, capability: &str) -> Result<CustomerKey, Why> {
            match self.authorize(capability)? {
                Subject::Customer(key) => Ok(key),
                Subject::Company => Err(Why::Refused),
            }
        }
    }

    pub fn unavailable(error: StoreError) -> Why {
        tracing::error!(%error, "a panel call could not use storage");
        error.count();
        Why::Unavailable
    }
}
