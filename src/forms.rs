//! Shop-defined forms: a TOML file (see `forms.toml` at the repository root) lists the forms
//! agents fill in from the sidebar, about the customer the panel is open on (a return request, a
//! callback request) or about the shop itself ("report a problem to the warehouse").
//!
//! The types that describe a form compile everywhere because the browser renders them (they are
//! island props). Reading the file and validating a submission are server-only (`ssr`): the wasm
//! never links the TOML parser, and the server is the one judge of what gets stored.

use serde::{Deserialize, Serialize};

/// The most characters a `text` answer may have; also what the form's `maxlength` should say.
pub const MAX_TEXT_CHARS: usize = 500;
/// The most characters a `textarea` answer may have (after `\r\n` became `\n`).
pub const MAX_TEXTAREA_CHARS: usize = 5000;
/// The most characters of an email address (RFC 5321's path limit less the angle brackets).
pub const MAX_EMAIL_CHARS: usize = 254;

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

/// One field of a form, as the shop defined it (already checked: see [`Forms::parse`]).
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

#[cfg(feature = "ssr")]
pub use server::{Forms, FormsError};

#[cfg(feature = "ssr")]
mod server {
    use std::cmp::Ordering;
    use std::collections::{HashMap, HashSet};
    use std::ops::Range;
    use std::path::{Path, PathBuf};

    use toml::Spanned;

    use super::*;

    const MAX_ID_CHARS: usize = 64;
    const MAX_TITLE_CHARS: usize = 100;
    /// More digits than an `f64` can tell apart is a slip of the finger, not a quantity.
    const MAX_NUMBER_DIGITS: usize = 30;

    /// The forms of a shop, in the file's order.
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct Forms {
        forms: Vec<Form>,
    }

    /// A forms file that cannot be used. The message names the file and, for a problem in its
    /// text, the 1-based line and column (counted in characters) to look at.
    #[derive(Debug, thiserror::Error)]
    pub enum FormsError {
        #[error("{}: cannot read: {source}", file.display())]
        Read { file: PathBuf, source: std::io::Error },
        #[error("{}:{line}:{column}: {problem}", file.display())]
        Invalid { file: PathBuf, line: usize, column: usize, problem: String },
    }

    impl Forms {
        /// No forms: the sidebar simply offers none.
        pub fn empty() -> Self {
            Self::default()
        }

        /// Reads a forms file's text; `file` only names it in errors. The first problem found
        /// (in file order, syntax before meaning) is the error.
        pub fn parse(text: &str, file: &Path) -> Result<Self, FormsError> {
            let invalid = |span: Range<usize>, problem: String| {
                let (line, column) = line_column(text, span.start);
                FormsError::Invalid { file: file.to_owned(), line, column, problem }
            };
            let raw: RawFile = toml::from_str(text).map_err(|error| {
                // `from_str` errors always carry a span; pointing at 1:1 without one is a formality.
                invalid(error.span().unwrap_or(0..0), error.message().trim_end().to_owned())
            })?;
            let forms = check_file(raw, text).map_err(|(span, problem)| invalid(span, problem))?;
            Ok(Self { forms })
        }

        pub fn load(path: &Path) -> Result<Self, FormsError> {
            let text =
                std::fs::read_to_string(path).map_err(|source| FormsError::Read { file: path.to_owned(), source })?;
            Self::parse(&text, path)
        }

        pub fn get(&self, id: &str) -> Option<&Form> {
            self.forms.iter().find(|form| form.id == id)
        }

        /// All forms, in the file's order.
        pub fn all(&self) -> &[Form] {
            &self.forms
        }

        /// The forms of one scope, in the file's order.
        pub fn in_scope(&self, scope: Scope) -> impl Iterator<Item = &Form> {
            self.forms.iter().filter(move |form| form.scope == scope)
        }

        pub fn len(&self) -> usize {
            self.forms.len()
        }

        pub fn is_empty(&self) -> bool {
            self.forms.is_empty()
        }
    }

    impl Form {
        /// Checks a submission and returns its answers, one per field in field order (an empty
        /// optional field gives `""`, a checkbox `Yes` or `No`), or every problem found: those of
        /// the fields in field order, then one per posted name the form does not have (with
        /// `field: ""`, as nothing on the form can show it; such a value is never stored).
        ///
        /// `values` are (name, raw text) pairs exactly as an HTML form posts them: an unchecked
        /// checkbox is absent, a checked one `on`, and of a repeated name the last one counts.
        /// Callers remove their own names (a CSRF token, the form id) before calling.
        pub fn validate(&self, values: &[(String, String)]) -> Result<Vec<Answer>, Vec<FieldError>> {
            let posted: HashMap<&str, &str> =
                values.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
            let mut answers = Vec::with_capacity(self.fields.len());
            let mut errors = Vec::new();
            for field in &self.fields {
                match check_value(field, posted.get(field.name.as_str()).copied().unwrap_or("")) {
                    Ok(value) => answers.push(Answer { name: field.name.clone(), label: field.label.clone(), value }),
                    Err(message) => errors.push(FieldError { field: field.name.clone(), message }),
                }
            }
            let mut reported = HashSet::new();
            for (name, _) in values {
                if self.field(name).is_none() && reported.insert(name.as_str()) {
                    let shown: String = name.chars().take(MAX_ID_CHARS).collect();
                    errors.push(FieldError {
                        field: String::new(),
                        message: format!(
                            "This form has no field \"{shown}\"; it may have changed since it was opened. \
                             Reload it and try again."
                        ),
                    });
                }
            }
            if errors.is_empty() { Ok(answers) } else { Err(errors) }
        }
    }

