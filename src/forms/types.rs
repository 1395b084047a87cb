//! The shape of a shop's forms: what the forms file defines (forms, fields, kinds, scopes), the
//! limits an answer is held to, and what a submission gives back (answers or field errors).
//! These compile everywhere: the browser renders them.

use serde::{Deserialize, Serialize};

/// The most characters a `text` answer may have; also what the form's `maxlength` should say.
pub const MAX_TEXT_CHARS: usize = 500;
/// The most characters a `textarea` answer may have (after `\r\n` became `\n`).
pub const MAX_TEXTAREA_CHARS: usize = 5000;
/// The most characters of an email address (RFC 5321's path limit less the angle brackets).
pub const MAX_EMAIL_CHARS: usize = 254;
/// The most characters of a form id or field name (`[a-z0-9-]` or `[a-z0-9_]`).
#[cfg(feature = "ssr")]
pub(super) const MAX_ID_CHARS: usize = 64;
/// The most characters of a form's title or a field's label.
#[cfg(feature = "ssr")]
pub(super) const MAX_TITLE_CHARS: usize = 100;

/// Whom a form is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Filled in for the customer the panel is open on, and listed under that customer.
    Customer,
    /// About the shop itself, whoever the panel is open on; listed for the whole company.
    Company,
}

impl Scope {
    /// The name in the forms file, on the wire and in `form_submissions.scope`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Company => "company",
        }
    }
}

/// What a field holds; the forms file's `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// One line, at most [`MAX_TEXT_CHARS`].
    Text,
    /// Several lines, at most [`MAX_TEXTAREA_CHARS`].
    Textarea,
    /// A decimal such as `12`, `-3` or `3.5`, within the field's `min`/`max`.
    Number,
    Email,
    /// A calendar date written `YYYY-MM-DD`.
    Date,
    /// Exactly one of the field's `options`.
    Select,
    /// Ticked or not; stored as `Yes` or `No`.
    Checkbox,
}

impl FieldKind {
    /// The `type` attribute of the `<input>` that edits this kind. Textarea and select are
    /// elements of their own (`<textarea>`, `<select>`), not inputs, so they have none: `""`.
    pub fn html_input_type(&self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Email => "email",
            Self::Date => "date",
            Self::Checkbox => "checkbox",
            Self::Textarea | Self::Select => "",
        }
    }
}

/// One field of a form, as the shop defined it (already checked: see [`FormSet::parse`](super::FormSet::parse)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// `[a-z0-9_]+`, unique within the form: the name the HTML form posts.
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    pub help: Option<String>,
    /// The choices of a select, trimmed, unique, in the file's order; empty for other kinds.
    pub options: Vec<String>,
    /// Bounds of a number (inclusive); `None` for other kinds.
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// A form as the shop defined it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Form {
    /// `[a-z0-9-]+`, unique in the file: what URLs and stored submissions name the form by.
    pub id: String,
    pub title: String,
    pub scope: Scope,
    pub description: Option<String>,
    /// At least one, in the file's order.
    pub fields: Vec<Field>,
}

impl Form {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|field| field.name == name)
    }
}

/// One answer of a valid submission. The label is copied in so that a stored submission still
/// reads as it was sent after the shop renames the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub name: String,
    pub label: String,
    pub value: String,
}

/// Why a value was refused, in a sentence for the agent to read next to the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field's [`Field::name`]; empty for a problem with the submission as a whole.
    pub field: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_input_types() {
        assert_eq!(FieldKind::Email.html_input_type(), "email");
        assert_eq!(FieldKind::Checkbox.html_input_type(), "checkbox");
        assert_eq!(FieldKind::Textarea.html_input_type(), "");
        assert_eq!(Scope::Company.as_str(), "company");
    }

    #[test]
    fn the_wire_names_are_lowercase() {
        assert_eq!(serde_json::to_string(&Scope::Customer).unwrap(), "\"customer\"");
        assert_eq!(serde_json::to_string(&FieldKind::Textarea).unwrap(), "\"textarea\"");
    }
}
