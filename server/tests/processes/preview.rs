//! The preview and the real binary: `serve` never starts it without a token of its own, the doctor
//! opens it with that token, and `belco-panel demo` prints its URL with one.

use std::time::Duration;

use crate::common::cli::*;
use crate::common::server_process::ServerProcess;
use crate::common::*;

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
