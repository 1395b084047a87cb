//! A `TestApp` served on a real port of 127.0.0.1 through the production accept loop (as
//! `belco-panel serve` runs it), and raw HTTP/1.1 to it from a loopback address of the test's
//! choosing (127.0.0.0/8 is all ours), so that the server sees several clients.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use super::TestApp;

/// Serves `app` on a real port through the production accept loop, with its configured limits.
pub async fn serve_with_limits(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let connections = server::startup::accept::Connections::from(&app.state.config.limits);
    tokio::spawn(server::startup::accept::run_with(listener, app.router.clone(), connections, std::future::pending()));
    addr
}

/// Serves `app` on a real port through the production accept loop, with the default connection
/// limits but for its header timeout; stops when the test ends.
pub async fn serve_with_header_timeout(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let header_timeout = app.state.config.limits.header_timeout;
    tokio::spawn(server::startup::accept::run(listener, app.router.clone(), header_timeout, std::future::pending()));
    addr
}

/// A connection to `addr` from the loopback address `from` (127.0.0.0/8 is all ours).
pub async fn connect_from(from: &str, addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(format!("{from}:0").parse().expect("from")).expect("bind the client's address");
    socket.connect(addr).await.expect("connect")
}

/// Reads one answer's head (status line and headers) and as much body as arrives within
/// `within`; `None` when nothing arrived.
pub async fn answer(stream: &mut TcpStream, within: Duration) -> Option<String> {
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
pub async fn get_from(from: &str, addr: SocketAddr, path: &str) -> (u16, String, Duration) {
    let started = Instant::now();
    let mut stream = connect_from(from, addr).await;
    let request = format!("GET {path} HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let text = answer(&mut stream, Duration::from_secs(30)).await.unwrap_or_default();
    (status_of(&text), text, started.elapsed())
}

pub fn status_of(answer: &str) -> u16 {
    answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0)
}

pub fn header_of<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
    let head = answer.split("\r\n\r\n").next()?;
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// A server-function call that promises 100 bytes and sends one.
pub const STALLED_FN: &[u8] =
    b"POST /fn/notes/list HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{";
