//! The shop's forms for this panel (customer or company) and what was sent with them.
//!
//! The browser does not judge the answers (`novalidate`): the server validates every submission
//! and answers with a message per field, shown next to that field; a valid one is stored and the
//! fresh list of submissions comes back.

use belco::forms::{FieldError, FieldKind, Form};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::author;
use crate::server_fns::{AUTHOR_FIELD, MAX_AUTHOR_CHARS, SubmissionView, SubmitOutcome, submit_form};

#[island]
pub fn Forms(
    capability: String,
    forms: Vec<Form>,
    submissions: Vec<SubmissionView>,
    /// "Sent forms" on a customer's panel, "Recent submissions" on the company's.
    list_title: String,
) -> impl IntoView {
    let capability = StoredValue::new(capability);
    let submissions = RwSignal::new(submissions);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let cards =
        forms.into_iter().map(|form| view! { <FormCard form capability submissions hydrated /> }).collect_view();
    view! {
        <section class="forms" aria-labelledby="forms-title">
            <h2 id="forms-title">"Forms"</h2>
            <div class="forms__list">{cards}</div>
        </section>
        <section class="submissions" aria-labelledby="submissions-title">
            <h2 id="submissions-title">{list_title}</h2>
            <Show
                when=move || !submissions.with(Vec::is_empty)
                fallback=|| view! { <p class="submissions__empty">"Nothing sent yet."</p> }
            >
                <ul class="submissions__list">
                    <For each=move || submissions.get() key=|submission| submission.id.clone() let:submission>
                        <SubmissionItem submission />
                    </For>
                </ul>
            </Show>
        </section>
    }
}

#[component]
fn FormCard(
    form: Form,
    capability: StoredValue<String>,
    submissions: RwSignal<Vec<SubmissionView>>,
    hydrated: RwSignal<bool>,
) -> impl IntoView {
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let status = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let author = RwSignal::new(String::new());
    Effect::new(move |_| author.set(author::remembered()));
    let element = NodeRef::<leptos::html::Form>::new();
    let form = StoredValue::new(form);
    let dom_id = |field: &str| format!("form-{}-{field}", form.with_value(|f| f.id.clone()));
    let author_id = dom_id("author");

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(element) = element.get() else { return };
        if busy.get_untracked() {
            return;
        }
        let values = form_values(&element, &form.get_value());
        author::remember(&author.get_untracked());
        busy.set(true);
        status.set(String::new());
        let (form_id, title) = form.with_value(|f| (f.id.clone(), f.title.clone()));
        let author = author.get_untracked();
        let capability = capability.get_value();
        spawn_local(async move {
            match submit_form(capability, form_id.clone(), author, values).await {
                Ok(SubmitOutcome::Saved(fresh)) => {
                    errors.set(Vec::new());
                    submissions.set(fresh);
                    element.reset();
                    status.set(format!("Sent: {title}."));
                }
                Ok(SubmitOutcome::Invalid(found)) => {
                    let first = found.first().map(|error| error.field.clone());
                    errors.set(found);
                    status.set("Check the fields marked below.".to_owned());
                    if let Some(field) = first {
                        focus(&format!("form-{form_id}-{}", if field == AUTHOR_FIELD { "author" } else { &field }));
                    }
                }
                Err(error) => {
                    errors.set(vec![FieldError { field: String::new(), message: error.to_string() }]);
                }
            }
            busy.set(false);
        });
    };

    let (title, description, fields) = form.with_value(|f| (f.title.clone(), f.description.clone(), f.fields.clone()));
    let fields = fields
        .into_iter()
        .map(|field| {
            let id = dom_id(&field.name);
            view! { <FieldInput field id errors /> }
        })
        .collect_view();
    let form_error =
        move || errors.with(|errors| errors.iter().find(|e| e.field.is_empty()).map(|e| e.message.clone()));
    let author_error = move || message_for(errors, AUTHOR_FIELD);
    let author_error_id = format!("{author_id}-error");

    view! {
        <details class="form-card">
            <summary class="form-card__title">{title}</summary>
            <form class="form-card__body" novalidate node_ref=element on:submit=on_submit>
                {description.map(|text| view! { <p class="form-card__description">{text}</p> })}
                <div class="field">
                    <label class="field__label" for=author_id.clone()>"Your name"</label>
                    <input
                        class="field__input"
                        id=author_id
                        autocomplete="name"
                        maxlength=MAX_AUTHOR_CHARS
                        aria-invalid=move || author_error().is_some().to_string()
                        aria-describedby=author_error_id.clone()
                        prop:value=move || author.get()
                        on:input=move |ev| author.set(event_target_value(&ev))
                    />
                    <p class="field__error" id=author_error_id>{author_error}</p>
                </div>
                {fields}
                <button class="button" type="submit" disabled=move || !hydrated.get() aria-busy=move || busy.get().to_string()>
                    "Send"
                </button>
                <p class="form-error" role="alert">{form_error}</p>
                <p class="form-card__status" role="status">{move || status.get()}</p>
            </form>
        </details>
    }
}

