//! PostgreSQL stopped while belco-panel serves: every route answers a plain 503 within about a
//! second (no hang, no internals), and service comes back by itself once PostgreSQL is back. And
//! PostgreSQL killed (as when a machine stops mid-run): `scripts/postgres` brings it back and drops
//! the scratch databases of test runs that are over.
//!
//! This stops the real server that `TEST_DATABASE_URL` names (with Debian's `pg_ctlcluster`, so
//! it must run as root or as the postgres user), which is why it is a test binary of its own:
//! cargo runs test binaries one after another, so no other test sees the outage, and the tests
//! here take turns (`CLUSTER`). The server is started again however a test ends.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::server_process::{ServerProcess, assert_no_secrets, callback_args, capability_in, note_args};
use common::workload::{EMAIL, PHONE, Route, Workload};
use common::{Backend, TOKEN, fresh_database};

/// The tests here stop the one server all of them use: one at a time.
static CLUSTER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The Debian cluster (`version`, `name`) listening on `port`.
fn cluster_on(port: u16) -> (String, String) {
    let listing = Command::new("pg_lsclusters").arg("-h").output().expect("pg_lsclusters (postgresql-common)");
    let listing = String::from_utf8_lossy(&listing.stdout);
    listing
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .find(|fields| fields.get(2) == Some(&port.to_string().as_str()))
        .map(|fields| (fields[0].to_owned(), fields[1].to_owned()))
        .unwrap_or_else(|| panic!("no PostgreSQL cluster listens on port {port}:\n{listing}"))
}

fn pg_ctlcluster(cluster: &(String, String), action: &str) {
    let status = Command::new("pg_ctlcluster")
        .args([&cluster.0, &cluster.1, action])
        .args(if action == "stop" { &["-m", "fast"][..] } else { &[][..] })
        .status()
        .expect("pg_ctlcluster");
    assert!(status.success(), "pg_ctlcluster {} {} {action}: {status}", cluster.0, cluster.1);
}

/// Starts the cluster again when dropped, so a failed assertion leaves no stopped server behind.
struct Restart((String, String));

impl Drop for Restart {
    fn drop(&mut self) {
        let _ = Command::new("pg_ctlcluster").args([&self.0.0, &self.0.1, "start"]).status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stopped_postgres_gets_fast_503s_and_service_comes_back_by_itself() {
    let _turn = CLUSTER.lock().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = fresh_database(Backend::Postgres, &dir).await;
    let port = url::Url::parse(&url).expect("url").port().unwrap_or(5432);
    let cluster = cluster_on(port);
    let server = ServerProcess::start(&url, &[]).await;
    let workload = Workload::new(&server, "outage").await;
    workload.one(Route::Push, "outage-seed").await;
    assert_eq!(workload.acked.lock().expect("acked").pushes.len(), 1, "served before the outage");
    let capability = {
        let html = reqwest::get(server.url(&format!("/frame?token={TOKEN}&email={EMAIL}"))).await.expect("frame");
        capability_in(&html.text().await.expect("frame body"))
    };

    let restart = Restart(cluster.clone());
    pg_ctlcluster(&cluster, "stop");
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    let requests: Vec<(&str, reqwest::RequestBuilder)> = vec![
        ("orders API", client.get(server.url(&format!("/api/v1.0/orders?token={TOKEN}&email={EMAIL}")))),
        ("frame", client.get(server.url(&format!("/frame?token={TOKEN}&email={EMAIL}")))),
        ("company frame", client.get(server.url(&format!("/frame?token={TOKEN}")))),
        ("note", client.post(server.url("/fn/notes/add")).json(&note_args(&capability, "during the outage"))),
        ("form", client.post(server.url("/fn/forms/submit")).json(&callback_args(&capability, "during the outage"))),
    ];
    for (route, request) in requests {
        let started = Instant::now();
        let response = request.header("accept", "application/json").send().await.expect("an answer, not a hang");
        let (status, elapsed) = (response.status(), started.elapsed());
        let body = response.text().await.expect("body");
        assert_eq!(status, 503, "{route}: {body}");
        assert!(elapsed < Duration::from_millis(2500), "{route} took {elapsed:?}");
        println!("PostgreSQL stopped: {route} answered {status} in {} ms", elapsed.as_millis());
        for internal in ["sqlx", "Connection refused", "connection refused", "pool", "5432", "io error"] {
            assert!(!body.contains(internal), "{route}: {internal:?} in {body}");
        }
    }
    // `/health` answers from a check that runs every 2 s: within a few seconds it says so too.
    let noticed = Instant::now();
    let noticed_after = loop {
        let response = client.get(server.url("/health")).send().await.expect("/health answers");
        if response.status() == 503 {
            let after = noticed.elapsed();
            let body = response.text().await.expect("body");
            assert!(!body.contains("sqlx") && !body.contains("5432"), "{body}");
            break after;
        }
        assert!(noticed.elapsed() < Duration::from_secs(5), "/health still says {} without storage", response.status());
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let push = {
        let started = Instant::now();
        workload.one(Route::Push, "outage-during").await;
        started.elapsed()
    };
    {
        let stats = workload.stats.lock().expect("stats");
        let errors = &stats[&Route::Push].server_errors;
        assert!(errors.len() == 1 && errors[0].starts_with("503"), "the push API: {errors:?}");
    }
    assert!(push < Duration::from_millis(2500), "the push API took {push:?}");
    println!("PostgreSQL stopped: push API answered 503 in {} ms", push.as_millis());
    println!("PostgreSQL stopped: /health said 503 after {} ms", noticed_after.as_millis());

    pg_ctlcluster(&cluster, "start");
    drop(restart);
    let back = Instant::now();
    loop {
        let response = client.get(server.url(&format!("/api/v1.0/orders?token={TOKEN}&email={EMAIL}"))).send().await;
        if response.is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(30), "service did not come back within 30 s of PostgreSQL");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("PostgreSQL started again: the orders API answered 200 after {} ms", back.elapsed().as_millis());
    let html = client.get(server.url(&format!("/frame?token={TOKEN}&email={EMAIL}"))).send().await.expect("frame");
    assert_eq!(html.status(), 200);
    assert_no_secrets(&server.log(), &[EMAIL, PHONE, "0611112222"]);
}

/// The socket's lock file of a server on `port`, which names the server's PID on its first line.
fn socket_lock(port: u16) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("/var/run/postgresql/.s.PGSQL.{port}.lock"))
}

/// Clears a lock file this test forged and starts the cluster when dropped, however the test ends.
struct Recover((String, String), u16);

impl Drop for Recover {
    fn drop(&mut self) {
        let lock = socket_lock(self.1);
        let ours = std::process::id().to_string();
        if std::fs::read_to_string(&lock).is_ok_and(|text| text.lines().next() == Some(ours.as_str())) {
            let _ = std::fs::remove_file(&lock);
        }
        let _ = Command::new("pg_ctlcluster").args([&self.0.0, &self.0.1, "start"]).status();
    }
}

async fn database_names(admin_url: &str) -> Vec<String> {
    let admin = sqlx::PgPool::connect(admin_url).await.expect("connect to TEST_DATABASE_URL");
    let names = sqlx::query_scalar("SELECT datname FROM pg_database").fetch_all(&admin).await.expect("list databases");
    admin.close().await;
    names
}

/// What CI met once: a machine stopped mid-run left PostgreSQL killed, with its socket's lock
/// file naming a PID that, on the machine started again, was another process's, and thousands of
/// scratch databases. `scripts/postgres` starts it anyway (crash recovery, the lock cleared), and
/// drops the databases of test processes that are gone while keeping a running one's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_postgres_comes_back_by_scripts_postgres_without_finished_runs_databases() {
    let _turn = CLUSTER.lock().await;
    let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL (scripts/test sets it)");
    let dir = tempfile::tempdir().expect("temp dir");
    let ours = fresh_database(Backend::Postgres, &dir).await;
    let ours = url::Url::parse(&ours).expect("url").path().trim_start_matches('/').to_owned();
    let port = url::Url::parse(&admin_url).expect("url").port().unwrap_or(5432);
    let cluster = cluster_on(port);

