//! The customer's notes: the list, and adding, editing and deleting one.
//!
//! The server renders the list into the page; every change goes through a server function that
//! answers with the customer's current notes, so notes a colleague added meanwhile appear too.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::author;
use crate::server_fns::{
    MAX_AUTHOR_CHARS, MAX_NOTE_CHARS, NoteView, PanelError, add_note, delete_note, edit_note, list_notes,
};

#[island]
pub fn Notes(capability: String, notes: Vec<NoteView>) -> impl IntoView {
    let capability = StoredValue::new(capability);
    let notes = RwSignal::new(notes);
    let author = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let status = RwSignal::new(String::new());
    // Only the note being edited (by id) shows a text box; one at a time.
    let editing = RwSignal::new(None::<String>);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| {
        author.set(author::remembered());
        hydrated.set(true);
    });

    // Runs one call; on success shows its notes, on failure its message (and, when the note was
    // gone, the current list).
    let run = move |call: Call, done: &'static str| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        status.set(String::new());
        let capability = capability.get_value();
        spawn_local(async move {
            let result = match call {
                Call::Add { author, body } => add_note(capability.clone(), author, body).await,
                Call::Edit { id, body } => edit_note(capability.clone(), id, body).await,
                Call::Delete { id } => delete_note(capability.clone(), id).await,
            };
            match result {
                Ok(fresh) => {
                    notes.set(fresh);
                    editing.set(None);
                    status.set(done.to_owned());
                    if done == ADDED {
                        body.set(String::new());
                    }
                }
                Err(PanelError::NoteGone) => {
                    if let Ok(fresh) = list_notes(capability).await {
                        notes.set(fresh);
                    }
                    editing.set(None);
                    error.set(Some(PanelError::NoteGone.to_string()));
                }
                Err(other) => error.set(Some(other.to_string())),
            }
            busy.set(false);
        });
    };

    let on_add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        author::remember(&author.get_untracked());
        run(Call::Add { author: author.get_untracked(), body: body.get_untracked() }, ADDED);
    };

    view! {
        <section class="notes" aria-labelledby="notes-title">
            <h2 id="notes-title">"Notes"</h2>
            <Show
                when=move || !notes.with(Vec::is_empty)
                fallback=|| view! { <p class="notes__empty">"No notes yet."</p> }
            >
                <ul class="notes__list">
                    {move || {
                        notes.get().into_iter().map(|note| view! { <NoteItem note editing busy run /> }).collect_view()
                    }}
                </ul>
            </Show>
            <form class="note-form" on:submit=on_add novalidate>
                <label class="field">
                    <span class="field__label">"Your name"</span>
                    <input
                        class="field__input"
                        name="author"
                        autocomplete="name"
                        maxlength=MAX_AUTHOR_CHARS
                        prop:value=move || author.get()
                        on:input=move |ev| author.set(event_target_value(&ev))
                    />
                </label>
                <label class="field">
                    <span class="field__label">"New note"</span>
                    <textarea
                        class="field__input"
                        name="body"
                        rows="3"
                        maxlength=MAX_NOTE_CHARS
                        prop:value=move || body.get()
                        on:input=move |ev| body.set(event_target_value(&ev))
                    ></textarea>
                </label>
                <button class="button" type="submit" disabled=move || !hydrated.get() aria-busy=move || busy.get().to_string()>
                    "Add note"
                </button>
                <p class="form-error" role="alert">{move || error.get()}</p>
                <p class="visually-hidden" role="status">{move || status.get()}</p>
            </form>
        </section>
    }
}

const ADDED: &str = "Note added.";

#[derive(Clone, Debug)]
enum Call {
    Add { author: String, body: String },
    Edit { id: String, body: String },
    Delete { id: String },
}

#[component]
fn NoteItem(
    note: NoteView,
    editing: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    run: impl Fn(Call, &'static str) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = StoredValue::new(note.id.clone());
    let draft = RwSignal::new(note.body.clone());
    let confirming = RwSignal::new(false);
    let is_editing = move || editing.get().as_deref() == Some(id.get_value().as_str());
    let edited = note.edited.map(|at| view! { <span class="note__edited">" · edited "{at}</span> });
    let body = note.body.clone();

    view! {
        <li class="note">
            <Show
                when=is_editing
                fallback=move || view! { <p class="note__body">{body.clone()}</p> }
            >
                <form
                    class="note__edit"
                    novalidate
                    on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        run(Call::Edit { id: id.get_value(), body: draft.get_untracked() }, "Note saved.");
                    }
                >
                    <label class="field">
                        <span class="field__label">"Edit note"</span>
                        <textarea
                            class="field__input"
                            rows="3"
                            maxlength=MAX_NOTE_CHARS
                            prop:value=move || draft.get()
                            on:input=move |ev| draft.set(event_target_value(&ev))
                        ></textarea>
                    </label>
                    <div class="note__actions">
                        <button class="button" type="submit" aria-busy=move || busy.get().to_string()>"Save"</button>
                        <button class="button button--quiet" type="button" on:click=move |_| editing.set(None)>
                            "Cancel"
                        </button>
                    </div>
                </form>
            </Show>
            <p class="note__meta">
                {note.author}" · "<time datetime=note.written_iso>{note.written}</time>{edited}
            </p>
            <div class="note__actions" class:hidden=is_editing>
                <Show
                    when=move || confirming.get()
                    fallback=move || {
                        view! {
                            <button
                                class="button button--quiet"
                                type="button"
                                on:click=move |_| editing.set(Some(id.get_value()))
                            >
                                "Edit"
                            </button>
                            <button class="button button--quiet" type="button" on:click=move |_| confirming.set(true)>
                                "Delete"
                            </button>
                        }
                    }
                >
                    <span class="note__confirm">"Delete this note?"</span>
                    <button
                        class="button button--danger"
                        type="button"
                        on:click=move |_| run(Call::Delete { id: id.get_value() }, "Note deleted.")
                    >
                        "Yes, delete"
                    </button>
                    <button class="button button--quiet" type="button" on:click=move |_| confirming.set(false)>
                        "Keep"
                    </button>
                </Show>
            </div>
        </li>
    }
}