/// The message for `field`, if the last answer had one.
fn message_for(errors: RwSignal<Vec<FieldError>>, field: &str) -> Option<String> {
    errors.with(|errors| errors.iter().find(|e| e.field == field).map(|e| e.message.clone()))
}

#[component]
fn FieldInput(field: belco::forms::Field, id: String, errors: RwSignal<Vec<FieldError>>) -> impl IntoView {
    let name = StoredValue::new(field.name.clone());
    let error = move || message_for(errors, &name.get_value());
    let error_id = format!("{id}-error");
    let help_id = format!("{id}-help");
    let described = match &field.help {
        Some(_) => format!("{help_id} {error_id}"),
        None => error_id.clone(),
    };
    let help = field.help.clone().map(|text| view! { <p class="field__help" id=help_id>{text}</p> });
    let invalid = move || error().is_some().to_string();
    let required = field.required;
    let label = view! {
        <span class="field__label-text">{field.label.clone()}</span>
        {(!required).then(|| view! { <span class="field__optional">" (optional)"</span> })}
    };

    let control = match field.kind {
        FieldKind::Checkbox => {
            return view! {
                <div class="field field--check">
                    <input
                        type="checkbox"
                        class="field__check"
                        id=id.clone()
                        name=field.name
                        aria-invalid=invalid
                        aria-describedby=described
                    />
                    <label class="field__label" for=id>{label}</label>
                    {help}
                    <p class="field__error" id=error_id>{error}</p>
                </div>
            }
            .into_any();
        }
        FieldKind::Textarea => view! {
            <textarea
                class="field__input"
                id=id.clone()
                name=field.name
                rows="3"
                maxlength=belco::forms::MAX_TEXTAREA_CHARS
                aria-required=required.to_string()
                aria-invalid=invalid
                aria-describedby=described
            ></textarea>
        }
        .into_any(),
        FieldKind::Select => {
            let options = field
                .options
                .into_iter()
                .map(|option| {
                    let text = option.clone();
                    view! { <option value=option>{text}</option> }
                })
                .collect_view();
            view! {
                <select
                    class="field__input"
                    id=id.clone()
                    name=field.name
                    aria-required=required.to_string()
                    aria-invalid=invalid
                    aria-describedby=described
                >
                    <option value="">"Choose…"</option>
                    {options}
                </select>
            }
            .into_any()
        }
        kind => view! {
            <input
                class="field__input"
                type=kind.html_input_type()
                id=id.clone()
                name=field.name
                step=(kind == FieldKind::Number).then_some("any")
                min=field.min.map(|n| n.to_string())
                max=field.max.map(|n| n.to_string())
                maxlength=(kind == FieldKind::Text).then_some(belco::forms::MAX_TEXT_CHARS)
                aria-required=required.to_string()
                aria-invalid=invalid
                aria-describedby=described
            />
        }
        .into_any(),
    };
    view! {
        <div class="field">
            <label class="field__label" for=id>{label}</label>
            {help}
            {control}
            <p class="field__error" id=error_id>{error}</p>
        </div>
    }
    .into_any()
}

#[component]
fn SubmissionItem(submission: SubmissionView) -> impl IntoView {
    let answers = submission
        .answers
        .into_iter()
        .map(|answer| {
            let value = if answer.value.is_empty() { "—".to_owned() } else { answer.value };
            view! {
                <div class="facts__item">
                    <dt>{answer.label}</dt>
                    <dd class="submission__value">{value}</dd>
                </div>
            }
        })
        .collect_view();
    view! {
        <li class="submission">
            <details>
                <summary class="submission__summary">
                    <span class="submission__title">{submission.form_title}</span>
                    <span class="submission__meta">
                        {submission.author}" · "<time datetime=submission.sent_iso>{submission.sent}</time>
                    </span>
                </summary>
                <dl class="facts submission__answers">{answers}</dl>
            </details>
        </li>
    }
}

/// The form's fields as the browser would post them: (name, text), an unchecked box absent.
fn form_values(element: &web_sys::HtmlFormElement, form: &Form) -> Vec<(String, String)> {
    let Ok(data) = web_sys::FormData::new_with_form(element) else {
        return Vec::new();
    };
    form.fields
        .iter()
        .filter_map(|field| data.get(&field.name).as_string().map(|value| (field.name.clone(), value)))
        .collect()
}

fn focus(id: &str) {
    use leptos::wasm_bindgen::JsCast;
    if let Some(element) = document().get_element_by_id(id).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = element.focus();
    }
}