    /// The file as written. Names are `Spanned` where a later check may have to point at them.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawFile {
        #[serde(default)]
        form: Vec<RawForm>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawForm {
        id: Spanned<String>,
        title: Spanned<String>,
        scope: Scope,
        #[serde(default)]
        description: Option<String>,
        #[serde(default)]
        field: Vec<RawField>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawField {
        name: Spanned<String>,
        label: Spanned<String>,
        #[serde(rename = "type")]
        kind: Spanned<FieldKind>,
        #[serde(default)]
        required: bool,
        #[serde(default)]
        help: Option<String>,
        #[serde(default)]
        options: Option<Spanned<Vec<Spanned<String>>>>,
        // An integer in the file reads as well: serde's f64 accepts one.
        #[serde(default)]
        min: Option<Spanned<f64>>,
        #[serde(default)]
        max: Option<Spanned<f64>>,
    }

    /// A problem and the byte range of the file it is about.
    type Located = (Range<usize>, String);

    fn check_file(raw: RawFile, text: &str) -> Result<Vec<Form>, Located> {
        let mut first_line: HashMap<String, usize> = HashMap::new();
        let mut forms = Vec::with_capacity(raw.form.len());
        for form in raw.form {
            let id_span = form.id.span();
            let id = form.id.into_inner();
            if !is_name(&id, b'-') {
                return Err((id_span, format!("form id {id:?} must be 1 to 64 of a-z, 0-9 and \"-\"")));
            }
            if let Some(line) = first_line.get(&id) {
                return Err((id_span, format!("form id {id:?} is already used by the form on line {line}")));
            }
            first_line.insert(id.clone(), line_column(text, id_span.start).0);
            let title = check_title(form.title, "title")?;
            if form.field.is_empty() {
                return Err((id_span, format!("form {id:?} has no fields: add at least one [[form.field]]")));
            }
            let mut names = HashSet::new();
            let mut fields = Vec::with_capacity(form.field.len());
            for field in form.field {
                let name_span = field.name.span();
                if !names.insert(field.name.get_ref().clone()) {
                    let name = field.name.get_ref();
                    return Err((name_span, format!("form {id:?} already has a field named {name:?}")));
                }
                fields.push(check_field(field)?);
            }
            forms.push(Form { id, title, scope: form.scope, description: optional_text(form.description), fields });
        }
        Ok(forms)
    }

    fn check_field(raw: RawField) -> Result<Field, Located> {
        let name_span = raw.name.span();
        let name = raw.name.into_inner();
        if !is_name(&name, b'_') {
            return Err((name_span, format!("field name {name:?} must be 1 to 64 of a-z, 0-9 and \"_\"")));
        }
        let label = check_title(raw.label, "label")?;
        let kind_span = raw.kind.span();
        let kind = raw.kind.into_inner();
        let options = match (kind, raw.options) {
            (FieldKind::Select, None) => {
                return Err((kind_span, "a select field needs `options`, the list of choices".to_owned()));
            }
            (FieldKind::Select, Some(options)) => check_options(options)?,
            (_, None) => Vec::new(),
            (_, Some(options)) => {
                return Err((options.span(), "`options` only applies to fields of type \"select\"".to_owned()));
            }
        };
        let min = check_bound(raw.min, kind, "min")?;
        let max = check_bound(raw.max, kind, "max")?;
        if let (Some(min), Some(max)) = (&min, &max)
            && min.get_ref() > max.get_ref()
        {
            let (min, span, max) = (min.get_ref(), max.span(), max.get_ref());
            return Err((span, format!("max ({max}) is less than min ({min})")));
        }
        Ok(Field {
            name,
            label,
            kind,
            required: raw.required,
            help: optional_text(raw.help),
            options,
            min: min.map(Spanned::into_inner),
            max: max.map(Spanned::into_inner),
        })
    }

    /// Options are trimmed: the browser posts them back and the value is compared trimmed.
    fn check_options(raw: Spanned<Vec<Spanned<String>>>) -> Result<Vec<String>, Located> {
        let span = raw.span();
        let raw = raw.into_inner();
        if raw.is_empty() {
            return Err((span, "`options` needs at least one choice".to_owned()));
        }
        let mut options: Vec<String> = Vec::with_capacity(raw.len());
        for option in raw {
            let span = option.span();
            let option = option.get_ref().trim();
            if option.is_empty() {
                return Err((span, "an option cannot be empty".to_owned()));
            }
            if option.chars().any(char::is_control) {
                return Err((span, "an option cannot hold control characters".to_owned()));
            }
            if options.iter().any(|seen| seen == option) {
                return Err((span, format!("option {option:?} is listed twice")));
            }
            options.push(option.to_owned());
        }
        Ok(options)
    }

    fn check_bound(raw: Option<Spanned<f64>>, kind: FieldKind, key: &str) -> Result<Option<Spanned<f64>>, Located> {
        let Some(bound) = raw else { return Ok(None) };
        if kind != FieldKind::Number {
            return Err((bound.span(), format!("`{key}` only applies to fields of type \"number\"")));
        }
        if !bound.get_ref().is_finite() {
            return Err((bound.span(), format!("`{key}` must be a finite number")));
        }
        Ok(Some(bound))
    }

    /// A title or label: shown as a heading, so not blank and not a paragraph. Kept trimmed.
    fn check_title(raw: Spanned<String>, key: &str) -> Result<String, Located> {
        let text = raw.get_ref().trim();
        if text.is_empty() {
            return Err((raw.span(), format!("`{key}` cannot be empty")));
        }
        if text.chars().count() > MAX_TITLE_CHARS {
            return Err((raw.span(), format!("`{key}` is longer than {MAX_TITLE_CHARS} characters")));
        }
        // Stored with every submission: PostgreSQL refuses a NUL in text, and a heading has no
        // use for the others either.
        if text.chars().any(char::is_control) {
            return Err((raw.span(), format!("`{key}` cannot hold control characters")));
        }
        Ok(text.to_owned())
    }

    /// A blank description or help is no description or help.
    fn optional_text(raw: Option<String>) -> Option<String> {
        raw.map(|text| text.trim().to_owned()).filter(|text| !text.is_empty())
    }

    /// A form id (`[a-z0-9-]`) or field name (`[a-z0-9_]`) of 1 to 64 characters.
    fn is_name(name: &str, separator: u8) -> bool {
        (1..=MAX_ID_CHARS).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == separator)
    }

