//! The shop's forms for this panel (customer or company) and what was sent with them.
//!
//! Both are server HTML, this island's children: the cards (`components::form_card`) and the list
//! of sent ones (`components::submissions`). So the wasm carries none of their markup: a form can
//! have any number of fields of seven kinds, and rendering them in the browser would cost more
//! than all the rest of the panel. The island listens for the forms' `submit` events (which bubble
//! to it), posts the fields to `submit_form`, and writes the server's answer into the page: one
//! message next to each field it refused, or "Sent" and the fresh list of sent forms, which the
//! server answers with as HTML and the island puts in place of the old one. What it looks for in
//! that HTML is named once, in the `dom` modules of the components that render it.

use belco::notes::AUTHOR_FIELD;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_bindgen::JsCast;
use web_sys::{HtmlFormElement, HtmlInputElement};

use super::{all, author, show};
use crate::components::form_card::dom::{
    FIELD_ERROR, FORM_ERROR, FORM_ID, FORM_SENT, STATUS, class, field_error_id, field_id,
};
use crate::components::submissions::dom::{LIST, UNDER_WAY};
use crate::server_fns::{PanelError, SubmitOutcome, sent_forms, submit_form};

/// The words the island writes itself, in the panel's language (the server fills them in, so
/// no language's strings are in the wasm). What "Sent" says is on each form (`data-sent`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FormsWords {
    pub check_fields: String,
    pub call_failed: String,
}

#[cfg(feature = "ssr")]
impl FormsWords {
    pub fn new(words: &crate::i18n::Words) -> Self {
        Self { check_fields: words.check_fields.to_owned(), call_failed: words.call_failed.to_owned() }
    }
}

/// While a delivery is under way, the list is asked for again this often …
const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(3);
/// … this many times at most after the page loaded or a form was sent (a minute): a delivery
/// retried for hours is not watched for hours.
const REFRESHES: u32 = 20;

