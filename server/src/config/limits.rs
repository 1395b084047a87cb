//! The limits that keep one client (or a storage outage) from holding the server: [`Limits`]
//! (timeouts, concurrency, connections, failed-token throttling, trusted proxies) with their
//! defaults, and the two limits on what is read or answered: a push body's size
//! (`BELCO_PUSH_MAX_BYTES`) and the orders an answer lists (`BELCO_ORDERS_LIMIT`).

use std::time::Duration;

use super::units::{duration, parse_bytes, whole};
use super::{ConfigError, bad};

pub const DEFAULT_ORDERS_LIMIT: i64 = 50;
const MAX_ORDERS_LIMIT: i64 = 1000;
/// A push body's default limit: a batch of about a thousand orders (1 to 2 KB each, with their
/// products). Larger loads go through `belco-panel import`.
pub const DEFAULT_PUSH_MAX_BYTES: usize = 2 * 1024 * 1024;
/// `BELCO_PUSH_MAX_BYTES` may range from 1 KiB to 64 MiB.
const PUSH_MAX_BYTES_RANGE: std::ops::RangeInclusive<usize> = 1024..=64 * 1024 * 1024;
/// A client has this long to send a request's headers (and an idle keep-alive connection this
/// long to start its next request) before the connection is closed: slowloris protection.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a request may take, body and storage included, before it gets a 503.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Requests served at once; the next one gets a 503 at once instead of queueing.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 512;
/// Requests in flight from one client address; the next gets a 429 at once. Far above what a
/// support team behind one office address makes (40 agents loading frames, their files and notes
/// at once: under 300 at the very worst), and half the global cap, so one address never takes
/// every slot. Behind a proxy that is not in `BELCO_TRUSTED_PROXIES` every client is the proxy,
/// so this is then a second global cap.
pub const DEFAULT_MAX_REQUESTS_PER_CLIENT: usize = 256;
/// How long a body read before authentication (a push's, a server function's) may take to
/// arrive; then 408, counted as a failed token check. 2 MiB (the push default) in 10 s needs
/// 1.7 Mbit/s; a shop's backend has more, and a note or a form is a few kilobytes.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the server waits for a client to take any of a response it is sending before it
/// closes the connection (a client that stopped reading). Progress restarts the wait.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections open at once; the next waits (in the kernel's queue) until one closes. Below the
/// usual 1,024 open files a service may hold, with room for the database and the log; above
/// what 40 agents' browsers open (six each at most) with the global request cap.
pub const DEFAULT_MAX_CONNECTIONS: usize = 768;
/// PostgreSQL: how long a request waits for a connection before it answers 503.
pub const DEFAULT_DB_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);
/// PostgreSQL: the longest one statement may run (the server-side `statement_timeout`).
pub const DEFAULT_DB_STATEMENT_TIMEOUT: Duration = Duration::from_secs(10);
/// Failed token checks one client address may make per minute before it gets 429s.
pub const DEFAULT_TOKEN_FAILURES_PER_MINUTE: u32 = 10;

/// `BELCO_PUSH_MAX_BYTES`: the largest push body read.
pub(super) fn push_max_bytes(get: &impl Fn(&str) -> Option<String>) -> Result<usize, ConfigError> {
    Ok(match get("BELCO_PUSH_MAX_BYTES") {
        None => DEFAULT_PUSH_MAX_BYTES,
        Some(raw) => parse_bytes(&raw).filter(|n| PUSH_MAX_BYTES_RANGE.contains(n)).ok_or_else(|| {
            bad("BELCO_PUSH_MAX_BYTES", format!("{raw:?} is not a size from 1KiB to 64MiB, such as 2MiB or 500000"))
        })?,
    })
}

/// `BELCO_ORDERS_LIMIT`: the most orders one answer lists.
pub(super) fn orders_limit(get: &impl Fn(&str) -> Option<String>) -> Result<i64, ConfigError> {
    Ok(match get("BELCO_ORDERS_LIMIT") {
        None => DEFAULT_ORDERS_LIMIT,
        Some(raw) => raw.parse::<i64>().ok().filter(|n| (1..=MAX_ORDERS_LIMIT).contains(n)).ok_or_else(|| {
            bad("BELCO_ORDERS_LIMIT", format!("{raw:?} is not a whole number from 1 to {MAX_ORDERS_LIMIT}"))
        })?,
    })
}

