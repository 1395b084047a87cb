//! The frame's server functions (notes, forms) through the real router, on both backends: what
//! a capability allows, what it refuses, and that a refused or invalid call stores nothing.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use belco::capability::{Signer, Subject};
use belco::identity::CustomerKey;
use belco::secret::Secret;
use belco::store::{RecordOwner, now_millis};
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
    malformed_calls_get_a_4xx_that_quotes_nothing_and_store_nothing,
    what_a_malformed_call_sent_never_reaches_the_log,
    the_storage_check_pings_at_most_once_per_interval,
    control_characters_are_refused_alike_on_both_backends,
    notes_and_submissions_of_the_same_moment_are_ordered_bytewise,
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
    assert!(app.store.submissions(RecordOwner::Customer(&alice()), 10).await.expect("submissions").is_empty());
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
    assert_eq!(fields[0], belco::notes::AUTHOR_FIELD, "{outcome}");
    assert!(fields.len() >= 2, "the form's own required fields are named too: {outcome}");
    assert!(errors.iter().all(|e| !e["message"].as_str().expect("message").is_empty()));
    assert!(app.store.submissions(RecordOwner::Customer(&alice()), 10).await.expect("submissions").is_empty());
}

/// Answers for every field of `form_id` in the shipped forms.toml that pass validation.
fn valid_values(app: &TestApp, form_id: &str) -> Vec<(String, String)> {
    valid_answers(app.state.config.forms.get(form_id).expect("the shipped form"), "Blue, size M")
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
    let stored = app.store.submissions(RecordOwner::Customer(&key), 10).await.expect("submissions");
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

/// Posts `body` as it is, with `content_type` if any, to a server function.
async fn post_raw(app: &TestApp, endpoint: &str, content_type: Option<&str>, body: Vec<u8>) -> (StatusCode, Value) {
    let mut request = Request::post(format!("/fn/{endpoint}")).header("accept", "application/json");
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let (status, headers, body) = app.send(request.body(Body::from(body)).expect("request")).await;
    assert_eq!(headers["cache-control"], "no-store", "{endpoint}");
    let value = serde_json::from_slice(&body).unwrap_or_else(|_| json!(String::from_utf8_lossy(&body)));
    (status, value)
}

/// A value a malformed call carries, which no answer and no log line may repeat.
const LEAKY: &str = "leaky-customer@example.com";

/// Malformed calls of every kind, each with the status it must get.
/// (what is wrong, the endpoint, the content type, the body, the status it must get)
type MalformedCall = (&'static str, &'static str, Option<&'static str>, Vec<u8>, StatusCode);

fn malformed_calls(capability: &str) -> Vec<MalformedCall> {
    const JSON: Option<&str> = Some("application/json");
    let json = |value: Value| value.to_string().into_bytes();
    let oversized = json(json!({"capability": capability, "author": "Sam", "body": "x".repeat(1024 * 1024)}));
    vec![
        ("empty", "notes/add", JSON, Vec::new(), StatusCode::BAD_REQUEST),
        ("blank", "notes/list", JSON, b"  \n".to_vec(), StatusCode::BAD_REQUEST),
        ("not JSON", "notes/add", JSON, format!("author=Sam&body={LEAKY}").into_bytes(), StatusCode::BAD_REQUEST),
        ("truncated JSON", "notes/add", JSON, format!(r#"{{"body":"{LEAKY}"#).into_bytes(), StatusCode::BAD_REQUEST),
        ("not UTF-8", "notes/add", JSON, b"{\"body\":\"\xff\xfe\"}".to_vec(), StatusCode::BAD_REQUEST),
        (
            "lone surrogate",
            "notes/add",
            JSON,
            format!(r#"{{"capability":"{capability}","author":"Sam","body":"{LEAKY} \ud800"}}"#).into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "wrong type (a string for a list)",
            "forms/submit",
            JSON,
            json(json!({"capability": capability, "form_id": "callback-request", "author": "Sam", "values": LEAKY})),
            StatusCode::BAD_REQUEST,
        ),
        (
            "wrong type (a list for a string)",
            "notes/add",
            JSON,
            json(json!({"capability": capability, "author": [LEAKY], "body": LEAKY})),
            StatusCode::BAD_REQUEST,
        ),
        (
            "wrong type (a number)",
            "notes/add",
            JSON,
            json(json!({"capability": capability, "author": "Sam", "body": 5})),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a missing argument",
            "notes/add",
            JSON,
            json(json!({"capability": capability, "body": LEAKY})),
            StatusCode::BAD_REQUEST,
        ),
        ("not an object", "notes/add", JSON, json(json!([capability, "Sam", LEAKY])), StatusCode::BAD_REQUEST),
        ("over 1 MiB", "notes/add", JSON, oversized, StatusCode::PAYLOAD_TOO_LARGE),
        (
            "text/plain",
            "notes/add",
            Some("text/plain"),
            json(json!({"capability": capability, "author": "Sam", "body": LEAKY})),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "form-encoded",
            "notes/add",
            Some("application/x-www-form-urlencoded"),
            format!("capability={capability}&author=Sam&body={LEAKY}").into_bytes(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "no content type",
            "notes/add",
            None,
            json(json!({"capability": capability, "author": "Sam", "body": LEAKY})),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        ("empty, to the storage check", "check_storage", JSON, Vec::new(), StatusCode::BAD_REQUEST),
    ]
}

async fn malformed_calls_get_a_4xx_that_quotes_nothing_and_store_nothing(app: TestApp) {
    let capability = capability_for(&Subject::Customer(alice()));
    for (case, endpoint, content_type, body, expected) in malformed_calls(&capability) {
        let (status, answer) = post_raw(&app, endpoint, content_type, body).await;
        assert_eq!(status, expected, "{case}: {answer}");
        let message = answer["BadRequest"].as_str().unwrap_or_else(|| panic!("{case}: a short message: {answer}"));
        assert!(!message.is_empty() && message.len() < 100, "{case}: {message}");
        assert!(!answer.to_string().contains(LEAKY) && !answer.to_string().contains(&capability), "{case}: {answer}");
        // The functions' own error types read it, so the islands show the message.
        let read: app::server_fns::PanelError = serde_json::from_value(answer.clone()).expect("a PanelError");
        assert_eq!(read, app::server_fns::PanelError::BadRequest(message.to_owned()), "{case}");
        let read: app::server_fns::StorageCheckError =
            serde_json::from_value(answer.clone()).expect("a StorageCheckError");
        assert_eq!(read.to_string(), message, "{case}");
    }
    // Only POST.
    let (status, headers, _) = app.get("/fn/notes/list").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers["allow"], "POST");
    // A well-formed call with a charset in its content type still works.
    let (status, notes) = post_raw(
        &app,
        "notes/add",
        Some("application/json; charset=utf-8"),
        json!({"capability": capability, "author": "Sam", "body": "fine"}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{notes}");
    assert_eq!(bodies(&notes), ["fine"]);
    let stored = app.store.notes(&alice(), 10).await.expect("notes");
    assert_eq!(stored.len(), 1, "none of the malformed calls stored anything");
    assert!(app.store.submissions(RecordOwner::Customer(&alice()), 10).await.expect("submissions").is_empty());
}

/// A log that writes into memory, for the test below to read.
#[derive(Clone, Default)]
struct CapturedLog(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn what_a_malformed_call_sent_never_reaches_the_log(app: TestApp) {
    let log = CapturedLog::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The test runs on one thread (tokio's current-thread runtime), so this catches everything.
    let _guard = tracing::subscriber::set_default(subscriber);
    let capability = capability_for(&Subject::Customer(alice()));
    for (case, endpoint, content_type, body, _) in malformed_calls(&capability) {
        let (status, _) = post_raw(&app, endpoint, content_type, body).await;
        assert!(status.is_client_error(), "{case}");
    }
    let text = String::from_utf8(log.0.lock().expect("log buffer").clone()).expect("utf-8 log");
    assert!(text.contains("its arguments could not be read"), "the log was captured: {text}");
    assert!(!text.contains(LEAKY), "a value sent reached the log: {text}");
    assert!(!text.contains(&capability), "the capability reached the log: {text}");
}

async fn the_storage_check_pings_at_most_once_per_interval(app: TestApp) {
    let check = || call(&app, "check_storage", json!({}));
    let (status, first) = check().await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert!(first["round_trip_micros"].is_u64(), "{first}");
    // No database work per call: with the store closed, the last answer still stands...
    app.store.close().await;
    let (status, again) = check().await;
    assert_eq!((status, &again), (StatusCode::OK, &first), "answered from the last check");
    // ...until it is older than the interval; then storage is asked again, and fails.
    tokio::time::sleep(app::server_fns::STORAGE_CHECK_MAX_AGE + Duration::from_millis(100)).await;
    let (status, failed) = check().await;
    assert!(status.is_server_error(), "{status} {failed}");
    assert_eq!(failed, json!("StorageUnavailable"));
}

async fn control_characters_are_refused_alike_on_both_backends(app: TestApp) {
    let capability = capability_for(&Subject::Customer(alice()));
    // Line breaks and tabs are what a textarea holds: kept.
    let (status, notes) =
        call(&app, "notes/add", json!({"capability": capability, "author": "Sam", "body": "one\n\ttwo\r\nthree"}))
            .await;
    assert_eq!(status, StatusCode::OK, "{notes}");
    let id = first_id(&notes);
    assert_eq!(app.store.notes(&alice(), 10).await.expect("notes")[0].body, "one\n\ttwo\nthree");

    for bad in ["null\u{0}byte", "bell\u{7}", "escape\u{1b}[31m", "del\u{7f}", "c1\u{85}"] {
        let (status, error) =
            call(&app, "notes/add", json!({"capability": capability, "author": "Sam", "body": bad})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {error}");
        assert_eq!(error["Invalid"], "Remove the invisible control characters from this note.", "{bad:?}");
        let (status, error) = call(&app, "notes/edit", json!({"capability": capability, "id": id, "body": bad})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {error}");
        let (status, error) =
            call(&app, "notes/add", json!({"capability": capability, "author": format!("Sa{bad}m"), "body": "x"}))
                .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {error}");
    }
    // An id no note can have is no note, before any database sees it.
    for endpoint in ["notes/edit", "notes/delete"] {
        let (status, error) =
            call(&app, endpoint, json!({"capability": capability, "id": format!("{id}\u{0}"), "body": "x"})).await;
        assert_eq!((status, error), (StatusCode::NOT_FOUND, json!("NoteGone")), "{endpoint}");
    }
    let stored = app.store.notes(&alice(), 10).await.expect("notes");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].body, "one\n\ttwo\nthree", "the edits with control characters changed nothing");

    // Form fields: a message next to the field, nothing stored.
    let mut values = valid_values(&app, "callback-request");
    let text_field = values.iter().position(|(name, _)| name == "phone").expect("the phone field");
    let textarea = values.iter().position(|(name, _)| name == "topic").expect("the topic field");
    values[text_field].1 = "+31\u{0}612345678".into();
    values[textarea].1 = "call\u{0}me".into();
    let (status, outcome) = call(
        &app,
        "forms/submit",
        json!({"capability": capability, "form_id": "callback-request", "author": "Sam\u{0}", "values": values}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    let errors = outcome["Invalid"].as_array().unwrap_or_else(|| panic!("messages per field: {outcome}"));
    let fields: Vec<&str> = errors.iter().map(|e| e["field"].as_str().expect("field")).collect();
    assert_eq!(fields, [belco::notes::AUTHOR_FIELD, "phone", "topic"], "{outcome}");
    assert!(app.store.submissions(RecordOwner::Customer(&alice()), 10).await.expect("submissions").is_empty());
}

/// Runs `sql` on the test's database directly (rows the server would not write itself).
async fn execute(app: &TestApp, sql: &str) {
    let url = app.state.config.database_url.expose();
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.expect("connect");
        sqlx::query(sql).execute(&pool).await.expect("sql");
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.expect("connect");
        sqlx::query(sql).execute(&pool).await.expect("sql");
        pool.close().await;
    }
}

async fn notes_and_submissions_of_the_same_moment_are_ordered_bytewise(app: TestApp) {
    // Ids are random base64url: upper and lower case, which PostgreSQL's collation would mix.
    let ids = ["a", "B", "é", "f", "Z", "z", "a-1", "a1"];
    for id in ids {
        execute(
            &app,
            &format!(
                "INSERT INTO notes (id, email_norm, phone_norm, author, body, created_at, updated_at) \
                 VALUES ('{id}', '{ALICE}', NULL, 'Sam', 'note {id}', 1000, 1000)"
            ),
        )
        .await;
        for (scope, email) in [("customer", format!("'{ALICE}'")), ("company", "NULL".to_owned())] {
            execute(
                &app,
                &format!(
                    "INSERT INTO form_submissions \
                     (id, form_id, form_title, scope, email_norm, phone_norm, author, answers, created_at) \
                     VALUES ('{scope}{id}', 'f', 'F', '{scope}', {email}, NULL, 'Sam', '[]', 1000)"
                ),
            )
            .await;
        }
    }
    let mut newest_first: Vec<&str> = ids.to_vec();
    newest_first.sort_by(|a, b| b.as_bytes().cmp(a.as_bytes()));
    let key = CustomerKey { email: Some(ALICE.into()), phone: None };
    for limit in [8, 5, 2] {
        let want = &newest_first[..limit as usize];
        let notes = app.store.notes(&key, limit).await.expect("notes");
        assert_eq!(notes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), want, "notes, limit {limit}");
        let customer = app.store.submissions(RecordOwner::Customer(&key), limit).await.expect("submissions");
        let customer: Vec<String> = customer.into_iter().map(|s| s.id.replacen("customer", "", 1)).collect();
        assert_eq!(customer, want, "customer submissions, limit {limit}");
        let company = app.store.submissions(RecordOwner::Company, limit).await.expect("submissions");
        let company: Vec<String> = company.into_iter().map(|s| s.id.replacen("company", "", 1)).collect();
        assert_eq!(company, want, "company submissions, limit {limit}");
    }
}
