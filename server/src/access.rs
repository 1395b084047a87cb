//! The access log's writer (`belco::store::AccessRecord`, `belco-panel access`): every frame
//! render and orders lookup, recorded with the customer's identifiers keyed-hashed
//! (`belco::pseudonym`, under `BELCO_PSEUDONYM_KEY`, the same pseudonyms the erasure record keeps)
//! and the client's address.
//!
//! A request costs a place in a queue: the task that writes the queue hashes the identifiers,
//! words the outcome and writes in batches, one transaction per batch (`AccessAppender`), so
//! Belco's calls never wait for a write. The queue is bounded: when the
//! database falls that far behind, requests wait for room rather than lose records. Records older
//! than `BELCO_ACCESS_RETENTION` are deleted at start and every hour. On shutdown the queue is
//! written out before the store closes.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use belco::identity::CustomerKey;
use belco::pseudonym::Pseudonyms;
use belco::store::{AccessRecord, Store};
use tokio::sync::mpsc;

/// Records waiting to be written, at most.
const QUEUE: usize = 65_536;
/// Records per write, at most.
const BATCH: usize = 20_000;
/// How long the writer gathers records before it writes them: at most this many commits a
/// second, however busy the server (a commit per wake-up cost the orders API half its throughput).
const GATHER: Duration = Duration::from_millis(200);
/// How often old records are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The queue's sending end; one per server, shared by every request.
pub struct AccessLog {
    queue: mpsc::Sender<Pending>,
}

/// A call as the observation layer queues it: what it knows, not yet hashed or worded.
struct Pending {
    at: i64,
    route: &'static str,
    key: Option<CustomerKey>,
    orders: Option<usize>,
    client: Option<IpAddr>,
    status: StatusCode,
    reason: Option<String>,
}

impl Pending {
    fn record(self, pseudonyms: &Pseudonyms) -> AccessRecord {
        let hashed = self.key.as_ref().map(|key| pseudonyms.current(key)).unwrap_or_default();
        let (email_hash, phone_hash) = hashed.current();
        AccessRecord {
            at: self.at,
            route: self.route.to_owned(),
            email_hash: email_hash.map(str::to_owned),
            phone_hash: phone_hash.map(str::to_owned),
            orders: self.orders.map(|n| n as i64),
            client: self.client.map_or_else(|| "-".to_owned(), |ip| ip.to_string()),
            status: i64::from(self.status.as_u16()),
            outcome: crate::calls::outcome(self.status, self.orders, self.reason.as_deref()),
        }
    }
}

/// The task that writes the queue; [`Writer::finish`] stops it once it has written everything.
pub struct Writer {
    task: tokio::task::JoinHandle<()>,
    stop: tokio::sync::oneshot::Sender<()>,
}

impl Writer {
    /// Closes the queue, and waits (up to `within`) until what it holds is written. Called once
    /// the server has stopped serving; a call still being answered then (one that outlived the
    /// drain) is not recorded.
    pub async fn finish(self, within: Duration) {
        let _ = self.stop.send(());
        if tokio::time::timeout(within, self.task).await.is_err() {
            tracing::warn!("the access log could not write its last records in time");
        }
    }
}

/// Starts the writer on `store`.
pub fn start(store: Store, pseudonyms: Arc<Pseudonyms>, retention: Duration) -> (Arc<AccessLog>, Writer) {
    let (queue, records) = mpsc::channel(QUEUE);
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(write(store, pseudonyms, records, retention, stopped));
    (Arc::new(AccessLog { queue }), Writer { task, stop })
}

async fn write(
    store: Store,
    pseudonyms: Arc<Pseudonyms>,
    mut records: mpsc::Receiver<Pending>,
    retention: Duration,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    prune(&store, retention).await;
    let mut appender = match store.access_appender() {
        Ok(appender) => Some(appender),
        Err(error) => {
            tracing::error!(%error, "the access log cannot open the database: nothing will be recorded");
            None
        }
    };
    let mut write_batch = async |batch: &mut Vec<Pending>| {
        let records: Vec<AccessRecord> = batch.drain(..).map(|pending| pending.record(&pseudonyms)).collect();
        let Some(appender) = appender.as_mut() else { return };
        if let Err(error) = appender.append(&records).await {
            tracing::error!(%error, records = records.len(), "the access log could not write");
            crate::metrics::storage_failed(&error);
        }
    };
    let mut prune_tick = tokio::time::interval_at(tokio::time::Instant::now() + PRUNE_EVERY, PRUNE_EVERY);
    let mut batch = Vec::with_capacity(BATCH);
    // A `Writer` dropped without `finish` leaves the writer running until the queue closes.
    let mut detached = false;
    loop {
        tokio::select! {
            received = records.recv_many(&mut batch, BATCH) => {
                if received == 0 {
                    break;
                }
                tokio::time::sleep(GATHER).await;
                while batch.len() < BATCH && let Ok(pending) = records.try_recv() {
                    batch.push(pending);
                }
                write_batch(&mut batch).await;
            }
            _ = prune_tick.tick() => prune(&store, retention).await,
            // Stopping: no more records; those queued are written.
            asked = &mut stopped, if !detached => {
                if asked.is_err() {
                    detached = true;
                    continue;
                }
                records.close();
                while records.recv_many(&mut batch, BATCH).await > 0 {
                    write_batch(&mut batch).await;
                }
                break;
            }
        }
    }
}

/// Deletes the records older than `retention`.
async fn prune(store: &Store, retention: Duration) {
    let before = belco::store::now_millis().saturating_sub(i64::try_from(retention.as_millis()).unwrap_or(i64::MAX));
    match store.prune_accesses(before).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(records = n, "deleted access records past their retention"),
        Err(error) => tracing::error!(%error, "the access log could not delete old records"),
    }
}

impl AccessLog {
    /// Queues one call whose token was accepted (the observation layer, `observe`, calls it).
    pub async fn record(
        &self,
        route: crate::observe::CallRoute,
        note: &crate::observe::CallNote,
        status: StatusCode,
        client: Option<IpAddr>,
    ) {
        let pending = Pending {
            at: belco::store::now_millis(),
            route: route.as_str(),
            key: note.key.clone(),
            orders: note.orders,
            client,
            status,
            reason: note.reason.clone(),
        };
        if self.queue.send(pending).await.is_err() {
            tracing::warn!("a call answered after the access log stopped was not recorded");
        }
    }
}