/// The limits that keep one client (or a storage outage) from holding the server
/// (`BELCO_HEADER_TIMEOUT`, `BELCO_REQUEST_TIMEOUT`, `BELCO_MAX_CONCURRENT_REQUESTS`,
/// `BELCO_DB_ACQUIRE_TIMEOUT`, `BELCO_DB_STATEMENT_TIMEOUT`, `BELCO_TOKEN_FAILURES_PER_MINUTE`,
/// `BELCO_TRUSTED_PROXIES`, `BELCO_MAX_REQUESTS_PER_CLIENT`, `BELCO_BODY_TIMEOUT`,
/// `BELCO_WRITE_TIMEOUT`, `BELCO_MAX_CONNECTIONS`).
#[derive(Clone, Debug)]
pub struct Limits {
    pub header_timeout: Duration,
    pub request_timeout: Duration,
    pub max_concurrent_requests: usize,
    pub max_requests_per_client: usize,
    /// The deadline of a body read before authentication; best below `request_timeout`, whose 503
    /// otherwise comes first.
    pub body_timeout: Duration,
    pub write_timeout: Duration,
    pub max_connections: usize,
    pub db_acquire_timeout: Duration,
    pub db_statement_timeout: Duration,
    pub token_failures_per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed; empty (the default) believes none.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
            max_requests_per_client: DEFAULT_MAX_REQUESTS_PER_CLIENT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            write_timeout: DEFAULT_WRITE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            db_acquire_timeout: DEFAULT_DB_ACQUIRE_TIMEOUT,
            db_statement_timeout: DEFAULT_DB_STATEMENT_TIMEOUT,
            token_failures_per_minute: DEFAULT_TOKEN_FAILURES_PER_MINUTE,
            trusted_proxies: Vec::new(),
        }
    }
}

impl Limits {
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut limits = Self::read(get)?;
        // A body still arriving when the request's own deadline ends gets that deadline's 503,
        // which the throttle does not count: stalling would cost nothing. Unset, the body's
        // deadline stays within the request's; set, it must be.
        if get("BELCO_BODY_TIMEOUT").is_none() {
            limits.body_timeout = limits.body_timeout.min(limits.request_timeout / 2);
        }
        if limits.body_timeout >= limits.request_timeout {
            return Err(bad(
                "BELCO_BODY_TIMEOUT",
                format!(
                    "must be shorter than BELCO_REQUEST_TIMEOUT ({} s), so that a stalled body gets its 408 and counts \
                     as a failed check",
                    limits.request_timeout.as_secs()
                ),
            ));
        }
        Ok(limits)
    }

    fn read(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let d = Limits::default();
        Ok(Self {
            header_timeout: duration(get, "BELCO_HEADER_TIMEOUT", d.header_timeout)?,
            request_timeout: duration(get, "BELCO_REQUEST_TIMEOUT", d.request_timeout)?,
            max_concurrent_requests: whole(get, "BELCO_MAX_CONCURRENT_REQUESTS", d.max_concurrent_requests, 100_000)?,
            max_requests_per_client: whole(get, "BELCO_MAX_REQUESTS_PER_CLIENT", d.max_requests_per_client, 100_000)?,
            body_timeout: duration(get, "BELCO_BODY_TIMEOUT", d.body_timeout)?,
            write_timeout: duration(get, "BELCO_WRITE_TIMEOUT", d.write_timeout)?,
            max_connections: whole(get, "BELCO_MAX_CONNECTIONS", d.max_connections, 1_000_000)?,
            db_acquire_timeout: duration(get, "BELCO_DB_ACQUIRE_TIMEOUT", d.db_acquire_timeout)?,
            db_statement_timeout: duration(get, "BELCO_DB_STATEMENT_TIMEOUT", d.db_statement_timeout)?,
            token_failures_per_minute: whole(
                get,
                "BELCO_TOKEN_FAILURES_PER_MINUTE",
                d.token_failures_per_minute as usize,
                10_000,
            )? as u32,
            trusted_proxies: match get("BELCO_TRUSTED_PROXIES") {
                None => Vec::new(),
                Some(list) => parse_proxies(&list)?,
            },
        })
    }

    pub fn store_options(&self) -> belco::store::StoreOptions {
        belco::store::StoreOptions {
            acquire_timeout: self.db_acquire_timeout,
            statement_timeout: self.db_statement_timeout,
        }
    }
}

