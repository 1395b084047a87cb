//! The frame's server functions (notes, forms) through the real router, on both backends: what
//! a capability allows, what it refuses, and that a refused or invalid call stores nothing.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use belco::capability::{Signer, Subject};
use belco::identity::CustomerKey;
use belco::secret::Secret;
use belco::store::{Owner, now_millis};
use common::*;
use serde_json::{Value, json};

on_both_backends!(
    notes_are_added_edited_and_deleted_with_the_pages_own_capability,
    a_note_is_found_again_by_email_or_by_phone,
    another_customers_capability_cannot_touch_a_note,
    forged_expired_or_company_capabilities_are_refused_and_store_nothing,
    a_note_needs_an_author_and_a_text,
    a_submission_missing_a_required_field_gets_messages_and_stores_nothing,
    a_valid_submission_is_stored_and_listed_in_the_panel,
    the_company_panel_sends_company_forms_only,
);

const ALICE: &str = "alice@example.com";
const ALICE_PHONE: &str = "+31612345678";

fn alice() -> CustomerKey {
    CustomerKey { email: Some(ALICE.into()), phone: Some(ALICE_PHONE.into()) }
}

fn signer(key: &str) -> Signer {
    Signer::new(&Secret::new(key), Duration::from_secs(3600)).expect("signer")
}

/// A capability as another instance sharing the key would sign it.
fn capability_for(subject: &Subject) -> String {
    signer(SIGNING_KEY).issue(subject, now_millis())
}

/// Calls a server function; answers with its status and JSON body.
async fn call(app: &TestApp, endpoint: &str, args: Value) -> (StatusCode, Value) {
    let request = Request::post(format!("/fn/{endpoint}"))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(Body::from(args.to_string()))
        .expect("request");
    let (status, headers, body) = app.send(request).await;
    assert_eq!(headers["cache-control"], "no-store", "{endpoint}: customer data");
    let value = serde_json::from_slice(&body).unwrap_or_else(|_| json!(String::from_utf8_lossy(&body)));
    (status, value)
}

/// The frame's HTML for `query` (the token is added).
async fn frame(app: &TestApp, query: &str) -> String {
    let (status, _, body) = app.get(&format!("/frame?token={TOKEN}&{query}")).await;
    let html = String::from_utf8(body.to_vec()).expect("utf-8");
    assert_eq!(status, StatusCode::OK, "{html}");
    html
}

/// The capability the server signed into the page: the islands' props carry it.
fn embedded_capability(html: &str) -> String {
    let start = html.find("v1.").unwrap_or_else(|| panic!("no capability in {html}"));
    html[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).collect()
}

