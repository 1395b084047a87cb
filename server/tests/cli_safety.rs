//! The CLI with the shop token and with what callers sent, run for real: `belco-panel doctor`
//! and `belco-panel calls` send the token only over https or to this machine (a listener on this
//! machine's own network address stands in for another machine, and records what arrives), and
//! `belco-panel calls` prints nothing of a hostile email that would act on the terminal.

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::TOKEN;
use common::server_process::ServerProcess;

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
