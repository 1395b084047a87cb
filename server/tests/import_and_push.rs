//! Getting orders in: the streaming importer and the signed push API, on SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use belco::import::ImportError;
use common::*;

on_both_backends!(
    import_is_idempotent_and_updates_in_place,
    a_bad_record_stops_the_import_and_stores_nothing,
    broken_json_stores_nothing,
    a_signed_push_upserts_and_shows_up,
    unsigned_missigned_stale_and_replayed_pushes_store_nothing,
    an_invalid_order_in_a_push_stores_nothing,
    a_signed_delete_removes_one_order,
);

async fn import_is_idempotent_and_updates_in_place(app: TestApp) {
    let orders: Vec<String> =
        (0..2500).map(|i| order(&i.to_string(), &format!("c{}@example.com", i % 100), "", "2024-01-01")).collect();
    assert_eq!(app.import(&file(&orders)).await.expect("first import"), 2500);
    assert_eq!(app.import(&file(&orders)).await.expect("second import"), 2500);
    assert_eq!(app.store.count_orders().await.expect("count"), 2500);
    let wal = app.dir.path().join("belco.db-wal");
    if let Ok(meta) = std::fs::metadata(&wal) {
        assert_eq!(meta.len(), 0, "the import checkpoints SQLite's write-ahead log");
    }
    // A changed record replaces the stored one; within one file the last occurrence wins.
    let changed = SPEC_ORDER.replace("processing", "shipped");
    let file_text = format!("{{\"orders\":[{SPEC_ORDER},{changed}]}}");
    app.import(&file_text).await.expect("import with a duplicate id");
    let (_, json) = app.orders("email=john@example.com").await;
    assert_eq!(json["orders"].as_array().map(Vec::len), Some(1));
    assert_eq!(json["orders"][0]["status"], "shipped");
}

async fn a_bad_record_stops_the_import_and_stores_nothing(app: TestApp) {
    app.import(&file(&[order("kept", "old@example.com", "", "2023-01-01")])).await.expect("earlier import");
    // 1500 good orders (more than one batch reaches the database), then a bad one.
    let mut orders: Vec<String> =
        (0..1500).map(|i| order(&format!("g{i}"), "new@example.com", "", "2024-01-01")).collect();
    orders.push(order("bad-one", "new@example.com", "", "2024-01-01").replace("\"total\":10", "\"total\":\"ten\""));
    orders.push(order("after", "new@example.com", "", "2024-01-01"));
    let err = app.import(&file(&orders)).await.expect_err("a bad record fails the import");
    match &err {
        ImportError::Order { index, id, .. } => assert_eq!((*index, id.as_str()), (1500, "\"bad-one\"")),
        other => panic!("expected an order error, got {other}"),
    }
    assert!(err.to_string().contains("orders[1500]") && err.to_string().contains("bad-one"), "{err}");
    assert_eq!(app.store.count_orders().await.expect("count"), 1, "nothing of the failed run is stored");
    assert_eq!(app.order_ids("email=old@example.com").await, ["kept"]);

    let no_customer = order("lost", "", "", "2024-01-01");
    let err = app.import(&file(&[no_customer])).await.expect_err("an order nobody can find");
    assert!(err.to_string().contains("neither"), "{err}");
}

async fn broken_json_stores_nothing(app: TestApp) {
    let good: Vec<String> = (0..1200).map(|i| order(&format!("g{i}"), "x@example.com", "", "2024-01-01")).collect();
    let truncated = file(&good);
    let truncated = &truncated[..truncated.len() - 40];
    let err = app.import(truncated).await.expect_err("truncated file");
    assert!(err.to_string().contains("not valid JSON"), "{err}");
    for (text, expect) in [
        ("", "not valid JSON"),
        ("{\"customers\":[]}", "no \"orders\""),
        ("[1,2]", "orders[0]"),
        ("{\"orders\":{}}", "not valid JSON"),
    ] {
        let err = app.import(text).await.expect_err(text);
        assert!(err.to_string().contains(expect), "{text:?}: {err}");
    }
    assert_eq!(app.store.count_orders().await.expect("count"), 0);
}

