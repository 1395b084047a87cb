//! Keeping it running, in this process: a PostgreSQL database that goes away while the server runs
//! (every route answers 503 with a plain message within about a second, not after the pool's old 10
//! s, not as a 500; `/health` and `/readyz` say so, with a reason, without querying per call;
//! `/healthz` stays 200; service comes back by itself; the shared PostgreSQL server stays up: only
//! the test's scratch database refuses connections); the panel's storage check, which pings at most
//! once per interval; a backup, private from its first byte. The real binary's side (start-up,
//! logs, metrics, the inspector, the doctor, crashes, load, the nginx recipe) is in
//! `tests/processes/`; PostgreSQL itself stopped is `tests/postgres_outage.rs`.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::common::server_fns::*;
use crate::common::*;

/// Lets the scratch database accept connections, or refuses them and ends those it has.
async fn set_reachable(app: &TestApp, reachable: bool) {
    let url = url::Url::parse(app.state.config.database_url.expose()).expect("url");
    let name = url.path().trim_start_matches('/').to_owned();
    let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
    let admin = sqlx::PgPool::connect(&admin_url).await.expect("admin connection");
    sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {reachable}")).execute(&admin).await.expect("alter");
    if !reachable {
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
            .bind(&name)
            .execute(&admin)
            .await
            .expect("terminate");
    }
    admin.close().await;
}

