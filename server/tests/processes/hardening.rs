//! Hardening over real sockets and in the real binary. Work before authentication is bounded,
//! through the production accept loop with the limits `belco-panel serve` reads: slow headers and
//! stalled bodies are cut off at their deadlines (a 408 the failed-token throttle counts), stalled
//! bodies are capped per client address, a client that never reads is disconnected, connections
//! past the cap wait, an office behind one address never meets a cap; a request has a deadline and
//! the server a concurrency cap; the throttle sees the peer's address. Clients bind 127.0.0.x so
//! the server sees several addresses. Strangers without a token write nothing and push nothing out
//! of the inspector. And the CLI sends the shop token only over https or to this machine (a
//! listener on this machine's own network address stands in for another machine, and records what
//! arrives), and prints nothing of a hostile identifier that would act on the terminal.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::common::server_process::{ServerProcess, capability_in, note_args};
use crate::common::tcp::*;
use crate::common::*;

// ---------------------------------------------------------------------------------------------
// Slow and stalled clients, deadlines and caps, through the production accept loop

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
    let addr = serve_with_header_timeout(&app).await;

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
    let addr = serve_with_header_timeout(&app).await;
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
    let addr = serve_with_header_timeout(&app).await;
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

#[tokio::test(flavor = "multi_thread")]
async fn over_tcp_the_peer_address_is_throttled() {
    let app = three_failures_per_minute(Backend::Sqlite, None).await;
    let addr = serve_with_header_timeout(&app).await;
    let guess = format!("http://{addr}/api/v1.0/orders?token=guess-guess-guess-1&email=a@b.c");
    for _ in 0..3 {
        assert_eq!(reqwest::get(&guess).await.expect("request").status(), 401);
    }
    let refused = reqwest::get(&guess).await.expect("request");
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
}

