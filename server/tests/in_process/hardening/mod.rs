//! Hardening, through the router: nothing before the token (every token-guarded route refuses a
//! call whose token was not accepted with the same 401, whatever else is wrong with it), the
//! failed-token throttle per client address (behind a trusted proxy only, by `X-Forwarded-For`),
//! `frame-ancestors` on every page, and the frame's server functions answering malformed calls with
//! a 4xx that quotes nothing, logging nothing of what was sent and storing nothing; over TCP,
//! requests hyper itself refuses get a 4xx and good ones still work. The hostile-input suite is
//! `hostile`. The limits of the production accept loop (slow clients, deadlines, caps) are in
//! `tests/processes/`.

use std::io::{Read, Write};
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use belco::capability::Subject;
use belco::store::RecordOwner;
use serde_json::{Value, json};

use crate::common::server_fns::*;
use crate::common::*;

mod hostile;

#[tokio::test]
async fn a_call_whose_token_was_not_accepted_gets_401_whatever_else_is_wrong() {
    let app = TestApp::new(Backend::Sqlite).await;
    let long = "a".repeat(5_000);
    let very_long = "b".repeat(20_000);
    let wrong = "wrong-token-xxxxxxxxxxxx";
    for path in ["/api/v1.0/orders", "/frame", "/api/inspector/calls"] {
        for query in [
            format!("email={long}"),
            format!("token={wrong}&email={long}"),
            format!("token={TOKEN}&email={very_long}"),
            format!("token={wrong}&email=%FF"),
            format!("token={wrong}&email=a@b.nl&email=c@d.nl"),
            format!("token={TOKEN}&token={wrong}&email={JOHN}"),
            format!("TOKEN={TOKEN}"),
        ] {
            let (status, _, body) = app.get(&format!("{path}?{query}")).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}?{}…", &query[..query.len().min(60)]);
            assert!(!String::from_utf8_lossy(&body).contains(JOHN));
        }
    }
    // With the token accepted, what else is wrong is said.
    let (status, _, _) = app.get(&format!("/api/v1.0/orders?token={TOKEN}&email={long}")).await;
    assert_eq!(status, StatusCode::URI_TOO_LONG);
    let (status, _, _) = app.get(&format!("/api/v1.0/orders?token={TOKEN}&email=%FF")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // In English, so that the refusal's words are the ones it must not hold.
    let (status, _, html) = app.get(&format!("/frame?token={TOKEN}&{ENGLISH}&email={long}")).await;
    assert_eq!(status, StatusCode::URI_TOO_LONG);
    assert!(!String::from_utf8_lossy(&html).contains("Not authorized"));
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

on_both_backends!(
    malformed_calls_get_a_4xx_that_quotes_nothing_and_store_nothing,
    what_a_malformed_call_sent_never_reaches_the_log,
);

/// Posts `body` as it is, with `content_type` if any, to a server function.
async fn post_raw(app: &TestApp, endpoint: &str, content_type: Option<&str>, body: Vec<u8>) -> (StatusCode, Value) {
    let mut request = Request::post(format!("/fn/{endpoint}")).header("accept", "application/json");
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let (status, headers, body) = app.send(request.body(Body::from(body)).expect("request")).await;
    assert_eq!(headers["cache-control"], "no-store", "{endpoint}");
    let value = serde_json::from_slice(&body).unwrap_or_else(|_| json!(String::from_utf8_lossy(&body)));
    (status, value)
}

/// A value a malformed call carries, which no answer and no log line may repeat.
const LEAKY: &str = "leaky-customer@example.com";

/// Malformed calls of every kind, each with the status it must get.
/// (what is wrong, the endpoint, the content type, the body, the status it must get)
type MalformedCall = (&'static str, &'static str, Option<&'static str>, Vec<u8>, StatusCode);

fn malformed_calls(capability: &str) -> Vec<MalformedCall> {
    const JSON: Option<&str> = Some("application/json");
    let json = |value: Value| value.to_string().into_bytes();
    let oversized = json(json!({"capability": capability, "author": "Sam", "body": "x".repeat(1024 * 1024)}));
    vec![
        ("empty", "notes/add", JSON, Vec::new(), StatusCode::BAD_REQUEST),
        ("blank", "notes/list", JSON, b"  \n".to_vec(), StatusCode::BAD_REQUEST),
        ("not JSON", "notes/add", JSON, format!("author=Sam&body={LEAKY}").into_bytes(), StatusCode::BAD_REQUEST),
        ("truncated JSON", "notes/add", JSON, format!(r#"{{"body":"{LEAKY}"#).into_bytes(), StatusCode::BAD_REQUEST),
        ("not UTF-8", "notes/add", JSON, b"{\"body\":\"\xff\xfe\"}".to_vec(), StatusCode::BAD_REQUEST),
        (
            "lone surrogate",
            "notes/add",
            JSON,
            format!(r#"{{"capability":"{capability}","author":"Sam","body":"{LEAKY} \ud800"}}"#).into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "wrong type (a string for a list)",
            "forms/submit",
            JSON,
            json(json!({"capability": capability, "form_id": "callback-request", "author": "Sam", "values": LEAKY})),
            StatusCode::BAD_REQUEST,
        ),
        (
            "wrong type (a list for a string)",
            "notes/add",
            JSON,
            json(json!({"capability": capability, "author": [LEAKY], "body": LEAKY})),
            StatusCode::BAD_REQUEST,
        ),
        (
            "wrong type (a number)",
            "notes/add",
            JSON,
            json(json!({"capability": capability, "author": "Sam", "body": 5})),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a missing argument",
            "notes/add",
            JSON,
            json(json!({"capability": capability, "body": LEAKY})),
            StatusCode::BAD_REQUEST,
        ),
        ("not an object", "notes/add", JSON, json(json!([capability, "Sam", LEAKY])), StatusCode::BAD_REQUEST),
        ("over 1 MiB", "notes/add", JSON, oversized, StatusCode::PAYLOAD_TOO_LARGE),
        (
            "text/plain",
            "notes/add",
            Some("text/plain"),
            json(json!({"capability": capability, "author": "Sam", "body": LEAKY})),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "form-encoded",
            "notes/add",
            Some("application/x-www-form-urlencoded"),
            format!("capability={capability}&author=Sam&body={LEAKY}").into_bytes(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "no content type",
            "notes/add",
            None,
            json(json!({"capability": capability, "author": "Sam", "body": LEAKY})),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        ("empty, to the storage check", "check_storage", JSON, Vec::new(), StatusCode::BAD_REQUEST),
    ]
}

async fn malformed_calls_get_a_4xx_that_quotes_nothing_and_store_nothing(app: TestApp) {
    let capability = capability_for(&Subject::Customer(alice()));
    for (case, endpoint, content_type, body, expected) in malformed_calls(&capability) {
        let (status, answer) = post_raw(&app, endpoint, content_type, body).await;
        assert_eq!(status, expected, "{case}: {answer}");
        let message = answer["BadRequest"].as_str().unwrap_or_else(|| panic!("{case}: a short message: {answer}"));
        assert!(!message.is_empty() && message.len() < 100, "{case}: {message}");
        assert!(!answer.to_string().contains(LEAKY) && !answer.to_string().contains(&capability), "{case}: {answer}");
        // The functions' own error types read it, so the islands show the message.
        let read: app::server_fns::PanelError = serde_json::from_value(answer.clone()).expect("a PanelError");
        assert_eq!(read, app::server_fns::PanelError::BadRequest(message.to_owned()), "{case}");
        let read: app::server_fns::StorageCheckError =
            serde_json::from_value(answer.clone()).expect("a StorageCheckError");
        assert_eq!(read.to_string(), message, "{case}");
    }
    // Only POST.
    let (status, headers, _) = app.get("/fn/notes/list").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers["allow"], "POST");
    // A well-formed call with a charset in its content type still works.
    let (status, notes) = post_raw(
        &app,
        "notes/add",
        Some("application/json; charset=utf-8"),
        json!({"capability": capability, "author": "Sam", "body": "fine"}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{notes}");
    assert_eq!(bodies(&notes), ["fine"]);
    let stored = app.store.notes(&alice(), 10).await.expect("notes");
    assert_eq!(stored.len(), 1, "none of the malformed calls stored anything");
    assert!(app.store.submissions(RecordOwner::Customer(&alice()), 10).await.expect("submissions").is_empty());
}

/// A log that writes into memory, for the test below to read.
#[derive(Clone, Default)]
struct CapturedLog(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn what_a_malformed_call_sent_never_reaches_the_log(app: TestApp) {
    let log = CapturedLog::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The test runs on one thread (tokio's current-thread runtime), so this catches everything.
    let _guard = tracing::subscriber::set_default(subscriber);
    let capability = capability_for(&Subject::Customer(alice()));
    for (case, endpoint, content_type, body, _) in malformed_calls(&capability) {
        let (status, _) = post_raw(&app, endpoint, content_type, body).await;
        assert!(status.is_client_error(), "{case}");
    }
    let text = String::from_utf8(log.0.lock().expect("log buffer").clone()).expect("utf-8 log");
    assert!(text.contains("its arguments could not be read"), "the log was captured: {text}");
    assert!(!text.contains(LEAKY), "a value sent reached the log: {text}");
    assert!(!text.contains(&capability), "the capability reached the log: {text}");
}

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
