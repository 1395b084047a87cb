//! Nothing before the token: every token-guarded route refuses a call whose token was not
//! accepted with the same 401, whatever else is wrong with it; such calls are counted by the
//! failed-token throttle, never reach the access log, and are kept apart in the inspector, so a
//! stranger cannot write a row per request or push Belco's real calls out of the list.

mod common;

use std::net::IpAddr;
use std::time::Duration;

use axum::http::StatusCode;
use common::server_process::ServerProcess;
use common::*;

const JOHN: &str = "john@example.com";

/// A client whose requests come from `ip` (any address of 127.0.0.0/8 reaches the loopback).
fn client_from(ip: &str) -> reqwest::Client {
    let ip: IpAddr = ip.parse().expect("an address");
    reqwest::Client::builder().local_address(ip).timeout(Duration::from_secs(10)).build().expect("a client")
}

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
    let (status, _, html) = app.get(&format!("/frame?token={TOKEN}&email={long}")).await;
    assert_eq!(status, StatusCode::URI_TOO_LONG);
    assert!(!String::from_utf8_lossy(&html).contains("Not authorized"));
}

/// 3,000 over-long calls without a token from one address: 10 refusals (401), then 429s; not
/// one access-log row; Belco's real call, from another address, stays in the inspector, where
/// the refusals are kept apart and counted.
#[tokio::test(flavor = "multi_thread")]
async fn strangers_without_a_token_write_nothing_and_push_nothing_out() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("strangers.db");
    let url = format!("sqlite://{}", db.display());
    let mut server = ServerProcess::start(&url, &[("BELCO_TOKEN_FAILURES_PER_MINUTE", "10")]).await;

    let belco = client_from("127.0.0.2");
    let real = belco.get(server.url(&format!("/frame?token={TOKEN}&email={JOHN}"))).send().await.expect("frame");
    assert_eq!(real.status(), 200);
    // A HEAD is a lookup too (the GET handler runs; the length tells something): recorded.
    let head = belco.head(server.url(&format!("/api/v1.0/orders?token={TOKEN}&email={JOHN}"))).send().await;
    assert_eq!(head.expect("head").status(), 200);

    let stranger = client_from("127.0.0.1");
    let long = "x".repeat(5_000);
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for n in 0..3_000 {
        let path = match n % 3 {
            0 => format!("/api/v1.0/orders?email={long}"),
            1 => format!("/frame?email={long}&token=guess-{n}"),
            _ => format!("/api/v1.0/orders?email={JOHN}&token=guess-guess-{n}"),
        };
        let status = stranger.get(server.url(&path)).send().await.expect("a call").status().as_u16();
        *statuses.entry(status).or_default() += 1;
    }
    assert_eq!(statuses.get(&401), Some(&10), "{statuses:?}");
    assert_eq!(statuses.get(&429), Some(&2_990), "{statuses:?}");
    // Throttled, the frame is a page of plain words for the agent, not JSON.
    let page = stranger.get(server.url(&format!("/frame?token={TOKEN}"))).send().await.expect("frame");
    assert_eq!(page.status(), 429);
    assert!(page.headers()["content-type"].to_str().is_ok_and(|t| t.starts_with("text/html")));
    assert!(page.text().await.expect("page").contains("The panel is busy right now"));

    let listing: serde_json::Value = belco
        .get(server.url(&format!("/api/inspector/calls?token={TOKEN}")))
        .send()
        .await
        .expect("inspector")
        .json()
        .await
        .expect("JSON");
    let calls = listing["calls"].as_array().expect("calls");
    assert_eq!(calls.len(), 2, "{listing}");
    assert_eq!((calls[0]["route"].as_str(), calls[0]["orders"].as_u64()), (Some("orders_api"), Some(0)));
    assert_eq!((calls[1]["route"].as_str(), calls[1]["token"].as_str()), (Some("frame"), Some("accepted")));
    let refused = listing["refused"].as_array().expect("refused");
    assert_eq!(refused.len(), 10, "the refusals the handlers saw: {listing}");
    assert!(refused.iter().all(|call| call["status"] == 401), "{listing}");
    assert!(refused.iter().any(|call| call["token"] == "unread" || call["token"] == "missing"), "{listing}");
    assert_eq!(listing["refused_total"], 10);
    assert_eq!(listing["refused_before_the_token_check"], 2_991);

    assert!(server.terminate().success(), "{}", server.log());
    let rows: i64 = rusqlite::Connection::open(&db)
        .expect("open")
        .query_row("SELECT COUNT(*) FROM access_log", [], |row| row.get(0))
        .expect("count");
    assert_eq!(rows, 2, "only Belco's real calls (a GET and a HEAD) are in the access log");
}