/// The resident memory of this process, in kB.
fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// A push whose headers pass the pre-check (an id, the time now, a `v1,` signature of the right
/// form) and that promises 100,000 bytes of body, of which it sends 14.
fn stalled_push(n: usize) -> String {
    format!(
        "POST /api/v1.0/orders HTTP/1.1\r\nHost: shop.example\r\nContent-Type: application/json\r\n\
         webhook-id: msg_stall_{n}\r\nwebhook-timestamp: {}\r\n\
         webhook-signature: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=\r\n\
         Content-Length: 100000\r\n\r\n{{\"orders\":[{{\"",
        now()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_pushes_from_one_address_are_capped_timed_out_and_throttled() {
    let app = TestApp::with(Backend::Sqlite, |vars| {
        vars.insert("BELCO_BODY_TIMEOUT".into(), "3s".into());
    })
    .await;
    app.import(&file(&[SPEC_ORDER.to_owned()])).await.expect("import");
    let addr = serve_with_limits(&app).await;
    let rss_before = rss_kb();

    const STALLS: usize = 520;
    let (written_tx, mut written_rx) = tokio::sync::mpsc::channel::<()>(STALLS);
    let stalls: Vec<_> = (0..STALLS)
        .map(|n| {
            let written = written_tx.clone();
            tokio::spawn(async move {
                let mut stream = connect_from("127.0.0.1", addr).await;
                stream.write_all(stalled_push(n).as_bytes()).await.expect("write");
                let sent = Instant::now();
                let _ = written.send(()).await;
                let text = answer(&mut stream, Duration::from_secs(20)).await.unwrap_or_default();
                (status_of(&text), text, sent.elapsed())
            })
        })
        .collect();
    for _ in 0..STALLS {
        written_rx.recv().await.expect("every stall is sent");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Another address is served at once, beside every stall.
    let good = format!("/api/v1.0/orders?token={TOKEN}&email=john@example.com");
    let (status, text, took) = get_from("127.0.0.2", addr, &good).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains(r#""id":"1234""#), "{text}");
    assert!(took < Duration::from_secs(1), "answered in {took:?} beside {STALLS} stalled pushes");
    let rss_during = rss_kb();

    let mut refused_at_once = 0;
    let mut timed_out = 0;
    for stall in stalls {
        let (status, text, took) = stall.await.expect("join");
        match status {
            429 if took < Duration::from_secs(1) => {
                assert!(text.contains("too many requests at once from this address"), "{text}");
                assert_eq!(header_of(&text, "retry-after"), Some("1"), "{text}");
                refused_at_once += 1;
            }
            408 => {
                assert!(took >= Duration::from_millis(2900) && took < Duration::from_secs(8), "408 after {took:?}");
                assert!(text.contains("the body did not arrive within BELCO_BODY_TIMEOUT (3 s)"), "{text}");
                timed_out += 1;
            }
            _ => panic!("a stalled push got {status} after {took:?}: {text}"),
        }
    }
    let per_client = DEFAULT_MAX_REQUESTS_PER_CLIENT;
    assert_eq!(timed_out, per_client, "as many stalls held as the per-client cap");
    assert_eq!(refused_at_once, STALLS - per_client, "the rest refused at once");
    let grown_mb = rss_during.saturating_sub(rss_before) / 1024;
    assert!(grown_mb < 64, "{STALLS} stalled pushes grew the process by {grown_mb} MB");
    println!(
        "RSS {rss_before} kB before, {rss_during} kB with {STALLS} stalls held; {refused_at_once} refused at once"
    );

    // The stalls counted as failed token checks: the address is now throttled, the other is not.
    let (status, text, _) = get_from("127.0.0.1", addr, &good).await;
    assert_eq!(status, 429, "{text}");
    assert!(text.contains("too many failed token checks"), "{text}");
    assert_eq!(get_from("127.0.0.2", addr, &good).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_behind_one_address_never_meets_a_cap() {
    let app = TestApp::new(Backend::Sqlite).await;
    app.import(&file(&[SPEC_ORDER.to_owned()])).await.expect("import");
    let addr = serve_with_limits(&app).await;
    let client = reqwest::Client::new();
    let frame = format!("http://{addr}/frame?token={TOKEN}&email=john@example.com");
    let html = client.get(&frame).send().await.expect("frame").text().await.expect("html");
    let capability = capability_in(&html);

    // 40 agents behind one address, each browser using all of its 6 connections at once: 120
    // frames and 120 notes, 240 requests launched together, near the per-address cap (256).
    assert!(app.state.config.limits.max_requests_per_client >= 240, "an office's worst burst fits the default");
    let mut calls = Vec::new();
    for n in 0..120 {
        let (agent, frame) = (client.clone(), frame.clone());
        calls.push(tokio::spawn(async move { agent.get(&frame).send().await.map(|r| r.status().as_u16()) }));
        let (agent, args) = (client.clone(), note_args(&capability, &format!("note {n}")));
        let url = format!("http://{addr}/fn/notes/add");
        calls.push(tokio::spawn(async move {
            agent.post(&url).header("accept", "application/json").json(&args).send().await.map(|r| r.status().as_u16())
        }));
    }
    for call in calls {
        assert_eq!(call.await.expect("join").expect("answer"), 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_cut_off_and_its_connection_freed() {
    let app = TestApp::with(Backend::Sqlite, |vars| {
        vars.insert("BELCO_WRITE_TIMEOUT".into(), "1s".into());
        vars.insert("BELCO_MAX_CONNECTIONS".into(), "2".into());
    })
    .await;
    let addr = serve_with_limits(&app).await;
    let openapi =
        reqwest::get(format!("http://{addr}/api/openapi.json")).await.expect("get").bytes().await.expect("body");
    // That client's connection closes with it; let the server see it go.
    tokio::time::sleep(Duration::from_millis(300)).await;
    // More than the sockets' buffers hold (a few MB on the loopback), asked for at once
    // (pipelined) by a client with a small receive buffer that then reads nothing.
    let count = (12 << 20) / openapi.len() + 1;
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("receive buffer");
    let mut deaf = socket.connect(addr).await.expect("connect");
    let requests = "GET /api/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n".repeat(count);
    let write = tokio::time::timeout(Duration::from_secs(5), deaf.write_all(requests.as_bytes())).await;
    let started = Instant::now();
    // The second place is taken by an idle connection: a third client waits for a place.
    let idle = TcpStream::connect(addr).await.expect("connect");
    let waiting = tokio::spawn(async move {
        let started = Instant::now();
        let status = reqwest::get(format!("http://{addr}/healthz")).await.map(|r| r.status().as_u16());
        (status, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "a connection past BELCO_MAX_CONNECTIONS waits");

    // The deaf client is disconnected after the write timeout: what is in the buffers, then the end.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut received = 0usize;
    let mut chunk = vec![0u8; 64 * 1024];
    let closed = loop {
        match tokio::time::timeout(Duration::from_millis(1000), deaf.read(&mut chunk)).await {
            Ok(Ok(0) | Err(_)) => break true,
            Ok(Ok(n)) => received += n,
            Err(_) => break false,
        }
    };
    assert!(write.is_ok() || closed, "the requests could not even be sent");
    assert!(closed, "the server still holds a client that stopped reading ({received} bytes read)");
    assert!(received < count * openapi.len(), "it was cut off: {received} of {} bytes", count * openapi.len());
    println!("cut off after {received} of {} bytes, {:?} after sending", count * openapi.len(), started.elapsed());

    // Its place went to the waiting client, which is served.
    let (status, waited) = tokio::time::timeout(Duration::from_secs(5), waiting).await.expect("served").expect("join");
    assert_eq!(status.expect("answer"), 200);
    assert!(waited >= Duration::from_millis(500), "it waited {waited:?}");
    drop(idle);
    assert_eq!(reqwest::get(format!("http://{addr}/healthz")).await.expect("get").status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_server_function_body_gets_408_and_counts_for_the_throttle() {
    let app = TestApp::with(Backend::Sqlite, |vars| {
        vars.insert("BELCO_BODY_TIMEOUT".into(), "1s".into());
        vars.insert("BELCO_TOKEN_FAILURES_PER_MINUTE".into(), "3".into());
    })
    .await;
    let addr = serve_with_limits(&app).await;
    let slow: Vec<_> = (0..3)
        .map(|_| {
            tokio::spawn(async move {
                let mut stream = connect_from("127.0.0.3", addr).await;
                stream.write_all(STALLED_FN).await.expect("write");
                let sent = Instant::now();
                let text = answer(&mut stream, Duration::from_secs(10)).await.unwrap_or_default();
                (text, sent.elapsed())
            })
        })
        .collect();
    for call in slow {
        let (text, took) = call.await.expect("join");
        assert_eq!(status_of(&text), 408, "{text}");
        assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(4), "{took:?}");
        assert!(
            text.contains(r#"{"BadRequest":"The request's body did not arrive in time: send it whole, at once."}"#)
        );
    }
    let good = format!("/api/v1.0/orders?token={TOKEN}&email=a@b.c");
    let (status, text, _) = get_from("127.0.0.3", addr, &good).await;
    assert_eq!(status, 429, "three stalled bodies are three failures: {text}");
    assert_eq!(get_from("127.0.0.4", addr, &good).await.0, 200);
    // Over its budget, the address is refused the server functions too, at once: stalling them
    // again costs it a refusal, not a slot for the body's deadline.
    let mut stream = connect_from("127.0.0.3", addr).await;
    stream.write_all(STALLED_FN).await.expect("write");
    let sent = Instant::now();
    let text = answer(&mut stream, Duration::from_secs(10)).await.unwrap_or_default();
    assert_eq!(status_of(&text), 429, "{text}");
    assert!(sent.elapsed() < Duration::from_millis(900), "refused before the deadline: {:?}", sent.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_is_closed_after_the_header_timeout() {
    let app = TestApp::with(Backend::Sqlite, |vars| {
        vars.insert("BELCO_HEADER_TIMEOUT".into(), "1s".into());
    })
    .await;
    let addr = serve_with_limits(&app).await;
    // One that never sends a byte, and one that goes idle after an answer (keep-alive).
    let mut silent = connect_from("127.0.0.1", addr).await;
    let mut kept = connect_from("127.0.0.1", addr).await;
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    let first = answer(&mut kept, Duration::from_secs(5)).await.unwrap_or_default();
    assert_eq!(status_of(&first), 200, "{first}");
    let started = Instant::now();
    for stream in [&mut silent, &mut kept] {
        let mut rest = Vec::new();
        let end = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
        assert!(end.is_ok(), "an idle connection is still open after 5 s");
    }
    assert!(started.elapsed() < Duration::from_secs(3), "closed after {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------------
// Strangers without a token

/// A client whose requests come from `ip` (any address of 127.0.0.0/8 reaches the loopback).
fn client_from(ip: &str) -> reqwest::Client {
    let ip: IpAddr = ip.parse().expect("an address");
    reqwest::Client::builder().local_address(ip).timeout(Duration::from_secs(10)).build().expect("a client")
}

/// 3,000 over-long calls without a token from one address: 10 refusals (401), then 429s; not
/// one access-log row; Belco's real call, from another address, stays in the inspector, where
/// the refusals are kept apart and counted.
#[tokio::test(flavor = "multi_thread")]
async fn strangers_without_a_token_write_nothing_and_push_nothing_out() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("strangers.db");
    let url = format!("sqlite://{}", db.display());
    let mut server = ServerProcess::start(&url, &[("BELCO_TOKEN_FAILURES_PER_MINUTE", "10")]).await;

    let belco = client_from("127.0.0.2");
    let real = belco.get(server.url(&format!("/frame?token={TOKEN}&email={JOHN}"))).send().await.expect("frame");
    assert_eq!(real.status(), 200);
    // A HEAD is a lookup too (the GET handler runs; the length tells something): recorded.
    let head = belco.head(server.url(&format!("/api/v1.0/orders?token={TOKEN}&email={JOHN}"))).send().await;
    assert_eq!(head.expect("head").status(), 200);

    let stranger = client_from("127.0.0.1");
    let long = "x".repeat(5_000);
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for n in 0..3_000 {
        let path = match n % 3 {
            0 => format!("/api/v1.0/orders?email={long}"),
            1 => format!("/frame?email={long}&token=guess-{n}"),
            _ => format!("/api/v1.0/orders?email={JOHN}&token=guess-guess-{n}"),
        };
        let status = stranger.get(server.url(&path)).send().await.expect("a call").status().as_u16();
        *statuses.entry(status).or_default() += 1;
    }
    assert_eq!(statuses.get(&401), Some(&10), "{statuses:?}");
    assert_eq!(statuses.get(&429), Some(&2_990), "{statuses:?}");
    // Throttled, the frame is a page of plain words for the agent, not JSON.
    let page = stranger.get(server.url(&format!("/frame?token={TOKEN}"))).send().await.expect("frame");
    assert_eq!(page.status(), 429);
    assert!(page.headers()["content-type"].to_str().is_ok_and(|t| t.starts_with("text/html")));
    assert!(page.text().await.expect("page").contains("Het paneel is nu even druk"), "in BELCO_LANGUAGE's words");

    let listing: serde_json::Value = belco
        .get(server.url(&format!("/api/inspector/calls?token={TOKEN}")))
        .send()
        .await
        .expect("inspector")
        .json()
        .await
        .expect("JSON");
    let calls = listing["calls"].as_array().expect("calls");
    assert_eq!(calls.len(), 2, "{listing}");
    assert_eq!((calls[0]["route"].as_str(), calls[0]["orders"].as_u64()), (Some("orders_api"), Some(0)));
    assert_eq!((calls[1]["route"].as_str(), calls[1]["token"].as_str()), (Some("frame"), Some("accepted")));
    let refused = listing["refused"].as_array().expect("refused");
    assert_eq!(refused.len(), 10, "the refusals the handlers saw: {listing}");
    assert!(refused.iter().all(|call| call["status"] == 401), "{listing}");
    assert!(refused.iter().any(|call| call["token"] == "unread" || call["token"] == "missing"), "{listing}");
    assert_eq!(listing["refused_total"], 10);
    assert_eq!(listing["refused_before_the_token_check"], 2_991);

    assert!(server.terminate().success(), "{}", server.log());
    let rows: i64 = rusqlite::Connection::open(&db)
        .expect("open")
        .query_row("SELECT COUNT(*) FROM access_log", [], |row| row.get(0))
        .expect("count");
    assert_eq!(rows, 2, "only Belco's real calls (a GET and a HEAD) are in the access log");
}

// ---------------------------------------------------------------------------------------------
// The CLI with the shop token and with what callers sent

/// This machine's first IPv4 address that is not the loopback (Linux's `/proc/net/fib_trie`
/// lists them as `/32 host LOCAL`): reached without leaving the machine, yet not the loopback
/// by address.
fn own_network_address() -> Option<Ipv4Addr> {
    let trie = std::fs::read_to_string("/proc/net/fib_trie").ok()?;
    let lines: Vec<&str> = trie.lines().map(str::trim).collect();
    lines.windows(2).find_map(|pair| {
        let ip: Ipv4Addr = pair[0].strip_prefix("|-- ")?.parse().ok()?;
        (pair[1] == "/32 host LOCAL" && !ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
    })
}

/// A listener on `ip` that answers `/healthz` and `/readyz` as belco-panel does, 404 to anything
/// else, and keeps every request's bytes.
fn recording_listener(ip: Ipv4Addr) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind((ip, 0)).expect("bind on this machine's address");
    let addr = listener.local_addr().expect("addr");
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
            let mut request = Vec::new();
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = stream.read(&mut chunk) {
                request.extend_from_slice(&chunk[..n]);
                if request.windows(4).any(|w| w == b"\r\n\r\n") && !request.starts_with(b"POST") {
                    break;
                }
            }
            let text = String::from_utf8_lossy(&request).into_owned();
            let (status, body) = if text.starts_with("GET /healthz ") {
                ("200 OK", r#"{"status":"ok"}"#)
            } else if text.starts_with("GET /readyz ") {
                ("200 OK", r#"{"status":"ready","storage":"sqlite"}"#)
            } else {
                ("404 Not Found", "")
            };
            kept.lock().expect("kept").push(text);
            let answer = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (addr, received)
}

fn belco_panel(dir: &tempfile::TempDir, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_belco-panel"))
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("BELCO_TOKENS", TOKEN)
        .output()
        .expect("run belco-panel")
}

/// The doctor and `calls`, given plain http to another machine: the token never arrives. The
/// doctor still checks what needs no token (the listener sees its `/healthz`, so the address was
/// reachable), says why the token was not sent, and fails; `calls` asks nothing at all.
#[test]
fn the_token_does_not_cross_the_network_in_clear() {
    let Some(ip) = own_network_address() else {
        eprintln!("skipped: this machine has no IPv4 address other than the loopback");
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let (addr, received) = recording_listener(ip);
    let base = format!("http://{addr}");

    let out = belco_panel(&dir, &["doctor", &base]);
    let said = String::from_utf8_lossy(&out.stdout);
    let requests = received.lock().expect("received").clone();
    assert!(requests.iter().any(|r| r.starts_with("GET /healthz ")), "{requests:?}");
    assert!(requests.iter().all(|r| !r.contains(TOKEN)), "the token arrived: {requests:?}");
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("PASS  reachable"), "{said}");
    assert!(
        said.contains(&format!("not sent: the token would cross the network in clear over http to {ip}")),
        "{said}"
    );
    assert!(said.contains("SKIP  frame headers"), "{said}");

    let before = requests.len();
    let out = belco_panel(&dir, &["calls", &base]);
    std::thread::sleep(Duration::from_millis(200));
    let requests = received.lock().expect("received").clone();
    assert_eq!(requests[before..], [] as [String; 0], "`calls` asks nothing");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(said.contains(&format!("not asking {base}: the token would cross the network in clear")), "{said}");
    assert!(!said.contains(TOKEN) && !String::from_utf8_lossy(&out.stdout).contains(TOKEN), "{said}");
}

/// Whether `c` would act on a terminal rather than be read: a control (C0, DEL, C1) other than
/// the line ends the table is made of, or a bidi or zero-width character.
fn acts(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Calls with hostile identifiers (an ANSI colour, an OSC 8 link, a C1 CSI, a bidi override, a
/// zero-width space), then `belco-panel calls`: its output holds none of them, byte for byte.
#[tokio::test(flavor = "multi_thread")]
async fn the_calls_list_prints_nothing_that_acts_on_the_terminal() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let server = ServerProcess::start(&url, &[]).await;
    let hostile = [
        "/frame?token={TOKEN}&email=a%1B%5B31m@x%1B%5D8%3B%3Bhttp://evil%07.com",
        "/api/v1.0/orders?token={TOKEN}&email=a%1B%5B31m@x%1B%5D8%3B%3Bhttp://evil%07.com",
        "/api/v1.0/orders?token={TOKEN}&email=%E2%80%AEa@b.moc%E2%80%AE%E2%80%8B",
        "/api/v1.0/orders?token={TOKEN}&email=%C2%9B2J@x.c%C2%9B%C2%9D8;;",
        "/frame?token={TOKEN}&phoneNumber=%1B%5B2J%2B3161234%1B%5D78",
        "/api/v1.0/orders?token={TOKEN}&email=x@y.c%0D%0A%09%7F",
    ];
    let client = reqwest::Client::new();
    for path in hostile {
        let path = path.replace("{TOKEN}", TOKEN);
        client.get(server.url(&path)).send().await.expect("call");
    }

    let out = Command::new(env!("CARGO_BIN_EXE_belco-panel"))
        .args(["calls", &server.url("")])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("BELCO_TOKENS", TOKEN)
        .output()
        .expect("run belco-panel");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = out.stdout;
    for byte in [0x1b, 0x07, b'\r', b'\t', 0x7f] {
        assert!(!bytes.contains(&byte), "byte {byte:#04x} in {:?}", String::from_utf8_lossy(&bytes));
    }
    let printed = String::from_utf8(bytes).expect("UTF-8");
    assert_eq!(printed.lines().count(), 1 + hostile.len(), "{printed}");
    assert!(printed.chars().all(|c| !acts(c)), "{printed:?}");
    assert!(printed.contains('\u{FFFD}'), "what was replaced shows: {printed}");
}
