//! A PostgreSQL database that goes away while the server runs: every route answers 503 with a
//! plain message within about a second (not after the pool's old 10 s, not as a 500), `/health`
//! and `/readyz` say so (with a reason) without querying per call, `/healthz` stays 200, and service comes back by itself. The shared PostgreSQL
//! server stays up: only this test's scratch database refuses connections.

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use serde_json::json;

/// Lets the scratch database accept connections, or refuses them and ends those it has.
async fn set_reachable(app: &TestApp, reachable: bool) {
    let url = url::Url::parse(app.state.config.database_url.expose()).expect("url");
    let name = url.path().trim_start_matches('/').to_owned();
    let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
    let admin = sqlx::PgPool::connect(&admin_url).await.expect("admin connection");
    sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {reachable}")).execute(&admin).await.expect("alter");
    if !reachable {
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
            .bind(&name)
            .execute(&admin)
            .await
            .expect("terminate");
    }
    admin.close().await;
}

/// Sends `request`; answers the status, the body and how long it took.
async fn timed(app: &TestApp, request: Request<Body>) -> (StatusCode, String, Duration) {
    let started = Instant::now();
    let (status, _, body) = app.send(request).await;
    (status, String::from_utf8_lossy(&body).into_owned(), started.elapsed())
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

/// The requests of every kind the server answers from storage.
fn requests(app: &TestApp, capability: &str, n: usize) -> Vec<(&'static str, Request<Body>)> {
    let push = format!("{{\"orders\":[{SPEC_ORDER}]}}");
    vec![
        ("orders API", get(&format!("/api/v1.0/orders?token={TOKEN}&email=john@example.com"))),
        ("push", app.signed("POST", "/api/v1.0/orders", &format!("msg_push_{n}"), now(), &push)),
        (
            "push delete",
            app.signed("DELETE", "/api/v1.0/orders/1234", &format!("msg_del_{n}"), now(), r#"{"delete":["1234"]}"#),
        ),
        ("frame", get(&format!("/frame?token={TOKEN}&email=john@example.com"))),
        ("company frame", get(&format!("/frame?token={TOKEN}"))),
        (
            "notes",
            Request::post("/fn/notes/list")
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .body(Body::from(json!({ "capability": capability }).to_string()))
                .expect("request"),
        ),
    ]
}

async fn health_until(app: &TestApp, wanted: StatusCode) -> Duration {
    let started = Instant::now();
    while app.get("/health").await.0 != wanted {
        assert!(started.elapsed() < Duration::from_secs(8), "/health never said {wanted}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread")]
async fn while_postgres_is_unreachable_every_route_answers_503_at_once_and_recovers() {
    let app = TestApp::new(Backend::Postgres).await;
    app.import(&file(&[SPEC_ORDER.to_owned()])).await.expect("import");
    let (status, _, page) = app.get(&format!("/frame?token={TOKEN}&email=john@example.com")).await;
    assert_eq!(status, StatusCode::OK);
    let page = String::from_utf8_lossy(&page);
    let start = page.find("v1.").expect("a capability in the page");
    let capability: String =
        page[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).collect();
    assert_eq!(app.get("/health").await.0, StatusCode::OK);

    set_reachable(&app, false).await;
    for (what, request) in requests(&app, &capability, 1) {
        let (status, body, took) = timed(&app, request).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{what}: {body}");
        assert!(took < Duration::from_secs(2), "{what} took {took:?}");
        assert!(!body.contains("sqlx") && !body.contains("pool") && !body.contains("database"), "{what}: {body}");
        if what.starts_with("orders") || what.starts_with("push") {
            assert_eq!(body, r#"{"error":"storage is unavailable, try again shortly"}"#, "{what}");
        }
    }
    health_until(&app, StatusCode::SERVICE_UNAVAILABLE).await;
    // Answered from the background check: no call waits for the database.
    let started = Instant::now();
    for _ in 0..50 {
        let (status, _, body) = app.get("/health").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body, r#"{"error":"storage is unavailable, try again shortly"}"#);
    }
    assert!(started.elapsed() < Duration::from_millis(500), "50 /health calls took {:?}", started.elapsed());
    // `/readyz` says why, in words that name no host, user or driver; `/healthz` needs no storage.
    let (status, headers, body) = app.get("/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers.get("cache-control").map(|v| v.as_bytes()), Some(&b"no-store"[..]));
    let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["storage"], "PostgreSQL");
    let reason = body["reason"].as_str().expect("a reason");
    assert!(
        [
            "the database cannot be reached",
            "the database refused the query",
            "no database connection became free in time"
        ]
        .contains(&reason),
        "{reason}"
    );
    let (status, _, body) = app.get("/healthz").await;
    assert_eq!((status, body.as_ref()), (StatusCode::OK, &br#"{"status":"ok"}"#[..]));

    set_reachable(&app, true).await;
    for (what, request) in requests(&app, &capability, 2) {
        let (status, body, _) = timed(&app, request).await;
        assert!(status.is_success(), "{what} after the outage: {status} {body}");
    }
    health_until(&app, StatusCode::OK).await;
    let (status, _, body) = app.get("/readyz").await;
    assert_eq!((status, body.as_ref()), (StatusCode::OK, &br#"{"status":"ready","storage":"PostgreSQL"}"#[..]));
}
