//! The notes functions. Each answers with the customer's notes, newest first, as the panel's HTML
//! list (`components::notes::NotesList`), which the `Notes` island swaps in: so notes a colleague
//! added meanwhile appear too, and the wasm carries no note markup.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::PanelError;
#[cfg(feature = "ssr")]
use super::capability::{answer, customer, unavailable};

/// The customer's notes.
#[server(prefix = "/fn", endpoint = "notes/list", input = Json)]
pub async fn list_notes(capability: String) -> Result<String, PanelError> {
    answer(async {
        let (store, key) = customer(&capability)?;
        ssr::notes_html(&store, &key).await
    })
    .await
}

/// Adds a note for the capability's customer.
#[server(prefix = "/fn", endpoint = "notes/add", input = Json)]
pub async fn add_note(capability: String, author: String, body: String) -> Result<String, PanelError> {
    answer(async {
        let (store, key) = customer(&capability)?;
        let author = belco::notes::author(&author)?;
        let body = belco::notes::note_body(&body)?;
        store.add_note(&key, &author, &body).await.map_err(unavailable)?;
        ssr::notes_html(&store, &key).await
    })
    .await
}

/// Replaces a note's text.
#[server(prefix = "/fn", endpoint = "notes/edit", input = Json)]
pub async fn edit_note(capability: String, id: String, body: String) -> Result<String, PanelError> {
    answer(async {
        let (store, key) = customer(&capability)?;
        let id = ssr::note_id(&id)?;
        let body = belco::notes::note_body(&body)?;
        match store.update_note(&key, id, &body).await.map_err(unavailable)? {
            Some(_) => ssr::notes_html(&store, &key).await,
            None => Err(PanelError::NoteGone),
        }
    })
    .await
}

/// Deletes a note.
#[server(prefix = "/fn", endpoint = "notes/delete", input = Json)]
pub async fn delete_note(capability: String, id: String) -> Result<String, PanelError> {
    answer(async {
        let (store, key) = customer(&capability)?;
        if store.delete_note(&key, ssr::note_id(&id)?).await.map_err(unavailable)? {
            ssr::notes_html(&store, &key).await
        } else {
            Err(PanelError::NoteGone)
        }
    })
    .await
}

#[cfg(feature = "ssr")]
mod ssr {
    use belco::identity::CustomerKey;
    use belco::store::Store;
    use leptos::prelude::*;

    use super::PanelError;
    use crate::components::notes::{NoteView, NotesList};
    use crate::components::render_html;
    use crate::server_fns::capability::unavailable;
    use crate::settings::NOTES_LIMIT;

    /// An id that is not shaped as the server makes them names no note.
    pub fn note_id(id: &str) -> Result<&str, PanelError> {
        if belco::notes::is_note_id(id) { Ok(id) } else { Err(PanelError::NoteGone) }
    }

    pub async fn notes_html(store: &Store, key: &CustomerKey) -> Result<String, PanelError> {
        let notes = store.notes(key, NOTES_LIMIT).await.map_err(unavailable)?;
        let notes: Vec<NoteView> = notes.into_iter().map(NoteView::from).collect();
        Ok(render_html(|| view! { <NotesList notes ready=true/> }))
    }
}