    /// The 1-based line and column (in characters) of a byte offset into `text`.
    fn line_column(text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |at| at + 1);
        (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
    }

    /// One field's raw posted text ("" when absent) → the value to store, or the message.
    fn check_value(field: &Field, raw: &str) -> Result<String, String> {
        if field.kind == FieldKind::Checkbox {
            return check_checkbox(raw, field.required);
        }
        if raw.trim().is_empty() {
            return match (field.required, field.kind) {
                (false, _) => Ok(String::new()),
                (true, FieldKind::Select) => Err("Choose one of the options.".to_owned()),
                (true, _) => Err("Fill in this field.".to_owned()),
            };
        }
        let value = raw.trim();
        match field.kind {
            FieldKind::Text => check_text(value),
            FieldKind::Textarea => check_textarea(raw),
            FieldKind::Number => check_number(value, field.min, field.max),
            FieldKind::Email => check_email(value),
            FieldKind::Date => check_date(value),
            FieldKind::Select => check_select(value, &field.options),
            FieldKind::Checkbox => check_checkbox(raw, field.required),
        }
    }

    fn too_long(limit: usize) -> String {
        format!("Keep this to {limit} characters or fewer.")
    }

    /// One line: a tab is tolerated (pasted from a spreadsheet), a line break is not.
    fn check_text(value: &str) -> Result<String, String> {
        if value.chars().count() > MAX_TEXT_CHARS {
            return Err(too_long(MAX_TEXT_CHARS));
        }
        if value.chars().any(|c| c.is_control() && c != '\t') {
            return Err("Keep this on one line, without special characters.".to_owned());
        }
        Ok(value.to_owned())
    }

