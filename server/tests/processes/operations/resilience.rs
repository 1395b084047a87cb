//! The real binary when things go wrong: killed with `kill -9` while writes are in flight, backed
//! up while sixteen connections write, and run as two instances on one PostgreSQL. The log of every
//! process is checked for secrets and customer data at the end of each test.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use belco::store::Store;

use crate::common::server_process::{ServerProcess, assert_no_secrets, callback_args, capability_in, note_args};
use crate::common::workload::{
    EMAIL, PHONE, Workload, assert_stored_exactly_once, drive_in_parallel, stored_order_ids,
};
use crate::common::{Backend, TOKEN, fresh_database};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_writes_loses_no_acknowledged_write_sqlite() {
    kill_9_during_writes_loses_no_acknowledged_write(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_writes_loses_no_acknowledged_write_postgres() {
    kill_9_during_writes_loses_no_acknowledged_write(Backend::Postgres).await
}

/// Sixteen connections write notes, form submissions and pushes (and read) until the server is
/// killed mid-flight. After a restart on the same database: it opens cleanly, every write that
/// was acknowledged is there exactly once, and an acknowledged push sent again is refused as a
/// replay, not applied twice.
async fn kill_9_during_writes_loses_no_acknowledged_write(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = fresh_database(backend, &dir).await;
    let mut server = ServerProcess::start(&url, &[]).await;
    let workload = Arc::new(Workload::new(&server, "crash").await);
    let deadline = Instant::now() + Duration::from_secs(60);
    let (stop, workers) = drive_in_parallel(&workload, 16, deadline);
    // Until enough has been acknowledged that the kill lands among writes.
    while workload.acked.lock().expect("acked").pushes.len() < 20 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.expect("worker");
    }
    let first_log = server.log();

    let restarting = Instant::now();
    let restarted = ServerProcess::start(&url, &[]).await;
    let restart = restarting.elapsed();
    if let Backend::Sqlite = backend {
        let pool = sqlx::SqlitePool::connect(&url).await.expect("sqlite");
        let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await.expect("check");
        assert_eq!(check, "ok");
        pool.close().await;
    }
    let store = Store::connect(&url).await.expect("the database opens");
    let acked = std::mem::take(&mut *workload.acked.lock().expect("acked"));
    assert!(!acked.notes.is_empty() && !acked.topics.is_empty(), "writes were acknowledged before the kill");
    assert_stored_exactly_once(&store, &url, &acked, "crash").await;
    println!(
        "{backend:?}: killed with {} notes, {} forms and {} pushes acknowledged, all stored once; restarted in {:.2} s",
        acked.notes.len(),
        acked.topics.len(),
        acked.pushes.len(),
        restart.as_secs_f64()
    );

    let before = stored_order_ids(&url, "push-crash").await;
    let retry = Workload::new(&restarted, "crash-retry").await;
    for push in acked.pushes.iter().take(10) {
        let response = retry.send_push(push).await.expect("the retried push is answered");
        assert_eq!(response.status(), 409, "an acknowledged push sent again is a replay");
    }
    assert_eq!(stored_order_ids(&url, "push-crash").await, before, "the retries changed nothing");
    store.close().await;
    assert_no_secrets(&(first_log + &restarted.log()), &[EMAIL, PHONE, "0611112222"]);
}

/// `belco-panel backup` while sixteen connections write notes, form submissions and pushes to a
/// serving instance: the copy passes SQLite's integrity check and the migrations, holds every
/// write acknowledged before the backup began (once each), and a server started on it (the
/// restore) serves them. An existing file is never overwritten.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_write_load_holds_every_write_acknowledged_before_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = fresh_database(Backend::Sqlite, &dir).await;
    let server = ServerProcess::start(&url, &[]).await;
    let workload = Arc::new(Workload::new(&server, "backup").await);
    let deadline = Instant::now() + Duration::from_secs(60);
    let (stop, workers) = drive_in_parallel(&workload, 16, deadline);
    while workload.acked.lock().expect("acked").notes.len() < 20 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = workload.acked.lock().expect("acked").clone();
    let copy = dir.path().join("backup.db");
    let backup = run_backup(&url, &copy).await;
    assert!(backup.status.success(), "backup failed: {}", String::from_utf8_lossy(&backup.stderr));
    let said = String::from_utf8_lossy(&backup.stdout).into_owned();
    assert!(said.starts_with(&format!("Backed up to {}", copy.display())), "{said}");
    // Writes went on during the backup and after it.
    let during = workload.acked.lock().expect("acked").notes.len();
    while workload.acked.lock().expect("acked").notes.len() < during + 5 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.expect("worker");
    }
    assert!(workload.acked.lock().expect("acked").notes.len() > before.notes.len(), "the load went on past the backup");
    assert!(!before.notes.is_empty() && !before.topics.is_empty() && !before.pushes.is_empty());

    let copy_url = format!("sqlite://{}", copy.display());
    let pool = sqlx::SqlitePool::connect(&copy_url).await.expect("the copy opens");
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await.expect("check");
    assert_eq!(check, "ok");
    pool.close().await;
    let store = Store::connect(&copy_url).await.expect("the copy passes the migrations");
    assert_stored_exactly_once(&store, &copy_url, &before, "backup").await;
    store.close().await;

    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&copy).expect("the copy").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "customers' data, for the owner only");
    let mistyped = dir.path().join("no-such.db");
    let nothing = run_backup(&format!("sqlite://{}", mistyped.display()), &dir.path().join("other.db")).await;
    assert!(!nothing.status.success() && String::from_utf8_lossy(&nothing.stderr).contains("does not exist"));
    assert!(!mistyped.exists() && !dir.path().join("other.db").exists(), "a mistyped DATABASE_URL creates nothing");

    let again = run_backup(&url, &copy).await;
    assert!(!again.status.success(), "a second backup onto the same file must fail");
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"), "{again:?}");

    drop(server);
    let restored = ServerProcess::start(&copy_url, &[]).await;
    let page = reqwest::get(restored.url(&format!("/frame?token={TOKEN}&email={EMAIL}"))).await.expect("frame");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("page");
    let shown = before.notes.iter().filter(|note| html.contains(&format!(">{note}<"))).count();
    assert!(shown > 0, "the restored server shows the notes of the backup: {html}");
    println!(
        "backup under load: {} notes, {} forms, {} pushes acknowledged before it, all in the copy; {}",
        before.notes.len(),
        before.topics.len(),
        before.pushes.len(),
        said.trim()
    );
}

