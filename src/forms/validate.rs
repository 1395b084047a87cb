//! The submission checks: a posted form's values against its fields, giving the answers to
//! store or a message for every field that is wrong. The server is the one judge of what is
//! stored; the browser's own checks are only a convenience.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use super::types::MAX_ID_CHARS;
use super::{
    Answer, CHECKBOX_NO, CHECKBOX_YES, Field, FieldError, FieldKind, Form, MAX_EMAIL_CHARS, MAX_TEXT_CHARS,
    MAX_TEXTAREA_CHARS, Problem, Text,
};
use crate::locale::{Language, NumberError, parse_number};

/// More digits than an `f64` can tell apart is a slip of the finger, not a quantity.
const MAX_NUMBER_DIGITS: usize = 30;

impl Form {
    /// Checks a submission and returns its answers, one per field in field order (an empty
    /// optional field gives `""`, a checkbox `Yes` or `No`), or every problem found: those of
    /// the fields in field order, then one per posted name the form does not have (with
    /// `field: ""`, as nothing on the form can show it; such a value is never stored).
    ///
    /// `values` are (name, raw text) pairs exactly as an HTML form posts them: an unchecked
    /// checkbox is absent, a checked one `on`, and of a repeated name the last one counts.
    /// Callers remove their own names (a CSRF token, the form id) before calling.
    ///
    /// `language` is the one the agent saw the form in: a number is read the way it writes
    /// numbers (Dutch `3,5`) and stored as the same plain decimal (`3.5`) whatever the language,
    /// and each answer keeps its field's label as it was shown.
    pub fn validate(&self, values: &[(String, String)], language: &Language) -> Result<Vec<Answer>, Vec<FieldError>> {
        let posted: HashMap<&str, &str> = values.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
        let mut answers = Vec::with_capacity(self.fields.len());
        let mut errors = Vec::new();
        for field in &self.fields {
            match check_value(field, posted.get(field.name.as_str()).copied().unwrap_or(""), language) {
                Ok(value) => {
                    let label = field.label.get(language.code).to_owned();
                    answers.push(Answer { name: field.name.clone(), label, value });
                }
                Err(problem) => errors.push(FieldError { field: field.name.clone(), problem }),
            }
        }
        let mut reported = HashSet::new();
        for (name, _) in values {
            if self.field(name).is_none() && reported.insert(name.as_str()) {
                let shown: String = name.chars().take(MAX_ID_CHARS).collect();
                errors.push(FieldError { field: String::new(), problem: Problem::UnknownField { name: shown } });
            }
        }
        if errors.is_empty() { Ok(answers) } else { Err(errors) }
    }
}

/// One field's raw posted text ("" when absent) → the value to store, or the problem.
fn check_value(field: &Field, raw: &str, language: &Language) -> Result<String, Problem> {
    if field.kind == FieldKind::Checkbox {
        return check_checkbox(raw, field.required);
    }
    if raw.trim().is_empty() {
        return match (field.required, field.kind) {
            (false, _) => Ok(String::new()),
            (true, FieldKind::Select) => Err(Problem::ChooseOption),
            (true, _) => Err(Problem::Required),
        };
    }
    let value = raw.trim();
    match field.kind {
        FieldKind::Text => check_text(value),
        FieldKind::Textarea => check_textarea(raw),
        FieldKind::Number => check_number(value, field.min, field.max, language),
        FieldKind::Email => check_email(value),
        FieldKind::Date => check_date(value),
        FieldKind::Select => check_select(value, &field.options),
        FieldKind::Checkbox => check_checkbox(raw, field.required),
    }
}

/// One line: a tab is tolerated (pasted from a spreadsheet), a line break is not.
fn check_text(value: &str) -> Result<String, Problem> {
    if value.chars().count() > MAX_TEXT_CHARS {
        return Err(Problem::TooLong { limit: MAX_TEXT_CHARS });
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(Problem::OneLine);
    }
    Ok(value.to_owned())
}

/// Kept as typed (only trimmed for the emptiness check, so indentation survives), with every
/// line break made `\n` whatever the browser or OS sent.
fn check_textarea(raw: &str) -> Result<String, Problem> {
    let value = raw.replace("\r\n", "\n").replace('\r', "\n");
    if value.chars().count() > MAX_TEXTAREA_CHARS {
        return Err(Problem::TooLong { limit: MAX_TEXTAREA_CHARS });
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Problem::ControlCharacters);
    }
    Ok(value)
}