/// `belco-panel` run to its end in `dir`, with only `vars` (and PATH) in its environment.
fn belco_panel(dir: &std::path::Path, args: &[&str], vars: &[(&str, &str)]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_belco-panel"));
    command.args(args).current_dir(dir).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    command.env("DATABASE_URL", format!("sqlite://{}", dir.join("cli.db").display()));
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().expect("run belco-panel")
}

const PREVIEW_TOKEN: &str = "preview-token-cccccccccccccc";

#[test]
fn the_preview_never_starts_without_a_token_of_its_own() {
    let dir = tempfile::tempdir().expect("dir");
    let base = [
        ("BELCO_TOKENS", TOKEN),
        ("BELCO_SIGNING_KEY", SIGNING_KEY),
        ("BELCO_PSEUDONYM_KEY", PSEUDONYM_KEY),
        ("BELCO_PREVIEW", "on"),
    ];
    let out = belco_panel(dir.path(), &["serve"], &base);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("BELCO_PREVIEW_TOKEN is not set"), "{said}");

    let mut shop = base.to_vec();
    shop.push(("BELCO_PREVIEW_TOKEN", TOKEN));
    let out = belco_panel(dir.path(), &["serve"], &shop);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("BELCO_PREVIEW_TOKEN") && said.contains("BELCO_TOKENS"), "{said}");
    assert!(!said.contains(TOKEN), "the token is never repeated: {said}");
}

/// The doctor knows the preview's token: it opens the server's preview with it.
#[tokio::test(flavor = "multi_thread")]
async fn the_doctor_opens_the_preview_with_its_own_token() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("preview.db").display());
    let server = ServerProcess::start(&url, &[("BELCO_PREVIEW", "on"), ("BELCO_PREVIEW_TOKEN", PREVIEW_TOKEN)]).await;
    let base = server.url("");
    let doctor = |preview_token: &str| {
        let vars =
            [("BELCO_TOKENS", TOKEN), ("BELCO_PUSH_SECRET", PUSH_SECRET), ("BELCO_PREVIEW_TOKEN", preview_token)];
        let out = belco_panel(dir.path(), &["doctor", &base], &vars);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let report = doctor(PREVIEW_TOKEN);
    let line = report.lines().find(|l| l.contains(" preview ")).unwrap_or_else(|| panic!("{report}"));
    assert!(line.trim_start().starts_with("PASS"), "{report}");
    let report = doctor("another-preview-token-dddd");
    let line = report.lines().find(|l| l.contains(" preview ")).unwrap_or_else(|| panic!("{report}"));
    assert!(line.trim_start().starts_with("FAIL") && line.contains("refused BELCO_PREVIEW_TOKEN"), "{report}");
    assert!(!report.contains(PREVIEW_TOKEN), "{report}");
}

/// `belco-panel demo` makes the preview's token, prints the preview's URL with it, and that URL
/// opens the preview while the shop's token does not.
#[tokio::test(flavor = "multi_thread")]
async fn the_demo_prints_a_preview_url_with_a_token_of_its_own() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let mut demo = std::process::Command::new(env!("CARGO_BIN_EXE_belco-panel"))
        .arg("demo")
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("demo.db").display()))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the demo");
    // Read on a thread of its own to the end: a pipe closed early would make the demo's next
    // line fail (a broken pipe) and end it.
    let stdout = demo.stdout.take().expect("stdout");
    let (lines, printed) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let (mut preview, mut frame) = (None, None);
    while let Ok(line) = printed.recv_timeout(Duration::from_secs(60)) {
        if let Some(url) = line.trim().strip_prefix("Custom frame:") {
            frame = Some(url.trim().to_owned());
        }
        if let Some(url) = line.trim().strip_prefix("Preview:") {
            preview = Some(url.trim().to_owned());
            break;
        }
    }
    let (preview, frame) = (preview.expect("the preview's URL"), frame.expect("the frame's URL"));
    let preview_token = preview.split_once("?preview_token=").expect("its own token").1.to_owned();
    let shop_token = frame.split_once("?token=").expect("the shop token").1.to_owned();
    assert!(preview_token.len() >= 16 && preview_token != shop_token, "{preview} / {frame}");

    let client = reqwest::Client::new();
    // The URLs are printed before the server listens: wait for it (a minute, on a busy machine).
    let mut status = 0;
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Ok(answer) = client.get(&preview).send().await {
            status = answer.status().as_u16();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "{preview}");
    let local = format!("http://127.0.0.1:{port}");
    let with_shop_token = client.get(format!("{local}/preview?token={shop_token}")).send().await.expect("preview");
    assert_eq!(with_shop_token.status(), 401);
    let _ = demo.kill();
    let _ = demo.wait();
}
