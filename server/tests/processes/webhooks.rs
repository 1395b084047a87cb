//! Form webhooks and the real binary, against the real receiver (`common::webhook_receiver`): a
//! failed delivery (a redirect is never followed) is shown, listed and started over by `belco-panel
//! deliveries`, and named by the doctor; a `kill -9` between accept and delivery loses nothing.

use std::collections::{BTreeMap, HashMap};
use std::process::Command;
use std::time::Duration;

use belco::store::{DeliveryState, Store};
use serde_json::json;

use crate::common::server_process::{ServerProcess, capability_in};
use crate::common::webhook_receiver::*;
use crate::common::*;

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
    let deliverer = start_deliveries(app.store.clone(), app.state.config.webhooks.clone());
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
            let form =
                belco::forms::FormSet::load(std::path::Path::new(FORMS_FILE), &app::i18n::codes()).expect("forms");
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
