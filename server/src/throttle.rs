//! Slows token guessing: a client address that failed the token check too often recently gets
//! `429 Too Many Requests` with `Retry-After`, on the routes that check the shop token (the
//! orders API, the push API, the frame). One middleware does it all: it refuses before the
//! handler runs, and counts a failure when the handler answered 401, so the handlers know
//! nothing of it.
//!
//! The counting is a GCRA (a leaky bucket kept as one instant per address): an address may
//! fail `per_minute` times at once, then once per `60 s / per_minute`. Addresses are forgotten
//! when their bucket is empty again, and the table holds at most [`MAX_ADDRESSES`]. (`governor`
//! counts the same way but cannot tell whether an address is over its budget without spending
//! from it, which a check-before, count-after layer needs.)
//!
//! The client address is the TCP peer, or, when the peer is a proxy named in
//! `BELCO_TRUSTED_PROXIES`, the right-most address in `X-Forwarded-For` that is not such a proxy.
//! Without that setting `X-Forwarded-For` is ignored: anyone can write it.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::ApiError;

/// Addresses remembered at most (about 5 MB); beyond, the one whose bucket empties first goes.
pub const MAX_ADDRESSES: usize = 100_000;

/// The paths that check a token (the shop's, or `/metrics`'s).
fn checks_token(path: &str) -> bool {
    path == "/frame" || path == "/metrics" || path.starts_with("/api/") || path.starts_with("/preview")
}

pub struct Throttle {
    /// The time one failure takes to leak out of the bucket.
    interval: Duration,
    /// How much may be in the bucket (`per_minute` failures) before the next is refused.
    capacity: Duration,
    trusted_proxies: Vec<ipnet::IpNet>,
    /// Per address: the instant its bucket is empty again (GCRA's "theoretical arrival time").
    empty_at: Mutex<HashMap<IpAddr, Instant>>,
}

impl Throttle {
    pub fn new(per_minute: u32, trusted_proxies: Vec<ipnet::IpNet>) -> Arc<Self> {
        let per_minute = per_minute.max(1);
        let interval = Duration::from_secs(60) / per_minute;
        Arc::new(Self {
            interval,
            capacity: interval * per_minute,
            trusted_proxies,
            empty_at: Mutex::new(HashMap::new()),
        })
    }

    /// How long `client` must wait before its next token check, if it must.
    pub fn wait(&self, client: IpAddr, now: Instant) -> Option<Duration> {
        let table = self.empty_at.lock().ok()?;
        let empty_at = *table.get(&client)?;
        // One more failure would put more than `capacity` in the bucket.
        let allowed_from = empty_at.checked_sub(self.capacity - self.interval)?;
        (allowed_from > now).then(|| allowed_from - now)
    }

    /// Counts one failed token check of `client`.
    pub fn failed(&self, client: IpAddr, now: Instant) {
        let Ok(mut table) = self.empty_at.lock() else { return };
        if table.len() >= MAX_ADDRESSES && !table.contains_key(&client) {
            table.retain(|_, empty_at| *empty_at > now);
            if table.len() >= MAX_ADDRESSES
                && let Some(soonest) = table.iter().min_by_key(|(_, at)| **at).map(|(ip, _)| *ip)
            {
                table.remove(&soonest);
            }
        }
        let empty_at = table.entry(client).or_insert(now);
        *empty_at = (*empty_at).max(now) + self.interval;
    }

    /// The address a request is counted under: see the module docs. IPv6 clients count per /64,
    /// the block one subscriber gets, so hopping addresses inside it does not help.
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        match client_address(peer, headers, &self.trusted_proxies) {
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !(u128::MAX >> 64))),
            v4 => v4,
        }
    }
}

/// The client's address: the peer's, or, when the peer is one of `trusted_proxies`, the last
/// `X-Forwarded-For` hop that is not (see the module docs). The access log records it whole.
pub fn client_address(peer: SocketAddr, headers: &HeaderMap, trusted_proxies: &[ipnet::IpNet]) -> IpAddr {
    let trusted = |ip: IpAddr| trusted_proxies.iter().any(|net| net.contains(&ip));
    let mut client = peer.ip().to_canonical();
    if trusted(client) {
        for hop in forwarded_for(headers).rev() {
            let Ok(hop) = hop.parse::<IpAddr>().map(|ip| ip.to_canonical()) else { break };
            client = hop;
            if !trusted(hop) {
                break;
            }
        }
    }
    client
}