    /// Kept as typed (only trimmed for the emptiness check, so indentation survives), with every
    /// line break made `\n` whatever the browser or OS sent.
    fn check_textarea(raw: &str) -> Result<String, String> {
        let value = raw.replace("\r\n", "\n").replace('\r', "\n");
        if value.chars().count() > MAX_TEXTAREA_CHARS {
            return Err(too_long(MAX_TEXTAREA_CHARS));
        }
        if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err("Remove the invisible control characters from this text.".to_owned());
        }
        Ok(value)
    }

    /// `-12`, `0`, `3.5`: plain decimals, stored as typed. No exponent (`1e9` is more likely a
    /// typo than a quantity), no NaN or infinity, and no decimal comma: `1,000` is a thousand to
    /// some agents and one to others, so it is refused with a hint rather than guessed.
    fn check_number(value: &str, min: Option<f64>, max: Option<f64>) -> Result<String, String> {
        let is_decimal = |text: &str, point: char| {
            let digits = text.strip_prefix('-').unwrap_or(text);
            let (int, frac) = digits.split_once(point).unwrap_or((digits, "0"));
            [int, frac].iter().all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        };
        if !is_decimal(value, '.') {
            return Err(if is_decimal(value, ',') {
                "Use a point for decimals, such as 3.5.".to_owned()
            } else {
                "Enter a number, such as 12 or 3.5.".to_owned()
            });
        }
        if value.bytes().filter(u8::is_ascii_digit).count() > MAX_NUMBER_DIGITS {
            return Err(format!("Enter a number of at most {MAX_NUMBER_DIGITS} digits."));
        }
        // Compared as decimals, exactly: as an f64, 100.00000000000000001 is 100 and passed `max = 100`.
        let low = min.is_some_and(|min| compare_decimals(value, &min.to_string()) == Ordering::Less);
        let high = max.is_some_and(|max| compare_decimals(value, &max.to_string()) == Ordering::Greater);
        match (min, max) {
            (Some(min), Some(max)) if low || high => Err(format!("Enter a number from {min} to {max}.")),
            (Some(min), _) if low => Err(format!("Enter a number of at least {min}.")),
            (_, Some(max)) if high => Err(format!("Enter a number of at most {max}.")),
            _ => Ok(value.to_owned()),
        }
    }

    /// Compares two plain decimals (`-12`, `3.50`, `0.25`) by their exact value. A bound is an
    /// `f64` written by `Display`, which gives the shortest decimal that reads back as the same
    /// `f64` (so `2.5` and `100` as the file wrote them), and never an exponent.
    pub(super) fn compare_decimals(a: &str, b: &str) -> Ordering {
        /// Sign, integer digits without leading zeros, fraction digits without trailing ones.
        fn parts(text: &str) -> (bool, &str, &str) {
            let (negative, digits) = match text.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, text),
            };
            let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
            let (int, frac) = (int.trim_start_matches('0'), frac.trim_end_matches('0'));
            // Zero has no sign: -0 = 0.
            (negative && !(int.is_empty() && frac.is_empty()), int, frac)
        }
        let magnitude = |(_, int_a, frac_a): (bool, &str, &str), (_, int_b, frac_b): (bool, &str, &str)| {
            int_a.len().cmp(&int_b.len()).then_with(|| int_a.cmp(int_b)).then_with(|| frac_a.cmp(frac_b))
        };
        let (a, b) = (parts(a), parts(b));
        match (a.0, b.0) {
            (false, false) => magnitude(a, b),
            (true, true) => magnitude(b, a),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
        }
    }

    /// The shape of an address, not its existence: one `@`, something before it, a dotted
    /// domain after it, no spaces.
    fn check_email(value: &str) -> Result<String, String> {
        if value.chars().count() > MAX_EMAIL_CHARS {
            return Err(format!("An email address has at most {MAX_EMAIL_CHARS} characters."));
        }
        let valid = !value.chars().any(|c| c.is_whitespace() || c.is_control())
            && value.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && domain.split('.').all(|label| !label.is_empty())
            });
        if valid { Ok(value.to_owned()) } else { Err("Enter an email address such as name@example.com.".to_owned()) }
    }

    /// `YYYY-MM-DD` exactly (what `<input type="date">` posts), and a day that exists.
    fn check_date(value: &str) -> Result<String, String> {
        let shaped = value.len() == 10
            && value.bytes().enumerate().all(|(at, b)| if at == 4 || at == 7 { b == b'-' } else { b.is_ascii_digit() });
        if !shaped {
            return Err("Enter a date as YYYY-MM-DD.".to_owned());
        }
        match chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
            Ok(_) => Ok(value.to_owned()),
            Err(_) => Err("There is no such date: check the day and the month.".to_owned()),
        }
    }

    fn check_select(value: &str, options: &[String]) -> Result<String, String> {
        if options.iter().any(|option| option == value) {
            Ok(value.to_owned())
        } else {
            Err("Choose one of the options.".to_owned())
        }
    }

    /// What browsers post (`on`, or nothing) and what scripts and tests tend to (`true`, `1`, …).
    fn check_checkbox(raw: &str, required: bool) -> Result<String, String> {
        let raw = raw.trim();
        let is = |words: &[&str]| words.iter().any(|word| raw.eq_ignore_ascii_case(word));
        if is(&["on", "true", "yes", "1"]) {
            Ok("Yes".to_owned())
        } else if !is(&["", "off", "false", "no", "0"]) {
            Err("Tick the box or leave it empty.".to_owned())
        } else if required {
            Err("Tick this box to continue.".to_owned())
        } else {
            Ok("No".to_owned())
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use std::cmp::Ordering;
    use std::path::Path;

    use super::server::compare_decimals;
    use super::*;

    fn parse(text: &str) -> Result<Forms, String> {
        Forms::parse(text, Path::new("forms.toml")).map_err(|error| error.to_string())
    }

    fn parse_err(text: &str) -> String {
        parse(text).expect_err("the text should be refused")
    }

    /// A form with one field of the given TOML (`name = "x"` first).
    fn one_field(field_toml: &str) -> Form {
        let text =
            format!("[[form]]\nid = \"f\"\ntitle = \"F\"\nscope = \"customer\"\n\n[[form.field]]\n{field_toml}\n");
        parse(&text).unwrap().all()[0].clone()
    }

    fn post(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
    }

    /// The stored value of the field `x`, or its error message.
    fn check(form: &Form, value: Option<&str>) -> Result<String, String> {
        let values = value.map(|value| post(&[("x", value)])).unwrap_or_default();
        match form.validate(&values) {
            Ok(answers) => Ok(answers[0].value.clone()),
            Err(errors) => Err(errors[0].message.clone()),
        }
    }

    const TWO_FORMS: &str = r#"# comment
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

    #[test]
    fn reads_forms_in_file_order() {
        let forms = parse(TWO_FORMS).unwrap();
        assert_eq!(forms.len(), 2);
        let ret = forms.get("return-request").unwrap();
        assert_eq!(ret.title, "Return request");
        assert_eq!(ret.scope, Scope::Customer);
        assert_eq!(ret.description, None, "a blank description is none");
        assert_eq!(ret.fields[0].label, "Order number");
        assert!(ret.fields[0].required);
        assert_eq!(ret.fields[1].kind, FieldKind::Select);
        assert_eq!(ret.fields[1].options, ["Too small", "Broken"]);
        assert_eq!(ret.fields[1].help.as_deref(), Some("Ask the customer"));
        assert!(!ret.fields[1].required);
        let units = &forms.get("warehouse").unwrap().fields[0];
        assert_eq!((units.min, units.max), (Some(1.0), Some(2.5)));
        assert_eq!(
            forms.in_scope(Scope::Customer).map(|form| form.id.as_str()).collect::<Vec<_>>(),
            ["return-request"]
        );
        assert_eq!(forms.in_scope(Scope::Company).count(), 1);
        assert!(forms.get("nope").is_none());
    }

    #[test]
    fn an_empty_file_has_no_forms() {
        for text in ["", "\n# only a comment\n"] {
            let forms = parse(text).unwrap();
            assert!(forms.is_empty());
            assert_eq!(forms, Forms::empty());
        }
    }

    #[test]
    fn a_duplicate_form_id_names_its_line() {
        let text = TWO_FORMS.replace("id = \"warehouse\"", "id = \"return-request\"");
        assert_eq!(
            parse_err(&text),
            "forms.toml:22:6: form id \"return-request\" is already used by the form on line 3"
        );
    }

    #[test]
    fn a_duplicate_field_name_names_its_line() {
        let text = TWO_FORMS.replace("name = \"reason\"", "name = \"order_number\"");
        assert!(parse_err(&text).starts_with("forms.toml:15:8: form \"return-request\" already has a field named"));
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let error = parse_err("[[form]]\nid = \"a\"\ntitle = Return\n");
        assert!(error.starts_with("forms.toml:3:9: "), "{error}");
        assert!(!error.contains('\n'), "one line: {error}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let error = parse_err(&TWO_FORMS.replace("required = true", "required = true\nplaceholder = \"123\""));
        assert!(error.starts_with("forms.toml:13:1: unknown field `placeholder`"), "{error}");
        let error = parse_err("[[forms]]\nid = \"a\"\n");
        assert!(error.starts_with("forms.toml:1:3: unknown field `forms`"), "{error}");
    }

    #[test]
    fn wrong_values_from_serde_name_their_line() {
        let error = parse_err(&TWO_FORMS.replace("scope = \"company\"", "scope = \"shop\""));
        assert!(error.starts_with("forms.toml:24:9: unknown variant `shop`"), "{error}");
        let error = parse_err(&TWO_FORMS.replace("type = \"number\"", "type = \"integer\""));
        assert!(error.starts_with("forms.toml:29:8: unknown variant `integer`"), "{error}");
        let error = parse_err(&TWO_FORMS.replace("required = true", "required = \"yes\""));
        assert!(error.starts_with("forms.toml:12:12: "), "{error}");
        let error = parse_err(&TWO_FORMS.replace("label = \"Units\"\n", ""));
        assert!(error.starts_with("forms.toml:") && error.contains("missing field `label`"), "{error}");
    }

    #[test]
    fn titles_labels_and_options_hold_no_control_characters() {
        for (from, to) in [
            ("title = \"Return request\"", "title = \"Return\\u0000request\""),
            ("label = \"Units\"", "label = \"Un\\u0007its\""),
        ] {
            assert!(TWO_FORMS.contains(from), "{from}");
            let error = parse_err(&TWO_FORMS.replacen(from, to, 1));
            assert!(error.ends_with("cannot hold control characters"), "{error}");
        }
        let select = "name = \"x\"\nlabel = \"X\"\ntype = \"select\"\noptions = [\"a\", \"b\\u0000\"]";
        let error = parse_err(&format!(
            "[[form]]\nid = \"f\"\ntitle = \"F\"\nscope = \"customer\"\n[[form.field]]\n{select}\n"
        ));
        assert!(error.ends_with("an option cannot hold control characters"), "{error}");
    }

    #[test]
    fn select_needs_options_and_only_select_has_them() {
        let error = parse_err(&TWO_FORMS.replace("options = [\" Too small\", \"Broken \"]\n", ""));
        assert_eq!(error, "forms.toml:17:8: a select field needs `options`, the list of choices");
        let error = parse_err(&TWO_FORMS.replace("required = true", "options = [\"a\"]"));
        assert_eq!(error, "forms.toml:12:11: `options` only applies to fields of type \"select\"");
        let error = parse_err(&TWO_FORMS.replace("[\" Too small\", \"Broken \"]", "[]"));
        assert_eq!(error, "forms.toml:18:11: `options` needs at least one choice");
        let error = parse_err(&TWO_FORMS.replace("\"Broken \"", "\"Too small\""));
        assert_eq!(error, "forms.toml:18:26: option \"Too small\" is listed twice");
        let error = parse_err(&TWO_FORMS.replace("\"Broken \"", "\" \""));
        assert_eq!(error, "forms.toml:18:26: an option cannot be empty");
    }

    #[test]
    fn bounds_belong_to_numbers_and_are_ordered() {
        let error = parse_err(&TWO_FORMS.replace("max = 2.5", "max = 0.5"));
        assert_eq!(error, "forms.toml:31:7: max (0.5) is less than min (1)");
        let error = parse_err(&TWO_FORMS.replace("required = true", "min = 3"));
        assert_eq!(error, "forms.toml:12:7: `min` only applies to fields of type \"number\"");
        let error = parse_err(&TWO_FORMS.replace("max = 2.5", "max = inf"));
        assert_eq!(error, "forms.toml:31:7: `max` must be a finite number");
    }

    #[test]
    fn ids_names_titles_and_fields_are_checked() {
        let error = parse_err(&TWO_FORMS.replace("\"warehouse\"", "\"Warehouse\""));
        assert_eq!(error, "forms.toml:22:6: form id \"Warehouse\" must be 1 to 64 of a-z, 0-9 and \"-\"");
        let error = parse_err(&TWO_FORMS.replace("\"units\"", "\"units-left\""));
        assert_eq!(error, "forms.toml:27:8: field name \"units-left\" must be 1 to 64 of a-z, 0-9 and \"_\"");
        let error = parse_err(&TWO_FORMS.replace("\"warehouse\"", &format!("\"{}\"", "w".repeat(65))));
        assert!(error.starts_with("forms.toml:22:6: form id"), "{error}");
        let error = parse_err(&TWO_FORMS.replace("\"Warehouse\"", "\" \""));
        assert_eq!(error, "forms.toml:23:9: `title` cannot be empty");
        let error = parse_err(&TWO_FORMS.replace("\"Units\"", &format!("\"{}\"", "é".repeat(101))));
        assert_eq!(error, "forms.toml:28:9: `label` is longer than 100 characters");
        assert!(parse(&TWO_FORMS.replace("\"Units\"", &format!("\"{}\"", "é".repeat(100)))).is_ok());
        let error = parse_err("[[form]]\nid = \"empty\"\ntitle = \"Empty\"\nscope = \"company\"\n");
        assert_eq!(error, "forms.toml:2:6: form \"empty\" has no fields: add at least one [[form.field]]");
    }

    #[test]
    fn an_unreadable_file_says_so() {
        let error = Forms::load(Path::new("/nonexistent/forms.toml")).unwrap_err();
        assert!(matches!(error, FormsError::Read { .. }));
        assert!(error.to_string().starts_with("/nonexistent/forms.toml: cannot read: "), "{error}");
    }

    #[test]
    fn loads_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forms.toml");
        std::fs::write(&path, TWO_FORMS).unwrap();
        assert_eq!(Forms::load(&path).unwrap().len(), 2);
    }

    #[test]
    fn the_shipped_example_is_valid_and_complete() {
        let forms = parse(include_str!("../forms.toml")).unwrap();
        assert!(forms.in_scope(Scope::Customer).count() >= 2);
        assert!(forms.in_scope(Scope::Company).count() >= 1);
        let kinds: std::collections::HashSet<FieldKind> =
            forms.all().iter().flat_map(|form| form.fields.iter().map(|field| field.kind)).collect();
        assert_eq!(kinds.len(), 7, "{kinds:?}");
    }

    #[test]
    fn a_valid_submission_gives_every_answer_in_field_order() {
        let forms = parse(TWO_FORMS).unwrap();
        let form = forms.get("return-request").unwrap();
        let answers = form.validate(&post(&[("reason", "Broken"), ("order_number", "  1001 ")])).unwrap();
        assert_eq!(
            answers,
            [
                Answer { name: "order_number".into(), label: "Order number".into(), value: "1001".into() },
                Answer { name: "reason".into(), label: "Reason".into(), value: "Broken".into() },
            ]
        );
        let answers = form.validate(&post(&[("order_number", "1001")])).unwrap();
        assert_eq!(answers[1].value, "", "an empty optional field is still listed");
    }

    #[test]
    fn all_errors_come_together_in_field_order_then_unknown_names() {
        let forms = parse(TWO_FORMS).unwrap();
        let form = forms.get("return-request").unwrap();
        let errors = form
            .validate(&post(&[("extra", "1"), ("reason", "Lost"), ("order_number", " "), ("extra", "2")]))
            .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(fields, ["order_number", "reason", ""]);
        assert_eq!(errors[0].message, "Fill in this field.");
        assert_eq!(errors[1].message, "Choose one of the options.");
        assert!(errors[2].message.starts_with("This form has no field \"extra\""), "{}", errors[2].message);
    }

    #[test]
    fn an_unknown_name_alone_is_refused() {
        let form = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"text\"");
        let errors = form.validate(&post(&[("x", "fine"), ("y", "sneaky")])).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "");
    }

    #[test]
    fn the_last_of_a_repeated_name_counts() {
        let form = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"checkbox\"");
        assert_eq!(form.validate(&post(&[("x", "off"), ("x", "on")])).unwrap()[0].value, "Yes");
        assert_eq!(form.validate(&post(&[("x", "on"), ("x", "off")])).unwrap()[0].value, "No");
    }

    #[test]
    fn required_and_optional_empty_values() {
        for kind in ["text", "textarea", "number", "email", "date"] {
            let optional = one_field(&format!("name = \"x\"\nlabel = \"X\"\ntype = \"{kind}\""));
            assert_eq!(check(&optional, None), Ok(String::new()), "{kind}");
            assert_eq!(check(&optional, Some("  ")), Ok(String::new()), "{kind}");
            let required = one_field(&format!("name = \"x\"\nlabel = \"X\"\ntype = \"{kind}\"\nrequired = true"));
            assert_eq!(check(&required, None), Err("Fill in this field.".into()), "{kind}");
            assert_eq!(check(&required, Some(" \n ")), Err("Fill in this field.".into()), "{kind}");
        }
    }

    #[test]
    fn text_is_trimmed_one_line_and_bounded() {
        let form = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"text\"");
        assert_eq!(check(&form, Some("  Jan de Vries ")), Ok("Jan de Vries".into()));
        assert_eq!(check(&form, Some("a\tb")), Ok("a\tb".into()));
        assert_eq!(check(&form, Some(&"é".repeat(500))), Ok("é".repeat(500)), "characters, not bytes");
        assert_eq!(check(&form, Some(&"a".repeat(501))), Err("Keep this to 500 characters or fewer.".into()));
        assert!(check(&form, Some("two\nlines")).is_err());
        assert!(check(&form, Some("bell\u{7}")).is_err());
    }

    #[test]
    fn textarea_keeps_lines_and_normalizes_breaks() {
        let form = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"textarea\"");
        assert_eq!(check(&form, Some("  first\r\nsecond\n\tthird\r")), Ok("  first\nsecond\n\tthird\n".into()));
        assert_eq!(check(&form, Some(&"a\r\n".repeat(2500))), Ok("a\n".repeat(2500)), "counted after \\r\\n → \\n");
        assert_eq!(check(&form, Some(&"a".repeat(5001))), Err("Keep this to 5000 characters or fewer.".into()));
        assert_eq!(
            check(&form, Some("null\u{0}byte")),
            Err("Remove the invisible control characters from this text.".into())
        );
    }

    #[test]
    fn numbers_are_plain_decimals_within_bounds() {
        let form = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"number\"");
        for good in ["-12", "0", "3.5", " 007 ", "-0.25", "123456789012345678901234567890"] {
            assert_eq!(check(&form, Some(good)), Ok(good.trim().to_owned()), "{good:?}");
        }
        for bad in ["1e9", "NaN", "inf", "-inf", "+1", ".5", "5.", "1.2.3", "12 kg", "--1", "-", "0x10", "1 000"] {
            assert_eq!(check(&form, Some(bad)), Err("Enter a number, such as 12 or 3.5.".into()), "{bad:?}");
        }
        for comma in ["3,5", "1,000", "-0,5"] {
            assert_eq!(check(&form, Some(comma)), Err("Use a point for decimals, such as 3.5.".into()), "{comma:?}");
        }
        assert!(check(&form, Some(&"9".repeat(31))).is_err());

        let bounded = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"number\"\nmin = 0\nmax = 2.5");
        assert_eq!(check(&bounded, Some("0")), Ok("0".into()));
        assert_eq!(check(&bounded, Some("2.50")), Ok("2.50".into()));
        assert_eq!(check(&bounded, Some("-0.1")), Err("Enter a number from 0 to 2.5.".into()));
        assert_eq!(check(&bounded, Some("3")), Err("Enter a number from 0 to 2.5.".into()));
        let at_least = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"number\"\nmin = 0");
        assert_eq!(check(&at_least, Some("-1")), Err("Enter a number of at least 0.".into()));
        assert_eq!(check(&at_least, Some("1000000")), Ok("1000000".into()));
        let at_most = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"number\"\nmax = 10");
        assert_eq!(check(&at_most, Some("10.5")), Err("Enter a number of at most 10.".into()));
    }

    #[test]
    fn bounds_hold_on_the_exact_decimal_not_its_nearest_f64() {
        let bounded = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"number\"\nmin = -0.1\nmax = 100");
        let refused = Err("Enter a number from -0.1 to 100.".to_owned());
        for over in ["100.00000000000000001", "100.000000000000000000000001", "-0.10000000000000000001", "1000"] {
            assert_eq!(check(&bounded, Some(over)), refused, "{over}");
        }
        for within in ["100", "100.000", "0100", "99.99999999999999999999", "-0.1", "-0.0999999999999999999", "-0", "0"]
        {
            assert_eq!(check(&bounded, Some(within)), Ok(within.to_owned()), "{within}");
        }
        for (a, b, order) in [
            ("1", "1.0", Ordering::Equal),
            ("-0", "0.00", Ordering::Equal),
            ("-2", "-10", Ordering::Greater),
            ("-1.5", "-1.25", Ordering::Less),
            ("12", "9.999", Ordering::Greater),
            ("0.05", "0.5", Ordering::Less),
            ("-0.5", "0", Ordering::Less),
        ] {
            assert_eq!(compare_decimals(a, b), order, "{a} vs {b}");
        }
    }

    #[test]
    fn emails_have_the_shape_of_an_address() {
        let form = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"email\"");
        for good in ["name@example.com", " jan.de.vries+shop@mail.example.nl ", "a@b.c"] {
            assert_eq!(check(&form, Some(good)), Ok(good.trim().to_owned()), "{good:?}");
        }
        let message = Err("Enter an email address such as name@example.com.".to_owned());
        for bad in [
            "name",
            "@example.com",
            "name@example",
            "a@@b.com",
            "a@b@c.com",
            "na me@example.com",
            "a@.com",
            "a@b.",
            "a@b..c",
        ] {
            assert_eq!(check(&form, Some(bad)), message, "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(243));
        assert_eq!(check(&form, Some(&long)), Err("An email address has at most 254 characters.".into()));
        assert!(check(&form, Some(&long[1..])).is_ok());
    }

    #[test]
    fn dates_are_real_and_written_iso() {
        let form = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"date\"");
        assert_eq!(check(&form, Some(" 2024-02-29 ")), Ok("2024-02-29".into()));
        for bad in ["2024-2-9", "29-02-2024", "2024/02/29", "20240229", "2024-02-29T10:00", "+2024-02-2"] {
            assert_eq!(check(&form, Some(bad)), Err("Enter a date as YYYY-MM-DD.".into()), "{bad:?}");
        }
        for missing in ["2023-02-29", "2024-13-01", "2024-04-31", "2024-00-10"] {
            assert_eq!(
                check(&form, Some(missing)),
                Err("There is no such date: check the day and the month.".into()),
                "{missing:?}"
            );
        }
    }

    #[test]
    fn selects_take_exactly_one_option() {
        let form = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"select\"\noptions = [\"Morning\", \"Afternoon\"]");
        assert_eq!(check(&form, Some("Afternoon ")), Ok("Afternoon".into()));
        assert_eq!(check(&form, None), Ok(String::new()));
        for bad in ["afternoon", "Evening", "Morning,Afternoon"] {
            assert_eq!(check(&form, Some(bad)), Err("Choose one of the options.".into()), "{bad:?}");
        }
        let required = one_field(
            "name = \"x\"\nlabel = \"X\"\ntype = \"select\"\noptions = [\"Morning\", \"Afternoon\"]\nrequired = true",
        );
        assert_eq!(check(&required, None), Err("Choose one of the options.".into()));
    }

    #[test]
    fn checkboxes_are_yes_or_no() {
        let form = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"checkbox\"");
        assert_eq!(check(&form, None), Ok("No".into()), "a browser posts nothing when unticked");
        for unticked in ["", "off", "false", "FALSE", "no", "0"] {
            assert_eq!(check(&form, Some(unticked)), Ok("No".into()), "{unticked:?}");
        }
        for ticked in ["on", "true", "Yes", "1", " on "] {
            assert_eq!(check(&form, Some(ticked)), Ok("Yes".into()), "{ticked:?}");
        }
        assert_eq!(check(&form, Some("maybe")), Err("Tick the box or leave it empty.".into()));

        let required = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"checkbox\"\nrequired = true");
        assert_eq!(check(&required, None), Err("Tick this box to continue.".into()));
        assert_eq!(check(&required, Some("off")), Err("Tick this box to continue.".into()));
        assert_eq!(check(&required, Some("on")), Ok("Yes".into()));
    }

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
