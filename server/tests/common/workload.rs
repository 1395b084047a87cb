//! Traffic as Belco and the shop make it, against a [`ServerProcess`]: orders-API reads, frame
//! renders, note writes, form submissions and signed pushes, each counted per route with its
//! latency, and every write the server acknowledged remembered, so a test can check afterwards
//! that each one is stored exactly once.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use belco::identity::CustomerKey;
use belco::push::PushVerifier;
use belco::secret::Secret;
use belco::store::{RecordOwner, Store};

use super::server_process::{ServerProcess, callback_args, capability_in, note_args};
use super::{PUSH_SECRET, TOKEN};

/// The customer every write is for.
pub const EMAIL: &str = "load@example.com";
pub const PHONE: &str = "+31611112222";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Route {
    Orders,
    Frame,
    Note,
    Form,
    Push,
}

impl Route {
    /// The mix: of every ten requests, four orders-API reads, two frames, two notes, one form
    /// and one push.
    pub fn nth(n: u64) -> Route {
        match n % 10 {
            0..=3 => Route::Orders,
            4 | 5 => Route::Frame,
            6 | 7 => Route::Note,
            8 => Route::Form,
            _ => Route::Push,
        }
    }
}

#[derive(Default, Debug)]
pub struct RouteStats {
    pub latencies: Vec<Duration>,
    pub server_errors: Vec<String>,
    pub other_errors: Vec<String>,
    pub transport_errors: Vec<String>,
}

