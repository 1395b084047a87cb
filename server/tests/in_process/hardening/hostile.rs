//! The hostile-input suite: one table of malicious requests across every endpoint (the orders API,
//! the frame, the push API, the server functions, the rest of the site), run against SQLite and
//! PostgreSQL. After every case: no 5xx, no panic, no cookie set, nothing new in any table; after
//! the whole table the server still answers a valid request. Markup stored through valid requests
//! is shown escaped, and a NUL in a signed order never gets a 5xx. A few cases that only exist on a
//! real socket (huge headers, bytes hyper refuses in the request line) follow.

use std::io::{Read, Write};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use belco::capability::Subject;
use belco::identity::CustomerKey;
use belco::store::RecordOwner;
use serde_json::{Value, json};

use crate::common::*;

const BOB: &str = "bob@example.com";

/// What a case's answer must be (on top of the invariants every case checks).
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Exactly this status.
    Status(u16),
    /// Any 4xx.
    ClientError,
    /// Anything below 500.
    Below500,
}

/// How a push case is signed.
#[derive(Clone, Debug)]
enum Signing {
    /// Sent as written.
    None,
    /// Signed with the test push secret at `now + offset` seconds, then `tamper` applied to the
    /// request's headers/body after signing.
    Signed { offset: i64, tamper: Tamper },
}