/// The note texts in a notes answer (the list's HTML, as the island swaps it in), in order.
fn bodies(notes: &Value) -> Vec<String> {
    let html = notes.as_str().unwrap_or_else(|| panic!("an HTML list: {notes}"));
    html.split(r#"<p class="note__body">"#)
        .skip(1)
        .map(|rest| rest.split("</p>").next().unwrap_or("").to_owned())
        .collect()
}

/// The id of the first note in a notes answer.
fn first_id(notes: &Value) -> String {
    let html = notes.as_str().unwrap_or_else(|| panic!("an HTML list: {notes}"));
    let rest = html.split(r#"data-note=""#).nth(1).unwrap_or_else(|| panic!("no note in {html}"));
    rest.split('"').next().unwrap_or_default().to_owned()
}

async fn notes_are_added_edited_and_deleted_with_the_pages_own_capability(app: TestApp) {
    let html = frame(&app, &format!("email={ALICE}&phoneNumber={ALICE_PHONE}")).await;
    assert!(html.contains("No notes yet."), "{html}");
    assert!(!html.contains(TOKEN), "the shop token must never reach the page's content");
    let capability = embedded_capability(&html);

    let (status, notes) =
        call(&app, "notes/add", json!({"capability": capability, "author": " Sam ", "body": "Prefers email.\r\n"}))
            .await;
    assert_eq!(status, StatusCode::OK, "{notes}");
    assert_eq!(bodies(&notes), ["Prefers email."]);
    assert!(notes.as_str().is_some_and(|html| html.contains("\"note__meta\">Sam · ")), "the author, trimmed: {notes}");
    let id = first_id(&notes);

    let (_, notes) =
        call(&app, "notes/add", json!({"capability": capability, "author": "Kim", "body": "Second"})).await;
    assert_eq!(bodies(&notes), ["Second", "Prefers email."], "newest first");

    let (status, notes) =
        call(&app, "notes/edit", json!({"capability": capability, "id": id, "body": "Prefers phone."})).await;
    assert_eq!(status, StatusCode::OK, "{notes}");
    assert_eq!(bodies(&notes), ["Second", "Prefers phone."]);
    assert_eq!(notes.as_str().map(|html| html.matches("note__edited").count()), Some(1), "{notes}");

    let html = frame(&app, &format!("email={ALICE}")).await;
    assert!(html.contains("Prefers phone.") && html.contains("Sam"), "{html}");

    let (status, notes) = call(&app, "notes/delete", json!({"capability": capability, "id": id})).await;
    assert_eq!(status, StatusCode::OK, "{notes}");
    assert_eq!(bodies(&notes), ["Second"]);
    let (_, listed) = call(&app, "notes/list", json!({"capability": capability})).await;
    assert_eq!(bodies(&listed), ["Second"]);
    assert_eq!(app.store.notes(&alice(), 10).await.expect("notes").len(), 1);
}

async fn a_note_is_found_again_by_email_or_by_phone(app: TestApp) {
    let capability = capability_for(&Subject::Customer(alice()));
    let (status, _) = call(&app, "notes/add", json!({"capability": capability, "author": "Sam", "body": "VIP"})).await;
    assert_eq!(status, StatusCode::OK);
    // Belco sends either identifier in any of its forms.
    for query in ["email=ALICE@Example.com", "phoneNumber=0612345678", "email=&phoneNumber=%2B31%206%2012345678"] {
        let html = frame(&app, query).await;
        assert!(html.contains("VIP"), "{query}: {html}");
    }
    let html = frame(&app, "email=bob@example.com").await;
    assert!(!html.contains("VIP"));
}

async fn another_customers_capability_cannot_touch_a_note(app: TestApp) {
    let alice_capability = capability_for(&Subject::Customer(alice()));
    let (_, notes) =
        call(&app, "notes/add", json!({"capability": alice_capability, "author": "Sam", "body": "Alice's"})).await;
    let id = first_id(&notes);

    let bob = capability_for(&Subject::Customer(CustomerKey { email: Some("bob@example.com".into()), phone: None }));
    let (_, listed) = call(&app, "notes/list", json!({"capability": bob})).await;
    assert!(bodies(&listed).is_empty() && listed.as_str().is_some_and(|html| html.contains("No notes yet.")));
    for (endpoint, args) in [
        ("notes/edit", json!({"capability": bob, "id": id, "body": "Bob was here"})),
        ("notes/delete", json!({"capability": bob, "id": id})),
    ] {
        let (status, error) = call(&app, endpoint, args).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{endpoint}");
        assert_eq!(error, json!("NoteGone"), "{endpoint}");
    }
    let stored = app.store.notes(&alice(), 10).await.expect("notes");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].body, "Alice's");
}

async fn forged_expired_or_company_capabilities_are_refused_and_store_nothing(app: TestApp) {
    let subject = Subject::Customer(alice());
    let forged = signer("another-key-0123456789abcdef0123456789abcdef").issue(&subject, now_millis());
    let genuine = capability_for(&subject);
    let (signed, _) = genuine.rsplit_once('.').expect("a MAC");
    let tampered = format!("{signed}.AAAA");
    let expired = signer(SIGNING_KEY).issue(&subject, now_millis() - 2 * 3_600_000);
    let company = capability_for(&Subject::Company);
    let cases = [
        (forged, "Refused"),
        (tampered, "Refused"),
        ("".to_owned(), "Refused"),
        (TOKEN.to_owned(), "Refused"),
        (company, "Refused"),
        (expired, "Expired"),
    ];
    for (capability, expected) in cases {
        let (status, error) =
            call(&app, "notes/add", json!({"capability": capability, "author": "Mallory", "body": "x"})).await;
        let code = if expected == "Expired" { StatusCode::UNAUTHORIZED } else { StatusCode::FORBIDDEN };
        assert_eq!(status, code, "{capability:?}");
        assert_eq!(error, json!(expected), "{capability:?}");
        let (_, error) = call(&app, "notes/list", json!({"capability": capability})).await;
        assert_eq!(error, json!(expected), "reads are guarded too: {capability:?}");
        let (_, error) = call(
            &app,
            "forms/submit",
            json!({"capability": capability, "form_id": "callback-request", "author": "Mallory", "values": []}),
        )
        .await;
        assert_eq!(error, json!(expected));
    }
    assert!(app.store.notes(&alice(), 10).await.expect("notes").is_empty());
    assert!(app.store.submissions(Owner::Customer(&alice()), 10).await.expect("submissions").is_empty());
    // What the agent reads when a panel was left open too long.
    assert!(app::server_fns::PanelError::Expired.to_string().contains("Reload the panel"));
}

