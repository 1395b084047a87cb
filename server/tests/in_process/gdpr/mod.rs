//! The GDPR's right of access and right to erasure, through the store on both databases: the export
//! holds everything held about one customer and nothing else; the erasure deletes it all in one
//! transaction and keeps only a keyed-hashed record of the erasure; records outlive a rotation of
//! the signing key; and on SQLite no byte of an erased customer is left in the files. The access
//! log, which records who looked a customer up, is `access_log`. The commands (`belco-panel
//! customer export|erase`, `belco-panel access`) are in `tests/processes/`.

use belco::forms::{Answer, WebhookTarget};
use belco::phone::customer_key;
use belco::store::{HashedKey, RecordOwner};

use crate::common::gdpr::*;
use crate::common::*;

mod access_log;

const RECEIVER_KEY: &str = "receiver-key-4711";

fn answer(value: &str) -> Vec<Answer> {
    vec![Answer { name: "reason".into(), label: "Reason".into(), value: value.into() }]
}

/// John's orders (by email, by phone, by both), a note and a submission of his, and another
/// customer's and the company's records beside them.
async fn seed(app: &TestApp) -> belco::identity::CustomerKey {
    app.import(&file(&[
        order("j1", JOHN, "", "2024-01-01T10:00:00Z"),
        order("j2", JOHN, JOHN_PHONE, "2024-02-01T10:00:00Z"),
        order("o1", "other@example.com", "+31698765432", "2024-03-01T10:00:00Z"),
    ]))
    .await
    .expect("import");
    let region = app.state.config.phone_region;
    let john = customer_key(JOHN, "", region);
    let other = customer_key("other@example.com", "", region);
    app.store.add_note(&john, "Sam", "Prefers email.").await.expect("note");
    app.store.add_note(&other, "Sam", "Someone else's note.").await.expect("note");
    // John's form goes to a webhook, so an outbox row of his is held too; the company's as well.
    // The receiver's key rides in its address's query, as some receivers want it.
    let hook =
        WebhookTarget { url: format!("https://shop.example/hooks?key={RECEIVER_KEY}"), secret: "HOOK_SECRET".into() };
    app.store
        .add_submission(
            RecordOwner::Customer(&john),
            "return",
            "Return request",
            "Sam",
            "en",
            answer("Too small"),
            Some(&hook),
        )
        .await
        .expect("submission");
    app.store
        .add_submission(RecordOwner::Company, "stock", "Stock check", "Sam", "en", answer("Socks"), Some(&hook))
        .await
        .expect("company submission");
    john
}

/// The customer's identifiers as the access log keeps them.
fn hashed(app: &TestApp, key: &belco::identity::CustomerKey) -> HashedKey {
    app.state.config.pseudonyms.as_ref().expect("a pseudonym key").of(key)
}

