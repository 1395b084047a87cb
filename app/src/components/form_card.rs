//! The shop's forms as the panel shows them, one closed card each ([`FormCards`]), rendered on the
//! server only.
//!
//! They are the children of the `Forms` island, so none of their markup is in the wasm: the island
//! handles their `submit` events and writes the server's messages into the parts named in
//! [`dom`]. Every field has a visible label; the browser does not validate (`novalidate`), the
//! server does, so every message reads the same.

/// The DOM names (attributes, classes, ids) the cards carry and the `Forms` island finds its way
/// by in them.
pub mod dom {
    /// On each `<form>`: the form's id, and what the status line says once it was sent
    /// (`Verzonden: Retour.`), already in the panel's language.
    pub const FORM_ID: &str = "data-form";
    pub const FORM_SENT: &str = "data-sent";
    /// Classes: the message about the whole form, "Sent: …" after a submission, and the message
    /// under each field.
    pub const FORM_ERROR: &str = "form-error";
    pub const STATUS: &str = "form-card__status";
    pub const FIELD_ERROR: &str = "field__error";

    /// The CSS selector of a class.
    pub fn class(class: &str) -> String {
        format!(".{class}")
    }

    /// The DOM id of a form's field; `field` is the form's field name, or
    /// `belco::notes::AUTHOR_FIELD` for the author's name.
    pub fn field_id(form: &str, field: &str) -> String {
        let field = if field == belco::notes::AUTHOR_FIELD { "author" } else { field };
        format!("form-{form}-{field}")
    }

    /// The DOM id of the message under a field.
    pub fn field_error_id(form: &str, field: &str) -> String {
        format!("{}-error", field_id(form, field))
    }
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use std::sync::Arc;

    use belco::forms::{Field, FieldKind, Form, FormSet, MAX_TEXT_CHARS, MAX_TEXTAREA_CHARS, Scope};
    use belco::notes::{AUTHOR_FIELD, MAX_AUTHOR_CHARS};
    use leptos::either::{Either, EitherOf4};
    use leptos::prelude::*;

    use super::dom::{FIELD_ERROR, FORM_ERROR, STATUS, field_error_id, field_id};
    use crate::components::render_html;
    use crate::i18n::{Locale, Locales, Words};

    /// Each scope's cards as HTML in each language, rendered once when the server starts: a form
    /// is the same on every panel, so rendering it again for each request would only repeat work.
    /// This is the one part of a page rendered ahead of time; `server/tests/in_process/frame.rs`
    /// holds the page to it.
    #[derive(Clone, Debug)]
    pub struct FormCards {
        /// (language code, the customer panel's cards, the company panel's).
        by_language: Vec<(&'static str, Arc<str>, Arc<str>)>,
    }

    impl FormCards {
        pub fn render(forms: &FormSet, locales: &Locales) -> Self {
            let html = |scope: Scope, locale: &'static Locale| -> Arc<str> {
                let in_scope: Vec<Form> = forms.in_scope(scope).cloned().collect();
                render_html(move || view! { <Cards forms=in_scope locale/> }).into()
            };
            let by_language = locales
                .all()
                .iter()
                .map(|&locale| (locale.code(), html(Scope::Customer, locale), html(Scope::Company, locale)))
                .collect();
            Self { by_language }
        }

        /// The cards of `scope` in the language of `code` (the first language's if the panel
        /// does not speak it, which the server never asks for).
        pub fn of(&self, scope: Scope, code: &str) -> Arc<str> {
            let found = self.by_language.iter().find(|(language, ..)| *language == code).or(self.by_language.first());
            match (found, scope) {
                (Some((_, customer, _)), Scope::Customer) => customer.clone(),
                (Some((_, _, company)), Scope::Company) => company.clone(),
                (None, _) => Arc::from(""),
            }
        }
    }

    /// The cards of one scope's forms, or a line saying there are none.
    #[component]
    fn Cards(forms: Vec<Form>, locale: &'static Locale) -> impl IntoView {
        if forms.is_empty() {
            return Either::Left(view! { <p class="forms__none">{locale.words.no_forms}</p> });
        }
        Either::Right(forms.into_iter().map(|form| view! { <FormCard form locale/> }).collect::<Vec<_>>())
    }

