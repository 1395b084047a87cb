//! The real server's log: as JSON, one object a line, each request's line with its request id; as
//! text to a pipe, no colour codes. Neither holds a secret.

use crate::common::cli::*;
use crate::common::server_process::{ServerProcess, assert_no_secrets};

/// `BELCO_LOG_FORMAT=json`: every line the server logs is one JSON object, and each request's
/// line carries the id its response names in `X-Request-Id`, or the one a proxy gave it. The
/// log holds no secret and no customer's email.
#[tokio::test(flavor = "multi_thread")]
async fn json_logs_carry_each_requests_id() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("belco.db").display());
    let server = ServerProcess::start(&url, &[("BELCO_LOG_FORMAT", "json"), ("RUST_LOG", "info")]).await;
    let client = reqwest::Client::new();
    let refused = client
        .get(server.url("/api/v1.0/orders?token=guessed-token-4711&email=jo@example.com"))
        .send()
        .await
        .expect("get");
    assert_eq!(refused.status(), 401);
    let made = refused.headers()["x-request-id"].to_str().expect("ascii").to_owned();
    assert!(made.len() == 16 && made.bytes().all(|b| b.is_ascii_hexdigit()), "{made}");
    let given =
        client.get(server.url("/frame?token=wrong")).header("x-request-id", "proxy-7f3a.1").send().await.expect("get");
    assert_eq!((given.status().as_u16(), given.headers()["x-request-id"].to_str().ok()), (401, Some("proxy-7f3a.1")));
    let odd = client.get(server.url("/healthz")).header("x-request-id", "a b\"<x>").send().await.expect("get");
    let replaced = odd.headers()["x-request-id"].to_str().expect("ascii");
    assert!(replaced.len() == 16 && replaced.bytes().all(|b| b.is_ascii_hexdigit()), "{replaced}");

    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let log = server.log();
    // Every log line is JSON; what is not is the URLs `serve` prints for people on stdout.
    let printed = |line: &str| line.is_empty() || line.starts_with("  Custom ") || line.starts_with("Paste into Belco");
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|line| !printed(line))
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert!(lines.len() >= 5, "{log}");
    assert!(lines.iter().any(|l| l["message"] == "listening"), "{log}");
    let request_line = |id: &str| {
        lines
            .iter()
            .find(|l| l["message"] == "request" && l["span"]["request_id"] == id)
            .unwrap_or_else(|| panic!("no request line with id {id}:\n{log}"))
    };
    let line = request_line(&made);
    assert_eq!((line["status"].as_u64(), line["path"].as_str()), (Some(401), Some("/api/v1.0/orders")));
    assert_eq!(line["level"], "INFO");
    assert_eq!(request_line("proxy-7f3a.1")["path"], "/frame");
    assert_no_secrets(&log, &["jo@example.com", "guessed-token-4711"]);

    let out = belco_panel(&dir, &["serve"], &[("BELCO_LOG_FORMAT", "yaml")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: BELCO_LOG_FORMAT:"), "{out:?}");
}

/// Logs written to a file, a pipe or journald are plain text: no colour codes around the fields
/// (tracing's formatter adds them unless told the output is not a terminal).
#[tokio::test(flavor = "multi_thread")]
async fn text_logs_to_a_pipe_carry_no_colour_codes() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("belco.db").display());
    let server = ServerProcess::start(&url, &[("RUST_LOG", "info")]).await;
    let answer = reqwest::get(server.url("/frame?token=wrong")).await.expect("get");
    assert_eq!(answer.status(), 401);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let log = server.log();
    assert!(log.lines().any(|line| line.contains(" INFO ") && line.contains("listening")), "{log}");
    assert!(log.lines().any(|line| line.contains("request") && line.contains("status=401")), "{log}");
    assert!(!log.contains('\u{1b}'), "colour codes in a piped log:\n{log:?}");
}
