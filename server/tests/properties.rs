//! Property tests through the real router (on SQLite; `hostile.rs` covers both backends): for
//! arbitrary query strings, push bodies, notes and form submissions, the server never answers
//! 5xx, stores nothing unless the request was valid, and renders stored text escaped.
//!
//! Each property runs a modest number of cases against one `TestApp`, so the file stays well
//! under a minute. Failures proptest finds are kept in `server/proptest-regressions/`.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode, Uri};
use belco::capability::Subject;
use belco::identity::CustomerKey;
use belco::store::RecordOwner;
use common::*;
use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, TestCaseError, TestRunner};
use serde_json::{Value, json};

const ALICE: &str = "alice@example.com";

fn alice() -> CustomerKey {
    CustomerKey { email: Some(ALICE.into()), phone: None }
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(ProptestConfig {
        cases,
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/properties.txt"))),
        ..ProptestConfig::default()
    })
}

/// A runtime and a fresh app on SQLite holding the spec order, for one property.
fn app() -> (tokio::runtime::Runtime, TestApp) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let app = runtime.block_on(async {
        let app = TestApp::new(Backend::Sqlite).await;
        app.import(&format!("{{\"orders\":[{SPEC_ORDER}]}}")).await.expect("import");
        app
    });
    (runtime, app)
}

fn below_500(status: StatusCode, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(status.as_u16() < 500, "{} answered {}", what, status);
    Ok(())
}

/// Turns escaped text back into what it says; `None` if raw markup is left in it.
fn unescape(html: &str) -> Option<String> {
    if html.contains(['<', '>']) {
        return None;
    }
    Some(html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&"))
}

/// The texts between `open` and the next `</{close}>` in `html`.
fn contents<'a>(html: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    let end = format!("</{close}>");
    html.split(open).skip(1).map(|rest| rest.split(end.as_str()).next().unwrap_or("")).collect()
}

// ---------------------------------------------------------------------------------------------
// Query strings

/// A parameter name: one Belco reads, or anything.
fn param_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["token", "email", "phoneNumber", "Token", "email[]", ""]).prop_map(String::from),
        "[a-zA-Z%0-9]{1,8}",
    ]
}

/// A value: raw bytes percent-encoded (so invalid UTF-8, `%00`, CRLF), visible ASCII as is,
/// malformed escapes, the real token, or an identifier of the imported customer.
fn param_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..30).prop_map(|b| b.iter().map(|b| format!("%{b:02X}")).collect()),
        "[!$'()*+,;:@/?a-zA-Z0-9._~-]{0,40}",
        "%[0-9a-zA-Z%]{0,3}",
        Just(TOKEN.to_owned()),
        Just("john@example.com".to_owned()),
        Just("+31612345678".to_owned()),
        "[a-z]{1,2000}",
    ]
}

