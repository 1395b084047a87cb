//! The forms' webhooks: the task that sends the outbox (`belco::store::Claimed`, migration 0006).
//!
//! Every second (and at once after a batch) it claims the deliveries that are due, attempts them
//! side by side and settles each: delivered on a 2xx, otherwise retried on the schedule
//! (`BELCO_WEBHOOK_ATTEMPTS`, `BELCO_WEBHOOK_RETRY`; `belco::deliveries::Schedule`) or, after the
//! last attempt, failed. Each attempt is a POST signed per Standard Webhooks, with the same
//! `webhook-id` and body every time and a fresh `webhook-timestamp`. No redirect is followed
//! (a 3xx is a failed attempt) and every attempt ends within `BELCO_WEBHOOK_TIMEOUT`.
//!
//! At least once: a delivery is settled only after its answer, so one whose instance stopped
//! mid-attempt (a crash, a kill) is claimed again once its lease runs out, by this instance after
//! a restart or by another one. On a clean shutdown the attempts under way finish first.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use belco::deliveries::{Schedule, WebhookSigner};
use belco::store::{Claimed, FailedAttempt, Settled, Store, now_millis};
use rand::Rng;
use tokio::task::JoinSet;

use crate::config::Webhooks;

/// How often the task looks for due deliveries when there were none.
const POLL: Duration = Duration::from_secs(1);
/// Deliveries claimed (and attempted side by side) at once, at most.
const BATCH: i64 = 16;
/// A claim outlasts the attempt's timeout by this much, so it cannot run out while an attempt is
/// still allowed to be under way.
const LEASE_MARGIN: Duration = Duration::from_secs(5);

/// Recording an attempt's outcome is retried after 0.25 s, 0.5 s … up to this wait (7.75 s in
/// all) before it is given up.
const SETTLE_PATIENCE: Duration = Duration::from_secs(4);

/// The running task; [`Deliverer::finish`] stops it.
pub struct Deliverer {
    task: tokio::task::JoinHandle<()>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Deliverer {
    /// Stops claiming, and waits (up to `within`) for the attempts under way to be settled.
    pub async fn finish(self, within: Duration) {
        let _ = self.stop.send(true);
        if tokio::time::timeout(within, self.task).await.is_err() {
            tracing::warn!("webhook attempts were still under way at shutdown: they are retried after the restart");
        }
    }
}

/// Starts sending `store`'s outbox.
pub fn start(store: Store, webhooks: Webhooks) -> Deliverer {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(run(store, webhooks, stopped));
    Deliverer { task, stop }
}

async fn run(store: Store, webhooks: Webhooks, mut stopped: tokio::sync::watch::Receiver<bool>) {
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(webhooks.timeout)
        .connect_timeout(webhooks.timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("belco-panel/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "cannot make the webhook client: no form webhooks will be sent");
            return;
        }
    };
    let lease = webhooks.timeout + LEASE_MARGIN;
    let mut storage_failing = false;
    while !*stopped.borrow() {
        let claimed = match store.claim_deliveries(now_millis(), lease, BATCH).await {
            Ok(claimed) => {
                if storage_failing {
                    tracing::info!("webhook deliveries: the database answers again");
                    storage_failing = false;
                }
                claimed
            }
            Err(error) => {
                // Once per outage, not once a second.
                if !storage_failing {
                    tracing::error!(%error, "webhook deliveries: cannot read the outbox; retrying every second");
                    error.count();
                    storage_failing = true;
                }
                Vec::new()
            }
        };
        let full = claimed.len() as i64 == BATCH;
        let mut attempts = JoinSet::new();
        for delivery in claimed {
            let job = Attempt {
                store: store.clone(),
                client: client.clone(),
                signers: webhooks.signers.clone(),
                schedule: webhooks.schedule,
                timeout: webhooks.timeout,
            };
            attempts.spawn(async move { job.run(delivery).await });
        }
        // Each ends within the timeout and the few seconds its record may take; no claim is made
        // meanwhile, so on one instance nothing else can take a delivery whose record is late. A
        // shutdown waits for them (see `Deliverer::finish`).
        while attempts.join_next().await.is_some() {}
        if full {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = stopped.changed() => {}
        }
    }
}

struct Attempt {
    store: Store,
    client: reqwest::Client,
    signers: Arc<HashMap<String, WebhookSigner>>,
    schedule: Schedule,
    timeout: Duration,
}

impl Attempt {
    async fn run(self, delivery: Claimed) {
        let made = u32::try_from(delivery.attempts).unwrap_or(u32::MAX).saturating_add(1);
        let (status, error) = match self.send(&delivery).await {
            Ok(status) => {
                let settled = Settled::Delivered { status };
                tracing::info!(webhook_id = %delivery.id, status, attempt = made, "form webhook delivered");
                self.settle(&delivery, settled, "delivered").await;
                return;
            }
            Err(failure) => failure,
        };
        let now = now_millis();
        let settled = match self.schedule.retry_after(made, rand::thread_rng().r#gen::<f64>()) {
            Some(delay) => {
                let next_attempt_at = now.saturating_add(delay.as_millis() as i64);
                tracing::warn!(
                    webhook_id = %delivery.id, attempt = made, status, %error,
                    retry_in_s = delay.as_secs(), "form webhook attempt failed"
                );
                Settled::Retry { status, error, next_attempt_at }
            }
            None => {
                tracing::error!(
                    webhook_id = %delivery.id, attempts = made, status, %error,
                    "form webhook failed: no attempts left (belco-panel deliveries retry)"
                );
                Settled::Failed { status, error }
            }
        };
        let outcome = if matches!(settled, Settled::Failed { .. }) { "failed" } else { "retry" };
        self.settle(&delivery, settled, outcome).await;
    }