async fn a_signed_push_upserts_and_shows_up(app: TestApp) {
    let body =
        file(&[order("p1", "push@example.com", "", "2024-05-01"), order("p2", "push@example.com", "", "2024-05-02")]);
    let (status, _, response) = app.send(app.signed("POST", "/api/v1.0/orders", "msg_1", now(), &body)).await;
    assert_eq!(status, StatusCode::OK, "{response:?}");
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&response).expect("json")["upserted"], 2);
    assert_eq!(app.order_ids("email=push@example.com").await, ["p2", "p1"]);
}

async fn unsigned_missigned_stale_and_replayed_pushes_store_nothing(app: TestApp) {
    let body = file(&[order("p1", "push@example.com", "", "2024-05-01")]);
    let unsigned =
        axum::http::Request::post("/api/v1.0/orders").body(axum::body::Body::from(body.clone())).expect("request");
    let mut missigned = app.signed("POST", "/api/v1.0/orders", "msg_2", now(), &body);
    *missigned.body_mut() = axum::body::Body::from(body.replace("p1", "p9"));
    let stale = app.signed("POST", "/api/v1.0/orders", "msg_3", now() - 6 * 60, &body);
    let future = app.signed("POST", "/api/v1.0/orders", "msg_4", now() + 6 * 60, &body);
    for (what, request) in [("unsigned", unsigned), ("mis-signed", missigned), ("stale", stale), ("future", future)] {
        let (status, _, response) = app.send(request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {response:?}");
        assert!(serde_json::from_slice::<serde_json::Value>(&response).expect("json")["error"].is_string());
    }
    assert_eq!(app.store.count_orders().await.expect("count"), 0);

    // A captured good request replayed within the window is refused and changes nothing.
    let at = now();
    let (status, _, _) = app.send(app.signed("POST", "/api/v1.0/orders", "msg_5", at, &body)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = app.send(app.signed("DELETE", "/api/v1.0/orders/p1", "msg_6", now(), "")).await;
    assert_eq!(status, StatusCode::OK, "deleted in between");
    let (status, _, response) = app.send(app.signed("POST", "/api/v1.0/orders", "msg_5", at, &body)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{response:?}");
    assert_eq!(app.store.count_orders().await.expect("count"), 0, "the replay did not bring p1 back");
}

async fn an_invalid_order_in_a_push_stores_nothing(app: TestApp) {
    let body = file(&[order("ok", "a@example.com", "", "2024-01-01"), order("broken", "a@example.com", "", "someday")]);
    let (status, _, response) = app.send(app.signed("POST", "/api/v1.0/orders", "msg_7", now(), &body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = serde_json::from_slice::<serde_json::Value>(&response).expect("json")["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("orders[1]") && message.contains("broken") && message.contains("date"), "{message}");
    let (status, _, _) = app.send(app.signed("POST", "/api/v1.0/orders", "msg_8", now(), "{\"orders\": 5}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(app.store.count_orders().await.expect("count"), 0);
    // The refused id was not used up: the corrected batch can be sent under it.
    let fixed = file(&[order("ok", "a@example.com", "", "2024-01-01")]);
    let (status, _, _) = app.send(app.signed("POST", "/api/v1.0/orders", "msg_7", now(), &fixed)).await;
    assert_eq!(status, StatusCode::OK);
}

async fn a_signed_delete_removes_one_order(app: TestApp) {
    app.import(&file(&[
        order("d1", "del@example.com", "", "2024-01-01"),
        order("d2", "del@example.com", "", "2024-01-02"),
    ]))
    .await
    .expect("import");
    let unsigned = axum::http::Request::delete("/api/v1.0/orders/d1").body(axum::body::Body::empty()).expect("request");
    assert_eq!(app.send(unsigned).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.send(app.signed("DELETE", "/api/v1.0/orders/d1", "del_1", now(), "")).await.0, StatusCode::OK);
    assert_eq!(app.order_ids("email=del@example.com").await, ["d2"]);
    assert_eq!(
        app.send(app.signed("DELETE", "/api/v1.0/orders/nope", "del_2", now(), "")).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_push_api_is_off_without_a_secret() {
    let app = TestApp::with(Backend::Sqlite, |vars| {
        vars.remove("BELCO_PUSH_SECRET");
    })
    .await;
    let body = file(&[order("p1", "push@example.com", "", "2024-05-01")]);
    let (status, _, response) = app.send(app.signed("POST", "/api/v1.0/orders", "msg_1", now(), &body)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(&response).contains("BELCO_PUSH_SECRET"));
    assert_eq!(app.store.count_orders().await.expect("count"), 0);
}
