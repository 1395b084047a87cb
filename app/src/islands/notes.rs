//! The customer's notes: adding, editing and deleting one.
//!
//! The island renders the section, the add form and the messages itself, and finds them through
//! node refs and signals. The list is server HTML (`components::notes::NotesList`), its children:
//! every change goes through a server function that answers with the customer's current list,
//! rendered by that same component, and the island puts it in place of the old one; so notes a
//! colleague added meanwhile appear too, and the wasm carries no note markup. (Rendering the notes
//! in the browser as a reactive view cost 31 KB of the gzipped bundle, against a budget of 150 KB
//! for everything.) In the list, the island finds its way by the names in
//! `components::notes::dom`.

use belco::notes::{AUTHOR_FIELD, MAX_AUTHOR_CHARS, MAX_NOTE_CHARS};
use leptos::ev::{MouseEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlFormElement, HtmlTextAreaElement};

use super::{all, author};
use crate::components::notes::dom::{Action, NOTE_ID, Part};
use crate::server_fns::{PanelError, add_note, delete_note, edit_note, list_notes};

/// The words the island writes itself, in the panel's language: the server fills them in
/// (`NotesWords::new`), so no language's strings are in the wasm.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NotesWords {
    pub title: String,
    pub your_name: String,
    pub new_note: String,
    pub add_note: String,
    pub added: String,
    pub saved: String,
    pub deleted: String,
    pub call_failed: String,
}

#[cfg(feature = "ssr")]
impl NotesWords {
    pub fn new(words: &crate::i18n::Words) -> Self {
        Self {
            title: words.notes.to_owned(),
            your_name: words.your_name.to_owned(),
            new_note: words.new_note.to_owned(),
            add_note: words.add_note.to_owned(),
            added: words.note_added.to_owned(),
            saved: words.note_saved.to_owned(),
            deleted: words.note_deleted.to_owned(),
            call_failed: words.call_failed.to_owned(),
        }
    }
}

