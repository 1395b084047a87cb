//! Slows token guessing: a client address that failed the token check too often recently gets
//! `429 Too Many Requests` with `Retry-After`, on the routes that check the shop token (the
//! orders API, the push API, the frame). One middleware does it all: it refuses before the
//! handler runs, and counts a failure when the handler answered 401, so the handlers know
//! nothing of it.
//!
//! A request body read before authentication (a push's, a server function's) that does not
//! arrive within `BELCO_BODY_TIMEOUT` counts as a failure too, on any path ([`CountsAsFailure`]).
//!
//! The counting is a GCRA (a leaky bucket kept as one instant per address): an address may
//! fail `per_minute` times at once, then once per `60 s / per_minute`. Addresses are forgotten
//! when their bucket is empty again, and the table holds at most [`MAX_ADDRESSES`] (see `Table`
//! for which one goes beyond). (`governor`
//! counts the same way but cannot tell whether an address is over its budget without spending
//! from it, which a check-before, count-after layer needs.)
//!
//! The client address is the TCP peer, or, when the peer is a proxy named in
//! `BELCO_TRUSTED_PROXIES`, the right-most address in `X-Forwarded-For` that is not such a proxy.
//! Without that setting `X-Forwarded-For` is ignored: anyone can write it. An entry with a port
//! (`192.0.2.1:4711`, `[2001:db8::1]:4711`) counts as its address; one that is no address at all
//! is a client of its own, named by its text ([`Client::Unreadable`]).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, CountsAsFailure};

/// Addresses remembered at most (at most about 15 MB with the eviction queue); beyond, the one that failed least recently goes
/// (see [`Table`]).
pub const MAX_ADDRESSES: usize = 100_000;

/// The most of an unreadable `X-Forwarded-For` entry kept as its bucket's name: enough to tell
/// such clients apart, too little to fill memory with one header.
pub const MAX_UNREADABLE: usize = 64;

/// The paths that check a token (the shop's, or `/metrics`'s).
fn checks_token(path: &str) -> bool {
    path == "/frame" || path == "/metrics" || path.starts_with("/api/") || path.starts_with("/preview")
}

/// The paths an address over its budget is refused on: those, and the server functions, whose
/// bodies it may have stalled (`CountsAsFailure`): refused there too, or stalling them again
/// would cost it nothing.
fn refused_when_over(path: &str) -> bool {
    checks_token(path) || path.starts_with("/fn/")
}

/// Whom a request is counted under: an address, or, when a trusted proxy forwarded an entry that
/// is no address, that entry's text (at most [`MAX_UNREADABLE`] bytes). Such a client is a bucket
/// of its own: never the proxy's address, which every client behind the proxy shares.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Client {
    Address(IpAddr),
    Unreadable(Box<str>),
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Client::Address(ip) => ip.fmt(f),
            Client::Unreadable(text) => write!(f, "unreadable {text:?}"),
        }
    }
}

pub struct Throttle {
    /// The time one failure takes to leak out of the bucket.
    interval: Duration,
    /// How much may be in the bucket (`per_minute` failures) before the next is refused.
    capacity: Duration,
    trusted_proxies: Vec<ipnet::IpNet>,
    table: Mutex<Table>,
    /// Requests that came through a proxy we do not trust (for `belco-panel doctor`).
    sightings: Arc<ProxySightings>,
}

/// Per client, the instant its bucket is empty again (GCRA's "theoretical arrival time"), and
/// the order in which the clients last failed, for eviction in O(1).
///
/// The client evicted at [`MAX_ADDRESSES`] is the one that failed least recently: a guesser that
/// keeps failing stays counted however many new addresses arrive between its tries (fewer than
/// `MAX_ADDRESSES`), and a client that has been quiet longest is the most likely to have an
/// empty bucket already (its bucket empties at most a minute after its last failure). Finding
/// the bucket that empties soonest would take a scan or a heap; this takes a queue: every failure
/// pushes `(client, stamp)` at the back, and an entry whose stamp is no longer the client's is
/// stale and skipped when it reaches the front (lazy deletion). The queue is rebuilt when stale
/// entries outnumber live ones, so it stays within twice the table, plus a little.
#[derive(Default)]
struct Table {
    buckets: HashMap<Client, Bucket>,
    order: VecDeque<(Client, u64)>,
    next_stamp: u64,
}

