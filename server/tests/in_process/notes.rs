//! Notes on a customer's panel, through the frame's server functions on both backends: what the
//! page's own capability allows, what another customer's, a forged, an expired or the company's
//! capability is refused (for forms too) and that nothing is then stored, what a note must hold (an
//! author, a text, no control characters), how notes of one moment are ordered; and, as a property,
//! any text typed is stored or refused, never a 5xx, and shown escaped.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::StatusCode;
use belco::capability::Subject;
use belco::identity::CustomerKey;
use belco::store::{RecordOwner, now_millis};
use proptest::prelude::*;
use serde_json::json;

use crate::common::properties::{alice_by_email, app, below_500, contents, runner, typed_text, unescape};
use crate::common::server_fns::*;
use crate::common::*;

on_both_backends!(
    notes_are_added_edited_and_deleted_with_the_pages_own_capability,
    a_note_is_found_again_by_email_or_by_phone,
    another_customers_capability_cannot_touch_a_note,
    forged_expired_or_company_capabilities_are_refused_and_store_nothing,
    a_note_needs_an_author_and_a_text,
    control_characters_are_refused_alike_on_both_backends,
    notes_and_submissions_of_the_same_moment_are_ordered_bytewise,
);

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
    // The time of the change, like every time the panel shows, carries its instant.
    let edited = notes.as_str().and_then(|html| html.split("note__edited").nth(1)).unwrap_or_default();
    let edited = edited.split("</span>").next().unwrap_or_default();
    assert!(edited.contains("edited") && edited.contains("<time datetime=\""), "{notes}");
    assert!(
        edited
            .split("datetime=\"")
            .nth(1)
            .is_some_and(|rest| rest.split('"').next().is_some_and(|iso| iso.ends_with('Z'))),
        "{notes}"
    );

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
        assert_eq!(error, panel_error("NoteGone"), "{endpoint}");
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
        assert_eq!(error, panel_error(expected), "{capability:?}");
        let (_, error) = call(&app, "notes/list", json!({"capability": capability})).await;
        assert_eq!(error, panel_error(expected), "reads are guarded too: {capability:?}");
        let (_, error) = call(
            &app,
            "forms/submit",
            json!({"capability": capability, "form_id": "callback-request", "author": "Mallory", "values": []}),
        )
        .await;
        assert_eq!(error, panel_error(expected));
    }
    assert!(app.store.notes(&alice(), 10).await.expect("notes").is_empty());
    assert!(app.store.submissions(RecordOwner::Customer(&alice()), 10).await.expect("submissions").is_empty());
    // What the agent reads when a panel was left open too long.
    assert!(app::i18n::Locales::built_in_code("en").unwrap().words.expired.contains("Reload the panel"));
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
        assert_eq!((status, error), (StatusCode::NOT_FOUND, panel_error("NoteGone")), "{endpoint}");
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

#[test]
fn notes_with_any_text_never_get_a_5xx_and_are_rendered_escaped() {
    let (runtime, app) = app();
    let capability = capability_issued(&Subject::Customer(alice_by_email()), 0);
    let stored = AtomicU64::new(0);
    runner(96)
        .run(&(typed_text(), typed_text()), |(author, body)| {
            let before = runtime.block_on(app.row_counts());
            let args = json!({"capability": capability, "author": author, "body": body});
            let (status, _, answer) = runtime.block_on(app.send(fn_call("notes/add", &args)));
            below_500(status, &format!("{args}"))?;
            let after = runtime.block_on(app.row_counts());
            if status != StatusCode::OK {
                prop_assert_eq!(after, before, "a refused note was stored: {}", args);
                return Ok(());
            }
            prop_assert_eq!(after.notes, before.notes + 1);
            stored.fetch_add(1, Ordering::Relaxed);
            let html: String = serde_json::from_slice(&answer).expect("the notes list as a JSON string");
            let newest = runtime.block_on(app.store.notes(&alice_by_email(), 1)).expect("notes").remove(0);
            let shown = contents(&html, "<p class=\"note__body\">", "p");
            prop_assert_eq!(unescape(shown[0]), Some(newest.body.clone()), "{}", html);
            let frame =
                String::from_utf8(runtime.block_on(app.get(&format!("/frame?token={TOKEN}&email={ALICE}"))).2.to_vec())
                    .expect("UTF-8");
            let shown = contents(&frame, "<p class=\"note__body\">", "p");
            prop_assert_eq!(unescape(shown[0]), Some(newest.body), "the frame: {}", frame);
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert!(stored.into_inner() > 0, "no case was a valid note: the property tested nothing stored");
}
