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

/// What a checkbox's answer stores, ticked or not, whatever the agent's language.
pub const CHECKBOX_YES: &str = "Yes";
pub const CHECKBOX_NO: &str = "No";

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

/// A text of the forms file (a title, a label, a help, an option) in the panel's languages: one
/// string for every language (`label = "Reason"`), or one per language
/// (`label = { nl = "Reden", en = "Reason" }`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// (language code, text) in the file's order, at least one; the code is `""` for a plain
    /// string.
    texts: Vec<(String, String)>,
}

impl Text {
    /// One text for every language.
    pub fn plain(text: impl Into<String>) -> Self {
        Self { texts: vec![(String::new(), text.into())] }
    }

    /// One text per language, `(code, text)`, in the file's order; `None` when empty.
    pub fn by_language(texts: Vec<(String, String)>) -> Option<Self> {
        (!texts.is_empty()).then_some(Self { texts })
    }

    /// The text in the language of `code`; a language the file gave no text for shows the
    /// first one given (a key in one language only shows that text in both).
    pub fn get(&self, code: &str) -> &str {
        let first = self.texts.first().map_or("", |(_, text)| text.as_str());
        self.texts.iter().find(|(language, _)| language == code).map_or(first, |(_, text)| text.as_str())
    }

    /// What a select stores when this option is picked, whatever language it was shown in: the
    /// plain string, or of a table the English text, else the first one given. A webhook
    /// receiver and an export see one value per option.
    pub fn value(&self) -> &str {
        self.get("en")
    }

    /// Every (code, text) as the file gave them.
    #[cfg(test)]
    pub fn texts(&self) -> impl Iterator<Item = (&str, &str)> {
        self.texts.iter().map(|(code, text)| (code.as_str(), text.as_str()))
    }
}

/// One field of a form, as the shop defined it (already checked: see [`FormSet::parse`](super::FormSet::parse)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// `[a-z0-9_]+`, unique within the form: the name the HTML form posts.
    pub name: String,
    pub label: Text,
    pub kind: FieldKind,
    pub required: bool,
    pub help: Option<Text>,
    /// The choices of a select, trimmed, with unique values ([`Text::value`]), in the file's
    /// order; empty for other kinds.
    pub options: Vec<Text>,
    /// Bounds of a number (inclusive); `None` for other kinds.
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// A form as the shop defined it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Form {
    /// `[a-z0-9-]+`, unique in the file: what URLs and stored submissions name the form by.
    pub id: String,
    pub title: Text,
    pub scope: Scope,
    pub description: Option<Text>,
    /// At least one, in the file's order.
    pub fields: Vec<Field>,
}

impl Form {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|field| field.name == name)
    }
}

/// One answer of a valid submission. The label is copied in, in the language the agent saw it,
/// so that a stored submission still reads as it was sent after the shop renames the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub name: String,
    pub label: String,
    pub value: String,
}

/// Why a value was refused, for the agent to read next to the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field's [`Field::name`]; empty for a problem with the submission as a whole.
    pub field: String,
    pub problem: Problem,
}

/// Why a submitted value was refused. The panel says it in the agent's language
/// (`app/src/i18n/`), so the reasons are kept apart from any words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    /// A required field left empty.
    Required,
    /// A select left empty while required, or given a value that is not one of its options.
    ChooseOption,
    /// More than `limit` characters.
    TooLong { limit: usize },
    /// A one-line text with a line break or another control character.
    OneLine,
    /// A textarea with control characters other than line breaks and tabs.
    ControlCharacters,
    /// Not a number in the agent's language.
    NotANumber,
    /// A decimal written with the other decimal separator than the agent's language uses.
    OtherPoint,
    /// More than `limit` digits.
    TooManyDigits { limit: usize },
    /// Outside the field's bounds, which are written as plain decimals (`2.5`).
    OutOfRange { min: Option<String>, max: Option<String> },
    /// An email address of more than `limit` characters.
    EmailTooLong { limit: usize },
    /// Not shaped as an email address.
    NotAnEmail,
    /// A date not written `YYYY-MM-DD`.
    DateShape,
    /// A date that does not exist (`2023-02-29`).
    NoSuchDate,
    /// A checkbox sent something that is neither ticked nor unticked.
    TickOrLeave,
    /// A required checkbox left unticked.
    TickRequired,
    /// A posted name the form has no field for (reported with `field: ""`).
    UnknownField { name: String },
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