/// `language`: the panel's, which every call passes on so that its answer is in it.
#[island]
pub fn Forms(capability: String, language: String, words: FormsWords, children: Children) -> impl IntoView {
    let capability = StoredValue::new(capability);
    let language = StoredValue::new(language);
    let words = StoredValue::new(words);
    let busy = RwSignal::new(false);
    let root = NodeRef::<html::Div>::new();
    // Once hydrated: the Send buttons work, and the name fields hold the remembered name.
    Effect::new(move |_| {
        if let Some(root) = root.get() {
            let name = author::remembered();
            for element in all(&root, &author_selector()) {
                if let Ok(input) = element.dyn_into::<HtmlInputElement>()
                    && input.value().is_empty()
                {
                    input.set_value(&name);
                }
            }
            for button in all(&root, "button[type=submit]") {
                let _ = button.remove_attribute("disabled");
            }
            watch_deliveries(root.into(), capability.get_value(), language.get_value(), REFRESHES);
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        let Some(form) = ev.target().and_then(|target| target.dyn_into::<HtmlFormElement>().ok()) else {
            return;
        };
        ev.prevent_default();
        let (Some(form_id), Some(sent)) = (form.get_attribute(FORM_ID), form.get_attribute(FORM_SENT)) else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        let (author, values) = form_values(&form);
        author::remember(&author);
        busy.set(true);
        show(&form, &class(STATUS), "");
        let capability = capability.get_value();
        let watch_with = capability.clone();
        let language = language.get_value();
        let FormsWords { check_fields, call_failed } = words.get_value();
        spawn_local(async move {
            match submit_form(capability, form_id.clone(), author.clone(), values, language.clone()).await {
                Ok(SubmitOutcome::Saved(fresh)) => {
                    mark_fields(&form, &form_id, &[]);
                    show(&form, &class(FORM_ERROR), "");
                    form.reset();
                    set_author(&form, &author);
                    show(&form, &class(STATUS), &sent);
                    if let Some(root) = root.get_untracked()
                        && let Ok(Some(list)) = root.query_selector(&class(LIST))
                    {
                        list.set_inner_html(&fresh);
                        watch_deliveries(root.into(), watch_with, language, REFRESHES);
                    }
                }
                Ok(SubmitOutcome::Invalid(errors)) => {
                    let refused: Vec<(String, String)> =
                        errors.into_iter().map(|error| (error.field, error.message)).collect();
                    mark_fields(&form, &form_id, &refused);
                    let whole = refused.iter().find(|(field, _)| field.is_empty()).map(|(_, m)| m.as_str());
                    show(&form, &class(FORM_ERROR), whole.unwrap_or(""));
                    show(&form, &class(STATUS), &check_fields);
                }
                Err(PanelError::CallFailed) => show(&form, &class(FORM_ERROR), &call_failed),
                Err(error) => show(&form, &class(FORM_ERROR), &error.to_string()),
            }
            busy.set(false);
        });
    };

    view! { <div class="forms-island" node_ref=root on:submit=on_submit>{children()}</div> }
}

/// While the list shows a delivery under way, asks for it again every [`REFRESH_EVERY`], at
/// most `left` more times, so "Sending…" turns into "Delivered" (or a retry) without a reload.
fn watch_deliveries(root: web_sys::Element, capability: String, language: String, left: u32) {
    let under_way = |root: &web_sys::Element| root.query_selector(&format!("[{UNDER_WAY}]")).ok().flatten().is_some();
    if left == 0 || !under_way(&root) {
        return;
    }
    set_timeout(
        move || {
            spawn_local(async move {
                if let Ok(fresh) = sent_forms(capability.clone(), language.clone()).await
                    && let Ok(Some(list)) = root.query_selector(&class(LIST))
                {
                    list.set_inner_html(&fresh);
                }
                watch_deliveries(root, capability, language, left - 1);
            });
        },
        REFRESH_EVERY,
    );
}

fn author_selector() -> String {
    format!("input[name='{AUTHOR_FIELD}']")
}

/// The author's name, and the form's fields as the browser would post them: (name, text), an
/// unchecked box absent.
fn form_values(form: &HtmlFormElement) -> (String, Vec<(String, String)>) {
    let Ok(data) = web_sys::FormData::new_with_form(form) else {
        return (String::new(), Vec::new());
    };
    let mut names: Vec<String> = all(form, "[name]").iter().filter_map(|e| e.get_attribute("name")).collect();
    names.dedup();
    let author = data.get(AUTHOR_FIELD).as_string().unwrap_or_default();
    let values = names
        .into_iter()
        .filter(|name| name != AUTHOR_FIELD)
        .filter_map(|name| data.get(&name).as_string().map(|value| (name, value)))
        .collect();
    (author, values)
}

fn set_author(form: &HtmlFormElement, name: &str) {
    if let Ok(Some(input)) = form.query_selector(&author_selector())
        && let Ok(input) = input.dyn_into::<HtmlInputElement>()
    {
        input.set_value(name);
    }
}

/// Clears every field's message, then shows `refused` (field name, message) next to their
/// fields, marks those invalid, and moves focus to the first, so a keyboard user lands on it.
fn mark_fields(form: &HtmlFormElement, form_id: &str, refused: &[(String, String)]) {
    for element in all(form, &class(FIELD_ERROR)) {
        element.set_text_content(None);
    }
    for element in all(form, "[aria-invalid]") {
        let _ = element.set_attribute("aria-invalid", "false");
    }
    let mut first = true;
    for (field, message) in refused.iter().filter(|(field, _)| !field.is_empty()) {
        if let Ok(Some(error)) = form.query_selector(&format!("[id='{}']", field_error_id(form_id, field))) {
            error.set_text_content(Some(message));
        }
        if let Ok(Some(control)) = form.query_selector(&format!("[id='{}']", field_id(form_id, field))) {
            let _ = control.set_attribute("aria-invalid", "true");
            if first {
                if let Ok(control) = control.dyn_into::<web_sys::HtmlElement>() {
                    let _ = control.focus();
                }
                first = false;
            }
        }
    }
}