/// Every `X-Forwarded-For` entry, in order, over all such headers.
fn forwarded_for(headers: &HeaderMap) -> impl DoubleEndedIterator<Item = &str> {
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .collect();
    entries.into_iter()
}

/// The middleware (see the module docs). A request without a peer address (the router driven
/// in-process, never `belco-panel serve`) is not throttled.
pub async fn failed_tokens(State(throttle): State<Arc<Throttle>>, request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| *addr);
    let (Some(peer), true) = (peer, checks_token(request.uri().path())) else {
        return next.run(request).await;
    };
    let client = throttle.client(peer, request.headers());
    if let Some(wait) = throttle.wait(client, Instant::now()) {
        return too_many(wait);
    }
    let response = next.run(request).await;
    if response.status() == StatusCode::UNAUTHORIZED {
        throttle.failed(client, Instant::now());
    }
    response
}

fn too_many(wait: Duration) -> Response {
    // Rounded up: a client that waits exactly this long is let through.
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!("too many failed token checks from this address; try again in {seconds} s"),
    )
    .into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_address_may_fail_per_minute_times_then_once_per_interval() {
        let throttle = Throttle::new(3, Vec::new());
        let (a, b, t0) = (ip("192.0.2.1"), ip("192.0.2.2"), Instant::now());
        for _ in 0..2 {
            throttle.failed(a, t0);
            assert_eq!(throttle.wait(a, t0), None);
        }
        throttle.failed(a, t0);
        assert_eq!(throttle.wait(a, t0), Some(Duration::from_secs(20)));
        assert_eq!(throttle.wait(a, t0 + Duration::from_secs(19)), Some(Duration::from_secs(1)));
        assert_eq!(throttle.wait(a, t0 + Duration::from_secs(20)), None);
        assert_eq!(throttle.wait(b, t0), None, "another address is not affected");
    }

    #[test]
    fn memory_stays_bounded() {
        let throttle = Throttle::new(10, Vec::new());
        let t0 = Instant::now();
        for n in 0..(MAX_ADDRESSES as u32 + 50) {
            throttle.failed(IpAddr::V4(n.into()), t0);
        }
        assert_eq!(throttle.empty_at.lock().unwrap().len(), MAX_ADDRESSES);
        // Entries whose bucket emptied are dropped first.
        throttle.failed(ip("198.51.100.1"), t0 + Duration::from_secs(60));
        assert_eq!(throttle.empty_at.lock().unwrap().len(), 1);
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", HeaderValue::from_static("203.0.113.9, 198.51.100.7"));
        headers.append("x-forwarded-for", HeaderValue::from_static("10.0.0.2"));
        let proxy: SocketAddr = "10.0.0.1:4000".parse().unwrap();

        let untrusting = Throttle::new(10, Vec::new());
        assert_eq!(untrusting.client(proxy, &headers), ip("10.0.0.1"), "never trusted by default");

        let trusting = Throttle::new(10, vec!["10.0.0.0/8".parse().unwrap()]);
        // The right-most address that is not a trusted proxy; what is left of it is the client's
        // own claim.
        assert_eq!(trusting.client(proxy, &headers), ip("198.51.100.7"));
        let outsider: SocketAddr = "192.0.2.5:4000".parse().unwrap();
        assert_eq!(trusting.client(outsider, &headers), ip("192.0.2.5"), "only a trusted peer's header counts");
        assert_eq!(trusting.client(proxy, &HeaderMap::new()), ip("10.0.0.1"));

        let v6: SocketAddr = "[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:1".parse().unwrap();
        assert_eq!(untrusting.client(v6, &headers), ip("2001:db8:1:2::"), "IPv6 counts per /64");
        let mapped: SocketAddr = "[::ffff:192.0.2.1]:1".parse().unwrap();
        assert_eq!(untrusting.client(mapped, &headers), ip("192.0.2.1"));
    }
}
