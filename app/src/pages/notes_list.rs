//! The customer's notes as HTML, written on the server only: in the page, and again by the
//! notes server functions, which answer with this list so the `Notes` island can swap it in.
//! One renderer for both means a note looks the same before and after a change, and the wasm
//! carries no note markup at all (see `islands/notes.rs`).
//!
//! Each note carries its own hidden edit form and delete confirmation; the island only shows and
//! hides them (`data-action` buttons) and sends what they hold.

use leptos::prelude::*;

use super::html::Html;
use crate::server_fns::{AUTHOR_FIELD, MAX_AUTHOR_CHARS, MAX_NOTE_CHARS, NoteView};

/// The list (or "No notes yet."), written with `pages::html` like the orders: ten notes with
/// their hidden edit forms are a third of the page. `ready`: whether its buttons work already,
/// i.e. whether the island has hydrated (a list sent by a server function) or not yet (the first
/// page).
pub fn notes_html(notes: &[NoteView], ready: bool) -> String {
    let mut html = Html::with_capacity(64 + notes.len() * 1600);
    write_notes(&mut html, notes, ready);
    html.finish()
}

/// [`notes_html`], written into a page.
pub fn write_notes(html: &mut Html, notes: &[NoteView], ready: bool) {
    if notes.is_empty() {
        html.raw("<p class=\"notes__empty\">No notes yet.</p>");
        return;
    }
    let disabled = if ready { "" } else { " disabled" };
    html.raw("<ul class=\"notes__list\">");
    for note in notes {
        html.raw("<li class=\"note\" data-note=\"")
            .attr(&note.id)
            .raw("\"><p class=\"note__body\">")
            .text(&note.body)
            .raw("</p><form class=\"note__edit\" data-note=\"")
            .attr(&note.id)
            .raw(
                "\" novalidate hidden><label class=\"field\"><span class=\"field__label\">Edit note</span>\
                 <textarea class=\"field__input\" name=\"body\" rows=\"3\" maxlength=\"",
            )
            .number(MAX_NOTE_CHARS as i64)
            .raw("\">")
            .text(&note.body)
            .raw(
                "</textarea></label><div class=\"note__actions\">\
                 <button class=\"button\" type=\"submit\">Save</button>\
                 <button class=\"button button--quiet\" type=\"button\" data-action=\"cancel\">Cancel</button>\
                 </div></form><p class=\"note__meta\">",
            )
            .text(&note.author)
            .raw(" · ")
            .time(None, &note.written_iso, &note.written);
        if let Some(edited) = &note.edited {
            html.raw("<span class=\"note__edited\"> · edited ").text(edited).raw("</span>");
        }
        html.raw("</p><div class=\"note__actions\" data-role=\"actions\">")
            .raw("<button class=\"button button--quiet\" type=\"button\" data-action=\"edit\"")
            .raw(disabled)
            .raw(">Edit</button><button class=\"button button--quiet\" type=\"button\" data-action=\"delete\"")
            .raw(disabled)
            .raw(
                ">Delete</button></div><div class=\"note__actions\" data-role=\"confirm\" hidden>\
                 <span class=\"note__confirm\">Delete this note?</span>\
                 <button class=\"button button--danger\" type=\"button\" data-action=\"confirm-delete\">Yes, delete</button>\
                 <button class=\"button button--quiet\" type=\"button\" data-action=\"keep\">Keep</button></div></li>",
            );
    }
    html.raw("</ul>");
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
