//! The access log's writer (`belco::store::AccessRecord`, `belco-panel access`): every frame
//! render and orders lookup, recorded with the customer's identifiers keyed-hashed
//! (`belco::pseudonym`, under `BELCO_PSEUDONYM_KEY`, the same pseudonyms the erasure record keeps)
//! and the client's address.
//!
//! A request costs a place in a queue and nothing more: the task that writes the queue hashes
//! the identifiers, words the outcome and writes in batches, one transaction per batch
//! (`AccessAppender`; on SQLite on a blocking thread, never on the runtime's workers), so
//! Belco's calls never wait for a write. Records older than `BELCO_ACCESS_RETENTION` are deleted
//! at start and every hour.
//!
//! - **A batch is written or reported, never dropped quietly.** One that fails (the database
//!   down, or an `import` holding SQLite's write lock past the 5 s busy timeout) is tried again
//!   until it is written, waiting 50 ms, then twice as long each time up to 2 s. The first
//!   failure is logged, then at most once a minute while it lasts, and the record that it was
//!   written after all.
//! - **A request never waits for the log.** The queue holds [`QUEUE`] records (65,536: at the
//!   orders API's full speed on two cores, some seconds of calls; about 20 MB at most). When it is
//!   full, the database having fallen that far behind, a call is answered all the same and its
//!   record dropped: counted in `belco_access_log_dropped_total` and in a warning at most once a
//!   minute that says how many were dropped since the last one. Those calls are missing from the
//!   log; the count is what the shop can tell its customers.
//! - **On shutdown** the queue is written out before the store closes, tried again for at most
//!   the time [`Writer::finish`] is given; what could not be written by then is counted in the
//!   log. A crash (or a kill -9) loses what was queued and not yet written: at most one
//!   gathering interval (200 ms) of calls while the database keeps up.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use belco::identity::CustomerKey;
use belco::pseudonym::Pseudonyms;
use belco::store::{AccessRecord, Store};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// Records waiting to be written, at most; past it, records are dropped and counted (see the
/// module docs).
pub const QUEUE: usize = 65_536;
/// Records per write, at most.
const BATCH: usize = 20_000;
/// Records per transaction (see `Out::write`): a whole batch. Transactions of 256 were measured
/// too: their commits cost the orders API 11 % of its throughput and the fixed-rate p99 more.
const CHUNK: usize = BATCH;
/// How long the writer gathers records before it writes them: at most this many commits a
/// second, however busy the server (a commit per wake-up cost the orders API half its throughput).
const GATHER: Duration = Duration::from_millis(200);
/// How often old records are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// The wait before a failed batch is tried again the first time; it doubles up to `RETRY_MAX`.
const RETRY_FIRST: Duration = Duration::from_millis(50);
const RETRY_MAX: Duration = Duration::from_secs(2);
/// A failure that lasts, or records being dropped, is logged at most this often.
const REPORT_EVERY: Duration = Duration::from_secs(60);
/// How long an attempt under way may outlast [`Writer::finish`]'s time: the busy timeout
/// (SQLite) or lock timeout (PostgreSQL) of the appender, and a little.
const ATTEMPT_GRACE: Duration = Duration::from_secs(6);

/// The queue's sending end; one per server, shared by every request.
pub struct AccessLog {
    queue: mpsc::Sender<Pending>,
    dropped: Dropped,
}

/// The records dropped because the queue was full.
#[derive(Default)]
struct Dropped {
    total: AtomicU64,
    since_warning: AtomicU64,
    /// When the last warning was logged.
    warned: Mutex<Option<Instant>>,
}

