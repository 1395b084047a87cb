//! What the forms tests share: a two-form file and short ways to parse and submit.

use std::path::Path;

use super::{Answer, FieldError, Form, FormSet, Problem};
use crate::locale::Language;

/// The languages the tests' panel speaks (the app's are `app::i18n::LOCALES`).
pub const LANGUAGES: &[&str] = &["nl", "en"];

pub fn parse(text: &str) -> Result<FormSet, String> {
    FormSet::parse(text, Path::new("forms.toml"), LANGUAGES).map_err(|error| error.to_string())
}

pub fn parse_err(text: &str) -> String {
    parse(text).expect_err("the text should be refused")
}

/// A form with one field of the given TOML (`name = "x"` first).
pub fn one_field(field_toml: &str) -> Form {
    let text = format!("[[form]]\nid = \"f\"\ntitle = \"F\"\nscope = \"customer\"\n\n[[form.field]]\n{field_toml}\n");
    parse(&text).unwrap().all()[0].clone()
}

pub fn post(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
}

/// The stored value of the field `x` as an English agent typed it, or why it was refused.
pub fn check(form: &Form, value: Option<&str>) -> Result<String, Problem> {
    let values = value.map(|value| post(&[("x", value)])).unwrap_or_default();
    match form.validate_en(&values) {
        Ok(answers) => Ok(answers[0].value.clone()),
        Err(errors) => Err(errors[0].problem.clone()),
    }
}

/// The stored value of the field `x` as typed by an agent of `language`, or why it was refused.
pub fn check_in(form: &Form, value: &str, language: &Language) -> Result<String, Problem> {
    match form.validate(&post(&[("x", value)]), language) {
        Ok(answers) => Ok(answers[0].value.clone()),
        Err(errors) => Err(errors[0].problem.clone()),
    }
}

impl Form {
    /// [`Form::validate`] for an English agent.
    pub fn validate_en(&self, values: &[(String, String)]) -> Result<Vec<Answer>, Vec<FieldError>> {
        self.validate(values, &Language::EN)
    }
}

pub const TWO_FORMS: &str = r#"# comment
[[form]]
id = "return-request"
title = "Return request"
scope = "customer"
description = "  "

[[form.field]]
name = "order_number"
label = " Order number "
type = "text"
required = true

[[form.field]]
name = "reason"
label = "Reason"
type = "select"
options = [" Too small", "Broken "]
help = "Ask the customer"

[[form]]
id = "warehouse"
title = "Warehouse"
scope = "company"

[[form.field]]
name = "units"
label = "Units"
type = "number"
min = 1
max = 2.5
"#;
