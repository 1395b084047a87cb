//! The push API's signatures and bodies.
//!
//! Signatures are Standard Webhooks 1.0 (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature`; HMAC-SHA256 over `id.timestamp.body`). They do not cover the method or
//! the path, so a push says everything it does in its signed body: `{"orders":[…]}` upserts,
//! `{"delete":[…]}` deletes (see [`PushBody::parse`]).
//!
//! A request is checked in two steps: its headers first ([`PushVerifier::read_headers`]: all
//! present, the timestamp a number within [`TIMESTAMP_TOLERANCE`] of now), before a byte of the
//! body is read; then the signature over the body ([`PushVerifier::verify`]). A request outside
//! the tolerance is stale; one inside it whose id was already received is a replay (see
//! [`crate::store::Store::push`]).

use std::time::Duration;

use base64::Engine;
use http::HeaderMap;
use rand::RngCore;
use serde::Deserialize;
use serde_json::value::RawValue;
use standardwebhooks::Webhook;
use subtle::ConstantTimeEq;

use crate::contract::{IdText, check_text};
use crate::import::{ImportError, prepare};
use crate::phone::Region;
use crate::secret::Secret;
use crate::store::{Deletion, StoredOrder};
use crate::time::parse_instant;

/// How far a `webhook-timestamp` may be from now, either way (Standard Webhooks' five minutes).
pub const TIMESTAMP_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Kept on top of the span in which a request's timestamp stays acceptable: the check reads
/// whole seconds while receipts are kept in milliseconds, and instances sharing a PostgreSQL
/// database each check against their own clock.
pub const RECEIPT_MARGIN: Duration = Duration::from_secs(60);

/// How long a received webhook id is remembered. A request stamped at the far edge of the
/// future tolerance stays acceptable for two tolerances from its arrival; every replay of it
/// inside that span must still find its receipt.
pub const RECEIPT_WINDOW: Duration = Duration::from_secs(2 * TIMESTAMP_TOLERANCE.as_secs() + RECEIPT_MARGIN.as_secs());

const MIN_KEY_BYTES: usize = 24;
const MAX_ID_LEN: usize = 256;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("must be \"whsec_\" followed by base64 (generate one with `belco-panel secret`)")]
    Format,
    #[error("its key is {0} bytes; Standard Webhooks asks for at least {MIN_KEY_BYTES}")]
    TooShort(usize),
}

/// Why a push was refused as unauthenticated. The message is safe to send back: it says what
/// was wrong with the request, never anything about the secret.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct Unverified(String);

/// A push's signature headers, read and range-checked, before its body is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushHeaders {
    pub id: String,
    /// Unix seconds, within [`TIMESTAMP_TOLERANCE`] of the time the headers were read.
    pub timestamp: i64,
    signatures: String,
}

pub struct PushVerifier {
    webhook: Webhook,
}

impl PushVerifier {
    pub fn new(secret: &Secret) -> Result<Self, SecretError> {
        Ok(Self { webhook: webhook_key(secret)? })
    }

    /// Step one, before the body is read: the three headers are there, the id is 1 to 256
    /// characters, the timestamp is an integer within the tolerance of `now` (Unix seconds).
    /// The range check is ours, in `i128`, so no timestamp can overflow it.
    pub fn read_headers(&self, headers: &HeaderMap, now: i64) -> Result<PushHeaders, Unverified> {
        let id = header(headers, "id")?;
        if id.is_empty() || id.len() > MAX_ID_LEN {
            return Err(Unverified(format!("webhook-id must be 1 to {MAX_ID_LEN} characters")));
        }
        let signatures = header(headers, "signature")?;
        let timestamp = header(headers, "timestamp")?
            .parse::<i64>()
            .map_err(|_| Unverified("webhook-timestamp is not a Unix time in whole seconds".into()))?;
        timestamp_in_window(timestamp, now)?;
        Ok(PushHeaders { id: id.to_owned(), timestamp, signatures: signatures.to_owned() })
    }

