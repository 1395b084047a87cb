//! Orders as the shop sends them, by push and by import: versions of one order of Ann's, what
//! the orders API lists of hers, a signed push and what its answer says.

use axum::http::StatusCode;

use super::{TestApp, now, order};

pub fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).unwrap_or_else(|_| panic!("JSON body: {body:?}"))
}

pub fn error_of(body: &[u8]) -> String {
    json(body)["error"].as_str().unwrap_or_default().to_owned()
}

/// An order for `ann@example.com` whose `updatedAt` is `updated_at` and status `status`.
pub fn version(id: &str, status: &str, updated_at: &str) -> String {
    let mut order: serde_json::Value =
        serde_json::from_str(&order(id, "ann@example.com", "", "2024-01-01")).expect("order json");
    order["status"] = status.into();
    order["updatedAt"] = updated_at.into();
    order.to_string()
}

/// `(id, status)` of Ann's orders, newest first.
pub async fn statuses(app: &TestApp) -> Vec<(String, String)> {
    let (_, json) = app.orders("email=ann@example.com").await;
    json["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| (o["id"].as_str().unwrap_or_default().to_owned(), o["status"].as_str().unwrap_or_default().to_owned()))
        .collect()
}

pub fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

pub async fn push(app: &TestApp, webhook_id: &str, body: &str) -> (StatusCode, serde_json::Value) {
    let (status, _, response) = app.send(app.signed("POST", "/api/v1.0/orders", webhook_id, now(), body)).await;
    (status, json(&response))
}
