//! The shop's forms as HTML, rendered on the server only.
//!
//! They are the children of the `Forms` island, so none of this code is in the wasm: the island
//! only handles their `submit` events and writes the server's messages into the elements named
//! here (`form-<form>-<field>-error`, the control `form-<form>-<field>`, `.form-error`,
//! `.form-card__status`). Every field has a visible label; the browser does not validate
//! (`novalidate`), the server does, so every message reads the same.

use std::sync::Arc;

use belco::forms::{Field, FieldKind, Form, FormSet, MAX_TEXT_CHARS, MAX_TEXTAREA_CHARS, Scope};
use leptos::prelude::*;

use crate::server_fns::{AUTHOR_FIELD, MAX_AUTHOR_CHARS};

/// Each scope's forms as HTML, rendered once when the server starts: a form is the same on every
/// panel, so rendering it again for each request would only repeat work.
#[derive(Clone, Debug)]
pub struct FormsHtml {
    customer: Arc<str>,
    company: Arc<str>,
}

impl FormsHtml {
    pub fn render(forms: &FormSet) -> Self {
        let html = |scope: Scope| -> Arc<str> {
            let owner = Owner::new();
            owner.with(|| {
                let in_scope: Vec<&Form> = forms.in_scope(scope).collect();
                if in_scope.is_empty() {
                    view! { <p class="forms__none">"No forms yet: the shop defines them in its forms file."</p> }
                        .to_html()
                } else {
                    in_scope.into_iter().map(form_card).collect_view().to_html()
                }
                .into()
            })
        };
        Self { customer: html(Scope::Customer), company: html(Scope::Company) }
    }

    pub fn of(&self, scope: Scope) -> Arc<str> {
        match scope {
            Scope::Customer => self.customer.clone(),
            Scope::Company => self.company.clone(),
        }
    }
}

/// The DOM id of a form's field (`"author"` for the author's name).
pub fn field_dom_id(form: &str, field: &str) -> String {
    format!("form-{form}-{field}")
}

/// One form, closed until the agent opens it. The "Send" button is disabled until the island has
/// hydrated, so a click never lands before there is code to answer it.
pub fn form_card(form: &Form) -> impl IntoView {
    let author_id = field_dom_id(&form.id, "author");
    let author_error_id = format!("{author_id}-error");
    let fields = form.fields.iter().map(|field| field_input(&form.id, field)).collect_view();
    view! {
        <details class="form-card">
            <summary class="form-card__title">{form.title.clone()}</summary>
            <form class="form-card__body" novalidate data-form=form.id.clone() data-title=form.title.clone()>
                {form.description.clone().map(|text| view! { <p class="form-card__description">{text}</p> })}
                <div class="field">
                    <label class="field__label" for=author_id.clone()>"Your name"</label>
                    <input
                        class="field__input"
                        id=author_id
                        name=AUTHOR_FIELD
                        autocomplete="name"
                        maxlength=MAX_AUTHOR_CHARS
                        aria-invalid="false"
                        aria-describedby=author_error_id.clone()
                    />
                    <p class="field__error" id=author_error_id></p>
                </div>
                {fields}
                <button class="button" type="submit" disabled>"Send"</button>
                <p class="form-error" role="alert"></p>
                <p class="form-card__status" role="status"></p>
            </form>
        </details>
    }
}

fn field_input(form: &str, field: &Field) -> AnyView {
    let id = field_dom_id(form, &field.name);
    let error_id = format!("{id}-error");
    let help_id = format!("{id}-help");
    let described = if field.help.is_some() { format!("{help_id} {error_id}") } else { error_id.clone() };
    let help = field.help.clone().map(|text| view! { <p class="field__help" id=help_id>{text}</p> });
    let required = field.required;
    let label = view! {
        <span class="field__label-text">{field.label.clone()}</span>
        {(!required).then(|| view! { <span class="field__optional">" (optional)"</span> })}
    };
    let name = field.name.clone();

    let control = match field.kind {
        FieldKind::Checkbox => {
            return view! {
                <div class="field field--check">
                    <input
                        type="checkbox"
                        class="field__check"
                        id=id.clone()
                        name=name
                        aria-invalid="false"
                        aria-describedby=described
                    />
                    <label class="field__label" for=id>{label}</label>
                    {help}
                    <p class="field__error" id=error_id></p>
                </div>
            }
            .into_any();
        }
        FieldKind::Textarea => view! {
            <textarea
                class="field__input"
                id=id.clone()
                name=name
                rows="3"
                maxlength=MAX_TEXTAREA_CHARS
                aria-required=required.to_string()
                aria-invalid="false"
                aria-describedby=described
            ></textarea>
        }
        .into_any(),
        FieldKind::Select => {
            let options = field
                .options
                .iter()
                .map(|option| view! { <option value=option.clone()>{option.clone()}</option> })
                .collect_view();
            view! {
                <select
                    class="field__input"
                    id=id.clone()
                    name=name
                    aria-required=required.to_string()
                    aria-invalid="false"
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
                name=name
                step=(kind == FieldKind::Number).then_some("any")
                min=field.min.map(|n| n.to_string())
                max=field.max.map(|n| n.to_string())
                maxlength=(kind == FieldKind::Text).then_some(MAX_TEXT_CHARS)
                aria-required=required.to_string()
                aria-invalid="false"
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
            <p class="field__error" id=error_id></p>
        </div>
    }
    .into_any()
}