struct Bucket {
    empty_at: Instant,
    /// The stamp of this client's newest entry in `order`.
    stamp: u64,
}

impl Table {
    /// Drops buckets from the front of the queue while they are empty at `now` (or stale), and,
    /// when `room` is asked for and the table is full, the least recently failed one.
    fn forget(&mut self, now: Instant, room: bool) {
        while let Some((client, stamp)) = self.order.front() {
            let live = self.buckets.get(client).filter(|bucket| bucket.stamp == *stamp);
            match live {
                None => {}
                Some(bucket) if bucket.empty_at <= now => {
                    self.buckets.remove(client);
                }
                Some(_) if room && self.buckets.len() >= MAX_ADDRESSES => {
                    self.buckets.remove(client);
                }
                Some(_) => return,
            }
            self.order.pop_front();
        }
    }

    fn failed(&mut self, client: Client, now: Instant, interval: Duration) {
        let room = !self.buckets.contains_key(&client);
        self.forget(now, room);
        let stamp = self.next_stamp;
        self.next_stamp += 1;
        let bucket = self.buckets.entry(client.clone()).or_insert(Bucket { empty_at: now, stamp });
        bucket.empty_at = bucket.empty_at.max(now) + interval;
        bucket.stamp = stamp;
        self.order.push_back((client, stamp));
        if self.order.len() > 2 * self.buckets.len() + 1024 {
            let buckets = &self.buckets;
            self.order.retain(|(client, stamp)| buckets.get(client).is_some_and(|b| b.stamp == *stamp));
        }
    }
}

impl Throttle {
    pub fn new(per_minute: u32, trusted_proxies: Vec<ipnet::IpNet>) -> Arc<Self> {
        let per_minute = per_minute.max(1);
        let interval = Duration::from_secs(60) / per_minute;
        Arc::new(Self {
            interval,
            capacity: interval * per_minute,
            trusted_proxies,
            table: Mutex::new(Table::default()),
            sightings: Arc::new(ProxySightings::default()),
        })
    }

    /// How long `client` must wait before its next token check, if it must.
    pub fn wait(&self, client: &Client, now: Instant) -> Option<Duration> {
        let table = self.table.lock().ok()?;
        let empty_at = table.buckets.get(client)?.empty_at;
        // One more failure would put more than `capacity` in the bucket.
        let allowed_from = empty_at.checked_sub(self.capacity - self.interval)?;
        (allowed_from > now).then(|| allowed_from - now)
    }

    /// Counts one failed token check of `client`.
    pub fn failed(&self, client: Client, now: Instant) {
        if let Ok(mut table) = self.table.lock() {
            table.failed(client, now, self.interval);
        }
    }

    /// The client a request from `peer` with `headers` is counted under (what
    /// [`Throttle::client_of_request`] answers, for the tests).
    #[cfg(test)]
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> Client {
        Self::bucket(client_of(peer, headers, &self.trusted_proxies))
    }

    /// `client` as it is counted (see the module docs): IPv6 clients count per /64, the block one
    /// subscriber gets, so hopping addresses inside it does not help.
    pub fn bucket(client: Client) -> Client {
        match client {
            Client::Address(IpAddr::V6(v6)) => {
                Client::Address(IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !(u128::MAX >> 64))))
            }
            other => other,
        }
    }

    /// The request's client as it is counted ([`Throttle::bucket`] of [`request_client`]).
    pub fn client_of_request(&self, request: &mut Request) -> Option<Client> {
        request_client(request, &self.trusted_proxies).map(Self::bucket)
    }

    /// Notes a request that a proxy we do not trust forwarded (once per request: the per-client
    /// limit calls this).
    pub fn note_untrusted_proxy(&self, request: &Request) {
        let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() else { return };
        let peer_ip = peer.ip().to_canonical();
        if request.headers().contains_key("x-forwarded-for")
            && !self.trusted_proxies.iter().any(|net| net.contains(&peer_ip))
        {
            self.sightings.saw(peer_ip);
        }
    }

    /// The requests forwarded by proxies we do not trust, so far.
    pub fn sightings(&self) -> Arc<ProxySightings> {
        self.sightings.clone()
    }

    #[cfg(test)]
    fn len(&self) -> (usize, usize) {
        let table = self.table.lock().unwrap();
        (table.buckets.len(), table.order.len())
    }
}