/// `BELCO_TRUSTED_PROXIES`: IP addresses and CIDR ranges, comma-separated.
fn parse_proxies(list: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>().or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from)).map_err(
                |_| {
                    bad("BELCO_TRUSTED_PROXIES", format!("{item:?} is not an IP address or a range such as 10.0.0.0/8"))
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_pairs as config;

    #[test]
    fn the_push_body_limit_reads_bytes_and_binary_units() {
        for (raw, bytes) in [("500000", 500_000), ("512KiB", 512 * 1024), ("2 MiB", 2 << 20), ("64MiB", 64 << 20)] {
            assert_eq!(config(&[("BELCO_PUSH_MAX_BYTES", raw)]).unwrap().push_max_bytes, bytes, "{raw}");
        }
        for raw in ["100", "65MiB", "2MB", "2.5MiB", "lots", "-1", "99999999999999999999MiB"] {
            let err = config(&[("BELCO_PUSH_MAX_BYTES", raw)]).unwrap_err();
            assert_eq!(err.var, "BELCO_PUSH_MAX_BYTES", "{raw}");
        }
    }

    #[test]
    fn reads_limits() {
        let c = config(&[
            ("BELCO_HEADER_TIMEOUT", "5s"),
            ("BELCO_REQUEST_TIMEOUT", "1m"),
            ("BELCO_MAX_CONCURRENT_REQUESTS", "64"),
            ("BELCO_DB_ACQUIRE_TIMEOUT", "2"),
            ("BELCO_DB_STATEMENT_TIMEOUT", "30s"),
            ("BELCO_TOKEN_FAILURES_PER_MINUTE", "3"),
            ("BELCO_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.7,::1"),
            ("BELCO_MAX_REQUESTS_PER_CLIENT", "32"),
            ("BELCO_BODY_TIMEOUT", "3s"),
            ("BELCO_WRITE_TIMEOUT", "2m"),
            ("BELCO_MAX_CONNECTIONS", "4096"),
        ])
        .unwrap();
        let l = c.limits;
        assert_eq!((l.max_requests_per_client, l.max_connections), (32, 4096));
        assert_eq!((l.body_timeout, l.write_timeout), (Duration::from_secs(3), Duration::from_secs(120)));
        assert_eq!((l.header_timeout, l.request_timeout), (Duration::from_secs(5), Duration::from_secs(60)));
        assert_eq!((l.max_concurrent_requests, l.token_failures_per_minute), (64, 3));
        assert_eq!((l.db_acquire_timeout, l.db_statement_timeout), (Duration::from_secs(2), Duration::from_secs(30)));
        let proxies: Vec<String> = l.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(proxies, ["10.0.0.0/8", "192.168.1.7/32", "::1/128"]);
    }

    #[test]
    fn a_bodys_deadline_stays_within_the_requests() {
        // Unset, it follows a shorter request deadline; set, it must be shorter.
        let short = config(&[("BELCO_REQUEST_TIMEOUT", "4s")]).unwrap().limits;
        assert_eq!(short.body_timeout, Duration::from_secs(2));
        assert_eq!(config(&[]).unwrap().limits.body_timeout, DEFAULT_BODY_TIMEOUT);
        let err = config(&[("BELCO_REQUEST_TIMEOUT", "4s"), ("BELCO_BODY_TIMEOUT", "4s")]).unwrap_err();
        assert_eq!(err.var, "BELCO_BODY_TIMEOUT");
        assert!(err.problem.contains("shorter than BELCO_REQUEST_TIMEOUT (4 s)"), "{err}");
    }
}
