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

    let listing: serde_json::Value = belco
        .get(server.url(&format!("/api/inspector/calls?token={TOKEN}")))
        .send()
        .await
        .expect("inspector")
        .json()
        .await
        .expect("JSON");
    let calls = listing["calls"].as_array().expect("calls");
    assert_eq!(calls.len(), 1, "{listing}");
    assert_eq!((calls[0]["route"].as_str(), calls[0]["token"].as_str()), (Some("frame"), Some("accepted")));
    let refused = listing["refused"].as_array().expect("refused");
    assert_eq!(refused.len(), 10, "the refusals the handlers saw: {listing}");
    assert!(refused.iter().all(|call| call["status"] == 401), "{listing}");
    assert!(refused.iter().any(|call| call["token"] == "unread" || call["token"] == "missing"), "{listing}");
    assert_eq!(listing["refused_total"], 10);
    assert_eq!(listing["refused_before_the_token_check"], 2_990);

    assert!(server.terminate().success(), "{}", server.log());
    let rows: i64 = rusqlite::Connection::open(&db)
        .expect("open")
        .query_row("SELECT COUNT(*) FROM access_log", [], |row| row.get(0))
        .expect("count");
    assert_eq!(rows, 1, "only Belco's real call is in the access log");
}
