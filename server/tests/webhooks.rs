//! Form webhooks against a real receiver: a small HTTP server on 127.0.0.1
//! (`support/webhook_receiver.py`) that verifies every delivery with Standard Webhooks' official
//! Python library and answers as told: 200, then 500s, then no answer, then 200 again. Every
//! submission arrives, signed, with the same `webhook-id` on every attempt, and never again
//! after a 200; a redirect is not followed; a failed delivery is listed and retried by the CLI;
//! a `kill -9` between accept and delivery loses nothing; instances sharing a PostgreSQL
//! database each attempt a delivery alone. The panel shows each state.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use belco::forms::WebhookTarget;
use belco::store::{DeliveryState, RecordOwner, Store};
use common::server_process::{ServerProcess, capability_in};
use common::*;
use serde_json::{Value, json};

const SECRET_VAR: &str = "RETURNS_WEBHOOK_SECRET";
const ALICE: &str = "alice@example.com";

/// The receiver, a child process; killed when dropped.
struct Receiver {
    child: Child,
    port: u16,
    secret: String,
    http: reqwest::Client,
}

impl Receiver {
    fn start() -> Self {
        let secret = belco::push::generate_secret();
        let python = std::env::var("BELCO_PYTHON").unwrap_or_else(|_| "python3".into());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/webhook_receiver.py");
        let mut child = Command::new(&python)
            .args([script, &secret])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{python}: {e} (scripts/setup installs standardwebhooks)"));
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first).expect("the receiver's port");
        let port = first.trim().parse().unwrap_or_else(|_| panic!("the receiver did not start: {first:?}"));
        Self { child, port, secret, http: reqwest::Client::new() }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    async fn answer(&self, mode: &str) {
        let url = format!("http://127.0.0.1:{}/mode", self.port);
        self.http.post(url).body(mode.to_owned()).send().await.expect("set the receiver's mode");
    }

    async fn received(&self) -> Vec<Value> {
        let url = format!("http://127.0.0.1:{}/received", self.port);
        self.http.get(url).send().await.expect("ask the receiver").json().await.expect("JSON")
    }