/// Requests that carried `X-Forwarded-For` from a peer not in `BELCO_TRUSTED_PROXIES`: a reverse
/// proxy in front that is not trusted makes every client behind it one address, for the throttle
/// and the per-client limit alike. `belco-panel doctor` reads this (through
/// `GET /api/inspector/calls`) and says which address to trust.
#[derive(Default, Debug)]
pub struct ProxySightings {
    requests: AtomicU64,
    last_peer: Mutex<Option<IpAddr>>,
}

impl ProxySightings {
    fn saw(&self, peer: IpAddr) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut last) = self.last_peer.lock() {
            *last = Some(peer);
        }
    }

    /// The last such peer and how many requests came so, if any did.
    pub fn seen(&self) -> Option<(IpAddr, u64)> {
        let requests = self.requests.load(Ordering::Relaxed);
        let peer = (*self.last_peer.lock().ok()?)?;
        (requests > 0).then_some((peer, requests))
    }
}

/// The client a request came from, its whole address (see `client_of`), worked out once per
/// request: the first layer that asks (the observation layer, for the access log, else the
/// per-client cap) keeps it in the request's extensions, and the later ones read it there. `None`
/// for a request without a peer address (the router driven in-process).
pub fn request_client(request: &mut Request, trusted_proxies: &[ipnet::IpNet]) -> Option<Client> {
    if let Some(ClientOf(client)) = request.extensions().get::<ClientOf>() {
        return Some(client.clone());
    }
    let ConnectInfo(peer) = *request.extensions().get::<ConnectInfo<SocketAddr>>()?;
    let client = client_of(peer, request.headers(), trusted_proxies);
    request.extensions_mut().insert(ClientOf(client.clone()));
    Some(client)
}

/// A request's client, once worked out ([`request_client`]).
#[derive(Clone)]
struct ClientOf(Client);

impl Client {
    /// The address, when it is one.
    pub fn address(&self) -> Option<IpAddr> {
        match self {
            Client::Address(ip) => Some(*ip),
            Client::Unreadable(_) => None,
        }
    }
}

/// The client: the peer, or, behind trusted proxies, the right-most hop that is not one. A hop
/// that is no address stops the walk and is the client: what is left of it cannot be believed,
/// and the proxy's own address would put every client behind it in one bucket.
fn client_of(peer: SocketAddr, headers: &HeaderMap, trusted_proxies: &[ipnet::IpNet]) -> Client {
    let trusted = |ip: IpAddr| trusted_proxies.iter().any(|net| net.contains(&ip));
    let mut client = peer.ip().to_canonical();
    if trusted(client) {
        for hop in forwarded_for(headers).iter().rev() {
            let Some(ip) = hop_address(hop) else { return Client::Unreadable(unreadable(hop)) };
            client = ip;
            if !trusted(ip) {
                break;
            }
        }
    }
    Client::Address(client)
}

/// An `X-Forwarded-For` entry's address: `192.0.2.1`, `2001:db8::1`, or with the port some
/// proxies add, `192.0.2.1:4711` and `[2001:db8::1]:4711` (also `[2001:db8::1]`).
fn hop_address(hop: &str) -> Option<IpAddr> {
    let ip = hop
        .parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|addr| addr.ip()))
        .ok()
        .or_else(|| hop.strip_prefix('[')?.strip_suffix(']')?.parse::<IpAddr>().ok())?;
    Some(ip.to_canonical())
}