/// Sends `request`; answers the status, the body and how long it took.
async fn timed(app: &TestApp, request: Request<Body>) -> (StatusCode, String, Duration) {
    let started = Instant::now();
    let (status, _, body) = app.send(request).await;
    (status, String::from_utf8_lossy(&body).into_owned(), started.elapsed())
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

/// The requests of every kind the server answers from storage.
fn requests(app: &TestApp, capability: &str, n: usize) -> Vec<(&'static str, Request<Body>)> {
    let push = format!("{{\"orders\":[{SPEC_ORDER}]}}");
    vec![
        ("orders API", get(&format!("/api/v1.0/orders?token={TOKEN}&email=john@example.com"))),
        ("push", app.signed("POST", "/api/v1.0/orders", &format!("msg_push_{n}"), now(), &push)),
        (
            "push delete",
            app.signed("DELETE", "/api/v1.0/orders/1234", &format!("msg_del_{n}"), now(), r#"{"delete":["1234"]}"#),
        ),
        // In English, as the notes call below: what they must not say is checked in English words.
        ("frame", get(&format!("/frame?token={TOKEN}&{ENGLISH}&email=john@example.com"))),
        ("company frame", get(&format!("/frame?token={TOKEN}&{ENGLISH}"))),
        ("notes", fn_call("notes/list", &json!({ "capability": capability }))),
    ]
}

async fn health_until(app: &TestApp, wanted: StatusCode) -> Duration {
    let started = Instant::now();
    while app.get("/health").await.0 != wanted {
        assert!(started.elapsed() < Duration::from_secs(8), "/health never said {wanted}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread")]
async fn while_postgres_is_unreachable_every_route_answers_503_at_once_and_recovers() {
    let app = TestApp::new(Backend::Postgres).await;
    app.import(&file(&[SPEC_ORDER.to_owned()])).await.expect("import");
    let (status, _, page) = app.get(&format!("/frame?token={TOKEN}&email=john@example.com")).await;
    assert_eq!(status, StatusCode::OK);
    let page = String::from_utf8_lossy(&page);
    let start = page.find("v1.").expect("a capability in the page");
    let capability: String =
        page[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).collect();
    assert_eq!(app.get("/health").await.0, StatusCode::OK);

    set_reachable(&app, false).await;
    for (what, request) in requests(&app, &capability, 1) {
        let (status, body, took) = timed(&app, request).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{what}: {body}");
        assert!(took < Duration::from_secs(2), "{what} took {took:?}");
        assert!(!body.contains("sqlx") && !body.contains("pool") && !body.contains("database"), "{what}: {body}");
        if what.starts_with("orders") || what.starts_with("push") {
            assert_eq!(body, r#"{"error":"storage is unavailable, try again shortly"}"#, "{what}");
        }
    }
    health_until(&app, StatusCode::SERVICE_UNAVAILABLE).await;
    // Answered from the background check: no call waits for the database.
    let started = Instant::now();
    for _ in 0..50 {
        let (status, _, body) = app.get("/health").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body, r#"{"error":"storage is unavailable, try again shortly"}"#);
    }
    assert!(started.elapsed() < Duration::from_millis(500), "50 /health calls took {:?}", started.elapsed());
    // `/readyz` says why, in words that name no host, user or driver; `/healthz` needs no storage.
    let (status, headers, body) = app.get("/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers.get("cache-control").map(|v| v.as_bytes()), Some(&b"no-store"[..]));
    let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["storage"], "PostgreSQL");
    let reason = body["reason"].as_str().expect("a reason");
    assert!(
        [
            "the database cannot be reached",
            "the database refused the query",
            "no database connection became free in time"
        ]
        .contains(&reason),
        "{reason}"
    );
    let (status, _, body) = app.get("/healthz").await;
    assert_eq!((status, body.as_ref()), (StatusCode::OK, &br#"{"status":"ok"}"#[..]));

    set_reachable(&app, true).await;
    for (what, request) in requests(&app, &capability, 2) {
        let (status, body, _) = timed(&app, request).await;
        assert!(status.is_success(), "{what} after the outage: {status} {body}");
    }
    health_until(&app, StatusCode::OK).await;
    let (status, _, body) = app.get("/readyz").await;
    assert_eq!((status, body.as_ref()), (StatusCode::OK, &br#"{"status":"ready","storage":"PostgreSQL"}"#[..]));
}

on_both_backends!(the_storage_check_pings_at_most_once_per_interval);

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

/// `backup_to` on a database of tens of megabytes while another thread watches the target's
/// directory: every file seen there, at any moment, is its owner's only (0600; the private
/// directory 0700). An existing file, or a dangling symlink, is never replaced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_is_private_from_its_first_byte_and_replaces_nothing() {
    use std::os::unix::fs::PermissionsExt;
    use std::sync::atomic::{AtomicBool, Ordering};

    let app = TestApp::new(Backend::Sqlite).await;
    app.import(&file(&[order("b1", JOHN, "", "2024-01-01")])).await.expect("import");
    let url = app.state.config.database_url.expose();
    let pool = sqlx::SqlitePool::connect(url).await.expect("the test database");
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 80) \
         INSERT INTO settings (key, value) SELECT 'pad' || i, hex(randomblob(250000)) FROM n",
    )
    .execute(&pool)
    .await
    .expect("pad the database to ~40 MB");
    pool.close().await;

    let backups = app.dir.path().join("backups");
    std::fs::create_dir(&backups).expect("dir");
    let target = backups.join("copy.db");
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let watcher = {
        let (stop, backups) = (stop.clone(), backups.clone());
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            let watch = |path: &std::path::Path, seen: &mut Vec<(String, u32, bool)>| {
                if let Ok(meta) = std::fs::symlink_metadata(path) {
                    seen.push((path.display().to_string(), meta.permissions().mode() & 0o777, meta.is_dir()));
                }
            };
            while !stop.load(Ordering::Relaxed) {
                for entry in std::fs::read_dir(&backups).into_iter().flatten().flatten() {
                    watch(&entry.path(), &mut seen);
                    for inner in std::fs::read_dir(entry.path()).into_iter().flatten().flatten() {
                        watch(&inner.path(), &mut seen);
                    }
                }
            }
            seen
        })
    };
    let summary = app.store.backup_to(&target).await.expect("backup");
    stop.store(true, Ordering::Relaxed);
    let seen = watcher.join().expect("watcher");
    assert_eq!(summary.orders, 1);
    assert!(summary.bytes > 30_000_000, "{summary:?}");
    let files: Vec<_> = seen.iter().filter(|(_, _, dir)| !dir).collect();
    assert!(files.iter().any(|(path, _, _)| path.contains(".partial")), "the copy was seen while written: {seen:?}");
    for (path, mode, dir) in &seen {
        assert_eq!(*mode, if *dir { 0o700 } else { 0o600 }, "{path} was {mode:o}");
    }
    assert_eq!(std::fs::metadata(&target).expect("copy").permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::read_dir(&backups).expect("dir").count(), 1, "only the copy is left");

    // An existing file is never replaced, nor a name a symlink holds, even one that leads nowhere.
    let existing = backups.join("existing.db");
    std::fs::write(&existing, "an earlier backup").expect("write");
    let refused = app.store.backup_to(&existing).await.expect_err("exists");
    assert!(refused.to_string().contains("exists already"), "{refused}");
    assert_eq!(std::fs::read_to_string(&existing).expect("kept"), "an earlier backup");
    let dangling = backups.join("dangling.db");
    std::os::unix::fs::symlink(backups.join("nowhere.db"), &dangling).expect("symlink");
    app.store.backup_to(&dangling).await.expect_err("a symlink holds the name");
    assert!(std::fs::symlink_metadata(&dangling).expect("still there").file_type().is_symlink());
    assert!(!backups.join("nowhere.db").exists(), "nothing written through it");
}
