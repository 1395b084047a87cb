//! The GDPR's right of access and right to erasure: `belco-panel customer export` writes
//! everything held about one customer, `belco-panel customer erase` deletes it all in one
//! transaction and keeps only a keyed-hashed record of the erasure. On both databases, and the
//! commands themselves on the real binary.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use belco::forms::{Answer, WebhookTarget};
use belco::phone::customer_key;
use belco::store::{HashedKey, RecordOwner};
use common::*;

const JOHN: &str = "john@example.com";
const JOHN_PHONE: &str = "+31612345678";
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
            answer("Too small"),
            Some(&hook),
        )
        .await
        .expect("submission");
    app.store
        .add_submission(RecordOwner::Company, "stock", "Stock check", "Sam", answer("Socks"), Some(&hook))
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
    for _ in 0..100 {
        if app.store.accesses(&hashed(app, john), 10).await.expect("accesses").len() == 2 {
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
    assert_eq!(
        (delivery["url"].as_str(), delivery["state"].as_str()),
        (Some("https://shop.example/hooks"), Some("pending"))
    );
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
    for other in ["other@example.com", "Someone else's note.", "Socks", "o1"] {
        assert!(!text.contains(other), "{other} is not John's: {text}");
    }
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
    assert_eq!(app.store.erasures(&dropped.of(&john)).await.expect("erasures"), 1, "under the pseudonym key");
    // The other customer's records, from before and after, are still theirs.
    let other = customer_key("other@example.com", "", app.state.config.phone_region);
    assert_eq!(app.store.accesses(&rotated_of(&other), 10).await.expect("other").len(), 2);
}

on_both_backends!(
    export_holds_everything_of_the_customer_and_nothing_else,
    erasure_removes_it_all_at_once_and_keeps_only_a_hashed_record,
    records_outlive_a_signing_key_rotation
);

fn belco_panel(dir: &tempfile::TempDir, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_belco-panel"))
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("cli.db").display()))
        .env("BELCO_SIGNING_KEY", SIGNING_KEY)
        .env("BELCO_PSEUDONYM_KEY", PSEUDONYM_KEY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run belco-panel");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("output")
}

#[test]
fn the_customer_commands_export_confirm_and_erase() {
    let dir = tempfile::tempdir().expect("dir");
    let orders = dir.path().join("orders.json");
    std::fs::write(
        &orders,
        file(&[order("c1", JOHN, JOHN_PHONE, "2024-01-01"), order("c2", "ann@example.com", "", "2024-01-02")]),
    )
    .expect("write");
    let out = belco_panel(&dir, &["import", orders.to_str().expect("path")], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let out = belco_panel(&dir, &["customer", "export", "John@Example.com"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let export: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document on stdout");
    assert_eq!(export["orders"][0]["id"], "c1");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Exported 1 orders"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = belco_panel(&dir, &["customer", "export", "not an identifier"], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an email address or a phone number"));

    // Not confirmed: nothing goes.
    for answer in ["", "no\n", "yes\n"] {
        let out = belco_panel(&dir, &["customer", "erase", JOHN_PHONE], answer);
        assert!(!out.status.success(), "{answer:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("This deletes 1 orders, 0 notes") && said.contains("nothing was erased"), "{said}");
    }
    let out = belco_panel(&dir, &["customer", "export", JOHN], "");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"c1\""), "still there");

    let out = belco_panel(&dir, &["customer", "erase", "06 12345678"], "erase\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Erased 1 orders, 0 notes, 0 form submissions"));
    let out = belco_panel(&dir, &["customer", "erase", JOHN, "--yes"], "");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Nothing is held about"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = belco_panel(&dir, &["customer", "export", "ann@example.com"], "");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"c2\""), "Ann keeps hers");

    // The database files keep no trace of John's order: its bytes were zeroed, not just unlinked.
    for file in ["cli.db", "cli.db-wal"] {
        let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(JOHN) && !text.contains("shop.example/o/c1"), "{file} still holds John's order");
    }
    assert!(
        String::from_utf8_lossy(&std::fs::read(dir.path().join("cli.db")).expect("db")).contains("shop.example/o/c2")
    );
}