impl Dropped {
    fn one(&self) {
        crate::metrics::access_log_dropped();
        self.total.fetch_add(1, Ordering::Relaxed);
        self.since_warning.fetch_add(1, Ordering::Relaxed);
        // Another request warning at this moment counts this one in its own warning.
        let Ok(mut warned) = self.warned.try_lock() else { return };
        let now = Instant::now();
        if warned.is_some_and(|at| now.duration_since(at) < REPORT_EVERY) {
            return;
        }
        *warned = Some(now);
        let dropped = self.since_warning.swap(0, Ordering::Relaxed);
        tracing::warn!(
            dropped,
            "the access log's queue is full (the database is behind): {dropped} calls were answered \
             without being recorded since the last warning"
        );
    }
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
            outcome: crate::calls::inspector::outcome(self.status, self.orders, self.reason.as_deref()),
        }
    }
}

/// The task that writes the queue; [`Writer::finish`] stops it once it has written everything.
pub struct Writer {
    task: tokio::task::JoinHandle<()>,
    stop: oneshot::Sender<Instant>,
    /// A sending end of the queue: how much it holds, for the count of records lost.
    queue: mpsc::Sender<Pending>,
    /// Records taken from the queue and not yet written.
    in_hand: Arc<AtomicUsize>,
}

impl Writer {
    /// Closes the queue, and waits until what it holds is written, trying again for up to
    /// `within`; what is left then is counted in the log as lost. Called once the server has
    /// stopped serving; a call still being answered then (one that outlived the drain) is not
    /// recorded.
    pub async fn finish(self, within: Duration) {
        let _ = self.stop.send(Instant::now() + within);
        // The writer gives up by itself at `within`, an attempt lasting 5 s at most (the busy
        // or lock timeout); this is for one that hangs all the same: it is cancelled.
        let mut task = self.task;
        if tokio::time::timeout(within + ATTEMPT_GRACE, &mut task).await.is_err() {
            task.abort();
            let lost = self.in_hand.load(Ordering::Relaxed) + (self.queue.max_capacity() - self.queue.capacity());
            tracing::error!(
                records = lost,
                "the access log could not write its last records in time: {lost} records are lost"
            );
        }
    }
}

/// Starts the writer on `store`, with a queue of [`QUEUE`] records.
pub fn start(store: Store, pseudonyms: Arc<Pseudonyms>, retention: Duration) -> (Arc<AccessLog>, Writer) {
    start_with_capacity(store, pseudonyms, retention, QUEUE)
}

/// [`start`] with a queue of `capacity` records (the tests fill a small one).
pub fn start_with_capacity(
    store: Store,
    pseudonyms: Arc<Pseudonyms>,
    retention: Duration,
    capacity: usize,
) -> (Arc<AccessLog>, Writer) {
    let (queue, records) = mpsc::channel(capacity.max(1));
    let (stop, stopped) = oneshot::channel();
    let in_hand = Arc::new(AtomicUsize::new(0));
    let out = Out {
        appender: store.access_appender(),
        background: Background::start(),
        pseudonyms,
        in_hand: in_hand.clone(),
        failing: None,
    };
    let task = tokio::spawn(write(store, out, records, retention, Stop { asked: Some(stopped), deadline: None }));
    let log = AccessLog { queue: queue.clone(), dropped: Dropped::default() };
    (Arc::new(log), Writer { task, stop, queue, in_hand })
}

/// `finish`'s request, and the time it gives.
struct Stop {
    /// `None` once asked, or once the `Writer` was dropped without `finish` (the writer then runs
    /// until the queue closes).
    asked: Option<oneshot::Receiver<Instant>>,
    /// Set once asked: when the writer stops trying.
    deadline: Option<Instant>,
}

impl Stop {
    /// Returns when `finish` asks (at once if it has); never, when it will not.
    async fn asked(&mut self) {
        if self.deadline.is_some() {
            return;
        }
        if let Some(asked) = &mut self.asked {
            let deadline = asked.await;
            self.asked = None;
            if let Ok(deadline) = deadline {
                self.deadline = Some(deadline);
                return;
            }
        }
        std::future::pending().await
    }

    fn past(&self, at: Instant) -> bool {
        self.deadline.is_some_and(|deadline| at >= deadline)
    }
}

