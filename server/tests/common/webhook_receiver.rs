//! Form webhooks' real receiver: a small HTTP server on 127.0.0.1 (`support/webhook_receiver.py`)
//! that verifies every delivery with Standard Webhooks' official Python library and answers as
//! told (200, 500s, no answer, a redirect, slowly), and what the tests ask of it and of the app
//! whose forms go to it.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use belco::store::{DeliveryState, Store};
use serde_json::{Value, json};

use super::server_process::capability_in;
use super::{Backend, ENGLISH, FORMS_FILE, TOKEN, TestApp, fn_call, valid_answers};

pub const SECRET_VAR: &str = "RETURNS_WEBHOOK_SECRET";

/// The receiver, a child process; killed when dropped.
pub struct Receiver {
    child: Child,
    port: u16,
    pub secret: String,
    http: reqwest::Client,
}

impl Receiver {
    pub fn start() -> Self {
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

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    pub async fn answer(&self, mode: &str) {
        let url = format!("http://127.0.0.1:{}/mode", self.port);
        self.http.post(url).body(mode.to_owned()).send().await.expect("set the receiver's mode");
    }

    pub async fn received(&self) -> Vec<Value> {
        let url = format!("http://127.0.0.1:{}/received", self.port);
        self.http.get(url).send().await.expect("ask the receiver").json().await.expect("JSON")
    }

    /// What was received for the submission `submission_id`, oldest first.
    pub async fn attempts_of(&self, submission_id: &str) -> Vec<Value> {
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
pub fn forms_file(dir: &std::path::Path, url: &str) -> String {
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
pub fn hooked(vars: &mut HashMap<String, String>, receiver: &Receiver, dir: &std::path::Path, attempts: u32) {
    vars.insert("BELCO_FORMS".into(), forms_file(dir, &receiver.url()));
    vars.insert(SECRET_VAR.into(), receiver.secret.clone());
    vars.insert("BELCO_WEBHOOK_RETRY".into(), "1s".into());
    vars.insert("BELCO_WEBHOOK_TIMEOUT".into(), "1s".into());
    vars.insert("BELCO_WEBHOOK_ATTEMPTS".into(), attempts.to_string());
}

pub async fn hooked_app(backend: Backend, receiver: &Receiver, attempts: u32) -> TestApp {
    let forms_dir = tempfile::tempdir().expect("dir");
    let app = TestApp::with(backend, |vars| hooked(vars, receiver, forms_dir.path(), attempts)).await;
    // The config has read the file; the app keeps its own directory.
    drop(forms_dir);
    app
}

/// Sends the panel's form `form_id` from the panel of `query` (the capability its page carries);
/// the submission's id.
pub async fn send_form(app: &TestApp, query: &str, form_id: &str, text: &str) -> String {
    let (status, _, page) = app.get(&format!("/frame?token={TOKEN}&{ENGLISH}&{query}")).await;
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
pub async fn until<F: std::future::Future<Output = bool>>(within: Duration, what: &str, mut check: impl FnMut() -> F) {
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
pub async fn until_state(store: &Store, submission_id: &str, state: DeliveryState, within: Duration, what: &str) {
    until(within, what, || async { state_of(store, submission_id).await.state == state }).await;
}

pub async fn state_of(store: &Store, submission_id: &str) -> belco::store::Delivery {
    let all = store.deliveries(None, 1000).await.expect("deliveries");
    all.into_iter().find(|d| d.submission_id == submission_id).expect("a delivery")
}

/// The panel of `query`, in English.
pub async fn panel(app: &TestApp, query: &str) -> String {
    let (_, _, page) = app.get(&format!("/frame?token={TOKEN}&{ENGLISH}&{query}")).await;
    String::from_utf8_lossy(&page).into_owned()
}

/// Every attempt verified with the Python library; one id, one body, and a 200 only at the end.
pub fn assert_one_delivery(attempts: &[Value], modes: &[&str]) {
    let got: Vec<&str> = attempts.iter().map(|a| a["mode"].as_str().unwrap_or_default()).collect();
    assert_eq!(got, modes, "{attempts:#?}");
    for attempt in attempts {
        assert_eq!(attempt["verified"], true, "Standard Webhooks' Python library verifies it: {attempt}");
        assert_eq!(attempt["id"], attempts[0]["id"], "the same webhook-id on every attempt");
        assert_eq!(attempt["body"], attempts[0]["body"], "the same body on every attempt");
    }
    assert!(attempts[0]["id"].as_str().is_some_and(|id| id.starts_with("msg_")));
}
