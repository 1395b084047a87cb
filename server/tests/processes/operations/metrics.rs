//! `/metrics` of the real server, as Prometheus's own parser reads it: what Belco asks, counted;
//! its own token; on an address of its own.

use std::io::Write;
use std::process::Command;

use crate::common::cli::*;
use crate::common::server_process::ServerProcess;
use crate::common::*;

const METRICS_TOKEN: &str = "metrics-token-0123456789abcdef";

/// `/metrics` as Prometheus reads it: parsed by the official Python client's text parser
/// (`prometheus_client`, installed by scripts/setup), every sample as `[name, labels, value]`.
fn parse_metrics(text: &str) -> Vec<(String, std::collections::BTreeMap<String, String>, f64)> {
    const PARSE: &str = "import json, sys\n\
        from prometheus_client.parser import text_string_to_metric_families\n\
        out = [[s.name, s.labels, s.value] for f in text_string_to_metric_families(sys.stdin.read()) for s in f.samples]\n\
        print(json.dumps(out))";
    let python = python();
    let mut child = Command::new(&python)
        .args(["-c", PARSE])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{python}: {e} (scripts/setup installs the parser)"));
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("parser");
    assert!(
        out.status.success(),
        "the Prometheus parser refused /metrics:\n{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the parser's JSON")
}

/// The value of the sample `name` whose labels include `labels`; 0 when there is none.
fn sample(
    samples: &[(String, std::collections::BTreeMap<String, String>, f64)],
    name: &str,
    labels: &[(&str, &str)],
) -> f64 {
    samples
        .iter()
        .filter(|(n, l, _)| n == name && labels.iter().all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v)))
        .map(|(_, _, v)| v)
        .sum()
}

/// The real binary counts what Belco asks: requests by route and status with their latency,
/// refused tokens, lookups and how many orders they found, the database pool, the build. Its
/// `/metrics` is Prometheus text a real parser reads, asks for its own token, and holds no token,
/// email or phone number. With `BELCO_METRICS_ADDR` it is served there instead.
#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_what_belco_asks_in_prometheus_text() {
    let dir = tempfile::tempdir().expect("dir");
    let orders = dir.path().join("orders.json");
    std::fs::write(&orders, file(&[order("m1", "john@example.com", "+31612345678", "2024-01-01")])).expect("write");
    let out = belco_panel(&dir, &["import", orders.to_str().expect("path")], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let server = ServerProcess::start(&url, &[("BELCO_METRICS_TOKEN", METRICS_TOKEN)]).await;
    let client = reqwest::Client::new();
    let get = |path: String| {
        let request = client.get(server.url(&path));
        async move { request.send().await.expect("request").status().as_u16() }
    };
    for _ in 0..2 {
        assert_eq!(get(format!("/api/v1.0/orders?token={TOKEN}&email=john@example.com")).await, 200);
    }
    assert_eq!(get(format!("/api/v1.0/orders?token={TOKEN}&email=nobody@example.com")).await, 200);
    for _ in 0..3 {
        assert_eq!(get("/api/v1.0/orders?token=guessed-token-4711&email=john@example.com".into()).await, 401);
    }
    assert_eq!(get(format!("/frame?token={TOKEN}&phoneNumber=%2B31612345678")).await, 200);

    assert_eq!(get("/metrics".into()).await, 401, "no token, no metrics");
    let wrong =
        client.get(server.url("/metrics")).bearer_auth("metrics-token-wrong-0123456789").send().await.expect("get");
    assert_eq!(wrong.status(), 401);
    let scraped = client.get(server.url("/metrics")).bearer_auth(METRICS_TOKEN).send().await.expect("get");
    assert_eq!(scraped.status(), 200);
    assert!(scraped.headers()["content-type"].to_str().expect("ascii").starts_with("text/plain; version=0.0.4"));
    let text = scraped.text().await.expect("text");
    for private in [TOKEN, METRICS_TOKEN, "john@example.com", "nobody@example.com", "31612345678", "guessed-token"] {
        assert!(!text.contains(private), "/metrics shows {private:?}:\n{text}");
    }
    let samples = parse_metrics(&text);
    let orders_api = [("route", "/api/v1.0/orders")];
    let requests = "belco_http_requests_total";
    assert_eq!(sample(&samples, requests, &[("route", "/api/v1.0/orders"), ("method", "GET"), ("status", "200")]), 3.0);
    assert_eq!(sample(&samples, requests, &[("route", "/api/v1.0/orders"), ("status", "401")]), 3.0);
    assert_eq!(sample(&samples, requests, &[("route", "/frame"), ("status", "200")]), 1.0);
    assert_eq!(sample(&samples, requests, &[("route", "/metrics"), ("status", "401")]), 2.0);
    assert_eq!(sample(&samples, "belco_token_refusals_total", &orders_api), 3.0);
    assert_eq!(sample(&samples, "belco_http_request_duration_seconds_count", &orders_api), 6.0);
    let slowest = sample(
        &samples,
        "belco_http_request_duration_seconds_bucket",
        &[("route", "/api/v1.0/orders"), ("le", "+Inf")],
    );
    assert_eq!(slowest, 6.0, "the histogram's buckets end in +Inf");
    let lookups = "belco_lookups_total";
    assert_eq!(sample(&samples, lookups, &[("source", "orders_api"), ("matched", "true")]), 2.0);
    assert_eq!(sample(&samples, lookups, &[("source", "orders_api"), ("matched", "false")]), 1.0);
    assert_eq!(sample(&samples, "belco_lookup_orders_total", &[("source", "orders_api")]), 2.0);
    assert_eq!(sample(&samples, lookups, &[("source", "frame"), ("matched", "true")]), 1.0);
    assert_eq!(
        sample(&samples, "belco_build_info", &[("version", env!("CARGO_PKG_VERSION")), ("storage", "SQLite")]),
        1.0
    );
    assert!(samples.iter().any(|(n, l, _)| n == "belco_db_connections" && l.get("state").is_some_and(|s| s == "idle")));
    drop(server);

    let metrics_port = free_port();
    let metrics_addr = format!("127.0.0.1:{metrics_port}");
    let server = ServerProcess::start(&url, &[("BELCO_METRICS_ADDR", &metrics_addr)]).await;
    assert_eq!(get_status(&server.url("/metrics")).await, 404, "not on the main address without a token");
    let text = reqwest::get(format!("http://{metrics_addr}/metrics")).await.expect("get").text().await.expect("text");
    assert!(sample(&parse_metrics(&text), "belco_build_info", &[("storage", "SQLite")]) == 1.0, "{text}");
    drop(server);

    // On its own address with a token, guessing it is throttled as on the main address.
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let server = ServerProcess::start(
        &url,
        &[
            ("BELCO_METRICS_ADDR", &metrics_addr),
            ("BELCO_METRICS_TOKEN", METRICS_TOKEN),
            ("BELCO_TOKEN_FAILURES_PER_MINUTE", "2"),
        ],
    )
    .await;
    let scrape = |token: &'static str| {
        let request = client.get(format!("http://{metrics_addr}/metrics")).bearer_auth(token);
        async move { request.send().await.expect("scrape").status().as_u16() }
    };
    assert_eq!(scrape(METRICS_TOKEN).await, 200);
    let guesses = [scrape("metrics-guess-0123456789a").await, scrape("metrics-guess-0123456789b").await];
    assert_eq!(guesses, [401, 401]);
    assert_eq!(scrape("metrics-guess-0123456789c").await, 429, "the third guess in a minute");
    drop(server);
}