/// A thread of the access log's own, below the priority of the threads that answer requests:
/// a batch's hashing and its SQLite inserts (about 4,000 records every 200 ms at 20,000 calls a
/// second) run there, so that on a small machine they take the CPU the answers leave rather than
/// delay them (bench/access's fixed-rate p99 on/off: 1.56 on tokio's threads, 1.86 with only the
/// hashing here, 1.17 with both). The price: while it inserts it holds SQLite's write lock, so on
/// a saturated machine a note or a push may wait behind it (a batch is about 10 ms of work, which
/// the lowest priority may stretch to a fraction of a second; the busy timeout is 5 s).
struct Background {
    jobs: std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>>,
}

impl Background {
    fn start() -> Self {
        let (jobs, queued) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let started = std::thread::Builder::new().name("access-log".into()).spawn(move || {
            lower_priority();
            for job in queued {
                // A job that panics (none is expected) loses its own result, not the thread.
                if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
                    tracing::error!("the access log's thread met a panic: one batch is lost");
                }
            }
        });
        if let Err(error) = started {
            tracing::error!(%error, "the access log's thread did not start: nothing will be recorded");
        }
        Self { jobs }
    }

    /// Runs `job` on the thread (on tokio's blocking threads if it could not start); `None` if
    /// the job panicked.
    async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let (done, result) = oneshot::channel();
        match self.jobs.send(Box::new(move || _ = done.send(job()))) {
            Ok(()) => result.await.ok(),
            Err(std::sync::mpsc::SendError(job)) => {
                tokio::task::spawn_blocking(job).await.ok()?;
                result.await.ok()
            }
        }
    }
}

/// `nice` 19 for the calling thread (Linux sets it per thread); elsewhere nothing.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain system calls on the calling thread's own id; no memory is shared.
        let failed = unsafe { libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 19) } != 0;
        if failed {
            tracing::debug!("the access log's thread keeps its priority");
        }
    }
}

/// The writing end: hashes a batch and writes it until it is written.
struct Out {
    appender: belco::store::AccessAppender,
    background: Background,
    pseudonyms: Arc<Pseudonyms>,
    in_hand: Arc<AtomicUsize>,
    /// Since when the writes fail, while they do.
    failing: Option<Failing>,
}

struct Failing {
    since: Instant,
    attempts: u32,
    reported: Instant,
}

impl Out {
    /// Writes `batch` (taken from the queue; it is emptied), trying again until it is written;
    /// `false` when `stop`'s deadline came first. It is hashed, and on SQLite inserted, on the
    /// log's low-priority thread ([`Background`]), in transactions of [`CHUNK`] records.
    async fn write(&mut self, batch: &mut Vec<Pending>, stop: &mut Stop) -> bool {
        self.in_hand.fetch_add(batch.len(), Ordering::Relaxed);
        let (pending, pseudonyms) = (std::mem::take(batch), self.pseudonyms.clone());
        let hash = move || -> Vec<Arc<[AccessRecord]>> {
            let mut records = pending.into_iter().map(|p| p.record(&pseudonyms)).peekable();
            let mut chunks = Vec::new();
            while records.peek().is_some() {
                chunks.push(records.by_ref().take(CHUNK).collect());
            }
            chunks
        };
        let Some(chunks) = self.background.run(hash).await else {
            // Its records were taken from the queue and are gone with the panic.
            return true;
        };
        for records in chunks {
            if !self.write_chunk(records, stop).await {
                return false;
            }
        }
        true
    }