#[derive(Clone, Debug)]
enum Tamper {
    Nothing,
    /// The body changes after it was signed.
    Body(&'static str),
    /// A header replaced after signing.
    Header(&'static str, String),
}

struct Case {
    name: &'static str,
    method: &'static str,
    uri: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    signing: Signing,
    expect: Expect,
    /// Text that must not appear in the answer (another customer's data, raw markup).
    lacks: Vec<String>,
}

impl Case {
    fn new(name: &'static str, method: &'static str, uri: impl Into<String>, expect: Expect) -> Self {
        Self {
            name,
            method,
            uri: uri.into(),
            headers: Vec::new(),
            body: Vec::new(),
            signing: Signing::None,
            expect,
            lacks: Vec::new(),
        }
    }
    fn get(name: &'static str, uri: impl Into<String>, expect: Expect) -> Self {
        Self::new(name, "GET", uri, expect)
    }
    /// A server-function call: POST `/fn/{endpoint}` with a JSON body.
    fn call(name: &'static str, endpoint: &str, args: Value, expect: Expect) -> Self {
        Self::new(name, "POST", format!("/fn/{endpoint}"), expect)
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(args.to_string())
    }
    /// A push: POST `/api/v1.0/orders` with a JSON content type.
    fn push(name: &'static str, body: impl Into<Vec<u8>>, signing: Signing, expect: Expect) -> Self {
        let mut case = Self::new(name, "POST", "/api/v1.0/orders", expect).header("content-type", "application/json");
        case.body = body.into();
        case.signing = signing;
        case
    }
    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
    fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
    fn lacks(mut self, text: impl Into<String>) -> Self {
        self.lacks.push(text.into());
        self
    }
}

fn signed(offset: i64) -> Signing {
    Signing::Signed { offset, tamper: Tamper::Nothing }
}

fn signed_then(tamper: Tamper) -> Signing {
    Signing::Signed { offset: 0, tamper }
}

fn alice() -> CustomerKey {
    CustomerKey { email: Some(ALICE.into()), phone: None }
}

fn bob() -> CustomerKey {
    CustomerKey { email: Some(BOB.into()), phone: None }
}

/// A capability with one character of its payload changed (still well-formed base64url).
fn altered(capability: &str) -> String {
    let mut bytes = capability.as_bytes().to_vec();
    let i = 5; // inside the payload, after "v1."
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).expect("ASCII")
}

const ORDERS: &str = "/api/v1.0/orders";

/// The table. `note` is the id of a note Alice already has; the capabilities are signed with
/// the test key (or not).
fn cases(note: &str) -> Vec<Case> {
    let t = TOKEN;
    let alice_cap = capability_issued(&Subject::Customer(alice()), 0);
    let bob_cap = capability_issued(&Subject::Customer(bob()), 0);
    let company_cap = capability_issued(&Subject::Company, 0);
    let expired_cap = capability_issued(&Subject::Customer(alice()), 2 * 3_600_000);
    let forged_cap = belco::capability::Signer::new(
        &belco::secret::Secret::new("an-attackers-key-0123456789abcdef0123456789"),
        std::time::Duration::from_secs(3600),
    )
    .expect("signer")
    .issue(&Subject::Customer(alice()), belco::store::now_millis());
    let (signed_part, _) = alice_cap.rsplit_once('.').expect("a MAC");
    let mac_swapped = format!("{signed_part}.{}", bob_cap.rsplit_once('.').expect("a MAC").1);
    let good_order = json!({"orders": [serde_json::from_str::<Value>(&order("hostile-1", "h@example.com", "", "2024-01-01")).expect("JSON")]}).to_string();
    let john = "john@example.com";
    // What only John's order holds: the orders API and the frame must not show it to others.
    let johns = "shop.nl/order/1234";
    let note_args = |capability: &str| json!({"capability": capability, "author": "Mallory", "body": "x"});
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));

    let mut cases = vec![
        // ---- The orders API: injection, smuggling, encoding, size, methods.
        Case::get("orders: SQL injection in email", format!("{ORDERS}?token={t}&email=%27%20OR%20%271%27%3D%271"), Expect::Status(200)).lacks(johns),
        Case::get("orders: SQL comment after a real email", format!("{ORDERS}?token={t}&email=john@example.com%27--"), Expect::Status(200)).lacks(johns),
        Case::get("orders: UNION SELECT in phone", format!("{ORDERS}?token={t}&phoneNumber=1%20UNION%20SELECT%20belco_json%20FROM%20orders"), Expect::Status(200)).lacks(johns),
        Case::get("orders: LIKE wildcard as email", format!("{ORDERS}?token={t}&email=%25"), Expect::Status(200)).lacks(johns),
        Case::get("orders: LIKE wildcard inside email", format!("{ORDERS}?token={t}&email=j%25@example.com"), Expect::Status(200)).lacks(johns),
        Case::get("orders: %00 after a real email", format!("{ORDERS}?token={t}&email=john@example.com%00"), Expect::Status(200)).lacks(johns),
        Case::get("orders: %00 alone as phone", format!("{ORDERS}?token={t}&phoneNumber=%00"), Expect::Status(200)),
        Case::get("orders: CRLF header injection in email", format!("{ORDERS}?token={t}&email=a%0D%0ASet-Cookie:%20x=1@x.nl"), Expect::Status(200)),
        Case::get("orders: script tag as email", format!("{ORDERS}?token={t}&email=%3Cscript%3Ealert(1)%3C/script%3E@x.nl"), Expect::Status(200)).lacks("<script>"),
        Case::get("orders: invalid UTF-8 in email", format!("{ORDERS}?token={t}&email=%FF%FE@x.nl"), Expect::Status(400)),
        Case::get("orders: overlong UTF-8 in phone", format!("{ORDERS}?token={t}&phoneNumber=%C0%AE"), Expect::Status(400)),
        Case::get("orders: a lone surrogate (CESU-8) in email", format!("{ORDERS}?token={t}&email=%ED%A0%80@x.nl"), Expect::Status(400)),
        Case::get("orders: a query over 4 KiB", format!("{ORDERS}?token={t}&email={}", "a".repeat(5000)), Expect::Status(414)),
        Case::get("orders: an email of 3000 characters", format!("{ORDERS}?token={t}&email={}@x.nl", "a".repeat(3000)), Expect::Status(200)),
        Case::get("orders: a phone of 2000 digits", format!("{ORDERS}?token={t}&phoneNumber=%2B{}", "1".repeat(2000)), Expect::Status(200)),
        Case::get("orders: malformed percent escapes", format!("{ORDERS}?token={t}&email=%&phoneNumber=%G1%%"), Expect::Status(200)),
        Case::get("orders: a second email smuggled after the real one", format!("{ORDERS}?token={t}&email=nobody@x.nl&email={john}"), Expect::Status(200)).lacks(johns),
        Case::get("orders: a second phone smuggled after the real one", format!("{ORDERS}?token={t}&phoneNumber=0600000000&phoneNumber=%2B31612345678"), Expect::Status(200)).lacks(johns),
        Case::get("orders: the email percent-encoded in its name", format!("{ORDERS}?token={t}&%65mail=nobody@x.nl&email={john}"), Expect::Status(200)).lacks(johns),
        Case::get("orders: the token twice, a wrong one first", format!("{ORDERS}?token=wrong-token-xxxxxxxxxxxx&token={t}&email=nobody@x.nl"), Expect::Below500),
        Case::get("orders: a wrong token", format!("{ORDERS}?token=wrong-token-xxxxxxxxxxxx&email={john}"), Expect::ClientError).lacks(johns),
        Case::get("orders: the token with %00 appended", format!("{ORDERS}?token={t}%00&email={john}"), Expect::ClientError).lacks(johns),
        Case::get("orders: the token in another case of name", format!("{ORDERS}?TOKEN={t}&email={john}"), Expect::ClientError).lacks(johns),
        Case::get("orders: params split on ; instead of &", format!("{ORDERS}?token={t};email={john}"), Expect::ClientError).lacks(johns),
        Case::new("orders: PUT", "PUT", format!("{ORDERS}?token={t}"), Expect::Status(405)),
        Case::new("orders: PATCH with a body", "PATCH", format!("{ORDERS}?token={t}"), Expect::Status(405)).body("{}"),
        Case::new("orders: OPTIONS", "OPTIONS", format!("{ORDERS}?token={t}"), Expect::Below500),
        Case::get("orders: a GET with a 1 MiB body", format!("{ORDERS}?token={t}&email={john}"), Expect::Below500).body(vec![b'x'; 1 << 20]),
        Case::get("orders: a 64 KiB header", format!("{ORDERS}?token={t}&email=nobody@x.nl"), Expect::Below500).header("x-padding", "a".repeat(65_536)),
        Case::get("orders: an Accept it cannot give", format!("{ORDERS}?token={t}&email=nobody@x.nl"), Expect::Below500).header("accept", "text/html;q=1, */*;q=0"),
        // ---- The frame.
        Case::get("frame: no token", format!("/frame?email={john}"), Expect::Status(401)).lacks(johns).lacks("v1."),
        Case::get("frame: markup in email", format!("/frame?token={t}&email=%22%3E%3Cscript%3Ealert(1)%3C/script%3E@x.nl"), Expect::Status(200)).lacks("<script>alert(1)"),
        Case::get("frame: javascript: as phone", format!("/frame?token={t}&phoneNumber=javascript:alert(1)"), Expect::Status(200)).lacks("href=\"javascript"),
        Case::get("frame: SQL injection in email", format!("/frame?token={t}&email=%27%20OR%201%3D1--"), Expect::Status(200)).lacks(johns),
        Case::get("frame: %00 after a real email", format!("/frame?token={t}&email=john@example.com%00"), Expect::Status(200)).lacks(johns),
        Case::get("frame: CRLF in phone", format!("/frame?token={t}&phoneNumber=%0D%0AX-Injected:%201"), Expect::Status(200)),
        Case::get("frame: invalid UTF-8 in email", format!("/frame?token={t}&email=%FF"), Expect::ClientError),
        Case::get("frame: a query over 4 KiB", format!("/frame?token={t}&email={}", "b".repeat(5000)), Expect::ClientError),
        Case::get("frame: a second email smuggled after the real one", format!("/frame?token={t}&email=nobody@x.nl&email={john}"), Expect::Status(200)).lacks(johns).lacks("v1."),
        Case::new("frame: POST", "POST", format!("/frame?token={t}"), Expect::Status(405)),
        // ---- The push API.
        Case::push("push: unsigned", good_order.clone(), Signing::None, Expect::Status(401)),
        Case::push("push: signed, body changed afterwards", good_order.clone(), signed_then(Tamper::Body(r#"{"orders":[]}"#)), Expect::Status(401)),
        Case::push("push: signed an hour ago", good_order.clone(), signed(-3600), Expect::Status(401)),
        Case::push("push: signed an hour ahead", good_order.clone(), signed(3600), Expect::Status(401)),
        Case::push("push: timestamp i64::MIN", good_order.clone(), signed_then(Tamper::Header("webhook-timestamp", i64::MIN.to_string())), Expect::Status(401)),
        Case::push("push: timestamp i64::MAX", good_order.clone(), signed_then(Tamper::Header("webhook-timestamp", i64::MAX.to_string())), Expect::Status(401)),
        Case::push("push: timestamp not a number", good_order.clone(), signed_then(Tamper::Header("webhook-timestamp", "soon".into())), Expect::Status(401)),
        Case::push("push: signature of another scheme", good_order.clone(), signed_then(Tamper::Header("webhook-signature", "v1a,AAAA".into())), Expect::Status(401)),
        Case::push("push: a webhook-id of 300 characters", good_order.clone(), signed_then(Tamper::Header("webhook-id", "i".repeat(300))), Expect::Status(401)),
        Case::push("push: signed, not JSON", "orders=1", signed(0), Expect::Status(400)),
        Case::push("push: signed, orders is an object", r#"{"orders":{}}"#, signed(0), Expect::Status(400)),
        Case::push("push: signed, nested 10000 deep", deep, signed(0), Expect::ClientError),
        Case::push("push: signed, a lone surrogate", r#"{"orders":[{"id":"\ud800"}]}"#, signed(0), Expect::ClientError),
        Case::push("push: signed, orders twice", format!(r#"{{"orders":[],"orders":{}}}"#, &good_order[10..good_order.len() - 1]), signed(0), Expect::ClientError),
        Case::push("push: signed, a javascript: url", good_order.replace("https://shop.example/o/hostile-1", "javascript:alert(1)"), signed(0), Expect::Status(422)),
        Case::push("push: signed, money it would have to round", good_order.replace("\"total\":10", "\"total\":10.001"), signed(0), Expect::Status(422)),
        Case::push("push: signed, an order nobody can find", good_order.replace("h@example.com", ""), signed(0), Expect::Status(422)),
        Case::push("push: unsigned, not UTF-8", b"{\"orders\":[\xff]}".to_vec(), Signing::None, Expect::Status(401)),
        Case::push("push: unsigned, 17 MiB", vec![b' '; 17 << 20], Signing::None, Expect::ClientError),
        Case::push("push: unsigned, form content type", "orders=1", Signing::None, Expect::ClientError).header("content-type", "application/x-www-form-urlencoded"),
        Case::new("push: unsigned DELETE", "DELETE", format!("{ORDERS}/1234"), Expect::ClientError),
        Case::new("push: unsigned DELETE with a traversal id", "DELETE", format!("{ORDERS}/..%2F..%2Fetc%2Fpasswd"), Expect::ClientError),
        // ---- Server functions: capabilities.
        Case::call("notes/add: forged capability", "notes/add", note_args(&forged_cap), Expect::Status(403)),
        Case::call("notes/add: altered capability", "notes/add", note_args(&altered(&alice_cap)), Expect::Status(403)),
        Case::call("notes/add: Alice's payload with Bob's MAC", "notes/add", note_args(&mac_swapped), Expect::Status(403)),
        Case::call("notes/add: expired capability", "notes/add", note_args(&expired_cap), Expect::Status(401)),
        Case::call("notes/add: company capability", "notes/add", note_args(&company_cap), Expect::Status(403)),
        Case::call("notes/add: the shop token as capability", "notes/add", note_args(TOKEN), Expect::Status(403)),
        Case::call("notes/list: no capability at all", "notes/list", json!({"capability": ""}), Expect::Status(403)).lacks("Alice's first note"),
        Case::call("notes/list: forged capability", "notes/list", json!({"capability": forged_cap}), Expect::Status(403)).lacks("Alice's first note"),
        Case::call("notes/edit: Bob's capability on Alice's note", "notes/edit", json!({"capability": bob_cap, "id": note, "body": "Bob was here"}), Expect::Status(404)),
        Case::call("notes/delete: Bob's capability on Alice's note", "notes/delete", json!({"capability": bob_cap, "id": note}), Expect::Status(404)),
        Case::call("notes/delete: SQL injection as id", "notes/delete", json!({"capability": alice_cap, "id": "' OR '1'='1"}), Expect::Status(404)),
        Case::call("notes/edit: a wildcard as id", "notes/edit", json!({"capability": alice_cap, "id": "%", "body": "all"}), Expect::Status(404)),
        Case::call("forms/submit: expired capability", "forms/submit", json!({"capability": expired_cap, "form_id": "callback-request", "author": "M", "values": []}), Expect::Status(401)),
        Case::call("forms/submit: a path as form id", "forms/submit", json!({"capability": alice_cap, "form_id": "../../etc/passwd", "author": "M", "values": []}), Expect::Status(403)),
        Case::call("forms/submit: the company form with a customer capability", "forms/submit", json!({"capability": alice_cap, "form_id": "warehouse-problem", "author": "M", "values": [["problem", "Other"], ["details", "x"]]}), Expect::Status(403)),
        // ---- Server functions: what agents type.
        Case::call("notes/add: control characters in the author", "notes/add", json!({"capability": alice_cap, "author": "Sam\u{7}\u{1b}[31m", "body": "x"}), Expect::Status(422)),
        Case::call("notes/add: CRLF in the author", "notes/add", json!({"capability": alice_cap, "author": "Sam\r\nX-Injected: 1", "body": "x"}), Expect::Status(422)),
        Case::call("notes/add: a note of 5001 characters", "notes/add", json!({"capability": alice_cap, "author": "Sam", "body": "x".repeat(5001)}), Expect::Status(422)),
        Case::call("notes/add: a NUL in the note", "notes/add", json!({"capability": alice_cap, "author": "Sam", "body": "before\u{0}after"}), Expect::Status(422)),
        Case::call("notes/add: an escape sequence in the note", "notes/add", json!({"capability": alice_cap, "author": "Sam", "body": "\u{1b}[2J\u{7}"}), Expect::Status(422)),
        Case::call("notes/add: a note of only blanks", "notes/add", json!({"capability": alice_cap, "author": "Sam", "body": " \r\n\t "}), Expect::Status(422)),
        Case::call("forms/submit: a control character in a text field", "forms/submit", json!({"capability": alice_cap, "form_id": "callback-request", "author": "Sam", "values": [["phone", "06\u{0}123"], ["preferred_time", "Any time"], ["topic", "x"], ["consent", "on"]]}), Expect::Status(200)).lacks("\"Saved\""),
        Case::call("forms/submit: a script tag as select option", "forms/submit", json!({"capability": alice_cap, "form_id": "callback-request", "author": "Sam", "values": [["phone", "0612345678"], ["preferred_time", "<script>alert(1)</script>"], ["topic", "x"], ["consent", "on"]]}), Expect::Status(200)).lacks("\"Saved\"").lacks("<script>"),
        Case::call("forms/submit: a field the form does not have", "forms/submit", json!({"capability": alice_cap, "form_id": "callback-request", "author": "Sam", "values": [["phone", "0612345678"], ["preferred_time", "Any time"], ["topic", "x"], ["consent", "on"], ["__proto__", "x"]]}), Expect::Status(200)).lacks("\"Saved\""),
        Case::call("forms/submit: a repeated field whose last value is bad", "forms/submit", json!({"capability": alice_cap, "form_id": "return-request", "author": "Sam", "values": [["order_number", "1"], ["items", "x"], ["item_count", "2"], ["item_count", "1e9"], ["reason", "Other"]]}), Expect::Status(200)).lacks("\"Saved\""),
        Case::call("forms/submit: NaN as a number", "forms/submit", json!({"capability": alice_cap, "form_id": "return-request", "author": "Sam", "values": [["order_number", "1"], ["items", "x"], ["item_count", "NaN"], ["reason", "Other"]]}), Expect::Status(200)).lacks("\"Saved\""),
        Case::call("forms/submit: 30 February", "forms/submit", json!({"capability": alice_cap, "form_id": "return-request", "author": "Sam", "values": [["order_number", "1"], ["items", "x"], ["item_count", "1"], ["reason", "Other"], ["received_on", "2026-02-30"]]}), Expect::Status(200)).lacks("\"Saved\""),
        Case::call("forms/submit: a 10000-character text field", "forms/submit", json!({"capability": alice_cap, "form_id": "callback-request", "author": "Sam", "values": [["phone", "1".repeat(10_000)], ["preferred_time", "Any time"], ["topic", "x"], ["consent", "on"]]}), Expect::Status(200)).lacks("\"Saved\""),
        // ---- Server functions: bodies that are not what they should be.
        Case::call("notes/add: capability of the wrong type", "notes/add", json!({"capability": 1, "author": "Sam", "body": "x"}), Expect::ClientError),
        Case::call("forms/submit: values as an object", "forms/submit", json!({"capability": alice_cap, "form_id": "callback-request", "author": "Sam", "values": {"phone": "1"}}), Expect::ClientError),
        Case::new("notes/add: an empty body", "POST", "/fn/notes/add", Expect::ClientError).header("content-type", "application/json"),
        Case::new("notes/add: not JSON", "POST", "/fn/notes/add", Expect::ClientError).header("content-type", "application/json").body("capability=x&author=y"),
        Case::new("notes/add: a lone surrogate", "POST", "/fn/notes/add", Expect::ClientError).header("content-type", "application/json").body(format!(r#"{{"capability":"{alice_cap}","author":"\ud800","body":"x"}}"#)),
        Case::new("notes/add: invalid UTF-8", "POST", "/fn/notes/add", Expect::ClientError).header("content-type", "application/json").body(format!("{{\"capability\":\"{alice_cap}\",\"author\":\"Sam\",\"body\":\"").into_bytes().into_iter().chain(*b"\xff\xfe\"}").collect::<Vec<u8>>()),
        Case::new("notes/add: a 10 MiB body", "POST", "/fn/notes/add", Expect::ClientError).header("content-type", "application/json").body(json!({"capability": alice_cap, "author": "Sam", "body": "x".repeat(10 << 20)}).to_string()),
        Case::new("notes/add: text/plain", "POST", "/fn/notes/add", Expect::ClientError).header("content-type", "text/plain").body(note_args(&alice_cap).to_string()),
        Case::new("notes/add: form-encoded", "POST", "/fn/notes/add", Expect::ClientError).header("content-type", "application/x-www-form-urlencoded").body(format!("capability={alice_cap}&author=Sam&body=x")),
        Case::new("notes/add: GET", "GET", "/fn/notes/add", Expect::ClientError),
        Case::new("a server function that does not exist", "POST", "/fn/notes/drop_table", Expect::ClientError).header("content-type", "application/json").body("{}"),
        // ---- The rest of the site.
        Case::get("static: a path traversal", "/pkg/../../Cargo.toml", Expect::ClientError).lacks("[workspace]"),
        Case::get("static: an encoded path traversal", "/pkg/%2e%2e/%2e%2e/Cargo.toml", Expect::ClientError).lacks("[workspace]"),
        Case::get("static: an encoded NUL in the path", "/pkg/belco-panel.js%00.html", Expect::ClientError),
        Case::get("health: a forged Host", "/health", Expect::Status(200)).header("host", "evil.example:99999"),
    ];
    // A few more injection strings, each as email and phone of the orders API.
    for (name, value) in [
        ("orders: a NoSQL-style operator", "%7B%22%24ne%22%3Anull%7D"),
        ("orders: a template expression", "%7B%7B7*7%7D%7D@x.nl"),
        ("orders: an LDAP wildcard", "*)(uid=*))(|(uid=*"),
    ] {
        cases.push(
            Case::get(name, format!("{ORDERS}?token={t}&email={value}&phoneNumber={value}"), Expect::Status(200))
                .lacks(johns),
        );
    }
    cases
}

/// Builds the request a case describes; push cases are signed here, at send time.
fn request(app: &TestApp, case: &Case, id: usize) -> Request<Body> {
    let mut request = match &case.signing {
        Signing::None => {
            let mut builder = Request::builder().method(case.method).uri(&case.uri);
            for (name, value) in &case.headers {
                builder = builder.header(*name, value.as_str());
            }
            builder.body(Body::from(case.body.clone())).expect("a case's request")
        }
        Signing::Signed { offset, tamper } => {
            let body = std::str::from_utf8(&case.body).expect("signed bodies are text");
            let mut request = app.signed(case.method, &case.uri, &format!("msg_hostile_{id}"), now() + offset, body);
            match tamper {
                Tamper::Nothing => {}
                Tamper::Body(other) => *request.body_mut() = Body::from(other.to_string()),
                Tamper::Header(name, value) => {
                    request.headers_mut().insert(*name, value.parse().expect("a header value"));
                }
            }
            request
        }
    };
    // So that `uri` alone carries the case (a Host in the table overrides none here).
    request.headers_mut().entry("host").or_insert("belco.test".parse().expect("host"));
    request
}

/// What a case did wrong, if anything.
async fn run_case(app: &TestApp, case: &Case, id: usize) -> Option<String> {
    let before = app.row_counts().await;
    // On a task of its own, so that a panic in a handler is a failed case, not a lost suite.
    let (router_app, built) = (app.router.clone(), request(app, case, id));
    let answer = tokio::spawn(async move {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let response = router_app.oneshot(built).await.expect("infallible");
        let (parts, body) = response.into_parts();
        (parts.status, parts.headers, body.collect().await.map(|b| b.to_bytes()))
    })
    .await;
    let (status, headers, body) = match answer {
        Ok((status, headers, Ok(body))) => (status, headers, body),
        Ok((status, _, Err(error))) => return Some(format!("{status}, the body failed: {error}")),
        Err(panic) => return Some(format!("the server panicked: {panic}")),
    };
    let text = String::from_utf8_lossy(&body);
    let shown: String = text.chars().take(300).collect();
    let mut problems = Vec::new();
    if status.as_u16() >= 500 {
        problems.push(format!("a 5xx: {status} {shown}"));
    }
    let expected = match case.expect {
        Expect::Status(code) => status.as_u16() == code,
        Expect::ClientError => status.is_client_error(),
        Expect::Below500 => status.as_u16() < 500,
    };
    if !expected {
        problems.push(format!("expected {:?}, got {status}: {shown}", case.expect));
    }
    if headers.contains_key("set-cookie") {
        problems.push("it set a cookie".into());
    }
    for lacked in &case.lacks {
        if text.contains(lacked.as_str()) {
            problems.push(format!("the answer holds {lacked:?}"));
        }
    }
    let after = app.row_counts().await;
    // A push whose signature verifies uses up its webhook-id, whatever the answer, so that the
    // refused request cannot be replayed: its receipt is the one row it may leave.
    let verified = matches!(case.signing, Signing::Signed { tamper: Tamper::Nothing, .. });
    let receipts = after.push_receipts - before.push_receipts;
    let data_unchanged = RowCounts { push_receipts: before.push_receipts, ..after } == before;
    if !data_unchanged || !(0..=i64::from(verified)).contains(&receipts) {
        problems.push(format!("it stored something: {before:?} → {after:?}"));
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// Alice has one note (with markup in it) and John the spec order, both stored by valid calls.
async fn seed(app: &TestApp) -> String {
    app.import(&format!("{{\"orders\":[{SPEC_ORDER}]}}")).await.expect("import");
    let capability = capability_issued(&Subject::Customer(alice()), 0);
    let args = json!({"capability": capability, "author": "Sam", "body": "Alice's first note"});
    let (status, _, body) = app.send(fn_call("notes/add", &args)).await;
    assert_eq!(status, StatusCode::OK, "{body:?}");
    app.store.notes(&alice(), 1).await.expect("notes").remove(0).id
}

async fn every_hostile_request_is_refused_cleanly_and_stores_nothing(app: TestApp) {
    let note = seed(&app).await;
    let table = cases(&note);
    assert!(table.len() >= 60, "the suite has {} cases", table.len());
    let mut failures = Vec::new();
    for (id, case) in table.iter().enumerate() {
        if let Some(problem) = run_case(&app, case, id).await {
            failures.push(format!("{}: {problem}", case.name));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), table.len(), failures.join("\n"));

    // Nothing changed or removed Alice's note, nothing was added beside it, and the server still
    // answers a valid request.
    let notes = app.store.notes(&alice(), 100).await.expect("notes");
    let first = notes.iter().find(|n| n.id == note).expect("Alice's note is still there");
    assert_eq!(first.body, "Alice's first note");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(app.order_ids("email=john@example.com").await, ["1234"]);
    let (status, _, _) = app.get(&format!("/frame?token={TOKEN}&email=john@example.com")).await;
    assert_eq!(status, StatusCode::OK);
}

/// Markup stored through valid requests (a note, a form's answers, an order's texts) is shown
/// as text on the frame, never as markup.
async fn stored_markup_is_rendered_escaped(app: TestApp) {
    const SCRIPT: &str = "<script>alert(1)</script>";
    const ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt;";
    let capability = capability_issued(&Subject::Customer(alice()), 0);
    let (status, _, _) =
        app.send(fn_call("notes/add", &json!({"capability": capability, "author": SCRIPT, "body": SCRIPT}))).await;
    assert_eq!(status, StatusCode::OK);
    let values = json!([["phone", SCRIPT], ["preferred_time", "Any time"], ["topic", SCRIPT], ["consent", "on"]]);
    let args = json!({"capability": capability, "form_id": "callback-request", "author": SCRIPT, "values": values});
    let (status, _, body) = app.send(fn_call("forms/submit", &args)).await;
    assert_eq!(status, StatusCode::OK, "{body:?}");
    assert!(String::from_utf8_lossy(&body).contains("Saved"), "{body:?}");
    let order = order("xss", ALICE, "", "2024-01-01")
        .replace("\"Thing\"", &serde_json::to_string(SCRIPT).expect("JSON"))
        .replace("\"completed\"", &serde_json::to_string(SCRIPT).expect("JSON"));
    let order =
        order.replacen('{', &format!("{{\"customerName\":{},", serde_json::to_string(SCRIPT).expect("JSON")), 1);
    app.import(&file(&[order])).await.expect("import");

    let (status, _, html) = app.get(&format!("/frame?token={TOKEN}&email={ALICE}")).await;
    let html = String::from_utf8(html.to_vec()).expect("UTF-8");
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(!html.contains(SCRIPT), "raw markup on the frame: {html}");
    // The note's author and text, the submission's author and two answers, the product, status
    // and customer name: every stored copy is there, escaped.
    assert!(html.matches(ESCAPED).count() >= 7, "{} escaped copies: {html}", html.matches(ESCAPED).count());
    let stored = app.store.submissions(RecordOwner::Customer(&alice()), 10).await.expect("submissions");
    assert_eq!(stored[0].author, SCRIPT, "stored as typed, escaped only when shown");
}

on_both_backends!(every_hostile_request_is_refused_cleanly_and_stores_nothing, stored_markup_is_rendered_escaped);

/// A NUL in a signed order's text is valid JSON (`\u0000`): it is stored, or refused with a
/// 4xx, but never a 5xx (PostgreSQL's text cannot hold a NUL; a note's NUL is in the table).
async fn a_nul_in_a_signed_order_never_gets_a_5xx(app: TestApp) {
    let order = order("nul", "nul@example.com", "", "2024-01-01").replace("\"Thing\"", "\"Th\\u0000ing\"");
    let (status, _, body) = app.send(app.signed("POST", ORDERS, "msg_nul", now(), &file(&[order]))).await;
    assert!(status.as_u16() < 500, "{status} {body:?}");
    if status.is_success() {
        assert_eq!(app.order_ids("email=nul@example.com").await, ["nul"], "stored, it can be read back");
    }
}

mod nul {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        a_nul_in_a_signed_order_never_gets_a_5xx(TestApp::new(Backend::Sqlite).await).await
    }

    #[tokio::test]
    async fn postgres() {
        a_nul_in_a_signed_order_never_gets_a_5xx(TestApp::new(Backend::Postgres).await).await
    }
}

// ---------------------------------------------------------------------------------------------
// On a real socket

/// Sends raw bytes; answers with the status code (None when the server closed the connection
/// without one, which is a refusal too).
fn raw_status(addr: std::net::SocketAddr, request: &[u8]) -> Option<u16> {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).expect("timeout");
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).lines().next()?.split(' ').nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn over_tcp_hostile_requests_get_4xx_and_a_valid_one_still_works() {
    let app = TestApp::new(Backend::Sqlite).await;
    seed(&app).await;
    let addr = app.spawn().await;
    let before = app.row_counts().await;
    let big_header =
        format!("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n", "a".repeat(1 << 20));
    let many_headers = format!(
        "GET /health HTTP/1.1\r\nHost: x\r\n{}Connection: close\r\n\r\n",
        (0..500).map(|i| format!("X-{i}: 1\r\n")).collect::<String>()
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("a 1 MiB header", big_header.into_bytes()),
        ("500 headers", many_headers.into_bytes()),
        ("invalid UTF-8 in the frame's request line", [format!("GET /frame?token={TOKEN}&email=").as_bytes(), b"\xff\xfe@x.nl HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"].concat()),
        ("raw 0xFF bytes in the path", b"GET /fr\xffame HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec()),
        ("a NUL in the request line", b"GET /health\x00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec()),
        ("a CR alone inside a header value", b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\rSet-Cookie: a=b\r\nConnection: close\r\n\r\n".to_vec()),
        ("Content-Length and chunked at once (smuggling)", b"POST /api/v1.0/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\n\r\n".to_vec()),
        ("two Content-Lengths", b"POST /api/v1.0/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{}".to_vec()),
        ("a Content-Length it never sends", b"POST /fn/notes/add HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999999999\r\nConnection: close\r\n\r\n{".to_vec()),
    ];
    let mut failures = Vec::new();
    for (name, request) in cases {
        let status = tokio::task::spawn_blocking(move || raw_status(addr, &request)).await.expect("join");
        if !status.is_none_or(|code| (400..500).contains(&code)) {
            failures.push(format!("{name}: a 4xx or a closed connection, got {status:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(app.row_counts().await, before, "nothing was stored");
    let body = reqwest::get(format!("http://{addr}/api/v1.0/orders?token={TOKEN}&email=john@example.com"))
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    assert!(body.starts_with(r#"{"orders":[{"id":"1234","#), "{body}");
}