/// A number as the agent writes it in their language (Dutch `-1.234,5`, English `-1,234.5`),
/// stored as the same plain decimal (`-1234.5`), its digits as typed. No exponent (`1e9` is
/// more likely a typo than a quantity), no NaN or infinity, and never a guess: a decimal written
/// with the other language's separator (a Dutch `3.5`) is refused with a hint, not read as 35.
fn check_number(value: &str, min: Option<f64>, max: Option<f64>, language: &Language) -> Result<String, Problem> {
    let value = match parse_number(value, language) {
        Ok(decimal) => String::from(decimal),
        Err(NumberError::OtherPoint) => return Err(Problem::OtherPoint),
        Err(NumberError::NotANumber) => return Err(Problem::NotANumber),
    };
    if value.bytes().filter(u8::is_ascii_digit).count() > MAX_NUMBER_DIGITS {
        return Err(Problem::TooManyDigits { limit: MAX_NUMBER_DIGITS });
    }
    // Compared as decimals, exactly: as an f64, 100.00000000000000001 is 100 and passed `max = 100`.
    let low = min.is_some_and(|min| compare_decimals(&value, &min.to_string()) == Ordering::Less);
    let high = max.is_some_and(|max| compare_decimals(&value, &max.to_string()) == Ordering::Greater);
    if low || high {
        return Err(Problem::OutOfRange { min: min.map(|n| n.to_string()), max: max.map(|n| n.to_string()) });
    }
    Ok(value)
}

/// Compares two plain decimals (`-12`, `3.50`, `0.25`) by their exact value. A bound is an
/// `f64` written by `Display`, which gives the shortest decimal that reads back as the same
/// `f64` (so `2.5` and `100` as the file wrote them), and never an exponent.
fn compare_decimals(a: &str, b: &str) -> Ordering {
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
fn check_email(value: &str) -> Result<String, Problem> {
    if value.chars().count() > MAX_EMAIL_CHARS {
        return Err(Problem::EmailTooLong { limit: MAX_EMAIL_CHARS });
    }
    let valid = !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && domain.split('.').all(|label| !label.is_empty())
        });
    if valid { Ok(value.to_owned()) } else { Err(Problem::NotAnEmail) }
}

/// `YYYY-MM-DD` exactly (what `<input type="date">` posts), and a day that exists.
fn check_date(value: &str) -> Result<String, Problem> {
    let shaped = value.len() == 10
        && value.bytes().enumerate().all(|(at, b)| if at == 4 || at == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !shaped {
        return Err(Problem::DateShape);
    }
    match chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(_) => Ok(value.to_owned()),
        Err(_) => Err(Problem::NoSuchDate),
    }
}

/// The value posted is an option's stored value ([`Text::value`]), whatever language the
/// option was shown in.
fn check_select(value: &str, options: &[Text]) -> Result<String, Problem> {
    if options.iter().any(|option| option.value() == value) { Ok(value.to_owned()) } else { Err(Problem::ChooseOption) }
}