    /// One chunk, in one transaction, tried again until it is written; `false` when `stop`'s
    /// deadline came first.
    async fn write_chunk(&mut self, records: Arc<[AccessRecord]>, stop: &mut Stop) -> bool {
        let mut wait = RETRY_FIRST;
        loop {
            let appended = match self.appender.blocking() {
                Some(sqlite) => {
                    let chunk = records.clone();
                    let Some(appended) = self.background.run(move || sqlite.append(&chunk)).await else {
                        // Nothing of it was committed (a panic rolls the transaction back).
                        tracing::error!(records = records.len(), "the access log lost records to a panic");
                        return true;
                    };
                    appended
                }
                None => self.appender.append(&records).await,
            };
            match appended {
                Ok(()) => {
                    self.written(records.len());
                    return true;
                }
                Err(error) => self.failed(&error, records.len()),
            }
            if stop.past(Instant::now() + wait) {
                return false;
            }
            // Asked to stop meanwhile: tried again at once, then until the deadline.
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = stop.asked(), if stop.deadline.is_none() => {}
            }
            wait = (wait * 2).min(RETRY_MAX);
        }
    }

    fn written(&mut self, records: usize) {
        self.in_hand.fetch_sub(records, Ordering::Relaxed);
        if let Some(failing) = self.failing.take() {
            tracing::info!(
                records,
                attempts = failing.attempts,
                "the access log wrote its records after all, {:.1} s after the first failure",
                failing.since.elapsed().as_secs_f64()
            );
        }
    }

    fn failed(&mut self, error: &belco::store::StoreError, records: usize) {
        error.count();
        let now = Instant::now();
        match &mut self.failing {
            None => {
                tracing::error!(
                    %error,
                    records,
                    "the access log could not write; it tries again until it can, and queues calls meanwhile"
                );
                self.failing = Some(Failing { since: now, attempts: 1, reported: now });
            }
            Some(failing) => {
                failing.attempts += 1;
                if now.duration_since(failing.reported) >= REPORT_EVERY {
                    failing.reported = now;
                    tracing::error!(
                        %error,
                        records,
                        attempts = failing.attempts,
                        "the access log still cannot write, {:.0} s after the first failure",
                        now.duration_since(failing.since).as_secs_f64()
                    );
                }
            }
        }
    }
}

async fn write(store: Store, mut out: Out, mut records: mpsc::Receiver<Pending>, retention: Duration, mut stop: Stop) {
    prune(&store, retention).await;
    let mut prune_tick = tokio::time::interval_at(Instant::now() + PRUNE_EVERY, PRUNE_EVERY);
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        tokio::select! {
            received = records.recv_many(&mut batch, BATCH) => {
                if received == 0 {
                    return;
                }
                tokio::time::sleep(GATHER).await;
                while batch.len() < BATCH && let Ok(pending) = records.try_recv() {
                    batch.push(pending);
                }
                if !out.write(&mut batch, &mut stop).await {
                    break;
                }
            }
            _ = prune_tick.tick() => prune(&store, retention).await,
            () = stop.asked() => break,
        }
    }
    // Stopping: no more records; those queued are written until the deadline.
    records.close();
    let mut gave_up = false;
    while records.recv_many(&mut batch, BATCH).await > 0 {
        if gave_up || stop.past(Instant::now()) {
            out.in_hand.fetch_add(batch.len(), Ordering::Relaxed);
            batch.clear();
            gave_up = true;
        } else if !out.write(&mut batch, &mut stop).await {
            gave_up = true;
        }
    }
    let lost = out.in_hand.load(Ordering::Relaxed);
    if lost > 0 {
        tracing::error!(records = lost, "the access log stopped before it could write {lost} records: they are lost");
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
    /// Queues one call whose token was accepted (the observation layer, `middleware::observe`, calls it).
    /// Never waits: with the queue full, the record is dropped and counted.
    pub fn record(
        &self,
        route: crate::calls::CallRoute,
        note: &crate::calls::CallNote,
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
        match self.queue.try_send(pending) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => self.dropped.one(),
            // Only while the server stops: counted like a full queue's, warned about at most
            // once a minute.
            Err(mpsc::error::TrySendError::Closed(_)) => self.dropped.one(),
        }
    }

    /// The records dropped so far because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.total.load(Ordering::Relaxed)
    }
}
