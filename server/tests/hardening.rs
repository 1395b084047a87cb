//! The server's limits over real sockets (`server::startup::accept::run`, as `belco-panel serve` runs it):
//! slow clients are cut off and do not block others, requests have a deadline and a concurrency
//! cap, failed token checks are throttled per client address, and answers carry the
//! frame-ancestors policy.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Serves `app` on a real port through the production accept loop; stops when the test ends.
async fn serve(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let header_timeout = app.state.config.limits.header_timeout;
    tokio::spawn(server::startup::accept::run(listener, app.router.clone(), header_timeout, std::future::pending()));
    addr
}

/// Writes `bytes` one a second until the server closes the connection; returns how long that took.
async fn dribble(addr: SocketAddr, bytes: &'static [u8]) -> Duration {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut buf = [0u8; 1024];
    for byte in bytes.iter().cycle() {
        if stream.write_all(&[*byte]).await.is_err() {
            break;
        }
        match tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => break,
            // hyper may answer 408 before closing; then the next read sees the close.
            Ok(Ok(_)) => continue,
            Err(_) => {}
        }
        if started.elapsed() > Duration::from_secs(20) {
            break;
        }
    }
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_header_clients_are_cut_off_and_do_not_delay_a_valid_request() {
    let app = TestApp::with(Backend::Sqlite, |vars| {
        vars.insert("BELCO_HEADER_TIMEOUT".into(), "2s".into());
    })
    .await;
    app.import(&file(&[SPEC_ORDER.to_owned()])).await.expect("import");
    let addr = serve(&app).await;

    let slow: Vec<_> = (0..200)
        .map(|_| tokio::spawn(dribble(addr, b"GET /api/v1.0/orders?token=x HTTP/1.1\r\nHost: x\r\nX-Slow: ")))
        .collect();
    tokio::time::sleep(Duration::from_millis(1200)).await;

    let started = Instant::now();
    let answer = reqwest::get(format!("http://{addr}/api/v1.0/orders?token={TOKEN}&email=john@example.com"))
        .await
        .expect("request");
    assert_eq!(answer.status(), 200);
    assert!(answer.text().await.expect("body").contains(r#""id":"1234""#));
    assert!(started.elapsed() < Duration::from_secs(1), "answered in {:?} beside 200 slow clients", started.elapsed());

    for task in slow {
        let held = task.await.expect("join");
        assert!(held < Duration::from_secs(5), "a client sending a header byte a second was held {held:?}");
    }
}

/// A body that never arrives is answered within the request's deadline: by the body's own
/// deadline (unset, half the request's), whose 408 the throttle counts, rather than the request's
/// 503, which it would not.
#[tokio::test(flavor = "multi_thread")]
async fn a_request_that_overruns_its_deadline_is_answered_within_it() {
    let app = TestApp::with(Backend::Sqlite, |vars| {
        vars.insert("BELCO_REQUEST_TIMEOUT".into(), "1s".into());
    })
    .await;
    let addr = serve(&app).await;
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    // A server-function call whose body never arrives: its body is read until the deadline.
    stream
        .write_all(b"POST /fn/notes/list HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"capability\":")
        .await
        .expect("write");
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("an answer before 5 s")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("The request's body did not arrive in time"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(1), "within the request's 1 s: {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread")]
async fn past_the_concurrency_limit_a_request_is_refused_at_once() {
    let app = TestApp::with(Backend::Sqlite, |vars| {
        vars.insert("BELCO_MAX_CONCURRENT_REQUESTS".into(), "2".into());
        vars.insert("BELCO_REQUEST_TIMEOUT".into(), "2s".into());
    })
    .await;
    let addr = serve(&app).await;
    let mut stuck = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream
            .write_all(b"POST /fn/notes/list HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
            .await
            .expect("write");
        stuck.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let busy = reqwest::get(format!("http://{addr}/health")).await.expect("request");
    assert_eq!(busy.status(), 503);
    assert!(busy.text().await.expect("body").contains("the server is busy"));
    assert!(started.elapsed() < Duration::from_millis(500));
    // The probes take no slot: a full server is alive, and ready.
    for probe in ["/healthz", "/readyz"] {
        assert_eq!(reqwest::get(format!("http://{addr}{probe}")).await.expect("request").status(), 200, "{probe}");
    }

    // Once the stuck requests hit their deadline, the slots are free again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(reqwest::get(format!("http://{addr}/health")).await.expect("request").status(), 200);
    drop(stuck);
}

fn from(ip: &str, mut request: Request<Body>) -> Request<Body> {
    let peer: SocketAddr = format!("{ip}:40000").parse().expect("addr");
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

fn get_from(ip: &str, uri: &str) -> Request<Body> {
    from(ip, Request::get(uri).body(Body::empty()).expect("request"))
}

fn forwarded(mut request: Request<Body>, chain: &str) -> Request<Body> {
    request.headers_mut().insert("x-forwarded-for", chain.parse().expect("header"));
    request
}

async fn three_failures_per_minute(backend: Backend, proxies: Option<&str>) -> TestApp {
    TestApp::with(backend, |vars| {
        vars.insert("BELCO_TOKEN_FAILURES_PER_MINUTE".into(), "3".into());
        if let Some(proxies) = proxies {
            vars.insert("BELCO_TRUSTED_PROXIES".into(), proxies.into());
        }
    })
    .await
}

#[tokio::test]
async fn guessing_tokens_gets_429s_but_not_for_other_addresses() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = three_failures_per_minute(backend, None).await;
        let guess = "/api/v1.0/orders?token=guess-guess-guess-1&email=john@example.com";
        for _ in 0..3 {
            let (status, _, _) = app.send(get_from("192.0.2.1", guess)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        let (status, headers, body) = app.send(get_from("192.0.2.1", guess)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body:?}");
        let retry: u64 = headers["retry-after"].to_str().expect("ascii").parse().expect("seconds");
        assert!((1..=20).contains(&retry), "Retry-After {retry}");
        assert!(String::from_utf8_lossy(&body).contains("too many failed token checks"), "{body:?}");

        // The address is refused on every token-checked route, even with the right token…
        let good = format!("/api/v1.0/orders?token={TOKEN}&email=john@example.com");
        assert_eq!(app.send(get_from("192.0.2.1", &good)).await.0, StatusCode::TOO_MANY_REQUESTS);
        let frame = format!("/frame?token={TOKEN}");
        assert_eq!(app.send(get_from("192.0.2.1", &frame)).await.0, StatusCode::TOO_MANY_REQUESTS);
        let push = from("192.0.2.1", app.signed("POST", "/api/v1.0/orders", "msg_1", now(), r#"{"orders":[]}"#));
        assert_eq!(app.send(push).await.0, StatusCode::TOO_MANY_REQUESTS);
        // …but not on the others, and another address with the right token is served.
        assert_eq!(app.send(get_from("192.0.2.1", "/health")).await.0, StatusCode::OK);
        assert_eq!(app.send(get_from("192.0.2.2", &good)).await.0, StatusCode::OK);
        assert_eq!(app.send(get_from("192.0.2.2", &frame)).await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn bad_push_signatures_and_frame_tokens_count_as_failures() {
    let app = three_failures_per_minute(Backend::Sqlite, None).await;
    for _ in 0..3 {
        let unsigned = from(
            "198.51.100.3",
            Request::post("/api/v1.0/orders").body(Body::from(r#"{"orders":[]}"#)).expect("request"),
        );
        assert_eq!(app.send(unsigned).await.0, StatusCode::UNAUTHORIZED);
    }
    let push = from("198.51.100.3", app.signed("POST", "/api/v1.0/orders", "msg_2", now(), r#"{"orders":[]}"#));
    assert_eq!(app.send(push).await.0, StatusCode::TOO_MANY_REQUESTS);

    for _ in 0..3 {
        assert_eq!(app.send(get_from("198.51.100.4", "/frame?token=nope")).await.0, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.send(get_from("198.51.100.4", "/frame?token=nope")).await.0, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn x_forwarded_for_is_ignored_unless_the_proxy_is_trusted() {
    let guess = "/api/v1.0/orders?token=guess-guess-guess-1&email=a@b.c";
    let good = format!("/api/v1.0/orders?token={TOKEN}&email=a@b.c");

    // Untrusted: a client cannot dodge the limit by writing a new X-Forwarded-For each time.
    let app = three_failures_per_minute(Backend::Sqlite, None).await;
    for n in 0..3 {
        let request = forwarded(get_from("10.0.0.1", guess), &format!("203.0.113.{n}"));
        assert_eq!(app.send(request).await.0, StatusCode::UNAUTHORIZED);
    }
    let request = forwarded(get_from("10.0.0.1", &good), "203.0.113.99");
    assert_eq!(app.send(request).await.0, StatusCode::TOO_MANY_REQUESTS);

    // Trusted proxy: each client behind it is counted on its own.
    let app = three_failures_per_minute(Backend::Sqlite, Some("10.0.0.0/8")).await;
    for _ in 0..3 {
        let request = forwarded(get_from("10.0.0.1", guess), "203.0.113.1");
        assert_eq!(app.send(request).await.0, StatusCode::UNAUTHORIZED);
    }
    let request = forwarded(get_from("10.0.0.1", &good), "203.0.113.1");
    assert_eq!(app.send(request).await.0, StatusCode::TOO_MANY_REQUESTS);
    // A client's own claim left of the real address does not help it.
    let request = forwarded(get_from("10.0.0.1", &good), "198.51.100.1, 203.0.113.1");
    assert_eq!(app.send(request).await.0, StatusCode::TOO_MANY_REQUESTS);
    let request = forwarded(get_from("10.0.0.1", &good), "203.0.113.2");
    assert_eq!(app.send(request).await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn over_tcp_the_peer_address_is_throttled() {
    let app = three_failures_per_minute(Backend::Sqlite, None).await;
    let addr = serve(&app).await;
    let guess = format!("http://{addr}/api/v1.0/orders?token=guess-guess-guess-1&email=a@b.c");
    for _ in 0..3 {
        assert_eq!(reqwest::get(&guess).await.expect("request").status(), 401);
    }
    let refused = reqwest::get(&guess).await.expect("request");
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn pages_other_than_the_frame_may_be_framed_only_by_belco() {
    let app = TestApp::new(Backend::Sqlite).await;
    for uri in ["/", "/no-such-page", "/api/v1.0/orders", "/health"] {
        let (_, headers, _) = app.get(uri).await;
        let policies: Vec<_> = headers.get_all("content-security-policy").iter().collect();
        assert_eq!(policies, ["frame-ancestors https://app.belco.io"], "{uri}");
    }
    // The frame keeps its own policy (with its script nonce), once.
    let (_, headers, _) = app.get(&format!("/frame?token={TOKEN}")).await;
    let policies: Vec<_> = headers.get_all("content-security-policy").iter().collect();
    assert_eq!(policies.len(), 1);
    let policy = policies[0].to_str().expect("ascii");
    assert!(policy.contains("frame-ancestors https://app.belco.io") && policy.contains("nonce-"), "{policy}");
}