async fn run_backup(database_url: &str, target: &std::path::Path) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_belco-panel"));
    command
        .arg("backup")
        .arg(target)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .current_dir(std::env::temp_dir());
    tokio::task::spawn_blocking(move || command.output().expect("run belco-panel backup")).await.expect("join")
}

/// Two instances on one PostgreSQL, as a shop with a load balancer runs them: what one writes,
/// the other shows, and a panel rendered by one saves through the other (they share the signing
/// key).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgres_act_as_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = fresh_database(Backend::Postgres, &dir).await;
    let (a, b) = (ServerProcess::start(&url, &[]).await, ServerProcess::start(&url, &[]).await);
    let client = reqwest::Client::new();
    let frame = |server: &ServerProcess| {
        let url = server.url(&format!("/frame?token={TOKEN}&email={EMAIL}"));
        let client = client.clone();
        async move { client.get(url).send().await.expect("frame").text().await.expect("frame body") }
    };
    let call = |server: &ServerProcess, endpoint: &str, args: serde_json::Value| {
        let url = server.url(&format!("/fn/{endpoint}"));
        let client = client.clone();
        async move {
            let response = client.post(url).header("accept", "application/json").json(&args).send().await;
            let response = response.expect("server function");
            (response.status(), response.text().await.expect("answer"))
        }
    };

    // A's panel saves a note through B; both show it.
    let capability_a = capability_in(&frame(&a).await);
    let (status, answer) = call(&b, "notes/add", note_args(&capability_a, "written through B")).await;
    assert_eq!(status, 200, "{answer}");
    assert!(frame(&a).await.contains("written through B") && frame(&b).await.contains("written through B"));

    // B's panel sends a form through A; both list it.
    let capability_b = capability_in(&frame(&b).await);
    let (status, answer) = call(&a, "forms/submit", callback_args(&capability_b, "sent through A")).await;
    assert_eq!(status, 200, "{answer}");
    assert!(frame(&b).await.contains("sent through A") && frame(&a).await.contains("sent through A"));

    // A push to A is what B's orders API answers.
    let workload = Workload::new(&a, "multi").await;
    workload.one(crate::common::workload::Route::Push, "multi-1").await;
    assert_eq!(workload.acked.lock().expect("acked").pushes.len(), 1, "the push was accepted");
    let orders = client
        .get(b.url(&format!("/api/v1.0/orders?token={TOKEN}&email={EMAIL}")))
        .send()
        .await
        .expect("orders")
        .text()
        .await
        .expect("orders body");
    assert!(orders.contains(r#""id":"push-multi-1""#), "{orders}");
    assert_no_secrets(&(a.log() + &b.log()), &[EMAIL, PHONE, "0611112222"]);
}