/// Belco looks John up twice and the other customer once; waits until the access log has them.
async fn looked_up(app: &TestApp, john: &belco::identity::CustomerKey) {
    app.get(&format!("/api/v1.0/orders?token={TOKEN}&email={JOHN}")).await;
    app.get(&format!("/frame?token={TOKEN}&email={JOHN}")).await;
    app.get(&format!("/frame?token={TOKEN}&email=other@example.com")).await;
    let other = customer_key("other@example.com", "", app.state.config.phone_region);
    // The writer runs at the lowest priority: on a busy test machine it may take a while.
    for _ in 0..1000 {
        let johns = app.store.accesses(&hashed(app, john), 10).await.expect("accesses").len();
        let others = app.store.accesses(&hashed(app, &other), 10).await.expect("accesses").len();
        if johns == 2 && others >= 1 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the access log did not record John's lookups");
}

async fn export_holds_everything_of_the_customer_and_nothing_else(app: TestApp) {
    let john = seed(&app).await;
    looked_up(&app, &john).await;
    let export = app.store.export_customer(&john, &hashed(&app, &john)).await.expect("export");
    let export = serde_json::to_value(export).expect("json");
    let ids: Vec<&str> =
        export["orders"].as_array().expect("orders").iter().map(|o| o["id"].as_str().expect("id")).collect();
    assert_eq!(ids, ["j1", "j2"], "oldest first: {export}");
    assert_eq!(export["orders"][1]["phoneNumber"], JOHN_PHONE, "as the shop sent it: {export}");
    assert_eq!(export["orders"][1]["email"], JOHN);
    assert_eq!(export["orders"][0]["total"], 10.0, "Belco's JSON as stored: {export}");
    assert_eq!(export["notes"].as_array().map(Vec::len), Some(1), "{export}");
    assert_eq!(export["notes"][0]["body"], "Prefers email.");
    assert_eq!(export["form_submissions"].as_array().map(Vec::len), Some(1), "{export}");
    assert_eq!(export["form_submissions"][0]["answers"][0]["value"], "Too small");
    assert_eq!(export["customer"]["email"], JOHN);
    assert_eq!(export["deliveries"].as_array().map(Vec::len), Some(1), "{export}");
    let delivery = &export["deliveries"][0];
    assert_eq!(delivery["submissionId"], export["form_submissions"][0]["id"]);
    assert_eq!((delivery["url"].as_str(), delivery["state"].as_str()), (Some("https://shop.example"), Some("pending")));
    assert_eq!(delivery["payload"]["data"]["customer"]["email"], JOHN, "the body sent, as JSON: {export}");
    assert!(delivery["webhookId"].as_str().is_some_and(|id| id.starts_with("msg_")), "{export}");
    let routes: Vec<&str> = export["access_log"]
        .as_array()
        .expect("access log")
        .iter()
        .map(|a| a["route"].as_str().expect("route"))
        .collect();
    assert_eq!(routes, ["frame", "orders_api"], "newest first: {export}");
    assert_eq!(export["access_log"][1]["outcome"], "found 2 orders");
    // What is the shop's is not the customer's: no client address, no receiver's key.
    assert!(export["access_log"].as_array().expect("list").iter().all(|a| a.get("client").is_none()), "{export}");
    let text = export.to_string();
    assert!(!text.contains(RECEIVER_KEY) && !text.contains("?key="), "{text}");
    for other in ["other@example.com", "Someone else's note.", "Socks"] {
        assert!(!text.contains(other), "{other} is not John's: {text}");
    }
    // By id, not by text: a random id elsewhere in the document may hold the letters "o1".
    let ids: Vec<&str> = export["orders"].as_array().expect("orders").iter().filter_map(|o| o["id"].as_str()).collect();
    assert!(!ids.contains(&"o1"), "o1 is not John's: {ids:?}");
    // By phone: the order that carries the phone, none of the email's alone.
    let by_phone = customer_key("", "06 12345678", app.state.config.phone_region);
    let by_phone = app.store.export_customer(&by_phone, &hashed(&app, &by_phone)).await.expect("export");
    assert_eq!(by_phone.orders.len(), 1);
}

async fn erasure_removes_it_all_at_once_and_keeps_only_a_hashed_record(app: TestApp) {
    let john = seed(&app).await;
    looked_up(&app, &john).await;
    let before = app.row_counts().await;
    let hashed = hashed(&app, &john);
    let erased = app.store.erase_customer(&john, &hashed).await.expect("erase");
    assert_eq!((erased.orders, erased.notes, erased.submissions, erased.deliveries, erased.accesses), (2, 1, 1, 1, 2));
    // His delivery is gone, not sent after the erasure; the company's stays.
    let outbox = app.store.deliveries(None, 10).await.expect("outbox");
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert!(outbox[0].payload.contains("Socks"), "{outbox:?}");
    let after = app.row_counts().await;
    assert_eq!(
        (after.orders, after.notes, after.submissions),
        (before.orders - 2, before.notes - 1, before.submissions - 1)
    );
    let export = app.store.export_customer(&john, &hashed).await.expect("export");
    assert!(export.orders.is_empty() && export.notes.is_empty() && export.form_submissions.is_empty());
    assert!(export.access_log.is_empty() && export.deliveries.is_empty());
    let other = customer_key("other@example.com", "", app.state.config.phone_region);
    assert_eq!(app.store.accesses(&self::hashed(&app, &other), 10).await.expect("accesses").len(), 1, "not John's");
    assert_eq!(app.order_ids("email=other@example.com").await, ["o1"], "another customer keeps theirs");
    assert_eq!(app.store.erasures(&hashed).await.expect("erasures"), 1);

    // Nothing left: erasing again removes and records nothing.
    assert_eq!(app.store.erase_customer(&john, &hashed).await.expect("again"), belco::store::Erased::default());
    assert_eq!(app.store.erasures(&hashed).await.expect("erasures"), 1);

    // The shop may send the customer's data again, and it is stored.
    app.import(&file(&[order("j3", JOHN, "", "2024-05-01T10:00:00Z")])).await.expect("import after erasure");
    assert_eq!(app.order_ids(&format!("email={JOHN}")).await, ["j3"]);
}

const OLD_KEY: &str = "old-signing-key-0123456789abcdef-0123456789";

const NEW_KEY: &str = "new-signing-key-0123456789abcdef-0123456789";

/// `BELCO_PSEUDONYM_KEY` with `signing` as `BELCO_SIGNING_KEY`.
fn pseudonyms(signing: &str) -> belco::pseudonym::Pseudonyms {
    let signer =
        belco::capability::Signer::new(&belco::secret::Secret::new(signing), std::time::Duration::from_secs(60))
            .expect("key");
    belco::pseudonym::Pseudonyms::new(&belco::secret::Secret::new(PSEUDONYM_KEY), Some(std::sync::Arc::new(signer)))
        .expect("pseudonyms")
}

fn rotated_of(key: &belco::identity::CustomerKey) -> HashedKey {
    pseudonyms(&format!("{NEW_KEY},{OLD_KEY}")).of(key)
}

/// A record as a belco-panel from before the pseudonym key wrote it: keyed with the signing key.
fn legacy_record(email: &str, at: i64) -> belco::store::AccessRecord {
    let old = belco::capability::Signer::new(&belco::secret::Secret::new(OLD_KEY), std::time::Duration::from_secs(60))
        .expect("key");
    belco::store::AccessRecord {
        at,
        route: "frame".into(),
        email_hash: old.pseudonyms("email", email).into_iter().next(),
        phone_hash: None,
        orders: Some(2),
        client: "203.0.113.7".into(),
        status: 200,
        outcome: "found 2 orders".into(),
    }
}

/// Records from before the pseudonym key (under the old signing key) and after it (under the
/// pseudonym key) are all found while the old signing key is still configured, after the
/// signing key was rotated; all erased; and with the old key then dropped, nothing of them is
/// left, and what the pseudonym key wrote is found whatever the signing keys.
async fn records_outlive_a_signing_key_rotation(app: TestApp) {
    let john = seed(&app).await;
    let at = belco::store::now_millis() - 86_400_000;
    app.store
        .record_accesses(&[legacy_record(JOHN, at), legacy_record("other@example.com", at)])
        .await
        .expect("legacy");
    looked_up(&app, &john).await;
    // After the rotation: the new signing key first, the old one kept second.
    let rotated = pseudonyms(&format!("{NEW_KEY},{OLD_KEY}")).of(&john);
    assert_eq!(rotated.email.len(), 3, "the pseudonym key's, then the new and the old signing key's");
    let export = app.store.export_customer(&john, &rotated).await.expect("export");
    assert_eq!(export.access_log.len(), 3, "two lookups now, one from before the upgrade");

    // The signing key rotated again, the old one dropped: what the pseudonym key wrote stays found.
    let dropped = pseudonyms(NEW_KEY);
    assert_eq!(app.store.accesses(&dropped.of(&john), 10).await.expect("found").len(), 2);

    // Erased while the old key is still configured: every record, the old one too.
    let erased = app.store.erase_customer(&john, &rotated).await.expect("erase");
    assert_eq!(erased.accesses, 3);
    assert!(app.store.accesses(&rotated, 10).await.expect("after").is_empty());
    let key_only =
        belco::pseudonym::Pseudonyms::new(&belco::secret::Secret::new(PSEUDONYM_KEY), None).expect("pseudonyms");
    assert_eq!(app.store.erasures(&key_only.of(&john)).await.expect("erasures"), 1, "under the pseudonym key");
    // The other customer's records, from before and after, are still theirs.
    let other = customer_key("other@example.com", "", app.state.config.phone_region);
    assert_eq!(app.store.accesses(&rotated_of(&other), 10).await.expect("other").len(), 2);
}

on_both_backends!(
    export_holds_everything_of_the_customer_and_nothing_else,
    erasure_removes_it_all_at_once_and_keeps_only_a_hashed_record,
    records_outlive_a_signing_key_rotation,
    an_erasure_leaves_no_row_and_on_sqlite_no_byte
);

/// How many rows of the tables that held John's data still mention `text`, asked with SQL.
async fn rows_mentioning(app: &TestApp, text: &str) -> i64 {
    const SQL: &str = "SELECT (SELECT COUNT(*) FROM orders WHERE belco_json LIKE $1 OR email LIKE $1 \
                       OR phone_number LIKE $1 OR email_norm LIKE $1 OR phone_norm LIKE $1) \
                       + (SELECT COUNT(*) FROM notes WHERE body LIKE $1 OR email_norm LIKE $1 OR phone_norm LIKE $1)";
    let pattern = format!("%{text}%");
    let url = app.state.config.database_url.expose();
    if url.starts_with("sqlite:") {
        let db = sqlx::SqlitePool::connect(url).await.expect("the test database");
        let n = sqlx::query_scalar(SQL).bind(&pattern).fetch_one(&db).await.expect("count");
        db.close().await;
        n
    } else {
        let db = sqlx::PgPool::connect(url).await.expect("the test database");
        let n = sqlx::query_scalar(SQL).bind(&pattern).fetch_one(&db).await.expect("count");
        db.close().await;
        n
    }
}

/// An order re-imported with a shorter note and a note edited in the panel, then the erasure: no
/// row mentions any of it on either database, and on SQLite no byte of the files does.
async fn an_erasure_leaves_no_row_and_on_sqlite_no_byte(app: TestApp) {
    let long = long_note();
    assert_eq!(long.len(), 6080);
    app.import(&file(&[noted_order("n1", &long, "2024-01-01T10:00:00Z")])).await.expect("import");
    app.import(&file(&[noted_order("n1", SHORT_NOTE, "2024-02-01T10:00:00Z")])).await.expect("re-import");
    app.import(&file(&[order("a1", "ann@example.com", "", "2024-01-02")])).await.expect("Ann's");
    let john = customer_key(JOHN, "", app.state.config.phone_region);
    let note = app.store.add_note(&john, "Sam", DRAFT_NOTE).await.expect("note");
    app.store.update_note(&john, &note.id, EDITED_NOTE).await.expect("edit").expect("the note");
    for text in [JOHN, SHORT_NOTE, EDITED_NOTE] {
        assert!(rows_mentioning(&app, text).await > 0, "held before the erasure: {text}");
    }
    let db = app.dir.path().join("belco.db");
    let sqlite = matches!(app.store.backend(), "SQLite");
    if sqlite {
        assert!(!traces_in_files(&db, &[JOHN.to_owned()]).is_empty(), "the files hold John before the erasure");
    }

    let erased = app.store.erase_customer(&john, &hashed(&app, &john)).await.expect("erase");
    assert_eq!((erased.orders, erased.notes, erased.rewritten), (1, 1, None), "created with secure_delete: no rewrite");
    for text in johns_traces() {
        assert_eq!(rows_mentioning(&app, &text).await, 0, "a row still mentions {text:?}");
    }
    assert_eq!(app.order_ids("email=ann@example.com").await, ["a1"], "Ann keeps hers");
    if sqlite {
        let found = traces_in_files(&db, &johns_traces());
        assert!(found.is_empty(), "the database files still hold: {found:?}");
        assert!(!traces_in_files(&db, &["shop.example/o/a1".to_owned()]).is_empty(), "Ann's order is read there");
    }
}
