//! The real server on a port, and the real `belco-panel` binary: what only shows over TCP
//! (requests hyper itself refuses) and from the command line (exit codes, messages).

mod common;

use std::io::{Read, Write};
use std::process::Command;

use common::*;

/// Sends raw bytes and returns the status line of the answer.
fn raw_status(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).expect("timeout");
    stream.write_all(request).expect("write");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn over_tcp_bad_requests_get_4xx_and_good_ones_still_work() {
    let app = TestApp::new(Backend::Sqlite).await;
    app.import(&format!("{{\"orders\":[{SPEC_ORDER}]}}")).await.expect("import");
    let addr = app.spawn().await;

    let huge = format!("GET /api/v1.0/orders?token={TOKEN}&email={} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(100_000));
    let cases: Vec<Vec<u8>> = vec![
        b"GET /api/v1.0/orders?email=\xff\xfe@x.nl HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /api/v1.0/orders?email=a b@x.nl HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        b"BREW /api/v1.0/orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /api/v1.0/orders HTTP/9.9\r\nHost: x\r\n\r\n".to_vec(),
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 tls hello\r\n\r\n".to_vec(),
        huge.into_bytes(),
    ];
    for request in &cases {
        let request = request.clone();
        let status = tokio::task::spawn_blocking(move || raw_status(addr, &request)).await.expect("join");
        let code: u16 = status.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(400);
        assert!((400..500).contains(&code), "a 4xx (or a closed connection), got {status:?}");
    }

    let body = reqwest::get(format!("http://{addr}/api/v1.0/orders?token={TOKEN}&email=john@example.com&phoneNumber="))
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    assert!(body.starts_with(r#"{"orders":[{"id":"1234","#) && body.contains(r#""total":10.00"#), "{body}");
    let health: serde_json::Value =
        reqwest::get(format!("http://{addr}/health")).await.expect("health").json().await.expect("json");
    assert_eq!(health["status"], "ok");
}

fn belco_panel(dir: &tempfile::TempDir, args: &[&str], vars: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_belco-panel"));
    command.args(args).current_dir(dir.path()).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    command.env("DATABASE_URL", format!("sqlite://{}", dir.path().join("cli.db").display()));
    for (k, v) in vars {
        command.env(k, v);
    }
    command.output().expect("run belco-panel")
}

#[test]
fn serve_refuses_to_start_without_tokens() {
    let dir = tempfile::tempdir().expect("dir");
    let out = belco_panel(&dir, &["serve"], &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("BELCO_TOKENS is not set"), "{stderr}");
}

#[test]
fn serve_refuses_to_start_without_a_signing_key() {
    let dir = tempfile::tempdir().expect("dir");
    let out = belco_panel(&dir, &["serve"], &[("BELCO_TOKENS", TOKEN)]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("BELCO_SIGNING_KEY is not set"), "{stderr}");
    let out = belco_panel(&dir, &["serve"], &[("BELCO_TOKENS", TOKEN), ("BELCO_SIGNING_KEY", "too-short")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error: BELCO_SIGNING_KEY: a signing key must be at least 32"), "{stderr}");
    assert!(!stderr.contains("too-short"), "the key must not be echoed: {stderr}");
}

#[test]
fn a_broken_forms_file_is_a_startup_error_naming_file_line_and_problem() {
    let dir = tempfile::tempdir().expect("dir");
    let forms = dir.path().join("shop-forms.toml");
    std::fs::write(
        &forms,
        "[[form]]\nid = \"callback\"\ntitle = \"Callback\"\nscope = \"customer\"\n\n[[form.field]]\nname = \"when\"\n\
         label = \"When\"\ntype = \"select\"\n",
    )
    .expect("write");
    let path = forms.to_str().expect("path");
    let out = belco_panel(
        &dir,
        &["serve"],
        &[("BELCO_TOKENS", TOKEN), ("BELCO_SIGNING_KEY", SIGNING_KEY), ("BELCO_FORMS", path)],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("error: BELCO_FORMS: {path}:9:")), "names the file and line: {stderr}");
    assert!(stderr.contains("options"), "says what is wrong: {stderr}");

    // A forms file named but missing is an error too (only the default file is optional).
    let missing = dir.path().join("nope.toml");
    let out = belco_panel(
        &dir,
        &["serve"],
        &[
            ("BELCO_TOKENS", TOKEN),
            ("BELCO_SIGNING_KEY", SIGNING_KEY),
            ("BELCO_FORMS", missing.to_str().expect("path")),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error: BELCO_FORMS:") && stderr.contains("nope.toml: cannot read"), "{stderr}");
}

#[test]
fn a_bad_setting_is_a_startup_error_naming_the_variable() {
    let dir = tempfile::tempdir().expect("dir");
    for (var, value) in [("BELCO_ORDERS_LIMIT", "many"), ("BELCO_TOKENS", "short"), ("BELCO_PHONE_REGION", "Mars")] {
        let out = belco_panel(
            &dir,
            &["serve"],
            &[(var, value), ("BELCO_TOKENS", if var == "BELCO_TOKENS" { value } else { TOKEN })],
        );
        assert!(!out.status.success(), "{var}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("error: {var}:")), "{var}: {stderr}");
    }
    let out = belco_panel(&dir, &["frobnicate"], &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn import_from_the_command_line_reports_what_it_did() {
    let dir = tempfile::tempdir().expect("dir");
    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        file(&[order("1", "a@example.com", "", "2024-01-01"), order("2", "a@example.com", "", "2024-01-02")]),
    )
    .expect("write");
    let out = belco_panel(&dir, &["import", good.to_str().expect("path")], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Imported 2 orders"));

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, file(&[order("3", "a@example.com", "", "2024-01-01"), order("4", "", "", "2024-01-02")]))
        .expect("write");
    let out = belco_panel(&dir, &["import", bad.to_str().expect("path")], &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nothing was stored") && stderr.contains("orders[1]") && stderr.contains("\"4\""),
        "{stderr}"
    );

    let out = belco_panel(&dir, &["import", "missing.json"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json"));
}

/// A free port on 127.0.0.1 (bound, then released for the child to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_gracefully_and_leaves_no_wal_behind() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("cli.db");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_belco-panel"))
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("BELCO_TOKENS", TOKEN)
        .env("BELCO_SIGNING_KEY", SIGNING_KEY)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start belco-panel");

    let health = format!("http://127.0.0.1:{port}/health");
    let started = std::time::Instant::now();
    loop {
        if let Ok(answer) = reqwest::get(&health).await
            && answer.status() == 200
        {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "belco-panel did not come up");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let orders = format!("http://127.0.0.1:{port}/api/v1.0/orders?token={TOKEN}&email=a@example.com");
    assert_eq!(reqwest::get(&orders).await.expect("orders").status(), 200);
    let wal = dir.path().join("cli.db-wal");
    let shm = dir.path().join("cli.db-shm");
    assert!(wal.exists() && shm.exists(), "while serving, SQLite keeps its WAL");

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(killed.success());
    let stopping = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(stopping.elapsed() < std::time::Duration::from_secs(15), "belco-panel did not stop on SIGTERM");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(status.success(), "a graceful stop exits 0: {status:?}");
    assert!(!wal.exists() && !shm.exists(), "closing the store checkpoints and removes the -wal and -shm files");
}
