//! Form submissions: validated against the shop's form, stored, and answered with the panel's
//! fresh list of sent forms as HTML (`components::submissions::SubmissionsList`). `language` is
//! the panel's (`nl`, `en`): numbers are read its way, and the list and every message come back
//! in it.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use super::PanelError;

/// What a submission came to: stored (and the fresh list of sent forms, as the panel's HTML), or
/// the messages to show per field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SubmitOutcome {
    Saved(String),
    Invalid(Vec<FieldMessage>),
}

/// Why a field's value was refused, in the panel's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMessage {
    /// The form's field name; `belco::notes::AUTHOR_FIELD` for the author's name; empty for a
    /// problem with the submission as a whole.
    pub field: String,
    pub message: String,
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
    #[server(default)] language: String,
) -> Result<SubmitOutcome, PanelError> {
    super::capability::answer(&language, |call| async move {
        ssr::submit(&call, &capability, &form_id, &author, &values).await
    })
    .await
}

/// The capability's panel's list of sent forms, as HTML: the island asks for it again while a
/// delivery is under way.
#[server(prefix = "/fn", endpoint = "forms/sent", input = Json)]
pub async fn sent_forms(capability: String, #[server(default)] language: String) -> Result<String, PanelError> {
    super::capability::answer(&language, |call| async move { ssr::sent(&call, &capability).await }).await
}

#[cfg(feature = "ssr")]
mod ssr {
    use belco::notes::AUTHOR_FIELD;
    use belco::store::RecordOwner;
    use leptos::prelude::*;

    use super::{FieldMessage, SubmitOutcome};
    use crate::components::render_html;
    use crate::components::submissions::{SubmissionView, SubmissionsList};
    use crate::server_fns::capability::{Call, Why, unavailable};
    use crate::settings::SUBMISSIONS_LIMIT;

    pub async fn submit(
        call: &Call,
        capability: &str,
        form_id: &str,
        author: &str,
        values: &[(String, String)],
    ) -> Result<SubmitOutcome, Why> {
        let subject = call.authorize(capability)?;
        let owner = RecordOwner::of(&subject);
        // A form of the other panel's scope is as unknown here as a form that does not exist.
        let Some(form) = call.settings.forms.get(form_id).filter(|form| form.scope == owner.scope()) else {
            return Err(Why::Refused);
        };
        let language = &call.l10n.locale.language;
        let messages = |errors: Vec<belco::forms::FieldError>| -> Vec<FieldMessage> {
            errors
                .into_iter()
                .map(|error| FieldMessage { field: error.field, message: call.l10n.problem(&error.problem) })
                .collect()
        };
        let author = match belco::notes::author(author) {
            Ok(author) => author,
            // Shown next to the name field (which comes first in the form), with the form's own
            // messages.
            Err(error) => {
                let mut all = vec![FieldMessage { field: AUTHOR_FIELD.to_owned(), message: call.l10n.writing(error) }];
                all.extend(form.validate(values, language).err().map(messages).unwrap_or_default());
                return Ok(SubmitOutcome::Invalid(all));
            }
        };
        let answers = match form.validate(values, language) {
            Ok(answers) => answers,
            Err(errors) => return Ok(SubmitOutcome::Invalid(messages(errors))),
        };
        let webhook = call.settings.forms.webhook(&form.id);
        let title = form.title.get(language.code);
        call.store
            .add_submission(owner, &form.id, title, &author, language.code, answers, webhook)
            .await
            .map_err(unavailable)?;
        Ok(SubmitOutcome::Saved(submissions_html(call, owner).await?))
    }

    pub async fn sent(call: &Call, capability: &str) -> Result<String, Why> {
        let subject = call.authorize(capability)?;
        submissions_html(call, RecordOwner::of(&subject)).await
    }

    /// The panel's list of sent forms, as HTML.
    async fn submissions_html(call: &Call, owner: RecordOwner<'_>) -> Result<String, Why> {
        let rows = call.store.submissions(owner, SUBMISSIONS_LIMIT).await.map_err(unavailable)?;
        let submissions: Vec<SubmissionView> = rows
            .into_iter()
            .map(|submission| SubmissionView::new(submission, &call.l10n, &call.settings.forms))
            .collect();
        let words = call.l10n.words();
        Ok(render_html(move || view! { <SubmissionsList submissions words/> }))
    }
}