fn query_string() -> impl Strategy<Value = String> {
    prop::collection::vec((param_name(), prop::option::of(param_value())), 0..8).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(name, value)| match value {
                Some(value) => format!("{name}={value}"),
                None => name,
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

#[test]
fn arbitrary_query_strings_never_get_a_5xx() {
    let (runtime, app) = app();
    let before = runtime.block_on(app.row_counts());
    let answered = AtomicU64::new(0);
    runner(192)
        .run(&(query_string(), any::<bool>(), any::<bool>()), |(query, frame, token_first)| {
            let path = if frame { "/frame" } else { "/api/v1.0/orders" };
            // Half the cases start as Belco's links do, with the real token, so that what comes
            // after it reaches the lookup (a random token is rarely the real one alone).
            let uri = if token_first { format!("{path}?token={TOKEN}&{query}") } else { format!("{path}?{query}") };
            // What a client cannot even send (the URI does not parse) is not a case.
            prop_assume!(uri.parse::<Uri>().is_ok());
            let (status, headers, _) = runtime.block_on(app.get(&uri));
            below_500(status, &uri)?;
            prop_assert!(headers.get("set-cookie").is_none(), "{}", uri);
            if status == StatusCode::OK {
                answered.fetch_add(1, Ordering::Relaxed);
            }
            if status == StatusCode::OK && !frame {
                prop_assert_eq!(headers["content-type"].to_str().ok(), Some("application/json"));
            }
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert_eq!(runtime.block_on(app.row_counts()), before, "a read stored something");
    assert!(answered.into_inner() > 0, "no case carried the token: only the 401 path was tested");
}

// ---------------------------------------------------------------------------------------------
// Push bodies

/// Any JSON, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 20, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            prop::collection::btree_map("[a-zA-Z]{0,8}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An order whose fields are plausible or, one in four, anything.
fn order_json(id: u64) -> impl Strategy<Value = Value> {
    let field = |plausible: Value| prop_oneof![3 => Just(plausible), 1 => json_value()];
    (
        field(json!("2024-05-01T10:00Z")),
        field(json!("EUR")),
        prop_oneof![Just(json!(10.5)), Just(json!(10.005)), Just(json!("ten")), json_value()],
        field(json!("push@example.com")),
        field(json!("https://shop.example/o/1")),
    )
        .prop_map(move |(date, currency, total, email, url)| {
            json!({"id": format!("prop-{id}"), "date": date, "status": "paid", "currency": currency,
                   "total": total, "email": email, "url": url, "products": []})
        })
}

/// A push body: a batch of plausible orders, any JSON, or any bytes.
fn push_body(id: u64) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::collection::vec(order_json(id), 0..3).prop_map(|orders| json!({"orders": orders}).to_string().into_bytes()),
        1 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

/// Whether `body` is a batch the push API must accept: `{"orders":[…]}` of valid orders.
fn is_valid_batch(body: &[u8], region: belco::phone::Region) -> bool {
    #[derive(serde::Deserialize)]
    struct Batch {
        orders: Vec<Box<serde_json::value::RawValue>>,
    }
    // An object: serde would also read the struct from a list (`[[]]`), which the push API refuses.
    let is_object = serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|v| v.is_object());
    is_object
        && serde_json::from_slice::<Batch>(body).is_ok_and(|b| {
            b.orders.iter().enumerate().all(|(i, raw)| belco::import::prepare(raw, i as u64, region).is_ok())
        })
}

#[test]
fn arbitrary_push_bodies_never_get_a_5xx_and_store_only_valid_batches() {
    let (runtime, app) = app();
    let ids = AtomicU64::new(0);
    let region = app.state.config.phone_region;
    let accepted = AtomicU64::new(0);
    runner(128)
        .run(&(any::<u64>().prop_flat_map(push_body), any::<bool>()), |(body, signed)| {
            let id = ids.fetch_add(1, Ordering::Relaxed);
            let text = String::from_utf8_lossy(&body).into_owned();
            let request = if signed {
                // Signed over the exact bytes (the helper takes text, so sign lossless bodies only).
                prop_assume!(std::str::from_utf8(&body).is_ok());
                app.signed("POST", "/api/v1.0/orders", &format!("msg_prop_{id}"), now(), &text)
            } else {
                Request::post("/api/v1.0/orders")
                    .header("content-type", "application/json")
                    .body(Body::from(body.clone()))
                    .expect("request")
            };
            let before = runtime.block_on(app.row_counts());
            let (status, _, answer) = runtime.block_on(app.send(request));
            below_500(status, &text)?;
            let after = runtime.block_on(app.row_counts());
            let valid = signed && is_valid_batch(&body, region);
            if valid {
                prop_assert_eq!(status, StatusCode::OK, "{} → {:?}", text, answer);
                accepted.fetch_add(1, Ordering::Relaxed);
            } else {
                prop_assert!(status.is_client_error(), "{} → {} {:?}", text, status, answer);
                // A signed request uses up its webhook-id even when refused (so it cannot be
                // replayed): its receipt is the one row it may leave.
                let receipts = if signed {
                    before.push_receipts..=before.push_receipts + 1
                } else {
                    before.push_receipts..=before.push_receipts
                };
                prop_assert!(receipts.contains(&after.push_receipts), "{} → {:?}", text, after);
                prop_assert_eq!(
                    RowCounts { push_receipts: before.push_receipts, ..after },
                    before,
                    "a refused push stored something: {}",
                    text
                );
            }
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert!(accepted.into_inner() > 0, "no case was a valid signed batch: the property tested no upsert");
}

// ---------------------------------------------------------------------------------------------
// Notes and form submissions through the server functions

/// Text people might type, markup and control characters included.
fn typed_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,60}",
        "[<>&\"' a-z/=()]{0,40}",
        Just("<script>alert(1)</script>".to_owned()),
        Just("\"><img src=x onerror=alert(1)>".to_owned()),
        ".{0,10}[\\x00-\\x1f\\x7f]{1,3}.{0,10}",
        "[a-z \\r\\n]{0,40}",
    ]
}

#[test]
fn notes_with_any_text_never_get_a_5xx_and_are_rendered_escaped() {
    let (runtime, app) = app();
    let capability = capability_issued(&Subject::Customer(alice()), 0);
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
            let newest = runtime.block_on(app.store.notes(&alice(), 1)).expect("notes").remove(0);
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

#[test]
fn form_submissions_of_any_values_never_get_a_5xx_and_are_rendered_escaped() {
    let (runtime, app) = app();
    let customer = capability_issued(&Subject::Customer(alice()), 0);
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
                    RecordOwner::Customer(&alice())
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