    /// Step two: one of the `v1,` signatures in the headers is the HMAC of `id.timestamp.body`
    /// (compared in constant time).
    pub fn verify(&self, signed: &PushHeaders, body: &[u8]) -> Result<(), Unverified> {
        let expected = self
            .webhook
            .sign(&signed.id, signed.timestamp, body)
            .map_err(|_| Unverified("the body is not UTF-8, so its signature cannot be checked".into()))?;
        let expected = expected.split_once(',').map(|(_, sig)| sig).unwrap_or_default().as_bytes();
        let matched = signed
            .signatures
            .split(' ')
            .filter_map(|s| s.split_once(','))
            .filter(|(version, _)| *version == "v1")
            .fold(subtle::Choice::from(0), |found, (_, sig)| found | sig.as_bytes().ct_eq(expected));
        if bool::from(matched) { Ok(()) } else { Err(Unverified("the signature does not match".into())) }
    }

    /// Signs like a sender would: the `webhook-signature` value for `id`, `timestamp`, `body`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        self.webhook.sign(id, timestamp, body).unwrap_or_default()
    }
}

/// A Standard Webhooks secret (`whsec_` and the base64 of at least [`MIN_KEY_BYTES`] bytes) as
/// the key that signs and verifies: the push API's, and each form webhook's.
pub fn webhook_key(secret: &Secret) -> Result<Webhook, SecretError> {
    let encoded = secret.expose().trim().strip_prefix("whsec_").ok_or(SecretError::Format)?;
    let key = base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|_| SecretError::Format)?;
    if key.len() < MIN_KEY_BYTES {
        return Err(SecretError::TooShort(key.len()));
    }
    Webhook::from_bytes(key).map_err(|_| SecretError::Format)
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Result<&'h str, Unverified> {
    let value = headers
        .get(format!("webhook-{name}"))
        .ok_or_else(|| Unverified(format!("unsigned request: the webhook-{name} header is missing")))?;
    value.to_str().map_err(|_| Unverified(format!("the webhook-{name} header is not readable")))
}

/// Whether a request stamped `timestamp` is acceptable at `now` (both Unix seconds).
pub fn timestamp_in_window(timestamp: i64, now: i64) -> Result<(), Unverified> {
    let tolerance = i128::from(TIMESTAMP_TOLERANCE.as_secs());
    let age = i128::from(now) - i128::from(timestamp);
    let minutes = TIMESTAMP_TOLERANCE.as_secs() / 60;
    if age > tolerance {
        Err(Unverified(format!("stale request: webhook-timestamp is more than {minutes} minutes old")))
    } else if -age > tolerance {
        Err(Unverified(format!("webhook-timestamp is more than {minutes} minutes in the future")))
    } else {
        Ok(())
    }
}

/// What a signed push asks for, read and validated: nothing in it has touched storage yet.
#[derive(Debug, Default)]
pub struct PushPlan {
    pub orders: Vec<StoredOrder>,
    pub deletes: Vec<Deletion>,
}

impl PushPlan {
    /// True when the plan is exactly one deletion of `id` (what `DELETE …/orders/{id}` must
    /// carry, so that its signed body names its target).
    pub fn deletes_only(&self, id: &str) -> bool {
        self.orders.is_empty() && matches!(self.deletes.as_slice(), [only] if only.id == id)
    }
}

/// Why a signed body was refused.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// Not the push shape at all (a 400).
    #[error("the body must be {{\"orders\":[…]}} and/or {{\"delete\":[…]}}: {0}")]
    Shape(String),
    /// An order or a deletion in it is invalid (a 422); the message names it.
    #[error("{0}")]
    Order(#[from] ImportError),
    #[error("delete[{index}] (id {id}): {reason}")]
    Delete { index: usize, id: String, reason: String },
}

/// The push body: `{"orders":[…], "delete":[…]}`, each key optional but not both. Deletions
/// are applied first.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushIn {
    /// Orders to insert or replace (an older `updatedAt` than the stored one is skipped).
    #[schema(value_type = Option<Vec<crate::contract::OrderIn>>)]
    orders: Option<Vec<Box<RawValue>>>,
    #[schema(value_type = Option<Vec<DeleteIn>>)]
    delete: Option<Vec<Box<RawValue>>>,
}

