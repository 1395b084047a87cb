//! Work before authentication is bounded, over real sockets through the production accept loop
//! (`server::startup::accept::run_with`, with the limits `belco-panel serve` reads): stalled bodies are
//! capped per client address, answered 408 at their deadline and counted by the throttle; a
//! client that never reads is disconnected; connections past the cap wait; and a support team
//! behind one address never meets a cap. Clients bind 127.0.0.x so the server sees several
//! addresses.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::server_process::{capability_in, note_args};
use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// Serves `app` on a real port through the production accept loop, with its configured limits.
async fn serve(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let connections = server::startup::accept::Connections::from(&app.state.config.limits);
    tokio::spawn(server::startup::accept::run_with(listener, app.router.clone(), connections, std::future::pending()));
    addr
}

/// A connection to `addr` from the loopback address `from` (127.0.0.0/8 is all ours).
async fn connect_from(from: &str, addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(format!("{from}:0").parse().expect("from")).expect("bind the client's address");
    socket.connect(addr).await.expect("connect")
}

/// Reads one answer's head (status line and headers) and as much body as arrives within
/// `within`; `None` when nothing arrived.
async fn answer(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut got = Vec::new();
    let mut chunk = [0u8; 8192];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Ok(Ok(n @ 1..)) => {
                got.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&got);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(str::to_owned))
                        .and_then(|n| n.trim().parse::<usize>().ok());
                    if length.is_none_or(|length| body.len() >= length) {
                        return Some(text.into_owned());
                    }
                }
            }
            _ => return (!got.is_empty()).then(|| String::from_utf8_lossy(&got).into_owned()),
        }
    }
}

/// `GET path` from `from`, on a connection of its own: (status, the whole answer, time taken).
async fn get_from(from: &str, addr: SocketAddr, path: &str) -> (u16, String, Duration) {
    let started = Instant::now();
    let mut stream = connect_from(from, addr).await;
    let request = format!("GET {path} HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let text = answer(&mut stream, Duration::from_secs(30)).await.unwrap_or_default();
    (status_of(&text), text, started.elapsed())
}

fn status_of(answer: &str) -> u16 {
    answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0)
}

fn header_of<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
    let head = answer.split("\r\n\r\n").next()?;
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
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

