//! Load: mixed traffic from many connections at once against the real binary, on SQLite and on
//! PostgreSQL: orders-API reads, frame renders, note writes, form submissions and signed pushes
//! (`common::workload`). Not one 5xx, not one transport error, and afterwards every write the
//! server acknowledged is stored exactly once.
//!
//! In `cargo test` it is a short run against the debug build. The full run of the issue (60 s at 64
//! connections, release build) is
//! `BELCO_LOAD_SECONDS=60 cargo test --release -p server --test processes -- operations::load --nocapture`,
//! which also prints throughput and latency per route.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use belco::store::Store;

use crate::common::server_process::{ServerProcess, assert_no_secrets};
use crate::common::workload::{EMAIL, PHONE, Route, Workload, assert_stored_exactly_once};
use crate::common::{Backend, fresh_database};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The two backends one after the other, so that they do not share the machine's two cores.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mixed_traffic_gets_no_5xx_and_loses_no_acknowledged_write() {
    let seconds = setting("BELCO_LOAD_SECONDS", 8);
    let connections = setting("BELCO_LOAD_CONNECTIONS", 64);
    for backend in [Backend::Sqlite, Backend::Postgres] {
        run(backend, Duration::from_secs(seconds), connections).await;
    }
}

async fn run(backend: Backend, duration: Duration, connections: u64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = fresh_database(backend, &dir).await;
    let server = ServerProcess::start(&url, &[]).await;
    let workload = Arc::new(Workload::new(&server, "load").await);
    // Orders for the reads to find, before the clock starts.
    for i in 0..20 {
        workload.one(Route::Push, &format!("load-seed-{i}")).await;
    }

    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = (0..connections)
        .map(|worker| {
            let (workload, stop) = (workload.clone(), stop.clone());
            tokio::spawn(async move { workload.drive(worker, deadline, &stop).await })
        })
        .collect();
    let mut sent = 0;
    for worker in workers {
        sent += worker.await.expect("worker");
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{backend:?}: {sent} requests from {connections} connections in {seconds:.1} s ({:.0} req/s)\n{}",
        sent as f64 / seconds,
        workload.report(seconds)
    );

    {
        let stats = workload.stats.lock().expect("stats");
        for (route, s) in stats.iter() {
            assert!(s.server_errors.is_empty(), "{backend:?} {route:?}: 5xx answers: {:?}", &s.server_errors[..]);
            assert!(s.transport_errors.is_empty(), "{backend:?} {route:?}: transport errors: {:?}", s.transport_errors);
            assert!(s.other_errors.is_empty(), "{backend:?} {route:?}: refused: {:?}", s.other_errors);
            assert!(!s.latencies.is_empty(), "{backend:?}: {route:?} was exercised");
        }
    }
    let store = Store::connect(&url).await.expect("the database opens");
    let acked = std::mem::take(&mut *workload.acked.lock().expect("acked"));
    assert!(!acked.notes.is_empty() && !acked.topics.is_empty() && !acked.pushes.is_empty());
    assert_stored_exactly_once(&store, &url, &acked, "load").await;
    store.close().await;
    assert_no_secrets(&server.log(), &[EMAIL, PHONE, "0611112222"]);
}
