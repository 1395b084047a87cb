//! Form webhooks against a real receiver (`common::webhook_receiver`), with the server's delivery
//! task in this process: every submission arrives, signed, with the same `webhook-id` on every
//! attempt, and never again after a 200, through 500s and a receiver that hangs; a 200 whose
//! recording meets a locked database is not sent twice; instances sharing a PostgreSQL database
//! each attempt a delivery alone. The panel shows each state. With the real binary (the CLI, a
//! `kill -9`): in `tests/processes/`.

use std::collections::HashSet;
use std::time::Duration;

use axum::http::StatusCode;
use belco::forms::WebhookTarget;
use belco::store::{DeliveryState, RecordOwner, Store};
use serde_json::{Value, json};

use crate::common::server_process::capability_in;
use crate::common::webhook_receiver::*;
use crate::common::*;

async fn a_receiver_that_fails_then_hangs_then_recovers_gets_every_form_once(backend: Backend) {
    let receiver = Receiver::start();
    let app = hooked_app(backend, &receiver, 8).await;
    let deliverer = start_deliveries(app.store.clone(), app.state.config.webhooks.clone());
    let alice = format!("email={ALICE}");

    // 200 at once.
    let first = send_form(&app, &alice, "return-request", "First parcel").await;
    until_state(&app.store, &first, DeliveryState::Delivered, Duration::from_secs(10), "the first delivery").await;
    let delivered = state_of(&app.store, &first).await;
    assert_eq!((delivered.attempts, delivered.last_status), (1, Some(200)));
    let body: Value = serde_json::from_str(&delivered.payload).expect("JSON");
    assert_eq!(body["type"], "form.submitted");
    assert_eq!(body["data"]["form"]["id"], "return-request");
    assert_eq!(body["data"]["customer"]["email"], ALICE);
    assert_eq!(body["data"]["agent"]["name"], "Sam");
    assert_eq!(body["data"]["values"]["items"], "First parcel");

    // Then 500s: retried, and the panel says so with the next attempt's time.
    receiver.answer("fail").await;
    let second = send_form(&app, &alice, "return-request", "Second parcel").await;
    until(Duration::from_secs(10), "two failed attempts", || async {
        receiver.attempts_of(&second).await.len() >= 2 && state_of(&app.store, &second).await.attempts >= 2
    })
    .await;
    let retrying = state_of(&app.store, &second).await;
    assert_eq!((retrying.state, retrying.last_status), (DeliveryState::Pending, Some(500)));
    let html = panel(&app, &alice).await;
    assert!(
        html.contains("Not delivered yet (the receiver answered 500 Internal Server Error); next attempt <time"),
        "{html}"
    );
    assert!(html.contains("submission__delivery--retrying") && html.contains("data-delivery-under-way"));

    // Then no answer at all: the attempt times out.
    receiver.answer("hang").await;
    until(Duration::from_secs(15), "an attempt that gets no answer", || async {
        receiver.attempts_of(&second).await.iter().any(|a| a["mode"] == "hang")
            && state_of(&app.store, &second).await.last_error.is_some_and(|e| e.contains("no answer within 1 s"))
    })
    .await;

    // Then it recovers: delivered, once.
    receiver.answer("ok").await;
    until_state(&app.store, &second, DeliveryState::Delivered, Duration::from_secs(20), "the second delivery").await;
    // A company form, too.
    let company = send_form(&app, "", "warehouse-problem", "Shelf B4 is empty").await;
    until_state(&app.store, &company, DeliveryState::Delivered, Duration::from_secs(10), "the company form's delivery")
        .await;
    // Time for a duplicate to show, if one were coming.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    deliverer.finish(Duration::from_secs(5)).await;

    assert_one_delivery(&receiver.attempts_of(&first).await, &["ok"]);
    let second_attempts = receiver.attempts_of(&second).await;
    let modes: Vec<&str> = second_attempts.iter().map(|a| a["mode"].as_str().unwrap_or_default()).collect();
    let fails = modes.iter().filter(|m| **m == "fail").count();
    let hangs = modes.iter().filter(|m| **m == "hang").count();
    let mut expected = vec!["fail"; fails];
    expected.extend(vec!["hang"; hangs]);
    expected.push("ok");
    assert!(fails >= 2 && hangs >= 1, "{modes:?}");
    assert_one_delivery(&second_attempts, &expected);
    let stamps: Vec<i64> =
        second_attempts.iter().map(|a| a["timestamp"].as_str().unwrap_or_default().parse().expect("seconds")).collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "each attempt has its own timestamp: {stamps:?}");
    let company_attempts = receiver.attempts_of(&company).await;
    assert_one_delivery(&company_attempts, &["ok"]);
    let body: Value = serde_json::from_str(company_attempts[0]["body"].as_str().unwrap_or_default()).expect("JSON");
    assert_eq!(
        (body["data"]["customer"].clone(), body["data"]["form"]["scope"].clone()),
        (Value::Null, json!("company"))
    );
    assert_eq!(receiver.received().await.len(), second_attempts.len() + 2, "nothing else was sent");

    let html = panel(&app, &alice).await;
    assert_eq!(html.matches("Delivered to the shop").count(), 2, "{html}");
    assert!(!html.contains("data-delivery-under-way"), "{html}");
    // What the panel asks for while a delivery is under way: the same list, for its capability only.
    let (status, _, list) = app.send(fn_call("forms/sent", &json!({"capability": capability_in(&html)}))).await;
    let list: Value = serde_json::from_slice(&list).expect("JSON");
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list.as_str().map(|l| l.matches("Delivered to the shop").count()), Some(2), "{list}");
    let (status, _, _) = app.send(fn_call("forms/sent", &json!({"capability": "v1.forged"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// The receiver's check is a real one: a body signed with another secret is refused by it.
#[tokio::test]
async fn the_receiver_refuses_a_wrong_signature() {
    let receiver = Receiver::start();
    let other = belco::deliveries::WebhookSigner::new(&belco::secret::Secret::new(belco::push::generate_secret()))
        .expect("signer");
    let body = r#"{"type":"form.submitted"}"#;
    let at = now();
    let signature = other.sign("msg_forged", at, body);
    reqwest::Client::new()
        .post(receiver.url())
        .header("webhook-id", "msg_forged")
        .header("webhook-timestamp", at.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .expect("post");
    let received = receiver.received().await;
    assert_eq!(received[0]["verified"], false, "{received:?}");
}

#[tokio::test]
async fn sqlite_a_receiver_that_fails_then_hangs_then_recovers_gets_every_form_once() {
    a_receiver_that_fails_then_hangs_then_recovers_gets_every_form_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_receiver_that_fails_then_hangs_then_recovers_gets_every_form_once() {
    a_receiver_that_fails_then_hangs_then_recovers_gets_every_form_once(Backend::Postgres).await;
}

/// A 200 whose recording meets a locked database (a SQLite writer holding the lock past the busy
/// timeout) is recorded once the lock is released, and not sent again when its claim runs out.
#[tokio::test]
async fn a_delivery_whose_outcome_meets_a_locked_database_is_not_sent_twice() {
    let receiver = Receiver::start();
    receiver.answer("slow").await;
    let forms_dir = tempfile::tempdir().expect("dir");
    let app = TestApp::with(Backend::Sqlite, |vars| {
        hooked(vars, &receiver, forms_dir.path(), 8);
        vars.insert("BELCO_WEBHOOK_TIMEOUT".into(), "3s".into());
    })
    .await;
    let deliverer = start_deliveries(app.store.clone(), app.state.config.webhooks.clone());
    let sent = send_form(&app, &format!("email={ALICE}"), "return-request", "Locked parcel").await;
    until(Duration::from_secs(10), "the attempt", || async { !receiver.attempts_of(&sent).await.is_empty() }).await;
    // While the receiver takes its time, another writer takes the lock for 7 s (the busy timeout is 5 s).
    let file = app.dir.path().join("belco.db");
    let locker = std::thread::spawn(move || {
        let db = hold_write_lock(&file);
        std::thread::sleep(Duration::from_secs(7));
        db.execute_batch("COMMIT").expect("release the lock");
    });
    until_state(&app.store, &sent, DeliveryState::Delivered, Duration::from_secs(20), "the delivery to be recorded")
        .await;
    locker.join().expect("the locker");
    // Past the claim's lease (3 s + 5 s from the claim): no second attempt.
    tokio::time::sleep(Duration::from_secs(4)).await;
    deliverer.finish(Duration::from_secs(5)).await;
    assert_one_delivery(&receiver.attempts_of(&sent).await, &["slow"]);
}

/// A connection to the SQLite file that holds its write lock (`BEGIN IMMEDIATE`) until committed.
fn hold_write_lock(file: &std::path::Path) -> rusqlite::Connection {
    let db = rusqlite::Connection::open(file).expect("open the database");
    db.execute_batch("BEGIN IMMEDIATE").expect("take the write lock");
    db
}

/// Two instances on one PostgreSQL database: claims made at the same moment never share a
/// delivery, and with both sending, every delivery reaches the receiver exactly once.
#[tokio::test]
async fn instances_sharing_postgres_attempt_each_delivery_once() {
    let receiver = Receiver::start();
    // What is checked is that no delivery is claimed twice, so an answer is given all the time it
    // may take on a busy machine: with the tests' 1 s, a slow answer is tried again, and
    // delivered twice, as "at least once" allows.
    let forms_dir = tempfile::tempdir().expect("dir");
    let app = TestApp::with(Backend::Postgres, |vars| {
        hooked(vars, &receiver, forms_dir.path(), 8);
        vars.insert("BELCO_WEBHOOK_TIMEOUT".into(), "10s".into());
    })
    .await;
    let other = Store::connect(app.state.config.database_url.expose()).await.expect("a second instance's store");
    let target = WebhookTarget { url: receiver.url(), secret: SECRET_VAR.into() };
    let form = app.state.config.forms.get("return-request").expect("form").clone();
    let answers = form.validate(&valid_answers(&form, "Parcel"), &belco::locale::Language::EN).expect("valid");
    let key = belco::identity::CustomerKey { email: Some(ALICE.into()), phone: None };
    for _ in 0..40 {
        app.store
            .add_submission(
                RecordOwner::Customer(&key),
                &form.id,
                form.title.get("en"),
                "Sam",
                "en",
                answers.clone(),
                Some(&target),
            )
            .await
            .expect("submission");
    }
    // Claims at the same moment take disjoint rows.
    let now = belco::store::now_millis();
    let lease = Duration::from_secs(60);
    let (a, b) = tokio::join!(app.store.claim_deliveries(now, lease, 25), other.claim_deliveries(now, lease, 25));
    let (a, b) = (a.expect("claim"), b.expect("claim"));
    let a_ids: HashSet<&str> = a.iter().map(|c| c.id.as_str()).collect();
    assert!(b.iter().all(|c| !a_ids.contains(c.id.as_str())), "a delivery claimed twice");
    assert_eq!(a.len() + b.len(), 40, "every due delivery was claimed by one of them");
    // Released (as a crashed instance's leases run out: here, by settling them as retries due now).
    for claimed in a.iter().chain(&b) {
        let retry = belco::store::Settled::Retry { status: None, error: "released".into(), next_attempt_at: now };
        assert!(app.store.settle_delivery(claimed, &retry, now).await.expect("settle"));
    }
    // Both instances send.
    let one = start_deliveries(app.store.clone(), app.state.config.webhooks.clone());
    let two = start_deliveries(other.clone(), app.state.config.webhooks.clone());
    until(Duration::from_secs(30), "every delivery", || async {
        let all = app.store.deliveries(Some(DeliveryState::Delivered), 100).await.expect("deliveries");
        all.len() == 40
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    one.finish(Duration::from_secs(5)).await;
    two.finish(Duration::from_secs(5)).await;
    let received = receiver.received().await;
    let ids: HashSet<&str> = received.iter().map(|r| r["id"].as_str().expect("id")).collect();
    assert_eq!((received.len(), ids.len()), (40, 40), "each delivery exactly once");
    assert!(received.iter().all(|r| r["verified"] == true));
    other.close().await;
}
