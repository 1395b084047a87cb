//! The forms file: reading the shop's TOML and checking every form in it, so that a mistake
//! stops belco-panel at start with the file, line and column, and never reaches an agent.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::types::{MAX_ID_CHARS, MAX_TITLE_CHARS};
use super::{Field, FieldKind, Form, Scope, Text};

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
    ///
    /// `languages` are the codes of the languages the panel speaks (`["nl", "en"]`): a text of
    /// the file may be a table of texts by language (`label = { nl = "Reden", en = "Reason" }`),
    /// and a key that is not one of these is a mistake in the file. The panel owns the list.
    pub fn parse(text: &str, file: &Path, languages: &[&str]) -> Result<Self, FormsError> {
        let invalid = |span: Range<usize>, problem: String| {
            let (line, column) = line_column(text, span.start);
            FormsError::Invalid { file: file.to_owned(), line, column, problem }
        };
        let raw: RawFile = toml::from_str(text).map_err(|error| {
            // `from_str` errors always carry a span; pointing at 1:1 without one is a formality.
            invalid(error.span().unwrap_or(0..0), error.message().trim_end().to_owned())
        })?;
        let (forms, webhooks) = check_file(raw, text, languages).map_err(|(span, problem)| invalid(span, problem))?;
        Ok(Self { forms, webhooks })
    }

    /// Reads and checks the forms file at `path` ([`FormSet::parse`]).
    pub fn load(path: &Path, languages: &[&str]) -> Result<Self, FormsError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| FormsError::Read { file: path.to_owned(), source })?;
        Self::parse(&text, path, languages)
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
    title: Spanned<RawText>,
    scope: Scope,
    #[serde(default)]
    description: Option<Spanned<RawText>>,
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
    label: Spanned<RawText>,
    #[serde(rename = "type")]
    kind: Spanned<FieldKind>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    help: Option<Spanned<RawText>>,
    #[serde(default)]
    options: Option<Spanned<Vec<Spanned<RawText>>>>,
    // An integer in the file reads as well: serde's f64 accepts one.
    #[serde(default)]
    min: Option<Spanned<f64>>,
    #[serde(default)]
    max: Option<Spanned<f64>>,
}

/// A text of the file (a title, a description, a label, a help, an option) as written: one
/// string for every language, or an inline table of texts by language code. Read by hand rather
/// than as an untagged enum, which would lose the spans of the table's keys and texts.
enum RawText {
    Plain(String),
    /// (code, text) in the file's order; the text is any TOML value until checked.
    ByLanguage(Vec<(Spanned<String>, Spanned<toml::Value>)>),
}

