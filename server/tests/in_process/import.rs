//! Getting orders in from a file: the streaming importer (what `belco-panel import` runs), on
//! SQLite and PostgreSQL: idempotent, all or nothing, newest `updatedAt` first as pushes are, and
//! what it refuses, naming the order. The command itself is in `tests/processes/`.

use axum::http::StatusCode;
use belco::import::ImportError;

use crate::common::orders_in::*;
use crate::common::*;

on_both_backends!(
    import_is_idempotent_and_updates_in_place,
    a_bad_record_stops_the_import_and_stores_nothing,
    broken_json_stores_nothing,
    the_import_orders_its_writes_the_same_way,
    a_currency_iso_does_not_list_is_refused_naming_the_order,
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
    // A changed record replaces the stored one; within one file the last occurrence of the same
    // updatedAt wins. (Not id 1234: that one is stored above with a later updatedAt.)
    let spec = SPEC_ORDER.replace(r#""id": "1234""#, r#""id": "spec""#);
    let changed = spec.replace("processing", "shipped");
    let file_text = format!("{{\"orders\":[{spec},{changed}]}}");
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

async fn the_import_orders_its_writes_the_same_way(app: TestApp) {
    let newer = version("A-1", "shipped", "2024-03-02");
    app.import(&file(std::slice::from_ref(&newer))).await.expect("first import");
    let counts = app
        .import_counted(&file(&[version("A-1", "processing", "2024-03-01"), version("B-1", "paid", "2024-01-01")]))
        .await
        .expect("import of an older version");
    assert_eq!((counts.upserted, counts.stale), (1, 1));
    assert_eq!(statuses(&app).await, pairs(&[("B-1", "paid"), ("A-1", "shipped")]));
    // An import of an old export does not bring back what a push deleted since.
    assert_eq!(push(&app, "imp_del", r#"{"delete":[{"id":"A-1","deletedAt":"2024-03-03"}]}"#).await.0, StatusCode::OK);
    let counts = app.import_counted(&file(std::slice::from_ref(&newer))).await.expect("old export");
    assert_eq!((counts.upserted, counts.stale), (0, 1));
    assert_eq!(statuses(&app).await, pairs(&[("B-1", "paid")]));
    // Within one file (and across its batches) the newest copy wins, as pushes do.
    let mut many: Vec<String> = (0..450).map(|i| version(&format!("m{i}"), "v2", "2024-04-02")).collect();
    many.extend((0..450).map(|i| version(&format!("m{i}"), "v1", "2024-04-01")));
    let counts = app.import_counted(&file(&many)).await.expect("import");
    assert_eq!((counts.upserted, counts.stale), (450, 450));
    let (_, json) = app.orders("email=ann@example.com").await;
    assert!(
        json["orders"].as_array().expect("orders").iter().filter(|o| o["id"] != "B-1").all(|o| o["status"] == "v2")
    );
}

/// `XXQ` is three letters but no ISO 4217 currency: it used to get two digits by default.
async fn a_currency_iso_does_not_list_is_refused_naming_the_order(app: TestApp) {
    let unknown = order("odd-1", "d@example.com", "", "2024-01-01").replace("\"EUR\"", "\"XXQ\"");
    assert!(unknown.contains("\"XXQ\""), "{unknown}");
    let body = file(&[order("fine", "d@example.com", "", "2024-01-01"), unknown]);
    let err = app.import(&body).await.expect_err("the import refuses it");
    let shown = err.to_string();
    assert!(
        shown.contains("orders[1] (id \"odd-1\")") && shown.contains("\"XXQ\" is not in the ISO 4217 list"),
        "{shown}"
    );
    let (status, _, response) = app.send(app.signed("POST", "/api/v1.0/orders", "cur_1", now(), &body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{response:?}");
    let message = error_of(&response);
    assert!(message.contains("orders[1] (id \"odd-1\")") && message.contains("`currency`"), "{message}");
    assert!(message.contains("XXQ"), "{message}");
    assert_eq!(app.store.count_orders().await.expect("count"), 0, "nothing stored");
}