    /// One POST; the receiver's 2xx status, or its status (if it answered) and what went wrong.
    async fn send(&self, delivery: &Claimed) -> Result<i64, (Option<i64>, String)> {
        let Some(signer) = self.signers.get(&delivery.secret_name) else {
            return Err((
                None,
                format!(
                    "its secret {} is not set here (no form of the forms file signs with it)",
                    delivery.secret_name
                ),
            ));
        };
        let timestamp = now_millis().div_euclid(1000);
        let signature = signer.sign(&delivery.id, timestamp, &delivery.payload);
        let response = self
            .client
            .post(&delivery.url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &delivery.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.payload.clone())
            .send()
            .await;
        match response {
            Ok(response) if response.status().is_success() => Ok(i64::from(response.status().as_u16())),
            Ok(response) => {
                let status = response.status();
                let why = if status.is_redirection() {
                    FailedAttempt::Redirected(status.to_string())
                } else {
                    FailedAttempt::Answered(status.to_string())
                };
                Err((Some(i64::from(status.as_u16())), why.to_string()))
            }
            // Without the URL, which may carry a key of the receiver's in its query.
            Err(error) if error.is_timeout() => {
                Err((None, FailedAttempt::NoAnswerWithin(self.timeout.as_secs_f64().to_string()).to_string()))
            }
            Err(error) if error.is_connect() => {
                Err((None, FailedAttempt::CannotConnect(root_cause(&error)).to_string()))
            }
            Err(error) => Err((None, FailedAttempt::Other(root_cause(&error)).to_string())),
        }
    }

    /// Records the outcome; a database that is briefly unable to (a SQLite import holding the
    /// write lock, a PostgreSQL failover) is asked again for a few seconds, since a delivery left
    /// unrecorded is sent again.
    async fn settle(&self, delivery: &Claimed, settled: Settled, outcome: &'static str) {
        metrics::counter!("belco_webhook_attempts_total", "outcome" => outcome).increment(1);
        let mut wait = Duration::from_millis(250);
        loop {
            match self.store.settle_delivery(delivery, &settled, now_millis()).await {
                Ok(true) => return,
                Ok(false) => {
                    tracing::warn!(
                        webhook_id = %delivery.id,
                        "a webhook's claim was gone when its attempt ended (its lease ran out, or it was erased)"
                    );
                    return;
                }
                Err(_) if wait <= SETTLE_PATIENCE => {
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
                // It stays claimed until the lease runs out, then it is attempted again: at least
                // once, so a receiver that answered 2xx may see it twice (by the same webhook-id).
                Err(error) => {
                    tracing::error!(webhook_id = %delivery.id, %error, "cannot record a webhook attempt");
                    error.count();
                    return;
                }
            }
        }
    }
}

/// The innermost error's words (reqwest's own say only "error sending request"), without the URL.
fn root_cause(error: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = error;
    while let Some(inner) = source.source() {
        source = inner;
    }
    let words = source.to_string();
    if words.is_empty() { "the request failed".to_owned() } else { words }
}
