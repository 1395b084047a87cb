//! The access log: every frame render and orders lookup recorded with the customer keyed-hashed,
//! the orders found, the client's address and the outcome; records past the retention are deleted;
//! nothing is recorded when it is off; calls never wait for it, past another writer's lock or a
//! full queue. On both databases. `belco-panel access`, which lists one customer's, is in
//! `tests/processes/`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use belco::phone::customer_key;
use belco::store::{AccessRecord, HashedKey};

use crate::common::*;

fn hashed(app: &TestApp, email: &str) -> HashedKey {
    let key = customer_key(email, "", app.state.config.phone_region);
    app.state.config.pseudonyms.as_ref().expect("a pseudonym key").of(&key)
}

/// The customer's records, once the writer has written `n` of them.
async fn records(app: &TestApp, email: &str, n: usize) -> Vec<AccessRecord> {
    // The writer runs at the lowest priority: on a busy test machine it may take a while.
    for _ in 0..2000 {
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

/// Another writer holding the access log's table: on SQLite the file's write lock
/// (`BEGIN IMMEDIATE`, as an import takes it), on PostgreSQL the table in EXCLUSIVE mode (reads
/// go on, inserts wait). Held until [`Lock::release`].
enum Lock {
    Sqlite { release: std::sync::mpsc::Sender<()>, holder: std::thread::JoinHandle<()> },
    Postgres(sqlx::PgConnection),
}

impl Lock {
    async fn take(app: &TestApp) -> Self {
        let url = app.state.config.database_url.expose().to_owned();
        if url.starts_with("sqlite") {
            let file = app.dir.path().join("belco.db");
            let (taken, is_taken) = std::sync::mpsc::channel();
            let (release, released) = std::sync::mpsc::channel::<()>();
            let holder = std::thread::spawn(move || {
                let db = rusqlite::Connection::open(file).expect("open the database");
                db.execute_batch("BEGIN IMMEDIATE").expect("take the write lock");
                taken.send(()).expect("taken");
                let _ = released.recv();
                db.execute_batch("COMMIT").expect("release the write lock");
            });
            is_taken.recv().expect("the lock");
            Lock::Sqlite { release, holder }
        } else {
            use sqlx::Connection;
            let mut db = sqlx::PgConnection::connect(&url).await.expect("connect");
            sqlx::query("BEGIN").execute(&mut db).await.expect("begin");
            sqlx::query("LOCK TABLE access_log IN EXCLUSIVE MODE").execute(&mut db).await.expect("lock");
            Lock::Postgres(db)
        }
    }

    async fn release(self) {
        match self {
            Lock::Sqlite { release, holder } => {
                release.send(()).expect("release");
                tokio::task::spawn_blocking(move || holder.join().expect("the holder")).await.expect("joined");
            }
            Lock::Postgres(mut db) => {
                sqlx::query("COMMIT").execute(&mut db).await.expect("commit");
            }
        }
    }
}

/// All of the access log's records.
async fn count_records(app: &TestApp) -> i64 {
    app.store.accesses(&hashed(app, JOHN), 100_000).await.expect("accesses").len() as i64
}

/// Until the table holds `n` records (or 15 s have passed); the count it holds then.
async fn until_records(app: &TestApp, n: i64) -> i64 {
    let started = Instant::now();
    loop {
        let found = count_records(app).await;
        if found >= n || started.elapsed() > Duration::from_secs(15) {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One call, and its record written: the writer has pruned (which a lock would hold up too) and
/// waits for records.
async fn warm(router: &axum::Router, app: &TestApp) {
    answered_promptly(router, &format!("/api/v1.0/orders?token={TOKEN}&email={JOHN}")).await;
    assert_eq!(until_records(app, 1).await, 1, "the first record");
}

/// One call, timed: it must be answered 200 well under a second.
async fn answered_promptly(router: &axum::Router, path: &str) {
    use tower::ServiceExt;
    let started = Instant::now();
    let request = axum::http::Request::get(path).body(axum::body::Body::empty()).expect("request");
    let response = router.clone().oneshot(request).await.expect("answer");
    let took = started.elapsed();
    assert_eq!(response.status(), 200, "{path}");
    assert!(took < Duration::from_secs(1), "{path} took {took:?} while the access log could not write");
}

/// A writer holding the lock for 7 s, past SQLite's 5 s busy timeout (so the log's first
/// attempt fails and is tried again): calls made meanwhile are answered at once, on a runtime
/// of one thread (the test's), and every record is written once the lock goes.
async fn calls_are_answered_and_every_record_written_past_a_lock(app: TestApp) {
    app.import(&file(&[order("a1", JOHN, "+31612345678", "2024-01-01T10:00:00Z")])).await.expect("import");
    warm(&app.router, &app).await;
    let lock = Lock::take(&app).await;
    let held = Instant::now();
    let mut calls = 1;
    while held.elapsed() < Duration::from_millis(6_000) {
        let round = Instant::now();
        answered_promptly(&app.router, &format!("/api/v1.0/orders?token={TOKEN}&email={JOHN}")).await;
        answered_promptly(&app.router, &format!("/frame?token={TOKEN}&email={JOHN}&phoneNumber=")).await;
        calls += 2;
        // The pause lets the writer run (it shares the runtime's one thread): it must hand it back.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let took = round.elapsed();
        assert!(took < Duration::from_secs(1), "the runtime was held for {took:?} while the access log waited");
    }
    assert_eq!(count_records(&app).await, 1, "nothing can be written while the lock is held");
    tokio::time::sleep_until((held + Duration::from_secs(7)).into()).await;
    lock.release().await;
    assert!(calls >= 20, "{calls} calls");
    assert_eq!(until_records(&app, calls).await, calls, "every call is recorded after the lock");
    // And none twice.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(count_records(&app).await, calls);
}

/// A queue of 4 behind a writer that cannot write: the calls beyond it are answered as fast,
/// dropped from the log and counted (in `belco_access_log_dropped_total` too); the rest is
/// written once the lock goes.
async fn a_full_queue_drops_and_counts_instead_of_waiting(app: TestApp) {
    let metrics = metrics_exporter();
    app.import(&file(&[order("a1", JOHN, "+31612345678", "2024-01-01T10:00:00Z")])).await.expect("import");
    let signer = app.state.config.pseudonyms.clone().expect("key");
    let (log, writer) = start_access_log_with_capacity(app.store.clone(), signer, Duration::from_secs(86_400), 4);
    let router = app.router_with_access_log(Arc::clone(&log));
    warm(&router, &app).await;
    let lock = Lock::take(&app).await;
    const CALLS: i64 = 60;
    for n in 0..CALLS {
        answered_promptly(&router, &format!("/api/v1.0/orders?token={TOKEN}&email={JOHN}")).await;
        if n % 10 == 0 {
            // The writer takes a batch now and then, and waits on the lock with it.
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    let dropped = log.dropped() as i64;
    assert!(dropped >= CALLS - 30, "{dropped} dropped of {CALLS}");
    let exported = metrics.render();
    let counted: f64 = exported
        .lines()
        .find_map(|line| line.strip_prefix("belco_access_log_dropped_total "))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no belco_access_log_dropped_total in {exported}"));
    assert!(counted >= dropped as f64, "{counted} exported, {dropped} dropped");
    lock.release().await;
    drop(router);
    writer.finish(Duration::from_secs(10)).await;
    assert_eq!(count_records(&app).await, 1 + CALLS - dropped, "what was not dropped is written");
}

on_both_backends!(
    every_lookup_is_recorded_keyed_hashed,
    old_records_go_after_the_retention,
    calls_are_answered_and_every_record_written_past_a_lock,
    a_full_queue_drops_and_counts_instead_of_waiting,
    finish_gives_up_after_its_time,
);

/// `finish` tries for the time it is given, then gives up (the records are counted as lost in
/// its log) rather than hold the shutdown.
async fn finish_gives_up_after_its_time(app: TestApp) {
    app.import(&file(&[order("a1", JOHN, "+31612345678", "2024-01-01T10:00:00Z")])).await.expect("import");
    let signer = app.state.config.pseudonyms.clone().expect("key");
    let (log, writer) = start_access_log(app.store.clone(), signer, Duration::from_secs(86_400));
    let router = app.router_with_access_log(log);
    warm(&router, &app).await;
    let lock = Lock::take(&app).await;
    answered_promptly(&router, &format!("/api/v1.0/orders?token={TOKEN}&email={JOHN}")).await;
    drop(router);
    let started = Instant::now();
    writer.finish(Duration::from_secs(1)).await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(8), "finish took {took:?}");
    // Held on past any attempt's busy or lock timeout (5 s), so no attempt still under way (one
    // that outlasted finish on a loaded machine, or that the writer's low-priority thread only
    // started as finish returned) can write after all.
    tokio::time::sleep(Duration::from_secs(7)).await;
    lock.release().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(count_records(&app).await, 1, "given up, not written after all");
}

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
    let (log, writer) = start_access_log(app.store.clone(), signer, Duration::from_secs(30 * 86_400));
    drop(log);
    writer.finish(Duration::from_secs(5)).await;
    assert!(app.store.accesses(&hashed(&app, JOHN), 10).await.expect("pruned").is_empty(), "older than 30 days");
}
