//! The access log: every frame render and orders lookup recorded with the customer keyed-hashed,
//! the orders found, the client's address and the outcome; `belco-panel access` lists one
//! customer's; records past the retention are deleted; nothing is recorded when it is off.

mod common;

use std::time::Duration;

use belco::phone::customer_key;
use belco::store::{AccessRecord, HashedKey};
use common::*;

const JOHN: &str = "john@example.com";

fn hashed(app: &TestApp, email: &str) -> HashedKey {
    let key = customer_key(email, "", app.state.config.phone_region);
    app.state.config.pseudonyms.as_ref().expect("a pseudonym key").of(&key)
}

/// The customer's records, once the writer has written `n` of them.
async fn records(app: &TestApp, email: &str, n: usize) -> Vec<AccessRecord> {
    for _ in 0..200 {
        let found = app.store.accesses(&hashed(app, email), 100).await.expect("accesses");
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("fewer than {n} access records of {email}");
}

async fn every_lookup_is_recorded_keyed_hashed(app: TestApp) {
    app.import(&file(&[order("a1", JOHN, "+31612345678", "2024-01-01T10:00:00Z")])).await.expect("import");
    app.get(&format!("/api/v1.0/orders?token={TOKEN}&email=John@Example.com")).await;
    app.get(&format!("/frame?token={TOKEN}&email={JOHN}&phoneNumber=")).await;
    app.get(&format!("/api/v1.0/orders?token={TOKEN}&email=nobody@example.com")).await;
    app.get("/api/v1.0/orders?token=wrong&email=john@example.com").await;
    let john = records(&app, JOHN, 2).await;
    let routes: Vec<(&str, Option<i64>, &str)> =
        john.iter().map(|r| (r.route.as_str(), r.orders, r.outcome.as_str())).collect();
    assert_eq!(routes, [("frame", Some(1), "found 1 order"), ("orders_api", Some(1), "found 1 order")]);
    for r in &john {
        let email = r.email_hash.as_deref().expect("the email, hashed");
        assert!(email.len() == 32 && !email.contains('@'), "{email}");
        assert_eq!(r.status, 200);
    }
    // By phone too: the frame named none, the orders API neither, so no record is by phone.
    let by_phone = app.state.config.pseudonyms.as_ref().expect("key").of(&customer_key(
        "",
        "+31612345678",
        app.state.config.phone_region,
    ));
    assert!(app.store.accesses(&by_phone, 10).await.expect("by phone").is_empty());
    // Someone without orders is recorded too; a refused call names nobody, so no customer has it.
    assert_eq!(records(&app, "nobody@example.com", 1).await[0].outcome, "no orders for this customer");
}

async fn old_records_go_after_the_retention(app: TestApp) {
    let day = 86_400_000;
    let now = belco::store::now_millis();
    let record = |at: i64| AccessRecord {
        at,
        route: "frame".into(),
        email_hash: hashed(&app, JOHN).email.first().cloned(),
        phone_hash: None,
        orders: Some(0),
        client: "192.0.2.1".into(),
        status: 200,
        outcome: "no orders for this customer".into(),
    };
    // Younger than the test app's own retention (90 days), which its writer applies when it
    // starts, at a moment of its own.
    app.store.record_accesses(&[record(now - 50 * day), record(now - 20 * day), record(now)]).await.expect("write");
    assert_eq!(app.store.prune_accesses(now - 30 * day).await.expect("prune"), 1);
    let kept: Vec<i64> =
        app.store.accesses(&hashed(&app, JOHN), 10).await.expect("kept").iter().map(|r| r.at).collect();
    assert_eq!(kept, [now, now - 20 * day], "newest first");
    // A batch larger than one INSERT's rows.
    let many: Vec<AccessRecord> = (0..1200).map(|n| record(now - n)).collect();
    app.store.record_accesses(&many).await.expect("a large batch");
    assert_eq!(app.store.accesses(&hashed(&app, JOHN), 5000).await.expect("all").len(), 1202);
}

on_both_backends!(every_lookup_is_recorded_keyed_hashed, old_records_go_after_the_retention);

#[tokio::test]
async fn the_writer_prunes_at_start_and_nothing_is_recorded_when_off() {
    let app = TestApp::with(Backend::Sqlite, |vars| {
        vars.insert("BELCO_ACCESS_LOG".into(), "off".into());
    })
    .await;
    app.get(&format!("/frame?token={TOKEN}&email={JOHN}")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.store.accesses(&hashed(&app, JOHN), 10).await.expect("none").is_empty(), "off records nothing");

    let old = AccessRecord {
        at: belco::store::now_millis() - 40 * 86_400_000,
        route: "frame".into(),
        email_hash: hashed(&app, JOHN).email.first().cloned(),
        phone_hash: None,
        orders: None,
        client: "-".into(),
        status: 200,
        outcome: "answered".into(),
    };
    app.store.record_accesses(&[old]).await.expect("write");
    let signer = app.state.config.pseudonyms.clone().expect("key");
    let (log, writer) = server::access::start(app.store.clone(), signer, Duration::from_secs(30 * 86_400));
    drop(log);
    writer.finish(Duration::from_secs(5)).await;
    assert!(app.store.accesses(&hashed(&app, JOHN), 10).await.expect("pruned").is_empty(), "older than 30 days");
}

/// The real server: the client's address, the queue written out on a graceful stop, and the
/// command that lists one customer's records.
#[tokio::test(flavor = "multi_thread")]
async fn belco_panel_access_lists_who_looked_a_customer_up() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("access.db").display());
    let mut server = common::server_process::ServerProcess::start(&url, &[]).await;
    let client = reqwest::Client::new();
    for path in
        [format!("/frame?token={TOKEN}&email={JOHN}"), format!("/api/v1.0/orders?token={TOKEN}&phoneNumber=0612345678")]
    {
        assert_eq!(client.get(server.url(&path)).send().await.expect("call").status(), 200);
    }
    assert!(server.terminate().success(), "{}", server.log());

    let run = |who: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_belco-panel"))
            .args(["access", who])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &url)
            .env("BELCO_SIGNING_KEY", SIGNING_KEY)
            .env("BELCO_PSEUDONYM_KEY", PSEUDONYM_KEY)
            .output()
            .expect("run belco-panel access")
    };
    let out = run("JOHN@example.com");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    assert!(
        lines[1].contains("frame")
            && lines[1].contains("127.0.0.1")
            && lines[1].contains("no orders for this customer"),
        "{table}"
    );
    let out = run("+31 6 12345678");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("orders_api") && !table.contains("frame "), "{table}");
    let out = run("nobody@example.com");
    assert!(String::from_utf8_lossy(&out.stdout).contains("nobody looked this customer up"));
    // The database holds the lookups, not who they were of.
    let db = std::fs::read(dir.path().join("access.db")).expect("db");
    assert!(!String::from_utf8_lossy(&db).contains(JOHN));
    assert!(!String::from_utf8_lossy(&db).contains(PSEUDONYM_KEY), "the key is never stored with the hashes");
    // Without the key, the records cannot be found, and the command says which variable it needs.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_belco-panel"))
        .args(["access", JOHN])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &url)
        .env("BELCO_SIGNING_KEY", SIGNING_KEY)
        .output()
        .expect("run belco-panel access");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("BELCO_PSEUDONYM_KEY is not set"));
}
