//! The frame's server functions (notes, forms, the storage check) called as its islands call
//! them, through the router, for Alice: with the capability her page carries, or one signed as
//! another instance sharing the key would sign it.

use std::time::Duration;

use axum::http::StatusCode;
use belco::capability::{Signer, Subject};
use belco::identity::CustomerKey;
use belco::secret::Secret;
use belco::store::now_millis;
use serde_json::{Value, json};

use super::{ALICE, ENGLISH, SIGNING_KEY, TOKEN, TestApp, fn_call, valid_answers};

pub const ALICE_PHONE: &str = "+31612345678";

/// Alice, known by her email address and her phone number.
pub fn alice() -> CustomerKey {
    CustomerKey { email: Some(ALICE.into()), phone: Some(ALICE_PHONE.into()) }
}

pub fn signer(key: &str) -> Signer {
    Signer::new(&Secret::new(key), Duration::from_secs(3600)).expect("signer")
}

/// A capability as another instance sharing the key would sign it.
pub fn capability_for(subject: &Subject) -> String {
    signer(SIGNING_KEY).issue(subject, now_millis())
}

/// Calls a server function (a panel function in English, as [`fn_call`] sends it); answers with
/// its status and JSON body.
pub async fn call(app: &TestApp, endpoint: &str, args: Value) -> (StatusCode, Value) {
    let (status, headers, body) = app.send(fn_call(endpoint, &args)).await;
    assert_eq!(headers["cache-control"], "no-store", "{endpoint}: customer data");
    let value = serde_json::from_slice(&body).unwrap_or_else(|_| json!(String::from_utf8_lossy(&body)));
    (status, value)
}

/// What a panel server function answers with when it fails with `kind` (`Refused`, `Expired`,
/// `NoteGone`), in English, as the tests ask for it.
pub fn panel_error(kind: &str) -> Value {
    let words = &app::i18n::Locales::built_in_code("en").expect("English").words;
    let message = match kind {
        "Refused" => words.refused,
        "Expired" => words.expired,
        "NoteGone" => words.note_gone,
        other => panic!("no such panel error: {other}"),
    };
    json!({ kind: message })
}

/// The frame's HTML for `query`, in English (the token and [`ENGLISH`] are added).
pub async fn frame(app: &TestApp, query: &str) -> String {
    let (status, _, body) = app.get(&format!("/frame?token={TOKEN}&{ENGLISH}&{query}")).await;
    let html = String::from_utf8(body.to_vec()).expect("utf-8");
    assert_eq!(status, StatusCode::OK, "{html}");
    html
}

/// The capability the server signed into the page: the islands' props carry it.
pub fn embedded_capability(html: &str) -> String {
    let start = html.find("v1.").unwrap_or_else(|| panic!("no capability in {html}"));
    html[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).collect()
}

/// The note texts in a notes answer (the list's HTML, as the island swaps it in), in order.
pub fn bodies(notes: &Value) -> Vec<String> {
    let html = notes.as_str().unwrap_or_else(|| panic!("an HTML list: {notes}"));
    html.split(r#"<p class="note__body">"#)
        .skip(1)
        .map(|rest| rest.split("</p>").next().unwrap_or("").to_owned())
        .collect()
}

/// The id of the first note in a notes answer.
pub fn first_id(notes: &Value) -> String {
    let html = notes.as_str().unwrap_or_else(|| panic!("an HTML list: {notes}"));
    let rest = html.split(r#"data-note=""#).nth(1).unwrap_or_else(|| panic!("no note in {html}"));
    rest.split('"').next().unwrap_or_default().to_owned()
}

/// Answers for every field of `form_id` in the shipped forms.toml that pass validation.
pub fn valid_values(app: &TestApp, form_id: &str) -> Vec<(String, String)> {
    valid_answers(app.state.config.forms.get(form_id).expect("the shipped form"), "Blue, size M")
}
