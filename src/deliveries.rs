//! Form webhooks: what a delivery of a sent form says and how it is signed, and when a failed
//! one is tried again. The outbox they are kept in is `store::deliveries`; the task that sends
//! them is the server's `tasks/deliveries.rs`.
//!
//! A delivery is a POST of a JSON body ([`payload`]), signed per Standard Webhooks 1.0:
//! `webhook-id` (the same on every attempt: the receiver's key for "seen it already"),
//! `webhook-timestamp` (the attempt's, in Unix seconds) and `webhook-signature`
//! (`v1,` + base64 of HMAC-SHA256 over `id.timestamp.body`, keyed with the form's secret).

use std::time::Duration;

use serde::Serialize;
use standardwebhooks::Webhook;

use crate::forms::{Answer, Scope};
use crate::identity::CustomerKey;
use crate::push::{SecretError, webhook_key};
use crate::secret::Secret;
use crate::time::format_instant;

/// The `type` of every delivery's body.
pub const EVENT_TYPE: &str = "form.submitted";

/// Signs deliveries with one form's secret.
pub struct WebhookSigner {
    key: Webhook,
}

impl std::fmt::Debug for WebhookSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSigner(…)")
    }
}

impl WebhookSigner {
    pub fn new(secret: &Secret) -> Result<Self, SecretError> {
        Ok(Self { key: webhook_key(secret)? })
    }

    /// The `webhook-signature` header's value for this attempt.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        // The body is a `String`, so UTF-8: `sign` only fails on bytes that are not.
        self.key.sign(id, timestamp, body.as_bytes()).unwrap_or_default()
    }
}

/// A delivery's body, as documented in docs/webhooks.md ("Webhooks", what arrives).
#[derive(Serialize)]
struct Payload<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    timestamp: String,
    data: Sent<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Sent<'a> {
    submission_id: &'a str,
    form: FormRef<'a>,
    /// The code of the language the agent saw the form in (`nl`, `en`).
    language: &'a str,
    answers: &'a [Answer],
    /// The answers by field name, for a receiver that wants one value.
    values: serde_json::Map<String, serde_json::Value>,
    /// `null` for a company form.
    customer: Option<CustomerRef<'a>>,
    agent: AgentRef<'a>,
    sent_at: String,
}

#[derive(Serialize)]
struct FormRef<'a> {
    id: &'a str,
    title: &'a str,
    scope: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CustomerRef<'a> {
    email: Option<&'a str>,
    phone_number: Option<&'a str>,
}

#[derive(Serialize)]
struct AgentRef<'a> {
    name: &'a str,
}

/// What a submission's delivery carries: the form, the answers, whose they are, who sent them.
pub struct SentForm<'a> {
    pub submission_id: &'a str,
    pub form_id: &'a str,
    pub form_title: &'a str,
    pub scope: Scope,
    /// The code of the language the agent used (`nl`, `en`): the form's title and the answers'
    /// labels are as shown in it.
    pub language: &'a str,
    /// The customer's normalized identifiers; `None` for a company form.
    pub customer: Option<&'a CustomerKey>,
    pub author: &'a str,
    pub answers: &'a [Answer],
    pub sent_at: i64,
}

/// The JSON body every attempt of this submission's delivery sends, byte for byte.
pub fn payload(sent: &SentForm<'_>) -> String {
    let values = sent.answers.iter().map(|a| (a.name.clone(), serde_json::Value::from(a.value.as_str()))).collect();
    let body = Payload {
        kind: EVENT_TYPE,
        timestamp: format_instant(sent.sent_at),
        data: Sent {
            submission_id: sent.submission_id,
            form: FormRef { id: sent.form_id, title: sent.form_title, scope: sent.scope.as_str() },
            language: sent.language,
            answers: sent.answers,
            values,
            customer: sent
                .customer
                .map(|key| CustomerRef { email: key.email.as_deref(), phone_number: key.phone.as_deref() }),
            agent: AgentRef { name: sent.author },
            sent_at: format_instant(sent.sent_at),
        },
    };
    // Plain structs of strings: serializing them cannot fail.
    serde_json::to_string(&body).unwrap_or_default()
}

/// When failed deliveries are tried again: the first retry `first_retry` after the first
/// attempt, each later one twice as long after the one before (at most `max_delay`), each
/// delay ±25 % at random so that a receiver coming back is not met by every delivery at once;
/// after `attempts` attempts in all, the delivery has failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub attempts: u32,
    pub first_retry: Duration,
    pub max_delay: Duration,
}

impl Default for Schedule {
    /// 15 attempts over about a day: 10 s, 20 s, 40 s … then every 6 hours.
    fn default() -> Self {
        Self { attempts: 15, first_retry: Duration::from_secs(10), max_delay: Duration::from_secs(6 * 3600) }
    }
}