/// At most [`MAX_UNREADABLE`] bytes of `hop`, cut at a character's boundary.
fn unreadable(hop: &str) -> Box<str> {
    let mut end = hop.len().min(MAX_UNREADABLE);
    while !hop.is_char_boundary(end) {
        end -= 1;
    }
    hop[..end].into()
}

/// Every `X-Forwarded-For` entry, in order, over all such headers. A value that is not visible
/// ASCII is read lossily rather than skipped: skipped, it would leave the proxy as the client.
fn forwarded_for(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|value| {
            let text = String::from_utf8_lossy(value.as_bytes());
            text.split(',').map(str::trim).filter(|entry| !entry.is_empty()).map(str::to_owned).collect::<Vec<_>>()
        })
        .collect()
}

/// The middleware (see the module docs). A request without a peer address (the router driven
/// in-process, never `belco-panel serve`) is not throttled. A response that carries
/// [`CountsAsFailure`] counts on any path; only token-checked paths are refused, and only their
/// 401s count.
pub async fn failed_tokens(State(throttle): State<Arc<Throttle>>, mut request: Request, next: Next) -> Response {
    let Some(client) = throttle.client_of_request(&mut request) else {
        return next.run(request).await;
    };
    let checked = checks_token(request.uri().path());
    if refused_when_over(request.uri().path())
        && let Some(wait) = throttle.wait(&client, Instant::now())
    {
        return too_many(wait);
    }
    let response = next.run(request).await;
    let unauthorized = checked && response.status() == StatusCode::UNAUTHORIZED;
    if unauthorized || response.extensions().get::<CountsAsFailure>().is_some() {
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

    fn at(s: &str) -> Client {
        Client::Address(ip(s))
    }

    fn v4(n: u32) -> Client {
        Client::Address(IpAddr::V4(n.into()))
    }

    #[test]
    fn an_address_may_fail_per_minute_times_then_once_per_interval() {
        let throttle = Throttle::new(3, Vec::new());
        let (a, b, t0) = (at("192.0.2.1"), at("192.0.2.2"), Instant::now());
        for _ in 0..2 {
            throttle.failed(a.clone(), t0);
            assert_eq!(throttle.wait(&a, t0), None);
        }
        throttle.failed(a.clone(), t0);
        assert_eq!(throttle.wait(&a, t0), Some(Duration::from_secs(20)));
        assert_eq!(throttle.wait(&a, t0 + Duration::from_secs(19)), Some(Duration::from_secs(1)));
        assert_eq!(throttle.wait(&a, t0 + Duration::from_secs(20)), None);
        assert_eq!(throttle.wait(&b, t0), None, "another address is not affected");
    }

    #[test]
    fn memory_stays_bounded() {
        let throttle = Throttle::new(10, Vec::new());
        let t0 = Instant::now();
        for n in 0..(MAX_ADDRESSES as u32 + 50) {
            throttle.failed(v4(n), t0);
        }
        assert_eq!(throttle.len().0, MAX_ADDRESSES);
        // Entries whose bucket emptied are dropped first.
        throttle.failed(at("198.51.100.1"), t0 + Duration::from_secs(60));
        assert_eq!(throttle.len(), (1, 1));
    }

    #[test]
    fn eviction_is_cheap_and_takes_the_least_recently_failed() {
        let throttle = Throttle::new(10, Vec::new());
        let t0 = Instant::now();
        // Still full all along: every insertion past the cap evicts one.
        let started = Instant::now();
        for n in 0..(2 * MAX_ADDRESSES as u32) {
            throttle.failed(v4(n), t0);
            if n == 0 {
                // Address 0 keeps failing: it stays whatever arrives after.
                continue;
            }
            if n % 1000 == 0 {
                throttle.failed(v4(0), t0);
            }
        }
        let took = started.elapsed();
        // Two scans of the full table per insertion past the cap (the former eviction) would be
        // 2 × 10^10 steps here.
        assert!(took < Duration::from_secs(10), "200,000 failures took {took:?}");
        let (buckets, queue) = throttle.len();
        assert_eq!(buckets, MAX_ADDRESSES);
        assert!(queue <= 2 * MAX_ADDRESSES + 1024, "the queue holds {queue}");
        assert!(throttle.wait(&v4(0), t0).is_some(), "the active guesser is still counted");
        assert!(throttle.table.lock().unwrap().buckets.contains_key(&v4(2 * MAX_ADDRESSES as u32 - 1)));
        // The quiet ones went first: the first hundred thousand but 0 are gone.
        assert!(!throttle.table.lock().unwrap().buckets.contains_key(&v4(1)));
        assert!(!throttle.table.lock().unwrap().buckets.contains_key(&v4(MAX_ADDRESSES as u32 - 1)));
    }

    #[test]
    fn the_queue_stays_bounded_when_the_same_clients_fail_again_and_again() {
        let throttle = Throttle::new(10_000, Vec::new());
        let t0 = Instant::now();
        for round in 0..200u32 {
            for n in 0..100 {
                throttle.failed(v4(n), t0 + Duration::from_millis(u64::from(round)));
            }
        }
        let (buckets, queue) = throttle.len();
        assert_eq!(buckets, 100);
        assert!(queue <= 2 * 100 + 1024 + 1, "the queue holds {queue}");
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", HeaderValue::from_static("203.0.113.9, 198.51.100.7"));
        headers.append("x-forwarded-for", HeaderValue::from_static("10.0.0.2"));
        let proxy: SocketAddr = "10.0.0.1:4000".parse().unwrap();

        let untrusting = Throttle::new(10, Vec::new());
        assert_eq!(untrusting.client(proxy, &headers), at("10.0.0.1"), "never trusted by default");

        let trusting = Throttle::new(10, vec!["10.0.0.0/8".parse().unwrap()]);
        // The right-most address that is not a trusted proxy; what is left of it is the client's
        // own claim.
        assert_eq!(trusting.client(proxy, &headers), at("198.51.100.7"));
        let outsider: SocketAddr = "192.0.2.5:4000".parse().unwrap();
        assert_eq!(trusting.client(outsider, &headers), at("192.0.2.5"), "only a trusted peer's header counts");
        assert_eq!(trusting.client(proxy, &HeaderMap::new()), at("10.0.0.1"));

        let v6: SocketAddr = "[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:1".parse().unwrap();
        assert_eq!(untrusting.client(v6, &headers), at("2001:db8:1:2::"), "IPv6 counts per /64");
        let mapped: SocketAddr = "[::ffff:192.0.2.1]:1".parse().unwrap();
        assert_eq!(untrusting.client(mapped, &headers), at("192.0.2.1"));
    }

    fn request(peer: &str, headers: HeaderMap) -> Request {
        let mut request = Request::new(axum::body::Body::empty());
        *request.headers_mut() = headers;
        request.extensions_mut().insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        request
    }

    /// The address the access log keeps for a request from `peer` with `headers`.
    fn address(peer: SocketAddr, headers: HeaderMap, trusted: &[ipnet::IpNet]) -> Option<IpAddr> {
        request_client(&mut request(&peer.to_string(), headers), trusted).and_then(|client| client.address())
    }

    #[test]
    fn a_requests_client_is_worked_out_once_and_whole() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let throttle = Throttle::new(10, trusted.clone());
        let mut asked = request("10.0.0.1:1", forwarding("2001:db8:1:2:aaaa::1"));
        // The access log keeps the whole address; the throttle counts its /64.
        assert_eq!(request_client(&mut asked, &trusted), Some(at("2001:db8:1:2:aaaa::1")));
        assert_eq!(throttle.client_of_request(&mut asked), Some(at("2001:db8:1:2::")));
        // Later layers read what the first worked out, whatever the headers say by then.
        asked.headers_mut().insert("x-forwarded-for", HeaderValue::from_static("198.51.100.1"));
        assert_eq!(request_client(&mut asked, &trusted), Some(at("2001:db8:1:2:aaaa::1")));
        let mut in_process = Request::new(axum::body::Body::empty());
        assert_eq!(request_client(&mut in_process, &trusted), None, "no peer, no client");
    }

    fn forwarding(chain: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_bytes(chain.as_bytes()).unwrap());
        headers
    }

    #[test]
    fn forwarded_entries_with_a_port_count_as_their_address() {
        let trusting = Throttle::new(10, vec!["10.0.0.0/8".parse().unwrap()]);
        let proxy: SocketAddr = "10.0.0.1:4000".parse().unwrap();
        assert_eq!(trusting.client(proxy, &forwarding("203.0.113.9:51234")), at("203.0.113.9"));
        assert_eq!(
            trusting.client(proxy, &forwarding("[2001:db8:7:8:1::2]:443")),
            at("2001:db8:7:8::"),
            "[v6]:port, per /64"
        );
        assert_eq!(trusting.client(proxy, &forwarding("[2001:db8::1]")), at("2001:db8::"));
        // A trusted hop with a port is walked past like one without.
        assert_eq!(trusting.client(proxy, &forwarding("198.51.100.7:1, 10.0.0.9:8080")), at("198.51.100.7"));
        assert_eq!(address(proxy, forwarding("203.0.113.9:1"), &trusting.trusted_proxies), Some(ip("203.0.113.9")));
    }

    #[test]
    fn an_unreadable_forwarded_entry_is_a_client_of_its_own_never_the_proxy() {
        let trusting = Throttle::new(3, vec!["10.0.0.0/8".parse().unwrap()]);
        let proxy: SocketAddr = "10.0.0.1:4000".parse().unwrap();
        let garbage = trusting.client(proxy, &forwarding("203.0.113.9, unknown"));
        assert_eq!(garbage, Client::Unreadable("unknown".into()));
        assert_ne!(garbage, at("10.0.0.1"));
        assert_eq!(garbage.to_string(), "unreadable \"unknown\"");
        // Behind a trusted hop too; and a long one is kept to its first 64 bytes.
        let long = "x".repeat(500);
        let client = trusting.client(proxy, &forwarding(&format!("{long}, 10.0.0.7")));
        assert_eq!(client, Client::Unreadable("x".repeat(MAX_UNREADABLE).into()));
        let cut = trusting.client(proxy, &forwarding(&format!("{}é", "y".repeat(63))));
        assert_eq!(cut, Client::Unreadable("y".repeat(63).into()), "cut at a character's boundary");
        assert_eq!(address(proxy, forwarding("unknown"), &trusting.trusted_proxies), None);

        // A guesser behind the proxy with a garbage entry fills its own bucket, not the proxy's:
        // the other clients behind the proxy are still served.
        let t0 = Instant::now();
        for _ in 0..3 {
            trusting.failed(garbage.clone(), t0);
        }
        assert!(trusting.wait(&garbage, t0).is_some());
        assert_eq!(trusting.wait(&trusting.client(proxy, &forwarding("203.0.113.10")), t0), None);
        assert_eq!(trusting.wait(&trusting.client(proxy, &HeaderMap::new()), t0), None);
        // An untrusted peer's garbage header is ignored as before.
        let outsider: SocketAddr = "192.0.2.5:4000".parse().unwrap();
        assert_eq!(trusting.client(outsider, &forwarding("unknown")), at("192.0.2.5"));
    }

    #[test]
    fn forwarded_requests_from_an_untrusted_peer_are_noted() {
        let throttle = Throttle::new(10, vec!["10.0.0.0/8".parse().unwrap()]);
        assert_eq!(throttle.sightings().seen(), None);
        throttle.note_untrusted_proxy(&request("10.0.0.1:1", forwarding("203.0.113.9")));
        throttle.note_untrusted_proxy(&request("192.0.2.5:1", HeaderMap::new()));
        assert_eq!(throttle.sightings().seen(), None, "a trusted proxy, and a plain client, are not");
        throttle.note_untrusted_proxy(&request("192.0.2.5:1", forwarding("203.0.113.9")));
        throttle.note_untrusted_proxy(&request("192.0.2.6:1", forwarding("203.0.113.9")));
        assert_eq!(throttle.sightings().seen(), Some((ip("192.0.2.6"), 2)));
    }
}
