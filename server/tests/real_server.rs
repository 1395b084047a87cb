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
fn serve_refuses_to_start_without_a_pseudonym_key_while_the_access_log_is_on() {
    let dir = tempfile::tempdir().expect("dir");
    let keys = [("BELCO_TOKENS", TOKEN), ("BELCO_SIGNING_KEY", SIGNING_KEY)];
    let out = belco_panel(&dir, &["serve"], &keys);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("BELCO_PSEUDONYM_KEY is not set"), "{stderr}");
    let short = [keys[0], keys[1], ("BELCO_PSEUDONYM_KEY", "too-short")];
    let out = belco_panel(&dir, &["serve"], &short);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error: BELCO_PSEUDONYM_KEY: a pseudonym key must be at least 32"), "{stderr}");
    assert!(!stderr.contains("too-short"), "{stderr}");
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

/// The command line as scripts see it: a usage error exits with 2 and says `error: …` and the
/// usage on standard error; help exits with 0 on standard output; a completion script too.
#[test]
fn usage_errors_exit_with_2_and_help_with_0() {
    let dir = tempfile::tempdir().expect("dir");
    for (args, said) in [
        (&["frobnicate"][..], "error: unknown command: frobnicate\n"),
        (&["import"], "error: import needs a FILE: belco-panel import orders.json\n"),
        (&["deliveries", "retry"], "error: usage: belco-panel deliveries [--failed], or belco-panel deliveries retry"),
    ] {
        let out = belco_panel(&dir, args, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with(said) && stderr.contains("Usage: belco-panel"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty() && !stderr.contains('\u{1b}'), "{args:?}: plain text on stderr only");
    }
    for args in [&["--help"][..], &["help"], &["customer", "erase", "--help"]] {
        let out = belco_panel(&dir, args, &[]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        assert!(stdout.contains("Usage: belco-panel") && out.stderr.is_empty(), "{args:?}: {stdout}");
    }
    let out = belco_panel(&dir, &["completions", "bash"], &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("complete -F _belco_panel -o nosort -o bashdefault -o default belco-panel"),
        "{out:?}"
    );
}

/// `BELCO_LOG_FORMAT=json`: every line the server logs is one JSON object, and each request's
/// line carries the id its response names in `X-Request-Id`, or the one a proxy gave it. The
/// log holds no secret and no customer's email.
#[tokio::test(flavor = "multi_thread")]
async fn json_logs_carry_each_requests_id() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("belco.db").display());
    let server =
        common::server_process::ServerProcess::start(&url, &[("BELCO_LOG_FORMAT", "json"), ("RUST_LOG", "info")]).await;
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
    common::server_process::assert_no_secrets(&log, &["jo@example.com", "guessed-token-4711"]);

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
    let server = common::server_process::ServerProcess::start(&url, &[("RUST_LOG", "info")]).await;
    let answer = reqwest::get(server.url("/frame?token=wrong")).await.expect("get");
    assert_eq!(answer.status(), 401);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let log = server.log();
    assert!(log.lines().any(|line| line.contains(" INFO ") && line.contains("listening")), "{log}");
    assert!(log.lines().any(|line| line.contains("request") && line.contains("status=401")), "{log}");
    assert!(!log.contains('\u{1b}'), "colour codes in a piped log:\n{log:?}");
}

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
    let server = common::server_process::ServerProcess::start(&url, &[("BELCO_METRICS_TOKEN", METRICS_TOKEN)]).await;
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
    let server = common::server_process::ServerProcess::start(&url, &[("BELCO_METRICS_ADDR", &metrics_addr)]).await;
    assert_eq!(get_status(&server.url("/metrics")).await, 404, "not on the main address without a token");
    let text = reqwest::get(format!("http://{metrics_addr}/metrics")).await.expect("get").text().await.expect("text");
    assert!(sample(&parse_metrics(&text), "belco_build_info", &[("storage", "SQLite")]) == 1.0, "{text}");
    drop(server);

    // On its own address with a token, guessing it is throttled as on the main address.
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let server = common::server_process::ServerProcess::start(
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

/// The inspector keeps Belco's calls with why each one went as it did, masks the identifiers,
/// keeps no token, answers only a shop token, and `belco-panel calls` prints the list.
#[tokio::test(flavor = "multi_thread")]
async fn the_inspector_lists_belcos_calls_and_why_they_failed() {
    let dir = tempfile::tempdir().expect("dir");
    let orders = dir.path().join("orders.json");
    std::fs::write(&orders, file(&[order("i1", "john@example.com", "", "2024-01-01")])).expect("write");
    let out = belco_panel(&dir, &["import", orders.to_str().expect("path")], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let server = common::server_process::ServerProcess::start(&url, &[]).await;
    let calls_made = [
        (format!("/api/v1.0/orders?token={TOKEN}&email=john@example.com"), 200),
        ("/api/v1.0/orders?email=john@example.com".to_owned(), 401),
        ("/api/v1.0/orders?token=guessed-token-4711&email=john@example.com".to_owned(), 401),
        (format!("/api/v1.0/orders?token={TOKEN}&email=a@example.com&email=john@example.com"), 200),
        (format!("/frame?token={TOKEN}&phoneNumber=+31687654321"), 200),
        (format!("/frame?token={TOKEN}"), 200),
    ];
    for (path, status) in &calls_made {
        assert_eq!(get_status(&server.url(path)).await, *status, "{path}");
    }
    assert_eq!(get_status(&server.url("/api/inspector/calls?token=guessed-token-4711")).await, 401);
    let listing: serde_json::Value = reqwest::get(server.url(&format!("/api/inspector/calls?token={TOKEN}")))
        .await
        .expect("get")
        .json()
        .await
        .expect("JSON");
    let text = listing.to_string();
    for private in [TOKEN, "guessed-token", "john@example.com", "31687654321"] {
        assert!(!text.contains(private), "the inspector shows {private:?}: {text}");
    }
    // Belco's calls only, not the inspector's own; those whose token was not accepted apart.
    let (calls, refused) =
        (listing["calls"].as_array().expect("calls"), listing["refused"].as_array().expect("refused"));
    assert_eq!((calls.len(), refused.len(), listing["refused_total"].as_u64()), (4, 2, Some(2)), "{text}");
    let field = |i: usize, name: &str| calls[calls.len() - 1 - i][name].clone();
    assert_eq!(
        (field(0, "route"), field(0, "status"), field(0, "token")),
        ("orders_api".into(), 200.into(), "accepted".into())
    );
    assert_eq!((field(0, "orders"), field(0, "customer")), (1.into(), "j•••@e•••.com".into()));
    assert_eq!(field(0, "outcome"), "found 1 order");
    let refusal = |i: usize, name: &str| refused[refused.len() - 1 - i][name].clone();
    assert_eq!(
        (refusal(0, "token"), refusal(0, "outcome")),
        ("missing".into(), "refused: the URL has no token".into())
    );
    assert_eq!(refusal(1, "token"), "wrong");
    assert_eq!(refusal(1, "outcome"), "refused: the token is not one of BELCO_TOKENS");
    assert!(field(1, "outcome").as_str().expect("text").contains("more than one customer"), "{text}");
    assert_eq!(
        (field(2, "route"), field(2, "customer"), field(2, "orders")),
        ("frame".into(), "+31•••21".into(), 0.into())
    );
    assert_eq!(field(2, "outcome"), "no orders for this customer");
    assert!(field(3, "outcome").as_str().expect("text").contains("company panel"), "{text}");
    for call in calls.iter().chain(refused) {
        let id = call["request_id"].as_str().expect("id");
        assert!(id.len() == 16 && call["latency_ms"].as_f64().is_some() && call["at"].as_str().is_some(), "{call}");
    }

    let out = belco_panel(&dir, &["calls", &server.url("")], &[("BELCO_TOKENS", TOKEN)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8_lossy(&out.stdout);
    let (accepted, refusals) = printed.split_once("Refused, the token missing or wrong").expect("two tables");
    assert_eq!(accepted.trim().lines().count(), 1 + 4, "{printed}");
    assert_eq!(refusals.trim().lines().count(), 1 + 1 + 2, "{printed}");
    assert!(accepted.lines().nth(1).is_some_and(|newest| newest.contains("company panel")), "newest first: {printed}");
    assert!(
        refusals.contains("refused: the token is not one of BELCO_TOKENS") && !printed.contains("john@"),
        "{printed}"
    );
    let out = belco_panel(&dir, &["calls", &server.url("")], &[("BELCO_TOKENS", "someone-elses-token-0123")]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("refused the token") && !said.contains("someone-elses"), "{said}");
}

/// `belco-panel doctor` against a good deployment: every check passes, the URLs to paste are
/// printed. Then against broken ones, each failure named with its fix and exit status 1: a
/// token the server does not hold, a proxy that strips the frame's headers, a push secret set
/// on one side only, a database the service cannot write to (a read-only PostgreSQL role), and
/// no server at all.
#[tokio::test(flavor = "multi_thread")]
async fn the_doctor_passes_a_good_deployment_and_names_what_is_wrong_with_a_broken_one() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let server = common::server_process::ServerProcess::start(&url, &[]).await;
    let settings = [("BELCO_TOKENS", TOKEN), ("BELCO_PUSH_SECRET", PUSH_SECRET)];
    let doctor = |base: &str, vars: &[(&str, &str)]| {
        let mut vars = vars.to_vec();
        vars.push(("BELCO_PSEUDONYM_KEY", PSEUDONYM_KEY));
        let out = belco_panel(&dir, &["doctor", base], &vars);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let base = server.url("");
    let (ok, said, _) = doctor(&base, &[settings[0], settings[1], ("DATABASE_URL", &url)]);
    assert!(ok, "{said}");
    for check in [
        "reachable",
        "ready",
        "token accepted",
        "wrong token refused",
        "orders shape",
        "frame headers",
        "push API",
        "database",
        "pseudonym key",
    ] {
        assert!(said.lines().any(|l| l.starts_with(&format!("  PASS  {check} "))), "{check}: {said}");
    }
    assert!(said.contains("  SKIP  https ") && said.contains("0 failed"), "{said}");
    assert!(said.contains(&format!("Custom frame:  {base}/frame?token={TOKEN}")), "{said}");
    assert!(said.contains("migrated (6 of 6) and writable (SQLite)"), "{said}");
    assert!(said.contains("  SKIP  form webhooks        no form of the forms file names a webhook"), "{said}");

    let failed = |said: &str, check: &str| said.lines().any(|l| l.starts_with(&format!("  FAIL  {check} ")));
    let (ok, said, stderr) = doctor(&base, &[("BELCO_TOKENS", "someone-elses-token-0123"), settings[1]]);
    assert!(!ok && stderr.contains("of the doctor's checks failed"), "{stderr}");
    assert!(
        failed(&said, "token accepted") && said.contains("fix: give the server and this shell the same BELCO_TOKENS"),
        "{said}"
    );
    assert!(said.contains("  SKIP  orders shape"), "{said}");

    let (ok, said, _) = doctor(&base, &[settings[0]]);
    assert!(!ok && failed(&said, "push API") && said.contains("BELCO_PUSH_SECRET is not set here"), "{said}");

    let proxy = stripping_proxy(&base).await;
    let (ok, said, _) = doctor(&format!("http://{proxy}"), &settings);
    assert!(!ok && failed(&said, "frame headers"), "{said}");
    assert!(
        said.contains("Content-Security-Policy with frame-ancestors") && said.contains("Referrer-Policy"),
        "{said}"
    );
    assert!(said.lines().any(|l| l.starts_with("  PASS  token accepted")), "only the headers are wrong: {said}");

    let nobody = format!("http://127.0.0.1:{}", free_port());
    let (ok, said, _) = doctor(&nobody, &settings);
    assert!(!ok && failed(&said, "reachable") && said.contains("fix: start it"), "{said}");

    // A database the service can read but not write: a read-only PostgreSQL role.
    let pg_dir = tempfile::tempdir().expect("dir");
    let pg_url = common::fresh_database(Backend::Postgres, &pg_dir).await;
    let pg_server = common::server_process::ServerProcess::start(&pg_url, &[]).await;
    let read_only = read_only_role(&pg_url).await;
    let (ok, said, _) = doctor(&pg_server.url(""), &[settings[0], settings[1], ("DATABASE_URL", &read_only)]);
    assert!(!ok && failed(&said, "database"), "{said}");
    assert!(said.contains("cannot write to it") && said.contains("permission denied"), "{said}");
    assert!(said.contains("fix: give the database user INSERT, UPDATE and DELETE"), "{said}");
    let (ok, said, _) = doctor(&pg_server.url(""), &[settings[0], settings[1], ("DATABASE_URL", &pg_url)]);
    assert!(ok && said.contains("migrated (6 of 6) and writable (PostgreSQL)"), "{said}");
    drop_role(&pg_url, &read_only).await;
}

/// Roles outlive databases: the read-only one goes when its test is done.
async fn drop_role(admin_url: &str, role_url: &str) {
    let parsed = url::Url::parse(role_url).expect("url");
    let (role, database) = (parsed.username(), parsed.path().trim_start_matches('/'));
    let admin = sqlx::PgPool::connect(admin_url).await.expect("connect");
    for statement in [
        format!("REVOKE SELECT ON ALL TABLES IN SCHEMA public FROM {role}"),
        format!("REVOKE USAGE ON SCHEMA public FROM {role}"),
        format!("REVOKE CONNECT ON DATABASE {database} FROM {role}"),
        format!("DROP ROLE {role}"),
    ] {
        sqlx::query(&statement).execute(&admin).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    admin.close().await;
}

/// A reverse proxy that passes requests to `upstream` but drops the frame's security headers,
/// as a misconfigured nginx (`proxy_hide_header`) would.
async fn stripping_proxy(upstream: &str) -> std::net::SocketAddr {
    use axum::body::Body;
    use axum::extract::Request;
    use axum::response::Response;
    let upstream = upstream.to_owned();
    let client = reqwest::Client::new();
    let forward = move |request: Request| {
        let (client, upstream) = (client.clone(), upstream.clone());
        async move {
            let target = format!("{upstream}{}", request.uri().path_and_query().map_or("/", |p| p.as_str()));
            let method = request.method().clone();
            let body = axum::body::to_bytes(request.into_body(), 1 << 20).await.unwrap_or_default();
            let answer = client.request(method, target).body(body).send().await.expect("upstream");
            let mut response = Response::builder().status(answer.status());
            for (name, value) in answer.headers() {
                // The two it strips, and the framing of the upstream's body (it is re-sent whole).
                let dropped = ["content-security-policy", "referrer-policy", "content-length", "transfer-encoding"];
                if !dropped.contains(&name.as_str()) {
                    response = response.header(name, value);
                }
            }
            response.body(Body::from(answer.bytes().await.unwrap_or_default())).expect("response")
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, axum::Router::new().fallback(forward)).await });
    addr
}

/// A login to the database behind `url` that may read every table and write none.
async fn read_only_role(url: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("url");
    let database = parsed.path().trim_start_matches('/').to_owned();
    let role = format!("ro_{database}");
    let admin = sqlx::PgPool::connect(url).await.expect("connect");
    for statement in [
        format!("DROP ROLE IF EXISTS {role}"),
        format!("CREATE ROLE {role} LOGIN PASSWORD 'read-only'"),
        format!("GRANT CONNECT ON DATABASE {database} TO {role}"),
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        format!("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"),
    ] {
        sqlx::query(&statement).execute(&admin).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    admin.close().await;
    parsed.set_username(&role).expect("user");
    parsed.set_password(Some("read-only")).expect("password");
    parsed.to_string()
}

/// The tools' Python (scripts/setup installs its packages; `BELCO_PYTHON` names it).
fn python() -> String {
    std::env::var("BELCO_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// `/api/openapi.json` is a valid OpenAPI document (openapi-spec-validator), the orders API's
/// answer for a real customer validates against the schema it gives (jsonschema), and
/// schemathesis, calling the running server with what the document allows, finds every answer
/// as documented: status, content type, headers, body schema, no 5xx.
#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_is_valid_and_the_server_answers_as_it_says() {
    let dir = tempfile::tempdir().expect("dir");
    let orders = dir.path().join("orders.json");
    std::fs::write(&orders, file(&[SPEC_ORDER.to_owned(), order("o2", "john@example.com", "", "2024-01-01")]))
        .expect("write");
    let out = belco_panel(&dir, &["import", orders.to_str().expect("path")], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    // schemathesis sends hundreds of wrong tokens and unsigned pushes.
    let server =
        common::server_process::ServerProcess::start(&url, &[("BELCO_TOKEN_FAILURES_PER_MINUTE", "10000")]).await;
    let document = reqwest::get(server.url("/api/openapi.json")).await.expect("get").text().await.expect("text");
    let path = dir.path().join("openapi.json");
    std::fs::write(&path, &document).expect("write");
    let run = |args: &[&str]| {
        let out = Command::new(python()).args(args).current_dir(dir.path()).output().expect("python");
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    };
    let (valid, said) = run(&["-m", "openapi_spec_validator", path.to_str().expect("path")]);
    assert!(valid && said.contains("OK"), "openapi-spec-validator: {said}\n{document}");

    let answer = reqwest::get(server.url(&format!("/api/v1.0/orders?token={TOKEN}&email=john@example.com")))
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    let answer_path = dir.path().join("answer.json");
    std::fs::write(&answer_path, &answer).expect("write");
    const VALIDATE: &str = "import json, sys, jsonschema\n\
        doc = json.load(open(sys.argv[1])); answer = json.load(open(sys.argv[2]))\n\
        schema = {'$ref': '#/components/schemas/OrdersResponse', 'components': doc['components']}\n\
        jsonschema.Draft202012Validator(schema).validate(answer)\n\
        print(len(answer['orders']), 'orders valid')";
    let (ok, said) = run(&["-c", VALIDATE, path.to_str().expect("path"), answer_path.to_str().expect("path")]);
    assert!(ok && said.contains("2 orders valid"), "{said}\n{answer}");

    let (ok, said) = run(&[
        "-m",
        "schemathesis.cli",
        "run",
        &server.url("/api/openapi.json"),
        "--experimental=openapi-3.1",
        "--checks",
        "all",
        "--hypothesis-max-examples",
        "40",
        "--hypothesis-derandomize",
    ]);
    assert!(ok, "schemathesis found answers the document does not describe:\n{said}");
    for check in
        ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance"]
    {
        assert!(said.lines().any(|l| l.contains(check) && l.contains("PASSED")), "{check}: {said}");
    }
    assert!(said.contains("3 passed"), "the three operations were tested: {said}");
}

async fn get_status(url: &str) -> u16 {
    reqwest::get(url).await.expect("request").status().as_u16()
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
        .env("BELCO_PSEUDONYM_KEY", PSEUDONYM_KEY)
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
