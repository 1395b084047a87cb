//! The notes functions. Each answers with the customer's notes, newest first, as the panel's HTML
//! list (`components::notes::NotesList`), which the `Notes` island swaps in: so notes a colleague
//! added meanwhile appear too, and the wasm carries no note markup. `language` is the panel's
//! (`nl`, `en`): the list and any error come back in it.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::PanelError;
#[cfg(feature = "ssr")]
use super::capability::{Why, answer, unavailable};

/// The customer's notes.
#[server(prefix = "/fn", endpoint = "notes/list", input = Json)]
pub async fn list_notes(capability: String, #[server(default)] language: String) -> Result<String, PanelError> {
    answer(&language, |call| async move {
        let key = call.customer(&capability)?;
        ssr::notes_html(&call, &key).await
    })
    .await
}

/// Adds a note for the capability's customer.
#[server(prefix = "/fn", endpoint = "notes/add", input = Json)]
pub async fn add_note(
    capability: String,
    author: String,
    body: String,
    #[server(default)] language: String,
) -> Result<String, PanelError> {
    answer(&language, |call| async move {
        let key = call.customer(&capability)?;
        let author = belco::notes::author(&author)?;
        let body = belco::notes::note_body(&body)?;
        call.store.add_note(&key, &author, &body).await.map_err(unavailable)?;
        ssr::notes_html(&call, &key).await
    })
    .await
}

/// Replaces a note's text.
#[server(prefix = "/fn", endpoint = "notes/edit", input = Json)]
pub async fn edit_note(
    capability: String,
    id: String,
    body: String,
    #[server(default)] language: String,
) -> Result<String, PanelError> {
    answer(&language, |call| async move {
        let key = call.customer(&capability)?;
        let id = ssr::note_id(&id)?;
        let body = belco::notes::note_body(&body)?;
        match call.store.update_note(&key, id, &body).await.map_err(unavailable)? {
            Some(_) => ssr::notes_html(&call, &key).await,
            None => Err(Why::NoteGone),
        }
    })
    .await
}

/// Deletes a note.
#[server(prefix = "/fn", endpoint = "notes/delete", input = Json)]
pub async fn delete_note(
    capability: String,
    id: String,
    #[server(default)] language: String,
) -> Result<String, PanelError> {
    answer(&language, |call| async move {
        let key = call.customer(&capability)?;
        if call.store.delete_note(&key, ssr::note_id(&id)?).await.map_err(unavailable)? {
            ssr::notes_html(&call, &key).await
        } else {
            Err(Why::NoteGone)
        }
    })
    .await
}

#[cfg(feature = "ssr")]
mod ssr {
    use belco::identity::CustomerKey;
    use leptos::prelude::*;

    use crate::components::notes::{NoteView, NotesList};
    use crate::components::render_html;
    use crate::server_fns::capability::{Call, Why, unavailable};
    use crate::settings::NOTES_LIMIT;

    /// An id that is not shaped as the server makes them names no note.
    pub fn note_id(id: &str) -> Result<&str, Why> {
        if belco::notes::is_note_id(id) { Ok(id) } else { Err(Why::NoteGone) }
    }

    pub async fn notes_html(call: &Call, key: &CustomerKey) -> Result<String, Why> {
        let notes = call.store.notes(key, NOTES_LIMIT).await.map_err(unavailable)?;
        let notes: Vec<NoteView> = notes.into_iter().map(|note| NoteView::new(note, &call.l10n)).collect();
        let words = call.l10n.words();
        Ok(render_html(move || view! { <NotesList notes ready=true words/> }))
    }
}