impl<'de> Deserialize<'de> for RawText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawText;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string, or a table of texts by language code")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<RawText, E> {
                Ok(RawText::Plain(text.to_owned()))
            }

            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<RawText, E> {
                Ok(RawText::Plain(text))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RawText, A::Error> {
                let mut texts = Vec::new();
                while let Some(code) = map.next_key::<Spanned<String>>()? {
                    texts.push((code, map.next_value::<Spanned<toml::Value>>()?));
                }
                Ok(RawText::ByLanguage(texts))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A problem and the byte range of the file it is about.
type Located = (Range<usize>, String);

type Checked = (Vec<Form>, Vec<(String, WebhookTarget)>);

fn check_file(raw: RawFile, text: &str, languages: &[&str]) -> Result<Checked, Located> {
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
        let title = check_title(form.title, "title", languages)?;
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
            fields.push(check_field(field, languages)?);
        }
        if let Some(webhook) = form.webhook {
            webhooks.push((id.clone(), check_webhook(webhook)?));
        }
        let description = optional_text(form.description, "description", languages)?;
        forms.push(Form { id, title, scope: form.scope, description, fields });
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

fn check_field(raw: RawField, languages: &[&str]) -> Result<Field, Located> {
    let name_span = raw.name.span();
    let name = raw.name.into_inner();
    if !is_name(&name, b'_') {
        return Err((name_span, format!("field name {name:?} must be 1 to 64 of a-z, 0-9 and \"_\"")));
    }
    let label = check_title(raw.label, "label", languages)?;
    let kind_span = raw.kind.span();
    let kind = raw.kind.into_inner();
    let options = match (kind, raw.options) {
        (FieldKind::Select, None) => {
            return Err((kind_span, "a select field needs `options`, the list of choices".to_owned()));
        }
        (FieldKind::Select, Some(options)) => check_options(options, languages)?,
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
    let help = optional_text(raw.help, "help", languages)?;
    Ok(Field {
        name,
        label,
        kind,
        required: raw.required,
        help,
        options,
        min: min.map(Spanned::into_inner),
        max: max.map(Spanned::into_inner),
    })
}

/// Options are trimmed: the browser posts them back and the value is compared trimmed. Each
/// has its own stored value ([`Text::value`]), and no two read the same in any one language
/// (the agent could not tell them apart).
fn check_options(raw: Spanned<Vec<Spanned<RawText>>>, languages: &[&str]) -> Result<Vec<Text>, Located> {
    let span = raw.span();
    let raw = raw.into_inner();
    if raw.is_empty() {
        return Err((span, "`options` needs at least one choice".to_owned()));
    }
    let mut options: Vec<Text> = Vec::with_capacity(raw.len());
    for option in raw {
        let mut texts = Vec::new();
        let mut spans = Vec::new();
        for (code, text) in written(option, "an option", languages)? {
            let span = text.span();
            let text = text.get_ref().trim();
            if text.is_empty() {
                return Err((span, "an option cannot be empty".to_owned()));
            }
            if text.chars().any(char::is_control) {
                return Err((span, "an option cannot hold control characters".to_owned()));
            }
            spans.push((code.clone(), span));
            texts.push((code, text.to_owned()));
        }
        // Where the text shown in `code` was written: mirrors `Text::get`'s fallback.
        let span_of = |code: &str| {
            let first = spans[0].1.clone();
            spans.iter().find(|(language, _)| language == code).map_or(first, |(_, span)| span.clone())
        };
        let option = into_text(texts);
        let value = option.value();
        if options.iter().any(|seen| seen.value() == value) {
            // `Text::value` is the English text, else the first: point where it was written.
            return Err((span_of("en"), format!("option {value:?} is listed twice")));
        }
        for &code in languages {
            let shown = option.get(code);
            if options.iter().any(|seen| seen.get(code) == shown) {
                return Err((span_of(code), format!("two options read {shown:?} in {code:?}")));
            }
        }
        options.push(option);
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

/// A title or label: shown as a heading, so not blank and not a paragraph, in each language it
/// is written in. Kept trimmed.
fn check_title(raw: Spanned<RawText>, key: &str, languages: &[&str]) -> Result<Text, Located> {
    let mut texts = Vec::new();
    for (code, text) in written(raw, &format!("`{key}`"), languages)? {
        let span = text.span();
        let text = text.get_ref().trim();
        if text.is_empty() {
            return Err((span, format!("`{key}` cannot be empty")));
        }
        if text.chars().count() > MAX_TITLE_CHARS {
            return Err((span, format!("`{key}` is longer than {MAX_TITLE_CHARS} characters")));
        }
        // Stored with every submission: PostgreSQL refuses a NUL in text, and a heading has no
        // use for the others either.
        if text.chars().any(char::is_control) {
            return Err((span, format!("`{key}` cannot hold control characters")));
        }
        texts.push((code, text.to_owned()));
    }
    Ok(into_text(texts))
}

/// A description or help. A blank one is none; in a table, a blank language's text counts as
/// not written (that language shows the first text given, as any language the table leaves out).
fn optional_text(raw: Option<Spanned<RawText>>, key: &str, languages: &[&str]) -> Result<Option<Text>, Located> {
    let Some(raw) = raw else { return Ok(None) };
    let texts: Vec<(String, String)> = written(raw, &format!("`{key}`"), languages)?
        .into_iter()
        .map(|(code, text)| (code, text.into_inner().trim().to_owned()))
        .filter(|(_, text)| !text.is_empty())
        .collect();
    Ok((!texts.is_empty()).then(|| into_text(texts)))
}

/// The texts of one title, description, label, help or option as written, each with its
/// language code (`""` for a plain string, which is every language's) and where it stands: the
/// table's keys are languages of the panel, its values strings, and it has at least one.
/// `what` names the text in messages (`` `label` ``, `an option`).
fn written(raw: Spanned<RawText>, what: &str, languages: &[&str]) -> Result<Vec<(String, Spanned<String>)>, Located> {
    let span = raw.span();
    let entries = match raw.into_inner() {
        RawText::Plain(text) => return Ok(vec![(String::new(), Spanned::new(span, text))]),
        RawText::ByLanguage(entries) => entries,
    };
    if entries.is_empty() {
        let example = languages.iter().map(|code| format!("{code} = \"…\"")).collect::<Vec<_>>().join(", ");
        return Err((
            span,
            format!("{what} is an empty table: write a string, or a text per language such as {{ {example} }}"),
        ));
    }
    let mut texts = Vec::with_capacity(entries.len());
    for (code, value) in entries {
        let (code_span, code) = (code.span(), code.into_inner());
        if !languages.contains(&code.as_str()) {
            let known = languages.join(", ");
            return Err((code_span, format!("{code:?} is not a language of the panel ({known})")));
        }
        let value_span = value.span();
        match value.into_inner() {
            toml::Value::String(text) => texts.push((code, Spanned::new(value_span, text))),
            other => {
                let kind = match &other {
                    toml::Value::Integer(_) => "an integer",
                    toml::Value::Float(_) => "a float",
                    toml::Value::Boolean(_) => "a boolean",
                    toml::Value::Datetime(_) => "a date",
                    toml::Value::Array(_) => "an array",
                    _ => "a table",
                };
                return Err((value_span, format!("the {code:?} text of {what} must be a string, not {kind}")));
            }
        }
    }
    Ok(texts)
}

/// A [`Text`] of checked texts, as [`written`] gave them (at least one).
fn into_text(texts: Vec<(String, String)>) -> Text {
    match texts.as_slice() {
        [(code, text)] if code.is_empty() => Text::plain(text.as_str()),
        _ => Text::by_language(texts).unwrap_or_else(|| Text::plain("")),
    }
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

    use super::super::fixtures::{LANGUAGES, TWO_FORMS, parse, parse_err};
    use super::*;

    #[test]
    fn reads_forms_in_file_order() {
        let forms = parse(TWO_FORMS).unwrap();
        assert_eq!(forms.len(), 2);
        let ret = forms.get("return-request").unwrap();
        assert_eq!(ret.title, Text::plain("Return request"));
        assert_eq!(ret.scope, Scope::Customer);
        assert_eq!(ret.description, None, "a blank description is none");
        assert_eq!(ret.fields[0].label, Text::plain("Order number"));
        assert!(ret.fields[0].required);
        assert_eq!(ret.fields[1].kind, FieldKind::Select);
        assert_eq!(ret.fields[1].options, [Text::plain("Too small"), Text::plain("Broken")]);
        assert_eq!(ret.fields[1].help, Some(Text::plain("Ask the customer")));
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

    /// A form whose texts are written per language, every kind of text once.
    const BY_LANGUAGE: &str = r#"[[form]]
id = "retour"
title = { nl = "Retourverzoek", en = "Return request" }
scope = "customer"
description = { nl = " De klant stuurt iets terug. ", en = "The customer sends something back." }

[[form.field]]
name = "reason"
label = { nl = "Reden", en = "Reason" }
type = "select"
help = { en = "Ask the customer", nl = "Vraag het de klant" }
options = [{ nl = "Te klein", en = "Too small" }, "OK", { en = " Broken ", nl = "Kapot" }, { nl = "Anders" }]

[[form.field]]
name = "units"
label = { en = "Units" }
type = "number"
"#;

    #[test]
    fn every_text_may_be_a_table_of_texts_by_language() {
        let forms = parse(BY_LANGUAGE).unwrap();
        let form = forms.get("retour").unwrap();
        assert_eq!((form.title.get("nl"), form.title.get("en")), ("Retourverzoek", "Return request"));
        let description = form.description.as_ref().expect("a description");
        assert_eq!(description.get("nl"), "De klant stuurt iets terug.", "trimmed");
        assert_eq!(description.get("en"), "The customer sends something back.");
        let reason = &form.fields[0];
        assert_eq!((reason.label.get("nl"), reason.label.get("en")), ("Reden", "Reason"));
        let help = reason.help.as_ref().expect("a help");
        assert_eq!((help.get("nl"), help.get("en")), ("Vraag het de klant", "Ask the customer"));
        assert_eq!(help.texts().collect::<Vec<_>>(), [("en", "Ask the customer"), ("nl", "Vraag het de klant")]);
        let shown = |code: &str| reason.options.iter().map(|option| option.get(code)).collect::<Vec<_>>();
        assert_eq!(shown("nl"), ["Te klein", "OK", "Kapot", "Anders"]);
        assert_eq!(shown("en"), ["Too small", "OK", "Broken", "Anders"], "trimmed; one language shows in both");
        let values: Vec<&str> = reason.options.iter().map(Text::value).collect();
        assert_eq!(values, ["Too small", "OK", "Broken", "Anders"], "the English text, else the only one");
        assert_eq!(reason.options[1], Text::plain("OK"));
        let units = &form.fields[1];
        assert_eq!((units.label.get("nl"), units.label.get("en")), ("Units", "Units"), "one key shows in both");
        assert_eq!(units.label.value(), "Units");
    }

    #[test]
    fn a_blank_description_or_help_in_one_language_is_not_written() {
        let text = BY_LANGUAGE.replace("\" De klant stuurt iets terug. \"", "\"  \"");
        let forms = parse(&text).unwrap();
        let description = forms.get("retour").unwrap().description.clone().expect("the English one");
        assert_eq!(
            (description.get("nl"), description.get("en")),
            ("The customer sends something back.", "The customer sends something back.")
        );
        let text = BY_LANGUAGE
            .replace("{ en = \"Ask the customer\", nl = \"Vraag het de klant\" }", "{ en = \"\", nl = \" \" }");
        assert_eq!(parse(&text).unwrap().get("retour").unwrap().fields[0].help, None, "all blank is none");
    }

    #[test]
    fn a_table_names_languages_of_the_panel_only() {
        let error = parse_err(
            &BY_LANGUAGE.replace("{ nl = \"Reden\", en = \"Reason\" }", "{ nl = \"Reden\", fr = \"Raison\" }"),
        );
        assert_eq!(error, "forms.toml:9:25: \"fr\" is not a language of the panel (nl, en)");
        let error = parse_err(&BY_LANGUAGE.replace("{ nl = \"Anders\" }", "{ NL = \"Anders\" }"));
        assert_eq!(error, "forms.toml:12:94: \"NL\" is not a language of the panel (nl, en)");
        // The panel's list, not a list of the domain's: a third language is one more code.
        let three = FormSet::parse(
            &BY_LANGUAGE.replace("en = \"Reason\"", "fr = \"Raison\""),
            Path::new("f"),
            &["nl", "en", "fr"],
        );
        assert_eq!(three.unwrap().all()[0].fields[0].label.get("fr"), "Raison");
    }

    #[test]
    fn a_table_is_not_empty_and_holds_strings() {
        let error = parse_err(&BY_LANGUAGE.replace("{ nl = \"Retourverzoek\", en = \"Return request\" }", "{}"));
        assert_eq!(
            error,
            "forms.toml:3:9: `title` is an empty table: write a string, or a text per language such as \
             { nl = \"…\", en = \"…\" }"
        );
        let error = parse_err(&BY_LANGUAGE.replace("{ nl = \"Anders\" }", "{ }"));
        assert!(error.starts_with("forms.toml:12:92: an option is an empty table: "), "{error}");
        let error = parse_err(&BY_LANGUAGE.replace("en = \"Reason\"", "en = 3"));
        assert_eq!(error, "forms.toml:9:30: the \"en\" text of `label` must be a string, not an integer");
        let error = parse_err(&BY_LANGUAGE.replace("en = \"Too small\"", "en = [\"Too small\"]"));
        assert_eq!(error, "forms.toml:12:36: the \"en\" text of an option must be a string, not an array");
        let error = parse_err(&BY_LANGUAGE.replace("{ en = \"Units\" }", "{ en = { nl = \"x\" } }"));
        assert_eq!(error, "forms.toml:16:16: the \"en\" text of `label` must be a string, not a table");
        // Neither a string nor a table: serde's words, with what is expected.
        let error = parse_err(&BY_LANGUAGE.replace("{ en = \"Units\" }", "42"));
        assert!(
            error.starts_with(
                "forms.toml:16:9: invalid type: integer `42`, expected a string, or a table of texts by language code"
            ),
            "{error}"
        );
    }

    #[test]
    fn each_language_of_a_table_is_checked_as_a_plain_text() {
        let error = parse_err(&BY_LANGUAGE.replace("nl = \"Reden\"", "nl = \"  \""));
        assert_eq!(error, "forms.toml:9:16: `label` cannot be empty");
        let error = parse_err(&BY_LANGUAGE.replace("\"Retourverzoek\"", &format!("\"{}\"", "é".repeat(101))));
        assert_eq!(error, "forms.toml:3:16: `title` is longer than 100 characters");
        assert!(parse(&BY_LANGUAGE.replace("\"Retourverzoek\"", &format!("\"{}\"", "é".repeat(100)))).is_ok());
        let error = parse_err(&BY_LANGUAGE.replace("\"Return request\"", "\"Return\\u0000request\""));
        assert_eq!(error, "forms.toml:3:38: `title` cannot hold control characters");
        let error = parse_err(&BY_LANGUAGE.replace("nl = \"Kapot\"", "nl = \" \""));
        assert_eq!(error, "forms.toml:12:81: an option cannot be empty");
        let error = parse_err(&BY_LANGUAGE.replace("nl = \"Kapot\"", "nl = \"Ka\\tpot\""));
        assert_eq!(error, "forms.toml:12:81: an option cannot hold control characters");
    }

    #[test]
    fn options_differ_in_their_stored_value_and_in_every_language() {
        // The same English text: one stored value for two choices.
        let error = parse_err(&BY_LANGUAGE.replace("\" Broken \"", "\"Too small\""));
        assert_eq!(error, "forms.toml:12:64: option \"Too small\" is listed twice");
        // A plain option and a table's English text.
        let error = parse_err(&BY_LANGUAGE.replace("\"OK\"", "\"Too small\""));
        assert_eq!(error, "forms.toml:12:51: option \"Too small\" is listed twice");
        // Different values, but a Dutch agent would read the same words twice.
        let error = parse_err(&BY_LANGUAGE.replace("\"Kapot\"", "\"Te klein\""));
        assert_eq!(error, "forms.toml:12:81: two options read \"Te klein\" in \"nl\"");
        // A one-language option reads the same in the language it leaves out.
        let error = parse_err(&BY_LANGUAGE.replace("{ nl = \"Anders\" }", "{ nl = \"OK\" }"));
        assert_eq!(error, "forms.toml:12:99: option \"OK\" is listed twice");
        let error = parse_err(&BY_LANGUAGE.replace("{ nl = \"Anders\" }", "{ nl = \"OK\", en = \"Other\" }"));
        assert_eq!(error, "forms.toml:12:99: two options read \"OK\" in \"nl\"");
    }

    #[test]
    fn an_unreadable_file_says_so() {
        let error = FormSet::load(Path::new("/nonexistent/forms.toml"), LANGUAGES).unwrap_err();
        assert!(matches!(error, FormsError::Read { .. }));
        assert!(error.to_string().starts_with("/nonexistent/forms.toml: cannot read: "), "{error}");
    }

    #[test]
    fn loads_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forms.toml");
        std::fs::write(&path, TWO_FORMS).unwrap();
        assert_eq!(FormSet::load(&path, LANGUAGES).unwrap().len(), 2);
    }

    #[test]
    fn the_shipped_example_is_valid_and_complete() {
        let forms = parse(include_str!("../../forms.toml")).unwrap();
        assert!(forms.in_scope(Scope::Customer).count() >= 2);
        assert!(forms.in_scope(Scope::Company).count() >= 1);
        let kinds: std::collections::HashSet<FieldKind> =
            forms.all().iter().flat_map(|form| form.fields.iter().map(|field| field.kind)).collect();
        assert_eq!(kinds.len(), 7, "{kinds:?}");
        // It shows a form in both languages, and the mistake its comments quote.
        let reason = forms.get("return-request").unwrap().field("reason").unwrap();
        assert_eq!((reason.label.get("nl"), reason.label.get("en")), ("Reden", "Reason"));
        assert_eq!((reason.options[0].get("nl"), reason.options[0].value()), ("Te klein", "Too small"));
        let text = include_str!("../../forms.toml").replace("en = \"Reason\"", "fr = \"Raison\"");
        assert_eq!(parse_err(&text), "forms.toml:101:25: \"fr\" is not a language of the panel (nl, en)");
    }
}
