//! The push API's signatures: Standard Webhooks 1.0 (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature`; HMAC-SHA256 over `id.timestamp.body`). A request outside the time
//! tolerance is stale; one inside it whose id was already accepted is a replay (see
//! [`crate::store::Store::push_orders`]).

use std::time::Duration;

use base64::Engine;
use http::HeaderMap;
use rand::RngCore;
use standardwebhooks::{Webhook, WebhookError};

use crate::secret::Secret;

/// How long an accepted webhook id is remembered: the library accepts timestamps up to five
/// minutes old or ahead, so an id must be remembered for at least ten.
pub const RECEIPT_WINDOW: Duration = Duration::from_secs(10 * 60);

const MIN_KEY_BYTES: usize = 24;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("must be \"whsec_\" followed by base64 (generate one with `belco-panel secret`)")]
    Format,
    #[error("its key is {0} bytes; Standard Webhooks asks for at least {MIN_KEY_BYTES}")]
    TooShort(usize),
}

/// Why a push was refused. The message is safe to send back: it says what was wrong with the
/// request, never anything about the secret.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unverified(String);

pub struct PushVerifier {
    webhook: Webhook,
}

impl PushVerifier {
    pub fn new(secret: &Secret) -> Result<Self, SecretError> {
        let encoded = secret.expose().trim().strip_prefix("whsec_").ok_or(SecretError::Format)?;
        let key = base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|_| SecretError::Format)?;
        if key.len() < MIN_KEY_BYTES {
            return Err(SecretError::TooShort(key.len()));
        }
        Ok(Self { webhook: Webhook::from_bytes(key).map_err(|_| SecretError::Format)? })
    }

    /// Checks the signature headers against `body`; returns the webhook id to record.
    pub fn verify(&self, body: &[u8], headers: &HeaderMap) -> Result<String, Unverified> {
        self.webhook.verify(body, headers).map_err(|e| {
            Unverified(match e {
                WebhookError::MissingHeader(h) => format!("unsigned request: the webhook-{h} header is missing"),
                WebhookError::InvalidHeader(h) => format!("the webhook-{h} header is not readable"),
                WebhookError::InvalidTimestamp => "webhook-timestamp is not a Unix time in seconds".into(),
                WebhookError::TimestampTooOldError => {
                    "stale request: webhook-timestamp is more than 5 minutes old".into()
                }
                WebhookError::FutureTimestampError => "webhook-timestamp is more than 5 minutes in the future".into(),
                WebhookError::InvalidPayload => "the body is not UTF-8".into(),
                WebhookError::InvalidSignature | WebhookError::InvalidSecret(_) => {
                    "the signature does not match".into()
                }
            })
        })?;
        let id = headers.get(standardwebhooks::HEADER_WEBHOOK_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if id.is_empty() || id.len() > 256 {
            return Err(Unverified("webhook-id must be 1 to 256 characters".into()));
        }
        Ok(id.to_owned())
    }

    /// Signs like a sender would: the `webhook-signature` value for `id`, `timestamp`, `body`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        self.webhook.sign(id, timestamp, body).unwrap_or_default()
    }
}

/// A new push secret in Standard Webhooks form: `whsec_` + base64 of 32 random bytes.
pub fn generate_secret() -> String {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(id: &str, ts: i64, sig: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("webhook-id", id.parse().unwrap());
        h.insert("webhook-timestamp", ts.to_string().parse().unwrap());
        h.insert("webhook-signature", sig.parse().unwrap());
        h
    }

    #[test]
    fn accepts_its_own_signature_and_refuses_others() {
        let v = PushVerifier::new(&Secret::new(generate_secret())).unwrap();
        let now = chrono::Utc::now().timestamp();
        let body = br#"{"orders":[]}"#;
        let sig = v.sign("msg_1", now, body);
        assert_eq!(v.verify(body, &headers("msg_1", now, &sig)).unwrap(), "msg_1");
        assert!(v.verify(b"{}", &headers("msg_1", now, &sig)).is_err(), "other body");
        assert!(v.verify(body, &headers("msg_2", now, &sig)).is_err(), "other id");
        let other = PushVerifier::new(&Secret::new(generate_secret())).unwrap();
        assert!(other.verify(body, &headers("msg_1", now, &sig)).is_err(), "other secret");
        let old = now - 6 * 60;
        let stale = v.verify(body, &headers("msg_1", old, &v.sign("msg_1", old, body))).unwrap_err();
        assert!(stale.to_string().contains("stale"), "{stale}");
        assert!(v.verify(body, &HeaderMap::new()).unwrap_err().to_string().contains("unsigned"));
    }

    #[test]
    fn weak_or_malformed_secrets_are_refused() {
        assert_eq!(PushVerifier::new(&Secret::new("hunter2")).err(), Some(SecretError::Format));
        assert_eq!(PushVerifier::new(&Secret::new("whsec_!!")).err(), Some(SecretError::Format));
        assert_eq!(PushVerifier::new(&Secret::new("whsec_AAAA")).err(), Some(SecretError::TooShort(3)));
    }
}