    /// One form, closed until the agent opens it. The "Send" button is disabled until the island
    /// has hydrated, so a click never lands before there is code to answer it.
    #[component]
    fn FormCard(form: Form, locale: &'static Locale) -> impl IntoView {
        let (code, words) = (locale.code(), &locale.words);
        let author_id = field_id(&form.id, AUTHOR_FIELD);
        let author_error_id = field_error_id(&form.id, AUTHOR_FIELD);
        let fields = form
            .fields
            .iter()
            .map(|field| view! { <FieldInput form=form.id.clone() field=field.clone() locale/> })
            .collect::<Vec<_>>();
        let title = form.title.get(code).to_owned();
        let sent = (words.sent)(&title);
        let description = form.description.as_ref().map(|text| text.get(code).to_owned());
        view! {
            <details class="form-card">
                <summary class="form-card__title">{title}</summary>
                <form class="form-card__body" novalidate data-form=form.id.clone() data-sent=sent>
                    {description.map(|text| view! { <p class="form-card__description">{text}</p> })}
                    <div class="field">
                        <label class="field__label" for=author_id.clone()>{words.your_name}</label>
                        <input
                            class="field__input"
                            id=author_id
                            name=AUTHOR_FIELD
                            autocomplete="name"
                            maxlength=MAX_AUTHOR_CHARS
                            aria-invalid="false"
                            aria-describedby=author_error_id.clone()
                        />
                        <p class=FIELD_ERROR id=author_error_id></p>
                    </div>
                    {fields}
                    <button class="button" type="submit" disabled>{words.send}</button>
                    <p class=FORM_ERROR role="alert"></p>
                    <p class=STATUS role="status"></p>
                </form>
            </details>
        }
    }

    /// One field. A number is typed in a text box (`inputmode="decimal"` brings up the digits
    /// on a phone): a browser's number box reads and posts numbers its own way, whatever the
    /// panel's language, and the server reads them the language's way (Dutch `3,5`).
    #[component]
    fn FieldInput(form: String, field: Field, locale: &'static Locale) -> impl IntoView {
        let (code, words): (&str, &'static Words) = (locale.code(), &locale.words);
        let id = field_id(&form, &field.name);
        let error_id = field_error_id(&form, &field.name);
        let help_id = format!("{id}-help");
        let described = if field.help.is_some() { format!("{help_id} {error_id}") } else { error_id.clone() };
        let help =
            field.help.as_ref().map(|text| view! { <p class="field__help" id=help_id>{text.get(code).to_owned()}</p> });
        let required = field.required;
        let label = view! {
            <span class="field__label-text">{field.label.get(code).to_owned()}</span>
            {(!required).then(|| view! { <span class="field__optional">{words.optional}</span> })}
        };
        let Field { name, kind, options, .. } = field;
        if kind == FieldKind::Checkbox {
            return Either::Left(view! {
                <div class="field field--check">
                    <input type="checkbox" class="field__check" id=id.clone() name=name aria-invalid="false" aria-describedby=described/>
                    <label class="field__label" for=id>{label}</label>
                    {help}
                    <p class=FIELD_ERROR id=error_id></p>
                </div>
            });
        }
        let control = match kind {
            FieldKind::Textarea => EitherOf4::A(view! {
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
            }),
            FieldKind::Select => {
                let options = options
                    .into_iter()
                    .map(|option| {
                        let (value, shown) = (option.value().to_owned(), option.get(code).to_owned());
                        view! { <option value=value>{shown}</option> }
                    })
                    .collect::<Vec<_>>();
                EitherOf4::B(view! {
                    <select
                        class="field__input"
                        id=id.clone()
                        name=name
                        aria-required=required.to_string()
                        aria-invalid="false"
                        aria-describedby=described
                    >
                        <option value="">{words.choose}</option>
                        {options}
                    </select>
                })
            }
            FieldKind::Checkbox => EitherOf4::C(()),
            kind => EitherOf4::D(view! {
                <input
                    class="field__input"
                    type=if kind == FieldKind::Number { "text" } else { kind.html_input_type() }
                    inputmode=(kind == FieldKind::Number).then_some("decimal")
                    id=id.clone()
                    name=name
                    maxlength=(kind == FieldKind::Text).then_some(MAX_TEXT_CHARS)
                    aria-required=required.to_string()
                    aria-invalid="false"
                    aria-describedby=described
                />
            }),
        };
        Either::Right(view! {
            <div class="field">
                <label class="field__label" for=id>{label}</label>
                {help}
                {control}
                <p class=FIELD_ERROR id=error_id></p>
            </div>
        })
    }
}

#[cfg(test)]
mod tests {
    use super::dom::*;

    #[test]
    fn the_author_field_has_its_own_id() {
        assert_eq!(field_id("return", belco::notes::AUTHOR_FIELD), "form-return-author");
        assert_eq!(field_error_id("return", "reason"), "form-return-reason-error");
    }
}