impl Schedule {
    /// After the `made`-th attempt failed: how long until the next, with `jitter` (from 0 to 1)
    /// placing it within ±25 % of the nominal delay; `None` when that was the last attempt.
    pub fn retry_after(&self, made: u32, jitter: f64) -> Option<Duration> {
        if made >= self.attempts {
            return None;
        }
        Some(self.nominal(made).mul_f64(0.75 + 0.5 * jitter.clamp(0.0, 1.0)))
    }

    /// The delay after the `made`-th attempt, before jitter.
    pub fn nominal(&self, made: u32) -> Duration {
        let doublings = made.saturating_sub(1).min(30);
        self.first_retry.saturating_mul(1 << doublings).min(self.max_delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_names_the_form_the_answers_the_customer_and_the_agent() {
        let answers = vec![
            Answer { name: "order_number".into(), label: "Order number".into(), value: "100234".into() },
            Answer { name: "reason".into(), label: "Reason".into(), value: "Too \"small\"".into() },
        ];
        let key = CustomerKey { email: Some("jan@example.nl".into()), phone: None };
        let sent = SentForm {
            submission_id: "sub1",
            form_id: "return-request",
            form_title: "Return request",
            scope: Scope::Customer,
            language: "en",
            customer: Some(&key),
            author: "Sam",
            answers: &answers,
            sent_at: 1_700_000_000_000,
        };
        let body: serde_json::Value = serde_json::from_str(&payload(&sent)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "type": "form.submitted",
                "timestamp": "2023-11-14T22:13:20Z",
                "data": {
                    "submissionId": "sub1",
                    "form": { "id": "return-request", "title": "Return request", "scope": "customer" },
                    "language": "en",
                    "answers": [
                        { "name": "order_number", "label": "Order number", "value": "100234" },
                        { "name": "reason", "label": "Reason", "value": "Too \"small\"" }
                    ],
                    "values": { "order_number": "100234", "reason": "Too \"small\"" },
                    "customer": { "email": "jan@example.nl", "phoneNumber": null },
                    "agent": { "name": "Sam" },
                    "sentAt": "2023-11-14T22:13:20Z"
                }
            })
        );
        let company = SentForm { scope: Scope::Company, customer: None, ..sent };
        let body: serde_json::Value = serde_json::from_str(&payload(&company)).unwrap();
        assert_eq!(body["data"]["customer"], serde_json::Value::Null);
        assert_eq!(body["data"]["form"]["scope"], "company");
    }

    #[test]
    fn the_body_says_the_language_the_agent_saw_the_form_in() {
        let answers = vec![Answer { name: "reason".into(), label: "Reden".into(), value: "Too small".into() }];
        let sent = SentForm {
            submission_id: "sub2",
            form_id: "return-request",
            form_title: "Retourverzoek",
            scope: Scope::Company,
            language: "nl",
            customer: None,
            author: "Sam",
            answers: &answers,
            sent_at: 1_700_000_000_000,
        };
        let text = payload(&sent);
        let body: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["data"]["language"], "nl");
        assert_eq!(body["data"]["form"]["title"], "Retourverzoek");
        assert_eq!(
            body["data"]["answers"][0],
            serde_json::json!({ "name": "reason", "label": "Reden", "value": "Too small" })
        );
        assert_eq!(body["data"]["values"]["reason"], "Too small", "the stored value, whatever the language");
        assert!(
            text.contains(
                r#""form":{"id":"return-request","title":"Retourverzoek","scope":"company"},"language":"nl","#
            ),
            "{text}"
        );
    }

    #[test]
    fn retries_double_up_to_the_cap_within_a_quarter_either_way_and_stop_at_the_limit() {
        let schedule = Schedule::default();
        let nominal: Vec<u64> = (1..=14).map(|made| schedule.nominal(made).as_secs()).collect();
        assert_eq!(nominal[..6], [10, 20, 40, 80, 160, 320]);
        assert_eq!(nominal[10..12], [10_240, 20_480]);
        assert_eq!(nominal[12..], [21_600, 21_600], "capped at 6 hours");
        let total: u64 = nominal.iter().sum();
        assert!((20 * 3600..30 * 3600).contains(&total), "about a day of retries: {total} s");
        assert_eq!(schedule.retry_after(1, 0.0), Some(Duration::from_millis(7_500)));
        assert_eq!(schedule.retry_after(1, 1.0), Some(Duration::from_millis(12_500)));
        assert_eq!(schedule.retry_after(2, 0.5), Some(Duration::from_secs(20)));
        assert_eq!(schedule.retry_after(14, 0.5), Some(Duration::from_secs(21_600)));
        assert_eq!(schedule.retry_after(15, 0.5), None, "the 15th attempt was the last");
        let once = Schedule { attempts: 1, ..schedule };
        assert_eq!(once.retry_after(1, 0.5), None);
    }

    #[test]
    fn the_signature_is_standard_webhooks_v1() {
        let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let signer = WebhookSigner::new(&secret).unwrap();
        // Standard Webhooks' own example (its specification's test vector).
        assert_eq!(
            signer.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, r#"{"test": 2432232314}"#),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(WebhookSigner::new(&Secret::new("not-a-secret")).is_err());
    }
}