/// `language`: the panel's, which every call passes on so that its answer is in it.
#[island]
pub fn Notes(capability: String, language: String, words: NotesWords, children: Children) -> impl IntoView {
    let capability = StoredValue::new(capability);
    let language = StoredValue::new(language);
    let NotesWords { title, your_name, new_note, add_note: add_label, added, saved, deleted, call_failed } = words;
    let done_words = StoredValue::new((added, saved, deleted, call_failed));
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    let error = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let list = NodeRef::<html::Div>::new();
    let author_input = NodeRef::<html::Input>::new();
    let body_input = NodeRef::<html::Textarea>::new();

    // Once hydrated: the buttons work, and the name field holds the remembered name.
    Effect::new(move |_| {
        if let Some(list) = list.get() {
            for button in all(&list, "button[disabled]") {
                let _ = button.remove_attribute("disabled");
            }
        }
        if let Some(input) = author_input.get()
            && input.value().is_empty()
        {
            input.set_value(&author::remembered());
        }
        hydrated.set(true);
    });

    // Runs one call; on success swaps in the list it answers with, on failure shows why (and,
    // when the note was gone, the current list).
    let run = move |call: Call| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(String::new());
        let capability = capability.get_value();
        let language = language.get_value();
        let (added, saved, deleted, call_failed) = done_words.get_value();
        spawn_local(async move {
            let (result, done) = match call {
                Call::Add { author, body } => {
                    let result = add_note(capability.clone(), author, body, language.clone()).await;
                    if result.is_ok()
                        && let Some(body) = body_input.get_untracked()
                    {
                        body.set_value("");
                    }
                    (result, added)
                }
                Call::Edit { id, body } => (edit_note(capability.clone(), id, body, language.clone()).await, saved),
                Call::Delete { id } => (delete_note(capability.clone(), id, language.clone()).await, deleted),
            };
            match result {
                Ok(fresh) => {
                    replace_list(list, &fresh);
                    status.set(done);
                }
                Err(PanelError::NoteGone(message)) => {
                    if let Ok(fresh) = list_notes(capability, language).await {
                        replace_list(list, &fresh);
                    }
                    error.set(message);
                }
                Err(PanelError::CallFailed) => error.set(call_failed),
                Err(other) => error.set(other.to_string()),
            }
            busy.set(false);
        });
    };

    let on_add = move |ev: SubmitEvent| {
        ev.prevent_default();
        let author = author_input.get_untracked().map(|input| input.value()).unwrap_or_default();
        let body = body_input.get_untracked().map(|input| input.value()).unwrap_or_default();
        author::remember(&author);
        run(Call::Add { author, body });
    };

    // An edit form's submit (in the list) bubbles up to the list.
    let on_edit = move |ev: SubmitEvent| {
        let Some(form) = ev.target().and_then(|target| target.dyn_into::<HtmlFormElement>().ok()) else {
            return;
        };
        ev.prevent_default();
        let Some(id) = form.get_attribute(NOTE_ID) else { return };
        let body = form
            .query_selector("textarea")
            .ok()
            .flatten()
            .and_then(|textarea| textarea.dyn_into::<HtmlTextAreaElement>().ok())
            .map(|textarea| textarea.value())
            .unwrap_or_default();
        run(Call::Edit { id, body });
    };

    let on_click = move |ev: MouseEvent| {
        let selector = format!("[{}]", Action::ATTRIBUTE);
        let Some(button) = ev
            .target()
            .and_then(|target| target.dyn_into::<Element>().ok())
            .and_then(|element| element.closest(&selector).ok().flatten())
        else {
            return;
        };
        let Some(note) = button.closest(&Part::Note.selector()).ok().flatten() else { return };
        let Some(action) = button.get_attribute(Action::ATTRIBUTE).as_deref().and_then(Action::parse) else {
            return;
        };
        match action {
            Action::Edit => {
                switch(&note, Part::EditForm, Part::Actions);
                set_hidden(&note, Part::Body, true);
                focus(&note, &format!("{} textarea", Part::EditForm.selector()));
            }
            Action::Cancel => {
                switch(&note, Part::Actions, Part::EditForm);
                set_hidden(&note, Part::Body, false);
                focus(&note, &action_selector(Action::Edit));
            }
            Action::Delete => {
                switch(&note, Part::Confirm, Part::Actions);
                focus(&note, &action_selector(Action::Keep));
            }
            Action::Keep => {
                switch(&note, Part::Actions, Part::Confirm);
                focus(&note, &action_selector(Action::Delete));
            }
            Action::ConfirmDelete => {
                if let Some(id) = note.get_attribute(NOTE_ID) {
                    run(Call::Delete { id });
                }
            }
        }
    };

    view! {
        <section class="notes" aria-labelledby="notes-title" on:click=on_click>
            <h2 id="notes-title">{title}</h2>
            <div class="notes__items" node_ref=list on:submit=on_edit>{children()}</div>
            <form class="note-form" novalidate on:submit=on_add>
                <label class="field">
                    <span class="field__label">{your_name}</span>
                    <input class="field__input" name=AUTHOR_FIELD autocomplete="name" maxlength=MAX_AUTHOR_CHARS node_ref=author_input/>
                </label>
                <label class="field">
                    <span class="field__label">{new_note}</span>
                    <textarea class="field__input" name="body" rows="3" maxlength=MAX_NOTE_CHARS node_ref=body_input></textarea>
                </label>
                <button class="button" type="submit" disabled=move || !hydrated.get()>{add_label}</button>
                // `--idle` while empty: Leptos writes an empty text as a space, which `:empty` misses.
                <p class="form-error" class:form-error--idle=move || error.with(String::is_empty) role="alert">
                    {move || error.get()}
                </p>
                <p class="visually-hidden" role="status">{move || status.get()}</p>
            </form>
        </section>
    }
}

enum Call {
    Add { author: String, body: String },
    Edit { id: String, body: String },
    Delete { id: String },
}

/// Puts the server's fresh list where the old one was.
fn replace_list(list: NodeRef<html::Div>, html: &str) {
    if let Some(list) = list.get_untracked() {
        list.set_inner_html(html);
    }
}

fn action_selector(action: Action) -> String {
    format!("[{}={}]", Action::ATTRIBUTE, action.name())
}

fn set_hidden(note: &Element, part: Part, hidden: bool) {
    if let Ok(Some(element)) = note.query_selector(&part.selector()) {
        let _ = if hidden { element.set_attribute("hidden", "") } else { element.remove_attribute("hidden") };
    }
}

/// Shows the first part and hides the second.
fn switch(note: &Element, show: Part, hide: Part) {
    set_hidden(note, show, false);
    set_hidden(note, hide, true);
}

fn focus(note: &Element, selector: &str) {
    if let Ok(Some(element)) = note.query_selector(selector)
        && let Ok(element) = element.dyn_into::<HtmlElement>()
    {
        let _ = element.focus();
    }
}
