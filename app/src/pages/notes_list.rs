//! The customer's notes as HTML, rendered on the server only: in the page, and again by the
//! notes server functions, which answer with this list so the `Notes` island can swap it in.
//! One renderer for both means a note looks the same before and after a change, and the wasm
//! carries no note markup at all (see `islands/notes.rs`).
//!
//! Each note carries its own hidden edit form and delete confirmation; the island only shows and
//! hides them (`data-action` buttons) and sends what they hold.

use leptos::prelude::*;

use crate::server_fns::{AUTHOR_FIELD, MAX_AUTHOR_CHARS, MAX_NOTE_CHARS, NoteView};

/// The list (or "No notes yet."). `ready`: whether its buttons work already, i.e. whether the
/// island has hydrated (a list sent by a server function) or not yet (the first page).
pub fn notes_list(notes: Vec<NoteView>, ready: bool) -> impl IntoView {
    if notes.is_empty() {
        return view! { <p class="notes__empty">"No notes yet."</p> }.into_any();
    }
    let items = notes.into_iter().map(|note| note_item(note, ready)).collect_view();
    view! { <ul class="notes__list">{items}</ul> }.into_any()
}

/// The list as an HTML string, as the server functions answer.
pub fn notes_html(notes: Vec<NoteView>) -> String {
    notes_list(notes, true).to_html()
}

fn note_item(note: NoteView, ready: bool) -> impl IntoView {
    let waiting = !ready;
    let id = note.id.clone();
    let edited = note.edited.map(|at| view! { <span class="note__edited">" · edited "{at}</span> });
    view! {
        <li class="note" data-note=id>
            <p class="note__body">{note.body.clone()}</p>
            <form class="note__edit" data-note=note.id novalidate hidden>
                <label class="field">
                    <span class="field__label">"Edit note"</span>
                    <textarea class="field__input" name="body" rows="3" maxlength=MAX_NOTE_CHARS>{note.body}</textarea>
                </label>
                <div class="note__actions">
                    <button class="button" type="submit">"Save"</button>
                    <button class="button button--quiet" type="button" data-action="cancel">"Cancel"</button>
                </div>
            </form>
            <p class="note__meta">
                {note.author}" · "<time datetime=note.written_iso>{note.written}</time>{edited}
            </p>
            <div class="note__actions" data-role="actions">
                <button class="button button--quiet" type="button" data-action="edit" disabled=waiting>"Edit"</button>
                <button class="button button--quiet" type="button" data-action="delete" disabled=waiting>"Delete"</button>
            </div>
            <div class="note__actions" data-role="confirm" hidden>
                <span class="note__confirm">"Delete this note?"</span>
                <button class="button button--danger" type="button" data-action="confirm-delete">"Yes, delete"</button>
                <button class="button button--quiet" type="button" data-action="keep">"Keep"</button>
            </div>
        </li>
    }
}

/// The form that adds a note; its button is enabled by the island once it has hydrated.
pub fn add_note_form() -> impl IntoView {
    view! {
        <form class="note-form" novalidate>
            <label class="field">
                <span class="field__label">"Your name"</span>
                <input class="field__input" name=AUTHOR_FIELD autocomplete="name" maxlength=MAX_AUTHOR_CHARS />
            </label>
            <label class="field">
                <span class="field__label">"New note"</span>
                <textarea class="field__input" name="body" rows="3" maxlength=MAX_NOTE_CHARS></textarea>
            </label>
            <button class="button" type="submit" disabled>"Add note"</button>
            <p class="form-error" role="alert"></p>
            <p class="visually-hidden" role="status"></p>
        </form>
    }
}
