//! The forms file: reading the shop's TOML and checking every form in it, so that a mistake
//! stops belco-panel at start with the file, line and column, and never reaches an agent.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::types::{MAX_ID_CHARS, MAX_TITLE_CHARS};
use super::{Field, FieldKind, Form, Scope};

/// The forms of a shop, in the file's order, and where each form's submissions are sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FormSet {
    forms: Vec<Form>,
    /// (form id, its webhook), for the forms that name one. Kept apart from [`Form`], which
    /// the browser receives: the panel's page never carries a webhook's address.
    webhooks: Vec<(String, WebhookTarget)>,
}

/// Where a form's submissions are delivered (`webhook = { url = …, secret = … }` in the file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookTarget {
    /// An `https` URL, or `http` to localhost (`localhost`, `127.0.0.1`, `[::1]`).
    pub url: String,
    /// The name of the environment variable that holds the signing secret (never the secret).
    pub secret: String,
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

impl FormSet {
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
        let (forms, webhooks) = check_file(raw, text).map_err(|(span, problem)| invalid(span, problem))?;
        Ok(Self { forms, webhooks })
    }

    pub fn load(path: &Path) -> Result<Self, FormsError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| FormsError::Read { file: path.to_owned(), source })?;
        Self::parse(&text, path)
    }

    pub fn get(&self, id: &str) -> Option<&Form> {
        self.forms.iter().find(|form| form.id == id)
    }

    /// Where `form_id`'s submissions are delivered, if anywhere.
    pub fn webhook(&self, form_id: &str) -> Option<&WebhookTarget> {
        self.webhooks.iter().find(|(id, _)| id == form_id).map(|(_, target)| target)
    }

    /// Every form's webhook, as (form id, target), in the file's order.
    pub fn webhooks(&self) -> &[(String, WebhookTarget)] {
        &self.webhooks
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
    webhook: Option<RawWebhook>,
    #[serde(default)]
    field: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    url: Spanned<String>,
    secret: Spanned<String>,
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

type Checked = (Vec<Form>, Vec<(String, WebhookTarget)>);

fn check_file(raw: RawFile, text: &str) -> Result<Checked, Located> {
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut forms = Vec::with_capacity(raw.form.len());
    let mut webhooks = Vec::new();
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
        if let Some(webhook) = form.webhook {
            webhooks.push((id.clone(), check_webhook(webhook)?));
        }
        forms.push(Form { id, title, scope: form.scope, description: optional_text(form.description), fields });
    }
    Ok((forms, webhooks))
}

/// A webhook's URL is `https` (or `http` to this machine, for a receiver under development) with
/// a host, and its secret the name of an environment variable (`[A-Z_][A-Z0-9_]*`), so that a
/// secret pasted into the file is refused rather than kept there.
fn check_webhook(raw: RawWebhook) -> Result<WebhookTarget, Located> {
    let url_span = raw.url.span();
    let url = raw.url.into_inner().trim().to_owned();
    let uri = url.parse::<http::Uri>().map_err(|_| {
        (url_span.clone(), format!("webhook url {url:?} is not a URL such as https://shop.example/hooks/forms"))
    })?;
    let host = uri.host().unwrap_or_default();
    let local = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    match uri.scheme_str() {
        _ if host.is_empty() => return Err((url_span, format!("webhook url {url:?} has no host"))),
        Some("https") => {}
        Some("http") if local => {}
        Some("http") => {
            return Err((url_span, format!("webhook url {url:?} must be https (http only to localhost)")));
        }
        _ => return Err((url_span, format!("webhook url {url:?} must start with https://"))),
    }
    if uri.authority().is_some_and(|authority| authority.as_str().contains('@')) {
        return Err((url_span, "webhook url cannot hold a user or password: the signature authenticates".to_owned()));
    }
    let secret_span = raw.secret.span();
    let secret = raw.secret.into_inner();
    let env_name = secret.bytes().next().is_some_and(|b| b.is_ascii_uppercase() || b == b'_')
        && secret.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if !env_name {
        return Err((
            secret_span,
            "webhook secret is the NAME of the environment variable that holds the secret (such as \
             RETURNS_WEBHOOK_SECRET), not the secret itself"
                .to_owned(),
        ));
    }
    Ok(WebhookTarget { url, secret })
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::fixtures::{TWO_FORMS, parse, parse_err};
    use super::*;

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
    fn a_form_may_name_its_webhook_and_the_variable_of_its_secret() {
        let hooked = |webhook: &str| {
            TWO_FORMS.replacen("scope = \"customer\"", &format!("scope = \"customer\"\nwebhook = {webhook}"), 1)
        };
        let forms =
            parse(&hooked("{ url = \"https://shop.example/hooks/returns\", secret = \"RETURNS_SECRET\" }")).unwrap();
        let target = forms.webhook("return-request").expect("a webhook");
        assert_eq!(target.url, "https://shop.example/hooks/returns");
        assert_eq!(target.secret, "RETURNS_SECRET");
        assert_eq!(forms.webhook("warehouse"), None);
        assert_eq!(forms.webhooks().len(), 1);
        for local in ["http://localhost:8080/h", "http://127.0.0.1:9/h", "http://[::1]/h"] {
            let text = hooked(&format!("{{ url = \"{local}\", secret = \"S\" }}"));
            assert_eq!(parse(&text).unwrap().webhook("return-request").unwrap().url, local);
        }
        let refused = [
            ("{ url = \"http://shop.example/h\", secret = \"S\" }", "must be https (http only to localhost)"),
            ("{ url = \"ftp://shop.example/h\", secret = \"S\" }", "must start with https://"),
            ("{ url = \"shop.example/h\", secret = \"S\" }", "is not a URL such as https://"),
            ("{ url = \"https://user:pw@shop.example/h\", secret = \"S\" }", "cannot hold a user or password"),
            ("{ url = \"https://shop.example/h\", secret = \"whsec_abc=\" }", "the NAME of the environment variable"),
            ("{ url = \"https://shop.example/h\" }", "missing field `secret`"),
            ("{ url = \"https://shop.example/h\", secret = \"S\", retries = 3 }", "unknown field `retries`"),
        ];
        for (webhook, problem) in refused {
            let error = parse_err(&hooked(webhook));
            assert!(error.starts_with("forms.toml:6:") && error.contains(problem), "{webhook}: {error}");
        }
    }

    #[test]
    fn an_empty_file_has_no_forms() {
        for text in ["", "\n# only a comment\n"] {
            let forms = parse(text).unwrap();
            assert!(forms.is_empty());
            assert_eq!(forms, FormSet::empty());
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
        let error = FormSet::load(Path::new("/nonexistent/forms.toml")).unwrap_err();
        assert!(matches!(error, FormsError::Read { .. }));
        assert!(error.to_string().starts_with("/nonexistent/forms.toml: cannot read: "), "{error}");
    }

    #[test]
    fn loads_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forms.toml");
        std::fs::write(&path, TWO_FORMS).unwrap();
        assert_eq!(FormSet::load(&path).unwrap().len(), 2);
    }

    #[test]
    fn the_shipped_example_is_valid_and_complete() {
        let forms = parse(include_str!("../../forms.toml")).unwrap();
        assert!(forms.in_scope(Scope::Customer).count() >= 2);
        assert!(forms.in_scope(Scope::Company).count() >= 1);
        let kinds: std::collections::HashSet<FieldKind> =
            forms.all().iter().flat_map(|form| form.fields.iter().map(|field| field.kind)).collect();
        assert_eq!(kinds.len(), 7, "{kinds:?}");
    }
}