/// What browsers post (`on`, or nothing) and what scripts and tests tend to (`true`, `1`, …).
fn check_checkbox(raw: &str, required: bool) -> Result<String, Problem> {
    let raw = raw.trim();
    let is = |words: &[&str]| words.iter().any(|word| raw.eq_ignore_ascii_case(word));
    if is(&["on", "true", "yes", "1"]) {
        Ok(CHECKBOX_YES.to_owned())
    } else if !is(&["", "off", "false", "no", "0"]) {
        Err(Problem::TickOrLeave)
    } else if required {
        Err(Problem::TickRequired)
    } else {
        Ok(CHECKBOX_NO.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering;

    use super::super::fixtures::{TWO_FORMS, check, check_in, one_field, parse, post};
    use super::*;

    fn range(min: Option<&str>, max: Option<&str>) -> Problem {
        Problem::OutOfRange { min: min.map(str::to_owned), max: max.map(str::to_owned) }
    }

    #[test]
    fn a_dutch_agent_types_numbers_the_dutch_way_and_the_same_decimal_is_stored() {
        let form = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"number\"\nmin = 0\nmax = 2000");
        let nl = &Language::NL;
        assert_eq!(check_in(&form, "3,5", nl), Ok("3.5".into()));
        assert_eq!(check_in(&form, "1.234,5", nl), Ok("1234.5".into()));
        assert_eq!(check_in(&form, "1.234", nl), Ok("1234".into()), "a thousands group, as a Dutch reader reads it");
        assert_eq!(check_in(&form, "3.5", nl), Err(Problem::OtherPoint), "never 35, never 3.5");
        assert_eq!(check_in(&form, "2,50", nl), Ok("2.50".into()), "digits as typed");
        assert_eq!(check_in(&form, "2000,01", nl), Err(range(Some("0"), Some("2000"))));
        assert_eq!(check_in(&form, "3,5", &Language::EN), Err(Problem::OtherPoint));
        assert_eq!(check_in(&form, "1,234.5", &Language::EN), Ok("1234.5".into()));
        assert_eq!(check_in(&form, "3.5", &Language::EN), check_in(&form, "3,5", nl), "one decimal either way");
    }

    #[test]
    fn a_valid_submission_gives_every_answer_in_field_order() {
        let forms = parse(TWO_FORMS).unwrap();
        let form = forms.get("return-request").unwrap();
        let answers = form.validate_en(&post(&[("reason", "Broken"), ("order_number", "  1001 ")])).unwrap();
        assert_eq!(
            answers,
            [
                Answer { name: "order_number".into(), label: "Order number".into(), value: "1001".into() },
                Answer { name: "reason".into(), label: "Reason".into(), value: "Broken".into() },
            ]
        );
        let answers = form.validate_en(&post(&[("order_number", "1001")])).unwrap();
        assert_eq!(answers[1].value, "", "an empty optional field is still listed");
    }

    #[test]
    fn all_errors_come_together_in_field_order_then_unknown_names() {
        let forms = parse(TWO_FORMS).unwrap();
        let form = forms.get("return-request").unwrap();
        let errors = form
            .validate_en(&post(&[("extra", "1"), ("reason", "Lost"), ("order_number", " "), ("extra", "2")]))
            .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(fields, ["order_number", "reason", ""]);
        assert_eq!(errors[0].problem, Problem::Required);
        assert_eq!(errors[1].problem, Problem::ChooseOption);
        assert_eq!(errors[2].problem, Problem::UnknownField { name: "extra".into() });
    }

    #[test]
    fn an_unknown_name_alone_is_refused() {
        let form = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"text\"");
        let errors = form.validate_en(&post(&[("x", "fine"), ("y", "sneaky")])).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "");
    }

    #[test]
    fn the_last_of_a_repeated_name_counts() {
        let form = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"checkbox\"");
        assert_eq!(form.validate_en(&post(&[("x", "off"), ("x", "on")])).unwrap()[0].value, "Yes");
        assert_eq!(form.validate_en(&post(&[("x", "on"), ("x", "off")])).unwrap()[0].value, "No");
    }

    #[test]
    fn required_and_optional_empty_values() {
        for kind in ["text", "textarea", "number", "email", "date"] {
            let optional = one_field(&format!("name = \"x\"\nlabel = \"X\"\ntype = \"{kind}\""));
            assert_eq!(check(&optional, None), Ok(String::new()), "{kind}");
            assert_eq!(check(&optional, Some("  ")), Ok(String::new()), "{kind}");
            let required = one_field(&format!("name = \"x\"\nlabel = \"X\"\ntype = \"{kind}\"\nrequired = true"));
            assert_eq!(check(&required, None), Err(Problem::Required), "{kind}");
            assert_eq!(check(&required, Some(" \n ")), Err(Problem::Required), "{kind}");
        }
    }

    #[test]
    fn text_is_trimmed_one_line_and_bounded() {
        let form = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"text\"");
        assert_eq!(check(&form, Some("  Jan de Vries ")), Ok("Jan de Vries".into()));
        assert_eq!(check(&form, Some("a\tb")), Ok("a\tb".into()));
        assert_eq!(check(&form, Some(&"é".repeat(500))), Ok("é".repeat(500)), "characters, not bytes");
        assert_eq!(check(&form, Some(&"a".repeat(501))), Err(Problem::TooLong { limit: 500 }));
        assert!(check(&form, Some("two\nlines")).is_err());
        assert!(check(&form, Some("bell\u{7}")).is_err());
    }

    #[test]
    fn textarea_keeps_lines_and_normalizes_breaks() {
        let form = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"textarea\"");
        assert_eq!(check(&form, Some("  first\r\nsecond\n\tthird\r")), Ok("  first\nsecond\n\tthird\n".into()));
        assert_eq!(check(&form, Some(&"a\r\n".repeat(2500))), Ok("a\n".repeat(2500)), "counted after \\r\\n → \\n");
        assert_eq!(check(&form, Some(&"a".repeat(5001))), Err(Problem::TooLong { limit: 5000 }));
        assert_eq!(check(&form, Some("null\u{0}byte")), Err(Problem::ControlCharacters));
    }

    #[test]
    fn numbers_are_plain_decimals_within_bounds() {
        let form = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"number\"");
        for good in ["-12", "0", "3.5", " 007 ", "-0.25", "123456789012345678901234567890"] {
            assert_eq!(check(&form, Some(good)), Ok(good.trim().to_owned()), "{good:?}");
        }
        for bad in ["1e9", "NaN", "inf", "-inf", "+1", ".5", "5.", "1.2.3", "12 kg", "--1", "-", "0x10", "1 000"] {
            assert_eq!(check(&form, Some(bad)), Err(Problem::NotANumber), "{bad:?}");
        }
        assert_eq!(check(&form, Some("1,000")), Ok("1000".into()), "a thousands group in English");
        for comma in ["3,5", "-0,5"] {
            assert_eq!(check(&form, Some(comma)), Err(Problem::OtherPoint), "{comma:?}");
        }
        assert!(check(&form, Some(&"9".repeat(31))).is_err());

        let bounded = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"number\"\nmin = 0\nmax = 2.5");
        assert_eq!(check(&bounded, Some("0")), Ok("0".into()));
        assert_eq!(check(&bounded, Some("2.50")), Ok("2.50".into()));
        assert_eq!(check(&bounded, Some("-0.1")), Err(range(Some("0"), Some("2.5"))));
        assert_eq!(check(&bounded, Some("3")), Err(range(Some("0"), Some("2.5"))));
        let at_least = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"number\"\nmin = 0");
        assert_eq!(check(&at_least, Some("-1")), Err(range(Some("0"), None)));
        assert_eq!(check(&at_least, Some("1000000")), Ok("1000000".into()));
        let at_most = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"number\"\nmax = 10");
        assert_eq!(check(&at_most, Some("10.5")), Err(range(None, Some("10"))));
    }

    #[test]
    fn bounds_hold_on_the_exact_decimal_not_its_nearest_f64() {
        let bounded = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"number\"\nmin = -0.1\nmax = 100");
        let refused = Err(range(Some("-0.1"), Some("100")));
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
        let message = Err(Problem::NotAnEmail);
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
        assert_eq!(check(&form, Some(&long)), Err(Problem::EmailTooLong { limit: 254 }));
        assert!(check(&form, Some(&long[1..])).is_ok());
    }

    #[test]
    fn dates_are_real_and_written_iso() {
        let form = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"date\"");
        assert_eq!(check(&form, Some(" 2024-02-29 ")), Ok("2024-02-29".into()));
        for bad in ["2024-2-9", "29-02-2024", "2024/02/29", "20240229", "2024-02-29T10:00", "+2024-02-2"] {
            assert_eq!(check(&form, Some(bad)), Err(Problem::DateShape), "{bad:?}");
        }
        for missing in ["2023-02-29", "2024-13-01", "2024-04-31", "2024-00-10"] {
            assert_eq!(check(&form, Some(missing)), Err(Problem::NoSuchDate), "{missing:?}");
        }
    }

    #[test]
    fn selects_take_exactly_one_option() {
        let form = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"select\"\noptions = [\"Morning\", \"Afternoon\"]");
        assert_eq!(check(&form, Some("Afternoon ")), Ok("Afternoon".into()));
        assert_eq!(check(&form, None), Ok(String::new()));
        for bad in ["afternoon", "Evening", "Morning,Afternoon"] {
            assert_eq!(check(&form, Some(bad)), Err(Problem::ChooseOption), "{bad:?}");
        }
        let required = one_field(
            "name = \"x\"\nlabel = \"X\"\ntype = \"select\"\noptions = [\"Morning\", \"Afternoon\"]\nrequired = true",
        );
        assert_eq!(check(&required, None), Err(Problem::ChooseOption));
    }

    #[test]
    fn an_option_stores_one_value_whatever_the_language_it_was_shown_in() {
        let form = one_field(
            "name = \"x\"\nlabel = { nl = \"Reden\", en = \"Reason\" }\ntype = \"select\"\n\
             options = [{ nl = \"Te klein\", en = \"Too small\" }, { nl = \"Kapot\" }, \"OK\"]",
        );
        for language in [&Language::NL, &Language::EN] {
            for (posted, stored) in [("Too small", "Too small"), (" Kapot", "Kapot"), ("OK", "OK")] {
                assert_eq!(check_in(&form, posted, language), Ok(stored.into()), "{} {posted}", language.code);
            }
            // A Dutch text is what the agent read, not what the select posts.
            assert_eq!(check_in(&form, "Te klein", language), Err(Problem::ChooseOption), "{}", language.code);
        }
        let answer = |language| form.validate(&post(&[("x", "Too small")]), language).unwrap().remove(0);
        assert_eq!(
            answer(&Language::NL),
            Answer { name: "x".into(), label: "Reden".into(), value: "Too small".into() },
            "the label as the Dutch agent saw it, the one stored value"
        );
        assert_eq!(
            answer(&Language::EN),
            Answer { name: "x".into(), label: "Reason".into(), value: "Too small".into() }
        );
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
        assert_eq!(check(&form, Some("maybe")), Err(Problem::TickOrLeave));

        let required = one_field("name = \"x\"\nlabel = \"X\"\ntype = \"checkbox\"\nrequired = true");
        assert_eq!(check(&required, None), Err(Problem::TickRequired));
        assert_eq!(check(&required, Some("off")), Err(Problem::TickRequired));
        assert_eq!(check(&required, Some("on")), Ok("Yes".into()));
    }
}