/// One entry of `delete`: an order id, or `{"id": …, "deletedAt": …}`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum DeleteIn {
    Id(IdText),
    Dated(DatedDelete),
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DatedDelete {
    id: IdText,
    /// RFC 3339; without it the deletion happened at the request's `webhook-timestamp`.
    deleted_at: Option<String>,
}

/// Namespace for reading push bodies.
pub struct PushBody;

impl PushBody {
    /// Reads a signed body. A deletion without `deletedAt` happened at the request's
    /// `webhook-timestamp` (signed, Unix seconds); that time orders it against upserts.
    pub fn parse(body: &[u8], timestamp: i64, region: Region) -> Result<PushPlan, BodyError> {
        // serde also reads a struct from a list, by field order (`[null,[]]` was an empty push):
        // a push names its keys.
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(BodyError::Shape("it is not a JSON object".into()));
        }
        let PushIn { orders, delete } = serde_json::from_slice(body).map_err(|e| BodyError::Shape(e.to_string()))?;
        if orders.is_none() && delete.is_none() {
            return Err(BodyError::Shape("it has neither".into()));
        }
        let orders = orders
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, raw)| prepare(raw, i as u64, region))
            .collect::<Result<Vec<_>, _>>()?;
        let sent_at = timestamp.saturating_mul(1000);
        let deletes = delete
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(index, raw)| deletion(raw, sent_at).map_err(|reason| delete_error(index, raw, reason)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PushPlan { orders, deletes })
    }
}

fn deletion(raw: &RawValue, sent_at: i64) -> Result<Deletion, String> {
    let entry = serde_json::from_str::<DeleteIn>(raw.get())
        .map_err(|_| "must be an order id or {\"id\": …, \"deletedAt\": …}".to_owned())?;
    let (id, deleted_at) = match entry {
        DeleteIn::Id(id) => (id, None),
        DeleteIn::Dated(DatedDelete { id, deleted_at }) => (id, deleted_at),
    };
    let id = id.into_string().trim().to_owned();
    if id.is_empty() {
        return Err("`id` is empty".into());
    }
    check_text("id", &id, &[]).map_err(|e| e.to_string())?;
    let deleted_at = match deleted_at.as_deref().map(str::trim) {
        None | Some("") => sent_at,
        Some(text) => parse_instant(text).ok_or_else(|| format!("`deletedAt` is not a date: {text:?}"))?,
    };
    Ok(Deletion { id, deleted_at })
}