async fn a_note_needs_an_author_and_a_text(app: TestApp) {
    let capability = capability_for(&Subject::Customer(alice()));
    for (author, body) in [("", "text"), ("Sam", "  \n "), ("Sam", &"x".repeat(5001)), (&"n".repeat(81), "text")] {
        let (status, error) =
            call(&app, "notes/add", json!({"capability": capability, "author": author, "body": body})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(error["Invalid"].is_string(), "{error}");
    }
    assert!(app.store.notes(&alice(), 10).await.expect("notes").is_empty());
}

async fn a_submission_missing_a_required_field_gets_messages_and_stores_nothing(app: TestApp) {
    let capability = capability_for(&Subject::Customer(alice()));
    let (status, outcome) = call(
        &app,
        "forms/submit",
        json!({"capability": capability, "form_id": "callback-request", "author": "", "values": []}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    let errors = outcome["Invalid"].as_array().unwrap_or_else(|| panic!("messages per field: {outcome}"));
    let fields: Vec<&str> = errors.iter().map(|e| e["field"].as_str().expect("field")).collect();
    assert_eq!(fields[0], app::server_fns::AUTHOR_FIELD, "{outcome}");
    assert!(fields.len() >= 2, "the form's own required fields are named too: {outcome}");
    assert!(errors.iter().all(|e| !e["message"].as_str().expect("message").is_empty()));
    assert!(app.store.submissions(Owner::Customer(&alice()), 10).await.expect("submissions").is_empty());
}

/// Answers for every field of `form_id` in the shipped forms.toml that pass validation.
fn valid_values(app: &TestApp, form_id: &str) -> Vec<(String, String)> {
    use belco::forms::FieldKind;
    let form = app.state.config.forms.get(form_id).expect("the shipped form");
    form.fields
        .iter()
        .map(|field| {
            let value = match field.kind {
                FieldKind::Text | FieldKind::Textarea => "Blue, size M".to_owned(),
                FieldKind::Number => field.min.unwrap_or(1.0).to_string(),
                FieldKind::Email => "someone@example.com".to_owned(),
                FieldKind::Date => "2026-12-01".to_owned(),
                FieldKind::Select => field.options[0].clone(),
                FieldKind::Checkbox => "on".to_owned(),
            };
            (field.name.clone(), value)
        })
        .collect()
}

async fn a_valid_submission_is_stored_and_listed_in_the_panel(app: TestApp) {
    let html = frame(&app, &format!("email={ALICE}")).await;
    assert!(html.contains("Return request") && html.contains("Callback request"), "customer forms: {html}");
    assert!(!html.contains("Report a problem to the warehouse"), "no company forms on a customer's panel");
    let capability = embedded_capability(&html);
    let values = valid_values(&app, "return-request");
    let (status, outcome) = call(
        &app,
        "forms/submit",
        json!({"capability": capability, "form_id": "return-request", "author": "Sam", "values": values}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    // The fresh list, as the panel's HTML, for the island to put in place of the old one.
    let saved = outcome["Saved"].as_str().unwrap_or_else(|| panic!("saved: {outcome}"));
    assert_eq!(saved.matches(r#"<li class="submission">"#).count(), 1, "{saved}");
    assert!(saved.contains(r#"<span class="submission__title">Return request</span>"#), "{saved}");
    assert!(saved.contains(r#"<span class="submission__meta">Sam · <time"#), "{saved}");
    assert!(saved.contains("Blue, size M"), "{saved}");

    let key = CustomerKey { email: Some(ALICE.into()), phone: None };
    let stored = app.store.submissions(Owner::Customer(&key), 10).await.expect("submissions");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].answers.len(), values.len());
    let html = frame(&app, &format!("email={ALICE}")).await;
    assert!(html.contains("Sent forms") && html.contains("Blue, size M"), "{html}");
    // Not another customer's, and not the company's.
    assert!(!frame(&app, "email=bob@example.com").await.contains("Blue, size M"));
    assert!(!frame(&app, "").await.contains("Blue, size M"));
}

async fn the_company_panel_sends_company_forms_only(app: TestApp) {
    let html = frame(&app, "email=&phoneNumber=").await;
    assert!(html.contains("Report a problem to the warehouse"), "{html}");
    assert!(!html.contains("Return request") && !html.contains("Notes"), "{html}");
    let capability = embedded_capability(&html);

    let values = valid_values(&app, "return-request");
    let (_, refused) = call(
        &app,
        "forms/submit",
        json!({"capability": capability, "form_id": "return-request", "author": "Sam", "values": values}),
    )
    .await;
    assert_eq!(refused, json!("Refused"), "a customer form from the company panel");

    let company_form = app.state.config.forms.in_scope(belco::forms::Scope::Company).next().expect("one").id.clone();
    let values = valid_values(&app, &company_form);
    let (status, outcome) = call(
        &app,
        "forms/submit",
        json!({"capability": capability, "form_id": company_form, "author": "Kim", "values": values}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    let saved = outcome["Saved"].as_str().unwrap_or_else(|| panic!("saved: {outcome}"));
    assert_eq!(saved.matches(r#"<li class="submission">"#).count(), 1, "{saved}");
    assert!(saved.contains("Kim"), "{saved}");
    let html = frame(&app, "").await;
    assert!(html.contains("Recent submissions") && html.contains("Kim"), "{html}");
    assert!(!frame(&app, &format!("email={ALICE}")).await.contains("Kim"));
}