/// A server-function call that promises 100 bytes and sends one.
const STALLED_FN: &[u8] =
    b"POST /fn/notes/list HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_pushes_from_one_address_are_capped_timed_out_and_throttled() {
    let app = TestApp::with(Backend::Sqlite, |vars| {
        vars.insert("BELCO_BODY_TIMEOUT".into(), "3s".into());
    })
    .await;
    app.import(&file(&[SPEC_ORDER.to_owned()])).await.expect("import");
    let addr = serve(&app).await;
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
    let per_client = server::config::DEFAULT_MAX_REQUESTS_PER_CLIENT;
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
    let addr = serve(&app).await;
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
    let addr = serve(&app).await;
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
async fn the_frame_says_in_plain_words_that_the_panel_is_busy() {
    let app = TestApp::with(Backend::Sqlite, |vars| {
        vars.insert("BELCO_MAX_REQUESTS_PER_CLIENT".into(), "2".into());
        vars.insert("BELCO_BODY_TIMEOUT".into(), "5s".into());
    })
    .await;
    let addr = serve(&app).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = connect_from("127.0.0.1", addr).await;
        stream.write_all(STALLED_FN).await.expect("write");
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let frame = format!("/frame?token={TOKEN}&email=john@example.com");
    let (status, busy, took) = get_from("127.0.0.1", addr, &frame).await;
    assert_eq!(status, 429, "{busy}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert!(header_of(&busy, "content-type").is_some_and(|t| t.starts_with("text/html")), "{busy}");
    assert!(busy.contains("The panel is busy right now. Reload in a moment."), "{busy}");
    assert!(busy.contains("Het paneel is nu even druk"), "{busy}");
    // Sized to Belco's sidebar by the panel's own resize script, allowed by its nonce alone.
    assert!(busy.contains("postMessage({action:'resize'") && busy.contains(r#""https://app.belco.io""#), "{busy}");
    assert_eq!(header_of(&busy, "retry-after"), Some("1"), "{busy}");
    assert_eq!(header_of(&busy, "cache-control"), Some("no-store"), "{busy}");
    let policy = header_of(&busy, "content-security-policy").unwrap_or_default();
    assert!(
        policy.contains("frame-ancestors https://app.belco.io;") && policy.contains("script-src 'nonce-"),
        "{busy}"
    );
    assert!(!policy.contains("unsafe-eval") && !policy.contains("'self'"), "{busy}");

    // Other routes keep their JSON error; another address is served.
    let (status, text, _) = get_from("127.0.0.1", addr, &format!("/api/v1.0/orders?token={TOKEN}&email=a@b.c")).await;
    assert_eq!(status, 429);
    assert!(header_of(&text, "content-type") == Some("application/json"), "{text}");
    assert!(text.contains(r#"{"error":"too many requests at once from this address, try again shortly"}"#), "{text}");
    let (status, page, _) = get_from("127.0.0.2", addr, &frame).await;
    assert_eq!(status, 200, "{page}");

    // Once the held requests end, the address is served again.
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(get_from("127.0.0.1", addr, &frame).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_server_function_body_gets_408_and_counts_for_the_throttle() {
    let app = TestApp::with(Backend::Sqlite, |vars| {
        vars.insert("BELCO_BODY_TIMEOUT".into(), "1s".into());
        vars.insert("BELCO_TOKEN_FAILURES_PER_MINUTE".into(), "3".into());
    })
    .await;
    let addr = serve(&app).await;
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
async fn the_doctor_names_a_proxy_that_is_not_trusted() {
    let app = TestApp::new(Backend::Sqlite).await;
    let addr = serve(&app).await;
    let listing = format!("/api/inspector/calls?token={TOKEN}");
    let doctor = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_belco-panel"))
            .args(["doctor", &format!("http://{addr}")])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("BELCO_TOKENS", TOKEN)
            .env("BELCO_PUSH_SECRET", PUSH_SECRET)
            .current_dir(app.dir.path())
            .output()
            .expect("doctor");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let (_, text, _) = get_from("127.0.0.1", addr, &listing).await;
    assert!(text.ends_with(r#""untrusted_proxy":null}"#) || text.contains(r#""untrusted_proxy":null"#), "{text}");
    let said = doctor();
    assert!(
        said.contains("  PASS  trusted proxy        no request came through a proxy that is not trusted"),
        "{said}"
    );

    // A proxy in front that is not in BELCO_TRUSTED_PROXIES: 127.0.0.5 forwards two clients.
    for client in ["203.0.113.7", "203.0.113.8"] {
        let mut stream = connect_from("127.0.0.5", addr).await;
        let request =
            format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: {client}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("write");
        let _ = answer(&mut stream, Duration::from_secs(5)).await;
        let mut stream = connect_from("127.0.0.5", addr).await;
        let request =
            format!("GET /frame HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: {client}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("write");
        let _ = answer(&mut stream, Duration::from_secs(5)).await;
    }
    let (status, text, _) = get_from("127.0.0.1", addr, &listing).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains(r#""untrusted_proxy":{"peer":"127.0.0.5","requests":2}"#), "{text}");
    let said = doctor();
    assert!(
        said.contains("  FAIL  trusted proxy        2 requests came from 127.0.0.5 with X-Forwarded-For"),
        "{said}"
    );
    assert!(
        said.contains("fix: if 127.0.0.5 is your own reverse proxy, set BELCO_TRUSTED_PROXIES=127.0.0.5"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_is_closed_after_the_header_timeout() {
    let app = TestApp::with(Backend::Sqlite, |vars| {
        vars.insert("BELCO_HEADER_TIMEOUT".into(), "1s".into());
    })
    .await;
    let addr = serve(&app).await;
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
