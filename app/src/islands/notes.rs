//! The customer's notes: adding, editing and deleting one.
//!
//! The list and the add form are server HTML (`pages::notes_list`), this island's children. Every
//! change goes through a server function that answers with the customer's current list, rendered
//! by the same server code, and the island puts it in place of the old one; so notes a colleague
//! added meanwhile appear too, and the wasm carries no note markup. (Rendering the notes in the
//! browser as a reactive Leptos view cost 31 KB of the gzipped bundle, against a budget of
//! 150 KB for everything.) The island itself listens for clicks on `data-action` buttons and for
//! form submissions, both of which bubble up to it.

use leptos::ev::{MouseEvent, SubmitEvent};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlFormElement, HtmlInputElement, HtmlTextAreaElement};

use super::{all, author, show};
use crate::server_fns::{AUTHOR_FIELD, PanelError, add_note, delete_note, edit_note, list_notes};

#[island]
pub fn Notes(capability: String, children: Children) -> impl IntoView {
    let capability = StoredValue::new(capability);
    let busy = RwSignal::new(false);
    let root = NodeRef::<leptos::html::Section>::new();
    // Once hydrated: the buttons work, and the name field holds the remembered name.
    Effect::new(move |_| {
        if let Some(root) = root.get() {
            enable(&root);
            if let Ok(Some(input)) = root.query_selector(&format!("input[name='{AUTHOR_FIELD}']"))
                && let Ok(input) = input.dyn_into::<HtmlInputElement>()
                && input.value().is_empty()
            {
                input.set_value(&author::remembered());
            }
        }
    });

    // Runs one call; on success swaps in the list it answers with, on failure shows why (and,
    // when the note was gone, the current list).
    let run = move |call: Call| {
        let Some(root) = root.get_untracked() else { return };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        show(&root, ".form-error", "");
        let capability = capability.get_value();
        spawn_local(async move {
            let (result, done) = match call {
                Call::Add { author, body, form } => {
                    let result = add_note(capability.clone(), author, body).await;
                    if result.is_ok() {
                        clear_body(&form);
                    }
                    (result, "Note added.")
                }
                Call::Edit { id, body } => (edit_note(capability.clone(), id, body).await, "Note saved."),
                Call::Delete { id } => (delete_note(capability.clone(), id).await, "Note deleted."),
            };
            match result {
                Ok(list) => {
                    replace_list(&root, &list);
                    show(&root, "[role=status]", done);
                }
                Err(PanelError::NoteGone) => {
                    if let Ok(list) = list_notes(capability).await {
                        replace_list(&root, &list);
                    }
                    show(&root, ".form-error", &PanelError::NoteGone.to_string());
                }
                Err(other) => show(&root, ".form-error", &other.to_string()),
            }
            busy.set(false);
        });
    };

    let on_submit = move |ev: SubmitEvent| {
        let Some(form) = ev.target().and_then(|target| target.dyn_into::<HtmlFormElement>().ok()) else {
            return;
        };
        ev.prevent_default();
        let Ok(data) = web_sys::FormData::new_with_form(&form) else { return };
        let text = |name: &str| data.get(name).as_string().unwrap_or_default();
        match form.get_attribute("data-note") {
            Some(id) => run(Call::Edit { id, body: text("body") }),
            None => {
                let author = text(AUTHOR_FIELD);
                author::remember(&author);
                run(Call::Add { author, body: text("body"), form });
            }
        }
    };

    let on_click = move |ev: MouseEvent| {
        let Some(button) = ev
            .target()
            .and_then(|target| target.dyn_into::<Element>().ok())
            .and_then(|element| element.closest("[data-action]").ok().flatten())
        else {
            return;
        };
        let Some(note) = button.closest("li.note").ok().flatten() else { return };
        match button.get_attribute("data-action").as_deref() {
            Some("edit") => {
                switch(&note, "form.note__edit", "[data-role=actions]");
                set_hidden(&note, ".note__body", true);
                focus(&note, "textarea");
            }
            Some("cancel") => {
                switch(&note, "[data-role=actions]", "form.note__edit");
                set_hidden(&note, ".note__body", false);
                focus(&note, "[data-action=edit]");
            }
            Some("delete") => {
                switch(&note, "[data-role=confirm]", "[data-role=actions]");
                focus(&note, "[data-action=keep]");
            }
            Some("keep") => {
                switch(&note, "[data-role=actions]", "[data-role=confirm]");
                focus(&note, "[data-action=delete]");
            }
            Some("confirm-delete") => {
                if let Some(id) = note.get_attribute("data-note") {
                    run(Call::Delete { id });
                }
            }
            _ => {}
        }
    };

    view! {
        <section class="notes" aria-labelledby="notes-title" node_ref=root on:click=on_click on:submit=on_submit>
            <h2 id="notes-title">"Notes"</h2>
            {children()}
        </section>
    }
}

enum Call {
    Add { author: String, body: String, form: HtmlFormElement },
    Edit { id: String, body: String },
    Delete { id: String },
}

/// Puts the server's fresh list where the old one was.
fn replace_list(root: &Element, html: &str) {
    if let Ok(Some(list)) = root.query_selector(".notes__items") {
        list.set_inner_html(html);
    }
}

fn enable(root: &Element) {
    for button in all(root, "button[disabled]") {
        let _ = button.remove_attribute("disabled");
    }
}

fn set_hidden(scope: &Element, selector: &str, hidden: bool) {
    if let Ok(Some(element)) = scope.query_selector(selector) {
        let _ = if hidden { element.set_attribute("hidden", "") } else { element.remove_attribute("hidden") };
    }
}

/// Shows the first match and hides the second.
fn switch(scope: &Element, show: &str, hide: &str) {
    set_hidden(scope, show, false);
    set_hidden(scope, hide, true);
}

fn focus(scope: &Element, selector: &str) {
    if let Ok(Some(element)) = scope.query_selector(selector)
        && let Ok(element) = element.dyn_into::<HtmlElement>()
    {
        let _ = element.focus();
    }
}

/// Empties the add form's text (keeping the name), after the note was stored.
fn clear_body(form: &HtmlFormElement) {
    if let Ok(Some(body)) = form.query_selector("textarea[name=body]")
        && let Ok(body) = body.dyn_into::<HtmlTextAreaElement>()
    {
        body.set_value("");
    }
}