    // A finished run's database: named after a process that has exited.
    let finished = {
        let mut child = Command::new("true").spawn().expect("spawn true");
        child.wait().expect("wait");
        format!("belco_t{}_0", child.id())
    };
    let admin = sqlx::PgPool::connect(&admin_url).await.expect("connect");
    sqlx::query(&format!("CREATE DATABASE {finished}")).execute(&admin).await.expect("create");
    admin.close().await;

    // Killed: no shutdown checkpoint, so the next start recovers. Then its lock file is forged to
    // name a live process that is not PostgreSQL (this test's own).
    let lock = socket_lock(port);
    let lock_text = std::fs::read_to_string(&lock).expect("the running server's socket lock file");
    let recover = Recover(cluster.clone(), port);
    let status = Command::new("pg_ctlcluster")
        .args([&cluster.0, &cluster.1, "stop", "-m", "immediate"])
        .status()
        .expect("pg_ctlcluster");
    assert!(status.success(), "pg_ctlcluster stop -m immediate: {status}");
    let forged: Vec<String> =
        std::iter::once(std::process::id().to_string()).chain(lock_text.lines().skip(1).map(str::to_owned)).collect();
    std::fs::write(&lock, forged.join("\n") + "\n").expect("forge the lock file");

    let scripts_postgres = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/postgres");
    let started = Instant::now();
    let out = Command::new("bash").arg(scripts_postgres).env_remove("TEST_DATABASE_URL").output().expect("bash");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "scripts/postgres: {}\n{stdout}\n{stderr}", out.status);
    assert!(stdout.starts_with("export TEST_DATABASE_URL="), "{stdout}");
    assert!(stderr.contains("removing a stale socket lock file"), "{stderr}");
    assert!(stderr.contains("scratch databases and roles left by earlier test runs"), "{stderr}");
    println!("scripts/postgres brought a killed PostgreSQL back in {} ms", started.elapsed().as_millis());
    drop(recover);

    let names = database_names(&admin_url).await;
    assert!(!names.contains(&finished), "{finished} outlived its run: {names:?}");
    assert!(names.contains(&ours), "{ours}, of this running test, was dropped: {names:?}");
}
