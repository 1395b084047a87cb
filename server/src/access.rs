//! The access log's writer (`belco::store::AccessRecord`, `belco-panel access`): every frame
//! render and orders lookup, recorded with the customer's identifiers keyed-hashed
//! (`Signer::pseudonym`, the same pseudonyms the erasure record keeps) and the client's address.
//!
//! A request costs two HMACs and a place in a queue; a task writes the queue in batches, one
//! transaction per batch, so Belco's calls never wait for a write. The queue is bounded: when the
//! database falls that far behind, requests wait for room rather than lose records. Records older
//! than `BELCO_ACCESS_RETENTION` are deleted at start and every hour. On shutdown the queue is
//! written out before the store closes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use belco::capability::Signer;
use belco::identity::CustomerKey;
use belco::store::{AccessRecord, HashedKey, Store};
use tokio::sync::mpsc;

use crate::calls::CallNote;

/// Records waiting to be written, at most.
const QUEUE: usize = 65_536;
/// Records per write, at most.
const BATCH: usize = 2_000;
/// How often old records are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// What the middleware needs; one per server, shared by every request.
pub struct AccessLog {
    queue: mpsc::Sender<AccessRecord>,
    signer: Arc<Signer>,
    trusted_proxies: Vec<ipnet::IpNet>,
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

/// The customer's identifiers as the access log and the erasure record keep them.
pub fn hashed(signer: &Signer, key: &CustomerKey) -> HashedKey {
    HashedKey {
        email: key.email.as_deref().map(|email| signer.pseudonym("email", email)),
        phone: key.phone.as_deref().map(|phone| signer.pseudonym("phone", phone)),
    }
}

/// Starts the writer on `store`.
pub fn start(
    store: Store,
    signer: Arc<Signer>,
    retention: Duration,
    trusted_proxies: Vec<ipnet::IpNet>,
) -> (Arc<AccessLog>, Writer) {
    let (queue, records) = mpsc::channel(QUEUE);
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(write(store, records, retention, stopped));
    (Arc::new(AccessLog { queue, signer, trusted_proxies }), Writer { task, stop })
}

async fn write(
    store: Store,
    mut records: mpsc::Receiver<AccessRecord>,
    retention: Duration,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    prune(&store, retention).await;
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
                write_batch(&store, &mut batch).await;
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
                    write_batch(&store, &mut batch).await;
                }
                break;
            }
        }
    }
}

async fn write_batch(store: &Store, batch: &mut Vec<AccessRecord>) {
    if let Err(error) = store.record_accesses(batch).await {
        tracing::error!(%error, records = batch.len(), "the access log could not write");
        crate::metrics::storage_failed(&error);
    }
    batch.clear();
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

/// The middleware, inside the inspector's (whose [`CallNote`] it reads): one record per call a
/// handler answered. A call refused before (429 after failed tokens, 503 when busy) is not one.
pub async fn record(State(log): State<Arc<AccessLog>>, request: Request, next: Next) -> Response {
    let Some(route) = crate::calls::inspected(request.method(), request.uri()) else {
        return next.run(request).await;
    };
    let client = match request.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(peer)) => {
            crate::throttle::client_address(*peer, request.headers(), &log.trusted_proxies).to_string()
        }
        None => "-".to_owned(),
    };
    let response = next.run(request).await;
    let Some(note) = response.extensions().get::<CallNote>() else { return response };
    let hashed = note.key.as_ref().map(|key| hashed(&log.signer, key)).unwrap_or_default();
    let record = AccessRecord {
        at: belco::store::now_millis(),
        route: route.to_owned(),
        email_hash: hashed.email,
        phone_hash: hashed.phone,
        orders: note.orders.map(|n| n as i64),
        client,
        status: i64::from(response.status().as_u16()),
        outcome: crate::calls::outcome(response.status(), note.orders, note.reason.as_deref()),
    };
    if log.queue.send(record).await.is_err() {
        tracing::warn!("a call answered after the access log stopped was not recorded");
    }
    response
}