impl RouteStats {
    pub fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        sorted.get(((sorted.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or_default()
    }
}

/// A push the server acknowledged, kept whole so that it can be sent again as a retry.
#[derive(Clone, Debug)]
pub struct AckedPush {
    pub webhook_id: String,
    pub timestamp: i64,
    pub body: String,
    pub order_id: String,
}

#[derive(Clone, Default, Debug)]
pub struct Acked {
    pub notes: Vec<String>,
    pub topics: Vec<String>,
    pub pushes: Vec<AckedPush>,
}

pub struct Workload {
    client: reqwest::Client,
    base: String,
    capability: String,
    signer: PushVerifier,
    /// Tells this run's writes apart from another's on the same database.
    run: String,
    pub stats: Mutex<BTreeMap<Route, RouteStats>>,
    pub acked: Mutex<Acked>,
}

impl Workload {
    /// Renders the customer's frame once for the capability the writes carry.
    pub async fn new(server: &ServerProcess, run: &str) -> Self {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
        let html = client
            .get(server.url(&format!("/frame?token={TOKEN}&email={EMAIL}&phoneNumber={PHONE}")))
            .send()
            .await
            .expect("frame")
            .text()
            .await
            .expect("frame body");
        Self {
            client,
            base: server.url(""),
            capability: capability_in(&html),
            signer: PushVerifier::new(&Secret::new(PUSH_SECRET)).expect("push secret"),
            run: run.to_owned(),
            stats: Mutex::default(),
            acked: Mutex::default(),
        }
    }

    /// Sends requests of the mix from `worker` until `deadline` or until `stop` says so, one at
    /// a time; returns how many it sent.
    pub async fn drive(&self, worker: u64, deadline: Instant, stop: &std::sync::atomic::AtomicBool) -> u64 {
        let mut n = 0;
        while Instant::now() < deadline && !stop.load(std::sync::atomic::Ordering::Relaxed) {
            self.one(Route::nth(worker + n), &format!("{}-w{worker}-n{n}", self.run)).await;
            n += 1;
        }
        n
    }

    /// One request of `route`; `tag` makes its writes unique.
    pub async fn one(&self, route: Route, tag: &str) {
        let request = match route {
            Route::Orders => self.client.get(format!("{}/api/v1.0/orders?token={TOKEN}&email={EMAIL}", self.base)),
            Route::Frame => self.client.get(format!("{}/frame?token={TOKEN}&email={EMAIL}&phoneNumber=", self.base)),
            Route::Note => {
                self.client.post(format!("{}/fn/notes/add", self.base)).json(&note_args(&self.capability, tag))
            }
            Route::Form => {
                self.client.post(format!("{}/fn/forms/submit", self.base)).json(&callback_args(&self.capability, tag))
            }
            Route::Push => return self.push(tag).await,
        };
        let started = Instant::now();
        let outcome = request.header("accept", "application/json").send().await;
        let ok = self.record(route, started, outcome).await;
        if ok {
            let mut acked = self.acked.lock().expect("acked");
            match route {
                Route::Note => acked.notes.push(tag.to_owned()),
                Route::Form => acked.topics.push(tag.to_owned()),
                _ => {}
            }
        }
    }

    async fn push(&self, tag: &str) {
        let timestamp = chrono::Utc::now().timestamp();
        let order_id = format!("push-{tag}");
        let body = format!(
            "{{\"orders\":[{}]}}",
            super::order(&order_id, EMAIL, PHONE, &chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        );
        let push = AckedPush { webhook_id: format!("msg-{tag}"), timestamp, body, order_id };
        let started = Instant::now();
        let outcome = self.send_push(&push).await;
        if self.record(Route::Push, started, outcome).await {
            self.acked.lock().expect("acked").pushes.push(push);
        }
    }

    /// Sends `push` as the shop's backend does (again, for a retry).
    pub async fn send_push(&self, push: &AckedPush) -> reqwest::Result<reqwest::Response> {
        let signature = self.signer.sign(&push.webhook_id, push.timestamp, push.body.as_bytes());
        self.client
            .post(format!("{}/api/v1.0/orders", self.base))
            .header("content-type", "application/json")
            .header("webhook-id", &push.webhook_id)
            .header("webhook-timestamp", push.timestamp.to_string())
            .header("webhook-signature", signature)
            .body(push.body.clone())
            .send()
            .await
    }

    /// Counts the answer; true when it was a success (the write, if any, acknowledged).
    async fn record(&self, route: Route, started: Instant, outcome: reqwest::Result<reqwest::Response>) -> bool {
        let (elapsed, verdict) = match outcome {
            Ok(response) => {
                let status = response.status();
                let body = response.text().await;
                let elapsed = started.elapsed();
                match body {
                    Ok(_) if status.is_success() => (elapsed, Ok(())),
                    Ok(body) if status.is_server_error() => (elapsed, Err((true, format!("{status}: {body}")))),
                    Ok(body) => (elapsed, Err((false, format!("{status}: {body}")))),
                    Err(e) => (elapsed, Err((false, format!("transport: the body broke off: {e}")))),
                }
            }
            Err(e) => (started.elapsed(), Err((false, format!("transport: {e}")))),
        };
        let mut stats = self.stats.lock().expect("stats");
        let stats = stats.entry(route).or_default();
        stats.latencies.push(elapsed);
        match verdict {
            Ok(()) => true,
            Err((true, e)) => {
                stats.server_errors.push(e);
                false
            }
            Err((false, e)) if e.starts_with("transport") => {
                stats.transport_errors.push(e);
                false
            }
            Err((false, e)) => {
                stats.other_errors.push(e);
                false
            }
        }
    }

    /// One line per route: requests, req/s over `seconds`, p50 and p99, errors.
    pub fn report(&self, seconds: f64) -> String {
        let stats = self.stats.lock().expect("stats");
        let mut out = String::new();
        for (route, s) in stats.iter() {
            out += &format!(
                "  {:<7} {:>7} requests {:>8.1} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  5xx {}  transport errors {}  other {}\n",
                format!("{route:?}"),
                s.latencies.len(),
                s.latencies.len() as f64 / seconds,
                s.percentile(0.5).as_secs_f64() * 1000.0,
                s.percentile(0.99).as_secs_f64() * 1000.0,
                s.server_errors.len(),
                s.transport_errors.len(),
                s.other_errors.len(),
            );
        }
        out
    }
}

/// Checks that every write `acked` holds is in `store` exactly once (this run's writes are told
/// apart by their tag, which starts with `run`).
/// `n` connections driving `workload` at once until `deadline`, or until the flag returned is set;
/// each handle answers how many requests its connection sent.
pub fn drive_in_parallel(
    workload: &std::sync::Arc<Workload>,
    n: u64,
    deadline: Instant,
) -> (std::sync::Arc<std::sync::atomic::AtomicBool>, Vec<tokio::task::JoinHandle<u64>>) {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers = (0..n)
        .map(|worker| {
            let (workload, stop) = (workload.clone(), stop.clone());
            tokio::spawn(async move { workload.drive(worker, deadline, &stop).await })
        })
        .collect();
    (stop, workers)
}

pub async fn assert_stored_exactly_once(store: &Store, database_url: &str, acked: &Acked, run: &str) {
    let key = CustomerKey { email: Some(EMAIL.to_owned()), phone: Some(PHONE.to_owned()) };
    let notes = store.notes(&key, 1_000_000).await.expect("notes");
    let mut stored: BTreeMap<&str, usize> = BTreeMap::new();
    for note in notes.iter().filter(|note| note.body.starts_with(run)) {
        *stored.entry(note.body.as_str()).or_default() += 1;
    }
    for body in &acked.notes {
        assert_eq!(stored.get(body.as_str()), Some(&1), "acknowledged note {body:?} is stored once");
    }
    let submissions = store.submissions(RecordOwner::Customer(&key), 1_000_000).await.expect("submissions");
    let mut stored: BTreeMap<&str, usize> = BTreeMap::new();
    for submission in &submissions {
        for answer in submission.answers.iter().filter(|a| a.name == "topic" && a.value.starts_with(run)) {
            *stored.entry(answer.value.as_str()).or_default() += 1;
        }
    }
    for topic in &acked.topics {
        assert_eq!(stored.get(topic.as_str()), Some(&1), "acknowledged submission {topic:?} is stored once");
    }
    let ids = stored_order_ids(database_url, &format!("push-{run}")).await;
    for push in &acked.pushes {
        assert_eq!(ids.get(push.order_id.as_str()), Some(&1), "acknowledged push {} is stored once", push.order_id);
    }
}

/// How many rows each order id starting with `prefix` has (the orders API lists only the newest).
pub async fn stored_order_ids(database_url: &str, prefix: &str) -> BTreeMap<String, usize> {
    const SQL: &str = "SELECT id FROM orders WHERE id LIKE $1";
    let pattern = format!("{prefix}%");
    let ids: Vec<String> = if database_url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(database_url).await.expect("sqlite");
        let ids = sqlx::query_scalar(SQL).bind(&pattern).fetch_all(&pool).await.expect("ids");
        pool.close().await;
        ids
    } else {
        let pool = sqlx::PgPool::connect(database_url).await.expect("postgres");
        let ids = sqlx::query_scalar(SQL).bind(&pattern).fetch_all(&pool).await.expect("ids");
        pool.close().await;
        ids
    };
    let mut counts = BTreeMap::new();
    for id in ids {
        *counts.entry(id).or_default() += 1;
    }
    counts
}
