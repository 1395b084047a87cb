//! Form submissions: validated against the shop's form, stored, and answered with the panel's
//! fresh list of sent forms as HTML (`components::submissions::SubmissionsList`).

use belco::forms::FieldError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use super::PanelError;

/// What a submission came to: stored (and the fresh list of sent forms, as the panel's HTML), or
/// the messages to show per field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SubmitOutcome {
    Saved(String),
    Invalid(Vec<FieldError>),
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
    super::capability::answer(ssr::submit(&capability, &form_id, &author, &values)).await
}

/// The capability's panel's list of sent forms, as HTML: the island asks for it again while a
/// delivery is under way.
#[server(prefix = "/fn", endpoint = "forms/sent", input = Json)]
pub async fn sent_forms(capability: String) -> Result<String, PanelError> {
    super::capability::answer(ssr::sent(&capability)).await
}

#[cfg(feature = "ssr")]
mod ssr {
    use belco::forms::FieldError;
    use belco::notes::AUTHOR_FIELD;
    use belco::store::{RecordOwner, Store};
    use leptos::prelude::*;

    use super::{PanelError, SubmitOutcome};
    use crate::components::render_html;
    use crate::components::submissions::{SubmissionView, SubmissionsList};
    use crate::server_fns::capability::{authorize, unavailable};
    use crate::settings::SUBMISSIONS_LIMIT;

    pub async fn submit(
        capability: &str,
        form_id: &str,
        author: &str,
        values: &[(String, String)],
    ) -> Result<SubmitOutcome, PanelError> {
        let (store, settings, subject) = authorize(capability)?;
        let owner = RecordOwner::of(&subject);
        // A form of the other panel's scope is as unknown here as a form that does not exist.
        let Some(form) = settings.forms.get(form_id).filter(|form| form.scope == owner.scope()) else {
            return Err(PanelError::Refused);
        };
        let author = match belco::notes::author(author) {
            Ok(author) => author,
            // Shown next to the name field, with the form's own messages.
            Err(error) => {
                return Ok(SubmitOutcome::Invalid(with_author_error(form.validate(values).err(), error.to_string())));
            }
        };
        let answers = match form.validate(values) {
            Ok(answers) => answers,
            Err(errors) => return Ok(SubmitOutcome::Invalid(errors)),
        };
        let webhook = settings.forms.webhook(&form.id);
        store.add_submission(owner, &form.id, &form.title, &author, answers, webhook).await.map_err(unavailable)?;
        Ok(SubmitOutcome::Saved(submissions_html(&store, owner).await?))
    }

    pub async fn sent(capability: &str) -> Result<String, PanelError> {
        let (store, _, subject) = authorize(capability)?;
        let owner = RecordOwner::of(&subject);
        submissions_html(&store, owner).await
    }

    /// The panel's list of sent forms, as HTML.
    async fn submissions_html(store: &Store, owner: RecordOwner<'_>) -> Result<String, PanelError> {
        let rows = store.submissions(owner, SUBMISSIONS_LIMIT).await.map_err(unavailable)?;
        let submissions: Vec<SubmissionView> = rows.into_iter().map(SubmissionView::from).collect();
        Ok(render_html(|| view! { <SubmissionsList submissions/> }))
    }

    /// The author's message first (its field comes first in the form), then the form's own.
    fn with_author_error(errors: Option<Vec<FieldError>>, message: String) -> Vec<FieldError> {
        let mut all = vec![FieldError { field: AUTHOR_FIELD.to_owned(), message }];
        all.extend(errors.unwrap_or_default());
        all
    }
}