fn delete_error(index: usize, raw: &RawValue, reason: String) -> BodyError {
    let id = match serde_json::from_str::<DeleteIn>(raw.get()) {
        Ok(DeleteIn::Id(id) | DeleteIn::Dated(DatedDelete { id, .. })) => format!("{:?}", id.into_string()),
        Err(_) => "unreadable".into(),
    };
    BodyError::Delete { index, id, reason }
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

    fn headers(id: &str, ts: &str, sig: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("webhook-id", id.parse().unwrap());
        h.insert("webhook-timestamp", ts.parse().unwrap());
        h.insert("webhook-signature", sig.parse().unwrap());
        h
    }

    fn verifier() -> PushVerifier {
        PushVerifier::new(&Secret::new(generate_secret())).unwrap()
    }

    /// Both steps, as the server runs them.
    fn check(v: &PushVerifier, body: &[u8], h: &HeaderMap, now: i64) -> Result<String, Unverified> {
        let signed = v.read_headers(h, now)?;
        v.verify(&signed, body)?;
        Ok(signed.id)
    }

    #[test]
    fn accepts_its_own_signature_and_refuses_others() {
        let v = verifier();
        let now = chrono::Utc::now().timestamp();
        let body = br#"{"orders":[]}"#;
        let sig = v.sign("msg_1", now, body);
        let ts = now.to_string();
        assert_eq!(check(&v, body, &headers("msg_1", &ts, &sig), now).unwrap(), "msg_1");
        let several = format!("v1,bm9wZQ== {sig}");
        assert_eq!(check(&v, body, &headers("msg_1", &ts, &several), now).unwrap(), "msg_1", "any listed v1 signature");
        assert!(check(&v, b"{}", &headers("msg_1", &ts, &sig), now).is_err(), "other body");
        assert!(check(&v, body, &headers("msg_2", &ts, &sig), now).is_err(), "other id");
        assert!(check(&verifier(), body, &headers("msg_1", &ts, &sig), now).is_err(), "other secret");
        let v2 = sig.replacen("v1,", "v2,", 1);
        assert!(check(&v, body, &headers("msg_1", &ts, &v2), now).is_err(), "other version");
        let old = now - 6 * 60;
        let stale = check(&v, body, &headers("msg_1", &old.to_string(), &v.sign("msg_1", old, body)), now).unwrap_err();
        assert!(stale.to_string().contains("stale"), "{stale}");
        assert!(v.read_headers(&HeaderMap::new(), now).unwrap_err().to_string().contains("unsigned"));
    }

    #[test]
    fn extreme_or_unreadable_timestamps_are_refused_without_overflow() {
        let v = verifier();
        let now = chrono::Utc::now().timestamp();
        for ts in [i64::MIN, i64::MIN + 1, i64::MAX, -1, 0] {
            let sig = v.sign("msg_1", ts, b"{}");
            let err = v.read_headers(&headers("msg_1", &ts.to_string(), &sig), now).unwrap_err();
            assert!(err.to_string().contains("webhook-timestamp"), "{ts}: {err}");
        }
        for (ts, now) in [(i64::MAX, i64::MIN), (i64::MIN, i64::MAX)] {
            assert!(timestamp_in_window(ts, now).is_err(), "{ts} at {now}");
        }
        for ts in ["", "12.5", "1e9", "99999999999999999999", " 1"] {
            let err = v.read_headers(&headers("msg_1", ts, "v1,x"), now).unwrap_err();
            assert!(err.to_string().contains("whole seconds"), "{ts:?}: {err}");
        }
    }

    #[test]
    fn the_tolerance_is_five_minutes_either_way_inclusive() {
        let now = 1_700_000_000;
        let tolerance = TIMESTAMP_TOLERANCE.as_secs() as i64;
        assert_eq!(tolerance, 300);
        for ts in [now - tolerance, now, now + tolerance] {
            assert!(timestamp_in_window(ts, now).is_ok(), "{ts}");
        }
        assert!(timestamp_in_window(now - tolerance - 1, now).is_err());
        assert!(timestamp_in_window(now + tolerance + 1, now).is_err());
    }

    /// A receipt is kept `RECEIPT_WINDOW` from its arrival (in milliseconds); the timestamp
    /// check reads whole seconds. For every arrival instant, the last instant at which the same
    /// request still passes the check must fall inside the window, with the margin to spare.
    #[test]
    fn a_receipt_outlives_every_acceptable_replay_by_the_margin() {
        let window = RECEIPT_WINDOW.as_millis() as i64;
        let margin = RECEIPT_MARGIN.as_millis() as i64;
        assert!(margin >= 1000, "at least a second of rounding, plus clock skew");
        assert_eq!(RECEIPT_WINDOW, 2 * TIMESTAMP_TOLERANCE + RECEIPT_MARGIN);
        let tolerance = TIMESTAMP_TOLERANCE.as_secs() as i64;
        for arrival_ms in [1_700_000_000_000i64, 1_700_000_000_001, 1_700_000_000_500, 1_700_000_000_999] {
            let arrival_s = arrival_ms.div_euclid(1000);
            // The most future stamp accepted at arrival: replays of it stay acceptable longest.
            let ts = arrival_s + tolerance;
            assert!(timestamp_in_window(ts, arrival_s).is_ok());
            let last_ok_s = (arrival_s..).take_while(|now| timestamp_in_window(ts, *now).is_ok()).last().unwrap();
            let acceptable_for = last_ok_s * 1000 + 999 - arrival_ms;
            assert!(acceptable_for > 2 * tolerance * 1000 - 1000, "the worst case is two tolerances");
            assert!(acceptable_for < window, "arrival {arrival_ms}: the receipt is pruned before the last replay");
            assert!(window - acceptable_for >= margin - 1000, "arrival {arrival_ms}: the margin is left for skew");
        }
    }

    #[test]
    fn weak_or_malformed_secrets_are_refused() {
        assert_eq!(PushVerifier::new(&Secret::new("hunter2")).err(), Some(SecretError::Format));
        assert_eq!(PushVerifier::new(&Secret::new("whsec_!!")).err(), Some(SecretError::Format));
        assert_eq!(PushVerifier::new(&Secret::new("whsec_AAAA")).err(), Some(SecretError::TooShort(3)));
    }

    fn region() -> Region {
        crate::phone::parse_region("NL").unwrap()
    }

    const ORDER: &str =
        r#"{"id":"A-1","date":"2024-01-01","status":"paid","currency":"EUR","total":1,"email":"a@b.nl"}"#;

    #[test]
    fn a_body_says_what_it_does() {
        let body =
            format!(r#"{{"orders":[{ORDER}],"delete":["B-1",7,{{"id":"C-1","deletedAt":"2024-02-01T10:00Z"}}]}}"#);
        let plan = PushBody::parse(body.as_bytes(), 1_700_000_000, region()).unwrap();
        assert_eq!(plan.orders.len(), 1);
        let deletes: Vec<(&str, i64)> = plan.deletes.iter().map(|d| (d.id.as_str(), d.deleted_at)).collect();
        let c1 = parse_instant("2024-02-01T10:00Z").unwrap();
        assert_eq!(deletes, [("B-1", 1_700_000_000_000), ("7", 1_700_000_000_000), ("C-1", c1)]);
        assert!(!plan.deletes_only("B-1"));
        let one = PushBody::parse(br#"{"delete":["B-1"]}"#, 0, region()).unwrap();
        assert!(one.deletes_only("B-1") && !one.deletes_only("B-2"));
        assert!(PushBody::parse(br#"{"orders":[]}"#, 0, region()).unwrap().deletes.is_empty());
    }

    #[test]
    fn a_body_that_is_not_a_push_is_refused_with_its_reason() {
        for (body, expected) in [
            (&br#"{}"#[..], "neither"),
            (br#"{"orders":[],"deletes":["A"]}"#, "unknown field `deletes`"),
            (br#"{"orders":5}"#, "orders"),
            (b"[]", "must be"),
            (b" [null, []]", "not a JSON object"),
            (b"[[]]", "not a JSON object"),
        ] {
            let err = PushBody::parse(body, 0, region()).unwrap_err();
            assert!(matches!(err, BodyError::Shape(_)), "{err}");
            assert!(err.to_string().contains(expected), "{err}");
        }
        for (body, expected) in [
            (&br#"{"delete":[" "]}"#[..], "delete[0] (id \" \"): `id` is empty"),
            (br#"{"delete":["A",{"id":"B","deletedAt":"soon"}]}"#, "delete[1] (id \"B\"): `deletedAt`"),
            (br#"{"delete":[{"id":"B","when":"now"}]}"#, "delete[0] (id unreadable)"),
            (br#"{"delete":[true]}"#, "must be an order id"),
            (br#"{"delete":["A\u0000"]}"#, "U+0000"),
        ] {
            let err = PushBody::parse(body, 0, region()).unwrap_err();
            assert!(matches!(err, BodyError::Delete { .. }), "{err}");
            assert!(err.to_string().contains(expected), "{err}");
        }
        let bad_order = format!(r#"{{"orders":[{ORDER},{}]}}"#, ORDER.replace("paid", "pa\\u0000id"));
        let err = PushBody::parse(bad_order.as_bytes(), 0, region()).unwrap_err().to_string();
        assert!(err.contains("orders[1] (id \"A-1\"): `status` holds the control character U+0000"), "{err}");
    }
}