    /// What was received for the submission `submission_id`, oldest first.
    async fn attempts_of(&self, submission_id: &str) -> Vec<Value> {
        self.received()
            .await
            .into_iter()
            .filter(|r| {
                serde_json::from_str::<Value>(r["body"].as_str().unwrap_or_default())
                    .is_ok_and(|body| body["data"]["submissionId"] == submission_id)
            })
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The shipped forms file, with the return request and the warehouse form sent to `url`.
fn forms_file(dir: &std::path::Path, url: &str) -> String {
    let shipped = std::fs::read_to_string(FORMS_FILE).expect("forms.toml");
    let webhook = format!("webhook = {{ url = \"{url}\", secret = \"{SECRET_VAR}\" }}\n");
    let text = shipped.replacen("scope = \"customer\"\n", &format!("scope = \"customer\"\n{webhook}"), 1).replacen(
        "scope = \"company\"\n",
        &format!("scope = \"company\"\n{webhook}"),
        1,
    );
    let path = dir.join(format!("forms-{}.toml", std::process::id()));
    std::fs::write(&path, text).expect("write the forms file");
    path.display().to_string()
}

/// The variables of an app whose forms go to `receiver`, retried after 1 s, 2 s, 4 s …
fn hooked(vars: &mut HashMap<String, String>, receiver: &Receiver, dir: &std::path::Path, attempts: u32) {
    vars.insert("BELCO_FORMS".into(), forms_file(dir, &receiver.url()));
    vars.insert(SECRET_VAR.into(), receiver.secret.clone());
    vars.insert("BELCO_WEBHOOK_RETRY".into(), "1s".into());
    vars.insert("BELCO_WEBHOOK_TIMEOUT".into(), "1s".into());
    vars.insert("BELCO_WEBHOOK_ATTEMPTS".into(), attempts.to_string());
}

async fn hooked_app(backend: Backend, receiver: &Receiver, attempts: u32) -> TestApp {
    let forms_dir = tempfile::tempdir().expect("dir");
    let app = TestApp::with(backend, |vars| hooked(vars, receiver, forms_dir.path(), attempts)).await;
    // The config has read the file; the app keeps its own directory.
    drop(forms_dir);
    app
}

/// Sends the panel's form `form_id` from the panel of `query` (the capability its page carries);
/// the submission's id.
async fn send_form(app: &TestApp, query: &str, form_id: &str, text: &str) -> String {
    let (status, _, page) = app.get(&format!("/frame?token={TOKEN}&{query}")).await;
    assert_eq!(status, StatusCode::OK);
    let capability = capability_in(&String::from_utf8_lossy(&page));
    let values = valid_answers(app.state.config.forms.get(form_id).expect("form"), text);
    let args = json!({"capability": capability, "form_id": form_id, "author": "Sam", "values": values});
    let (status, _, body) = app.send(fn_call("forms/submit", &args)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let saved: Value = serde_json::from_slice(&body).expect("JSON");
    assert!(saved["Saved"].is_string(), "{saved}");
    let all = app.store.deliveries(None, 1000).await.expect("deliveries");
    let newest = all.iter().find(|d| d.payload.contains(text)).expect("its delivery is in the outbox");
    newest.submission_id.clone()
}

/// Waits (up to `within`) until `check` holds.
async fn until<F: std::future::Future<Output = bool>>(within: Duration, what: &str, mut check: impl FnMut() -> F) {
    let started = Instant::now();
    while started.elapsed() < within {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within {within:?}");
}

/// Waits (up to `within`) until the submission's delivery is in `state`.
async fn until_state(store: &Store, submission_id: &str, state: DeliveryState, within: Duration, what: &str) {
    until(within, what, || async { state_of(store, submission_id).await.state == state }).await;
}

async fn state_of(store: &Store, submission_id: &str) -> belco::store::Delivery {
    let all = store.deliveries(None, 1000).await.expect("deliveries");
    all.into_iter().find(|d| d.submission_id == submission_id).expect("a delivery")
}

async fn panel(app: &TestApp, query: &str) -> String {
    let (_, _, page) = app.get(&format!("/frame?token={TOKEN}&{query}")).await;
    String::from_utf8_lossy(&page).into_owned()
}

/// Every attempt verified with the Python library; one id, one body, and a 200 only at the end.
fn assert_one_delivery(attempts: &[Value], modes: &[&str]) {
    let got: Vec<&str> = attempts.iter().map(|a| a["mode"].as_str().unwrap_or_default()).collect();
    assert_eq!(got, modes, "{attempts:#?}");
    for attempt in attempts {
        assert_eq!(attempt["verified"], true, "Standard Webhooks' Python library verifies it: {attempt}");
        assert_eq!(attempt["id"], attempts[0]["id"], "the same webhook-id on every attempt");
        assert_eq!(attempt["body"], attempts[0]["body"], "the same body on every attempt");
    }
    assert!(attempts[0]["id"].as_str().is_some_and(|id| id.starts_with("msg_")));
}

async fn a_receiver_that_fails_then_hangs_then_recovers_gets_every_form_once(backend: Backend) {
    let receiver = Receiver::start();
    let app = hooked_app(backend, &receiver, 8).await;
    let deliverer = server::tasks::deliveries::start(app.store.clone(), app.state.config.webhooks.clone());
    let alice = format!("email={ALICE}");

    // 200 at once.
    let first = send_form(&app, &alice, "return-request", "First parcel").await;
    until_state(&app.store, &first, DeliveryState::Delivered, Duration::from_secs(10), "the first delivery").await;
    let delivered = state_of(&app.store, &first).await;
    assert_eq!((delivered.attempts, delivered.last_status), (1, Some(200)));
    let body: Value = serde_json::from_str(&delivered.payload).expect("JSON");
    assert_eq!(body["type"], "form.submitted");
    assert_eq!(body["data"]["form"]["id"], "return-request");
    assert_eq!(body["data"]["customer"]["email"], ALICE);
    assert_eq!(body["data"]["agent"]["name"], "Sam");
    assert_eq!(body["data"]["values"]["items"], "First parcel");

    // Then 500s: retried, and the panel says so with the next attempt's time.
    receiver.answer("fail").await;
    let second = send_form(&app, &alice, "return-request", "Second parcel").await;
    until(Duration::from_secs(10), "two failed attempts", || async {
        receiver.attempts_of(&second).await.len() >= 2 && state_of(&app.store, &second).await.attempts >= 2
    })
    .await;
    let retrying = state_of(&app.store, &second).await;
    assert_eq!((retrying.state, retrying.last_status), (DeliveryState::Pending, Some(500)));
    let html = panel(&app, &alice).await;
    assert!(
        html.contains("Not delivered yet (the receiver answered 500 Internal Server Error); next attempt <time"),
        "{html}"
    );
    assert!(html.contains("submission__delivery--retrying") && html.contains("data-delivery-under-way"));

    // Then no answer at all: the attempt times out.
    receiver.answer("hang").await;
    until(Duration::from_secs(15), "an attempt that gets no answer", || async {
        receiver.attempts_of(&second).await.iter().any(|a| a["mode"] == "hang")
            && state_of(&app.store, &second).await.last_error.is_some_and(|e| e.contains("no answer within 1 s"))
    })
    .await;

    // Then it recovers: delivered, once.
    receiver.answer("ok").await;
    until_state(&app.store, &second, DeliveryState::Delivered, Duration::from_secs(20), "the second delivery").await;
    // A company form, too.
    let company = send_form(&app, "", "warehouse-problem", "Shelf B4 is empty").await;
    until_state(&app.store, &company, DeliveryState::Delivered, Duration::from_secs(10), "the company form's delivery")
        .await;
    // Time for a duplicate to show, if one were coming.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    deliverer.finish(Duration::from_secs(5)).await;

    assert_one_delivery(&receiver.attempts_of(&first).await, &["ok"]);
    let second_attempts = receiver.attempts_of(&second).await;
    let modes: Vec<&str> = second_attempts.iter().map(|a| a["mode"].as_str().unwrap_or_default()).collect();
    let fails = modes.iter().filter(|m| **m == "fail").count();
    let hangs = modes.iter().filter(|m| **m == "hang").count();
    let mut expected = vec!["fail"; fails];
    expected.extend(vec!["hang"; hangs]);
    expected.push("ok");
    assert!(fails >= 2 && hangs >= 1, "{modes:?}");
    assert_one_delivery(&second_attempts, &expected);
    let stamps: Vec<i64> =
        second_attempts.iter().map(|a| a["timestamp"].as_str().unwrap_or_default().parse().expect("seconds")).collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "each attempt has its own timestamp: {stamps:?}");
    let company_attempts = receiver.attempts_of(&company).await;
    assert_one_delivery(&company_attempts, &["ok"]);
    let body: Value = serde_json::from_str(company_attempts[0]["body"].as_str().unwrap_or_default()).expect("JSON");
    assert_eq!(
        (body["data"]["customer"].clone(), body["data"]["form"]["scope"].clone()),
        (Value::Null, json!("company"))
    );
    assert_eq!(receiver.received().await.len(), second_attempts.len() + 2, "nothing else was sent");

    let html = panel(&app, &alice).await;
    assert_eq!(html.matches("Delivered to the shop").count(), 2, "{html}");
    assert!(!html.contains("data-delivery-under-way"), "{html}");
    // What the panel asks for while a delivery is under way: the same list, for its capability only.
    let (status, _, list) = app.send(fn_call("forms/sent", &json!({"capability": capability_in(&html)}))).await;
    let list: Value = serde_json::from_slice(&list).expect("JSON");
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list.as_str().map(|l| l.matches("Delivered to the shop").count()), Some(2), "{list}");
    let (status, _, _) = app.send(fn_call("forms/sent", &json!({"capability": "v1.forged"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// The receiver's check is a real one: a body signed with another secret is refused by it.
#[tokio::test]
async fn the_receiver_refuses_a_wrong_signature() {
    let receiver = Receiver::start();
    let other = belco::deliveries::WebhookSigner::new(&belco::secret::Secret::new(belco::push::generate_secret()))
        .expect("signer");
    let body = r#"{"type":"form.submitted"}"#;
    let at = now();
    let signature = other.sign("msg_forged", at, body);
    reqwest::Client::new()
        .post(receiver.url())
        .header("webhook-id", "msg_forged")
        .header("webhook-timestamp", at.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .expect("post");
    let received = receiver.received().await;
    assert_eq!(received[0]["verified"], false, "{received:?}");
}

#[tokio::test]
async fn sqlite_a_receiver_that_fails_then_hangs_then_recovers_gets_every_form_once() {
    a_receiver_that_fails_then_hangs_then_recovers_gets_every_form_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_receiver_that_fails_then_hangs_then_recovers_gets_every_form_once() {
    a_receiver_that_fails_then_hangs_then_recovers_gets_every_form_once(Backend::Postgres).await;
}

/// A redirect is a failed attempt (never followed); after the last one the delivery has failed,
/// the panel says why, and the CLI lists it and starts it over.
// Multi-threaded: the CLI runs as a blocking child process while this runtime serves the app.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_delivery_is_shown_listed_and_retried_by_the_cli() {
    let receiver = Receiver::start();
    receiver.answer("redirect").await;
    let forms_dir = tempfile::tempdir().expect("dir");
    let mut vars = HashMap::new();
    let app = TestApp::with(Backend::Sqlite, |v| {
        hooked(v, &receiver, forms_dir.path(), 2);
        vars = v.clone();
    })
    .await;
    let deliverer = server::tasks::deliveries::start(app.store.clone(), app.state.config.webhooks.clone());
    let alice = format!("email={ALICE}");
    let sent = send_form(&app, &alice, "return-request", "Redirected parcel").await;
    until_state(&app.store, &sent, DeliveryState::Failed, Duration::from_secs(10), "the delivery to fail").await;
    let failed = state_of(&app.store, &sent).await;
    assert_eq!((failed.attempts, failed.last_status), (2, Some(307)));
    assert!(receiver.received().await.iter().all(|r| r["path"] == "/hook"), "the redirect was not followed");
    let html = panel(&app, &alice).await;
    assert!(
        html.contains("Not delivered after 2 attempts: the receiver answered 307 Temporary Redirect, a redirect"),
        "{html}"
    );
    assert!(html.contains("submission__delivery--failed"));

    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_belco-panel"))
            .args(args)
            .env_clear()
            .envs(vars.iter())
            .current_dir(app.dir.path())
            .output()
            .expect("run belco-panel");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, listed, err) = cli(&["deliveries", "--failed"]);
    assert!(ok, "{err}");
    let line = listed.lines().find(|l| l.starts_with(&failed.id)).unwrap_or_else(|| panic!("{listed}"));
    assert!(line.contains("return-request") && line.contains("failed") && line.contains("307"), "{line}");
    // The doctor, asked about the running server, says so and how to fix it.
    let addr = app.spawn().await.to_string();
    let (ok, said, _) = cli(&["doctor", &format!("http://{addr}")]);
    assert!(!ok, "{said}");
    assert!(said.contains("  PASS  database "), "{said}");
    assert!(
        said.contains(
            "  FAIL  form webhooks        1 deliveries failed; the newest to return-request: the receiver answered 307"
        ),
        "{said}"
    );
    assert!(said.contains("fix: fix the receiver (belco-panel deliveries --failed lists them)"), "{said}");
    let (ok, _, err) = cli(&["deliveries", "retry", "msg_nonexistent"]);
    assert!(!ok && err.contains("no delivery \"msg_nonexistent\""), "{err}");

    receiver.answer("ok").await;
    let (ok, retried, err) = cli(&["deliveries", "retry", "--failed"]);
    assert!(ok && retried.contains("Started 1 deliveries over"), "{retried}{err}");
    until_state(&app.store, &sent, DeliveryState::Delivered, Duration::from_secs(10), "the retried delivery").await;
    deliverer.finish(Duration::from_secs(5)).await;
    let attempts = receiver.attempts_of(&sent).await;
    assert_one_delivery(&attempts, &["redirect", "redirect", "ok"]);
    let (_, listed, _) = cli(&["deliveries"]);
    assert!(listed.lines().any(|l| l.starts_with(&failed.id) && l.contains("delivered")), "{listed}");
    let (_, none, _) = cli(&["deliveries", "--failed"]);
    assert!(none.contains("(no failed deliveries)"), "{none}");
    let (ok, said, _) = cli(&["doctor", &format!("http://{addr}")]);
    assert!(
        ok && said
            .contains("  PASS  form webhooks        2 forms send to a webhook; 0 deliveries on their way, none failed"),
        "{said}"
    );
}

/// A 200 whose recording meets a locked database (a SQLite writer holding the lock past the busy
/// timeout) is recorded once the lock is released, and not sent again when its claim runs out.
#[tokio::test]
async fn a_delivery_whose_outcome_meets_a_locked_database_is_not_sent_twice() {
    let receiver = Receiver::start();
    receiver.answer("slow").await;
    let forms_dir = tempfile::tempdir().expect("dir");
    let app = TestApp::with(Backend::Sqlite, |vars| {
        hooked(vars, &receiver, forms_dir.path(), 8);
        vars.insert("BELCO_WEBHOOK_TIMEOUT".into(), "3s".into());
    })
    .await;
    let deliverer = server::tasks::deliveries::start(app.store.clone(), app.state.config.webhooks.clone());
    let sent = send_form(&app, &format!("email={ALICE}"), "return-request", "Locked parcel").await;
    until(Duration::from_secs(10), "the attempt", || async { !receiver.attempts_of(&sent).await.is_empty() }).await;
    // While the receiver takes its time, another writer takes the lock for 7 s (the busy timeout is 5 s).
    let file = app.dir.path().join("belco.db");
    let locker = std::thread::spawn(move || {
        let db = hold_write_lock(&file);
        std::thread::sleep(Duration::from_secs(7));
        db.execute_batch("COMMIT").expect("release the lock");
    });
    until_state(&app.store, &sent, DeliveryState::Delivered, Duration::from_secs(20), "the delivery to be recorded")
        .await;
    locker.join().expect("the locker");
    // Past the claim's lease (3 s + 5 s from the claim): no second attempt.
    tokio::time::sleep(Duration::from_secs(4)).await;
    deliverer.finish(Duration::from_secs(5)).await;
    assert_one_delivery(&receiver.attempts_of(&sent).await, &["slow"]);
}

/// A connection to the SQLite file that holds its write lock (`BEGIN IMMEDIATE`) until committed.
fn hold_write_lock(file: &std::path::Path) -> rusqlite::Connection {
    let db = rusqlite::Connection::open(file).expect("open the database");
    db.execute_batch("BEGIN IMMEDIATE").expect("take the write lock");
    db
}

/// Submitted to the real binary: one form whose attempt failed, one whose attempt is under way
/// (the receiver holds it) when the process is killed with SIGKILL. After a restart both arrive,
/// each once with a 200.
#[tokio::test]
async fn a_kill_9_between_accept_and_delivery_loses_nothing() {
    let receiver = Receiver::start();
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("belco.db").display());
    let forms = forms_file(dir.path(), &receiver.url());
    let extra = [
        ("BELCO_FORMS", forms.as_str()),
        (SECRET_VAR, receiver.secret.as_str()),
        ("BELCO_WEBHOOK_RETRY", "1s"),
        ("BELCO_WEBHOOK_TIMEOUT", "2s"),
    ];
    let http = reqwest::Client::new();
    let submit = |server: &ServerProcess, text: &'static str| {
        let (http, frame, submit) =
            (http.clone(), server.url(&format!("/frame?token={TOKEN}&email={ALICE}")), server.url("/fn/forms/submit"));
        async move {
            let page = http.get(frame).send().await.expect("frame").text().await.expect("page");
            let form = belco::forms::FormSet::load(std::path::Path::new(FORMS_FILE)).expect("forms");
            let values = valid_answers(form.get("return-request").expect("form"), text);
            let args = json!({"capability": capability_in(&page), "form_id": "return-request", "author": "Sam", "values": values});
            let answer =
                http.post(submit).json(&args).header("accept", "application/json").send().await.expect("submit");
            assert_eq!(answer.status(), 200, "accepted");
        }
    };
    let mut server = ServerProcess::start(&url, &extra).await;
    receiver.answer("fail").await;
    submit(&server, "Failed before the crash").await;
    until(Duration::from_secs(10), "the first attempt", || async { !receiver.received().await.is_empty() }).await;
    receiver.answer("hang").await;
    submit(&server, "Under way at the crash").await;
    until(Duration::from_secs(10), "the second form's attempt to be under way", || async {
        receiver.received().await.iter().any(|r| r["mode"] == "hang")
    })
    .await;
    server.kill();
    receiver.answer("ok").await;

    let _restarted = ServerProcess::start(&url, &extra).await;
    let store = Store::connect(&url).await.expect("store");
    until(Duration::from_secs(30), "both deliveries after the restart", || async {
        let all = store.deliveries(None, 10).await.expect("deliveries");
        all.len() == 2 && all.iter().all(|d| d.state == DeliveryState::Delivered)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let received = receiver.received().await;
    let mut by_id: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for r in &received {
        assert_eq!(r["verified"], true, "{r}");
        by_id.entry(r["id"].as_str().expect("id").to_owned()).or_default().push(r["mode"].as_str().expect("mode"));
    }
    assert_eq!(by_id.len(), 2, "{by_id:?}");
    for modes in by_id.values() {
        assert_eq!(modes.iter().filter(|m| **m == "ok").count(), 1, "one 200 each: {by_id:?}");
        assert_eq!(modes.last(), Some(&"ok"), "nothing after the 200: {by_id:?}");
    }
    store.close().await;
}

/// Two instances on one PostgreSQL database: claims made at the same moment never share a
/// delivery, and with both sending, every delivery reaches the receiver exactly once.
#[tokio::test]
async fn instances_sharing_postgres_attempt_each_delivery_once() {
    let receiver = Receiver::start();
    let app = hooked_app(Backend::Postgres, &receiver, 8).await;
    let other = Store::connect(app.state.config.database_url.expose()).await.expect("a second instance's store");
    let target = WebhookTarget { url: receiver.url(), secret: SECRET_VAR.into() };
    let form = app.state.config.forms.get("return-request").expect("form").clone();
    let answers = form.validate(&valid_answers(&form, "Parcel")).expect("valid");
    let key = belco::identity::CustomerKey { email: Some(ALICE.into()), phone: None };
    for _ in 0..40 {
        app.store
            .add_submission(RecordOwner::Customer(&key), &form.id, &form.title, "Sam", answers.clone(), Some(&target))
            .await
            .expect("submission");
    }
    // Claims at the same moment take disjoint rows.
    let now = belco::store::now_millis();
    let lease = Duration::from_secs(60);
    let (a, b) = tokio::join!(app.store.claim_deliveries(now, lease, 25), other.claim_deliveries(now, lease, 25));
    let (a, b) = (a.expect("claim"), b.expect("claim"));
    let a_ids: HashSet<&str> = a.iter().map(|c| c.id.as_str()).collect();
    assert!(b.iter().all(|c| !a_ids.contains(c.id.as_str())), "a delivery claimed twice");
    assert_eq!(a.len() + b.len(), 40, "every due delivery was claimed by one of them");
    // Released (as a crashed instance's leases run out: here, by settling them as retries due now).
    for claimed in a.iter().chain(&b) {
        let retry = belco::store::Settled::Retry { status: None, error: "released".into(), next_attempt_at: now };
        assert!(app.store.settle_delivery(claimed, &retry, now).await.expect("settle"));
    }
    // Both instances send.
    let one = server::tasks::deliveries::start(app.store.clone(), app.state.config.webhooks.clone());
    let two = server::tasks::deliveries::start(other.clone(), app.state.config.webhooks.clone());
    until(Duration::from_secs(30), "every delivery", || async {
        let all = app.store.deliveries(Some(DeliveryState::Delivered), 100).await.expect("deliveries");
        all.len() == 40
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    one.finish(Duration::from_secs(5)).await;
    two.finish(Duration::from_secs(5)).await;
    let received = receiver.received().await;
    let ids: HashSet<&str> = received.iter().map(|r| r["id"].as_str().expect("id")).collect();
    assert_eq!((received.len(), ids.len()), (40, 40), "each delivery exactly once");
    assert!(received.iter().all(|r| r["verified"] == true));
    other.close().await;
}
