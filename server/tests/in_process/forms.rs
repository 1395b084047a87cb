//! Forms on the panel, through the frame's server functions on both backends: a submission missing
//! a required field gets a message per field and stores nothing, a valid one is stored and listed,
//! the company panel sends the company's forms only; and, as a property, any answers are stored or
//! refused, never a 5xx, and shown escaped. Where a form goes next is `webhooks`.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::StatusCode;
use belco::capability::Subject;
use belco::identity::CustomerKey;
use belco::store::RecordOwner;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::common::properties::{alice_by_email, app, below_500, contents, runner, typed_text, unescape};
use crate::common::server_fns::*;
use crate::common::*;

on_both_backends!(
    a_submission_missing_a_required_field_gets_messages_and_stores_nothing,
    a_valid_submission_is_stored_and_listed_in_the_panel,
    the_company_panel_sends_company_forms_only,
);

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
    assert_eq!(refused, panel_error("Refused"), "a customer form from the company panel");

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

#[test]
fn form_submissions_of_any_values_never_get_a_5xx_and_are_rendered_escaped() {
    let (runtime, app) = app();
    let customer = capability_issued(&Subject::Customer(alice_by_email()), 0);
    let company = capability_issued(&Subject::Company, 0);
    let forms = app.state.config.forms.clone();
    let value = prop_oneof![typed_text(), Just("on".to_owned()), "[0-9]{1,3}", "20[0-9]{2}-[01][0-9]-[0-3][0-9]"];
    let posted = prop::collection::vec((any::<prop::sample::Index>(), value, any::<bool>()), 0..10);
    let saved_count = AtomicU64::new(0);
    let markup = "[<>&\"' a-z/=()]{1,40}";
    runner(96)
        .run(
            &(any::<prop::sample::Index>(), posted, typed_text(), any::<bool>(), markup),
            |(form, posted, author, plausible, markup)| {
                let form = form.get(forms.all());
                let capability = if form.scope == belco::forms::Scope::Company { &company } else { &customer };
                let values = if plausible {
                    // Every field answered as the form asks, its text fields with markup in them.
                    valid_answers(form, &markup)
                } else {
                    // Field names of the form, or (when the flag says so) a name it does not have.
                    posted
                        .into_iter()
                        .map(|(field, value, foreign)| {
                            let name =
                                if foreign { "__proto__".to_owned() } else { field.get(&form.fields).name.clone() };
                            (name, value)
                        })
                        .collect()
                };
                let author = if plausible { format!("Sam {markup}") } else { author };
                let args = json!({"capability": capability, "form_id": form.id, "author": author, "values": values});
                let before = runtime.block_on(app.row_counts());
                let (status, _, answer) = runtime.block_on(app.send(fn_call("forms/submit", &args)));
                below_500(status, &format!("{args}"))?;
                let after = runtime.block_on(app.row_counts());
                let outcome: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
                let Some(saved) = outcome["Saved"].as_str() else {
                    prop_assert_eq!(after, before, "an invalid submission was stored: {} → {}", args, outcome);
                    return Ok(());
                };
                prop_assert_eq!(after.submissions, before.submissions + 1);
                saved_count.fetch_add(1, Ordering::Relaxed);
                let owner = if form.scope == belco::forms::Scope::Company {
                    RecordOwner::Company
                } else {
                    RecordOwner::Customer(&alice_by_email())
                };
                let newest = runtime.block_on(app.store.submissions(owner, 1)).expect("submissions").remove(0);
                // The newest comes first in the list.
                let first = saved.split("<li class=\"submission\">").nth(1).unwrap_or_default();
                let shown = contents(first, "<dd class=\"submission__value\">", "dd");
                prop_assert_eq!(shown.len(), newest.answers.len(), "{}", saved);
                for (html, answer) in shown.iter().zip(&newest.answers) {
                    let expected = if answer.value.is_empty() { "—".to_owned() } else { answer.value.clone() };
                    prop_assert_eq!(unescape(html), Some(expected), "{}", saved);
                }
                Ok(())
            },
        )
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert!(saved_count.into_inner() > 0, "no case was a valid submission: the property tested nothing stored");
}
