//! The frame over a real socket, through the production accept loop: with its client address at its
//! cap, the frame says in plain words (English and Dutch) that the panel is busy, sized to Belco's
//! sidebar, while other routes keep their JSON error.

use std::time::Duration;

use tokio::io::AsyncWriteExt;

use crate::common::tcp::*;
use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_frame_says_in_plain_words_that_the_panel_is_busy() {
    let app = TestApp::with(Backend::Sqlite, |vars| {
        vars.insert("BELCO_MAX_REQUESTS_PER_CLIENT".into(), "2".into());
        vars.insert("BELCO_BODY_TIMEOUT".into(), "5s".into());
    })
    .await;
    let addr = serve_with_limits(&app).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = connect_from("127.0.0.1", addr).await;
        stream.write_all(STALLED_FN).await.expect("write");
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // In the frame's language, chosen as the panel's is: lang=, Accept-Language, BELCO_LANGUAGE.
    let english = format!("/frame?token={TOKEN}&email=john@example.com&lang=en");
    let (status, busy, _) = get_from("127.0.0.1", addr, &english).await;
    assert_eq!(status, 429, "{busy}");
    assert!(busy.contains("<html lang=\"en\">") && busy.contains("The panel is busy right now. Reload in a moment."));
    assert!(!busy.contains("Het paneel"), "{busy}");
    let frame = format!("/frame?token={TOKEN}&email=john@example.com");
    let (status, busy, took) = get_from("127.0.0.1", addr, &frame).await;
    assert_eq!(status, 429, "{busy}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert!(header_of(&busy, "content-type").is_some_and(|t| t.starts_with("text/html")), "{busy}");
    assert!(busy.contains("<html lang=\"nl\">"), "BELCO_LANGUAGE's when nothing else asks: {busy}");
    assert!(busy.contains("Het paneel is nu even druk. Laad het over een moment opnieuw."), "{busy}");
    // Sized to Belco's sidebar by the panel's own resize script, allowed by its nonce alone.
    assert!(busy.contains("postMessage({action:'resize'") && busy.contains(r#""https://app.belco.io""#), "{busy}");
    assert_eq!(header_of(&busy, "retry-after"), Some("1"), "{busy}");
    assert_eq!(header_of(&busy, "cache-control"), Some("no-store"), "{busy}");
    let policy = header_of(&busy, "content-security-policy").unwrap_or_default();
    assert!(
        policy.contains("frame-ancestors https://app.belco.io;") && policy.contains("script-src 'nonce-"),
        "{busy}"
    );
    assert!(!policy.contains("unsafe-eval") && !policy.contains("'self'"), "{busy}");

    // Other routes keep their JSON error; another address is served.
    let (status, text, _) = get_from("127.0.0.1", addr, &format!("/api/v1.0/orders?token={TOKEN}&email=a@b.c")).await;
    assert_eq!(status, 429);
    assert!(header_of(&text, "content-type") == Some("application/json"), "{text}");
    assert!(text.contains(r#"{"error":"too many requests at once from this address, try again shortly"}"#), "{text}");
    let (status, page, _) = get_from("127.0.0.2", addr, &frame).await;
    assert_eq!(status, 200, "{page}");

    // Once the held requests end, the address is served again.
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(get_from("127.0.0.1", addr, &frame).await.0, 200);
}
