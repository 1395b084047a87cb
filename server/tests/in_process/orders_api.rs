//! Belco's Custom Orders contract, end to end through the router, on SQLite and PostgreSQL; and, as
//! a property, arbitrary query strings on it and on the frame never get a 5xx.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode, Uri};
use proptest::prelude::*;

use crate::common::properties::{app, below_500, runner};
use crate::common::*;

on_both_backends!(
    the_spec_order_comes_back_as_it_went_in,
    emails_match_case_insensitively_unicode_aware_and_exactly,
    phones_match_on_e164_whatever_the_format,
    email_and_phone_together_return_the_union,
    params_are_read_as_belco_sends_them,
    newest_first_and_capped_at_the_limit,
    orders_of_the_same_moment_are_ordered_by_id_whichever_way_they_are_read,
    ids_of_the_same_moment_compare_bytewise_on_both_backends,
    tokens_are_checked_first_and_reveal_nothing,
    rotated_tokens_are_all_accepted,
    malformed_requests_get_a_clear_4xx,
    a_name_given_two_different_values_matches_nobody,
);

async fn the_spec_order_comes_back_as_it_went_in(app: TestApp) {
    app.import(&format!("{{\"orders\":[{SPEC_ORDER}]}}")).await.expect("import");
    let (status, headers, body) =
        app.get(&format!("/api/v1.0/orders?token={TOKEN}&email=john@example.com&phoneNumber=")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["cache-control"], "no-store");
    let text = std::str::from_utf8(&body).expect("utf-8");
    // Money as bytes: the currency's two digits, not serde_json's `10.0`.
    assert!(text.contains(r#""price":10.00}"#) && text.contains(r#""total":10.00,"#), "{text}");

    let sent: serde_json::Value = serde_json::from_str(SPEC_ORDER).expect("spec order");
    let got: serde_json::Value = serde_json::from_str(text).expect("json");
    let got = &got["orders"][0];
    let keys = |v: &serde_json::Value| v.as_object().expect("object").keys().cloned().collect::<Vec<_>>();
    let mut want_keys = keys(&sent);
    let mut got_keys = keys(got);
    want_keys.sort();
    got_keys.sort();
    assert_eq!(got_keys, want_keys, "the same keys");
    for key in ["id", "note", "number", "status", "currency", "url", "email", "phoneNumber", "products", "total"] {
        assert_eq!(got[key], sent[key], "{key}");
    }
    for key in ["date", "createdAt", "updatedAt"] {
        let instant = |v: &serde_json::Value| belco::time::parse_instant(v.as_str().expect("string date"));
        assert_eq!(instant(&got[key]), instant(&sent[key]), "{key} is the same instant");
        assert!(
            chrono::DateTime::parse_from_rfc3339(got[key].as_str().unwrap_or_default()).is_ok(),
            "{key} is RFC 3339"
        );
        assert!(got[key].as_str().unwrap_or_default().ends_with('Z'), "{key} is UTC");
    }
}

async fn emails_match_case_insensitively_unicode_aware_and_exactly(app: TestApp) {
    app.import(&file(&[
        order("1", "John@Example.com", "", "2024-01-01"),
        order("2", "ÉLODIE@exemple.fr", "", "2024-01-02"),
        order("3", "johnny@example.com", "", "2024-01-03"),
    ]))
    .await
    .expect("import");
    assert_eq!(app.order_ids("email=JOHN@EXAMPLE.COM").await, ["1"]);
    assert_eq!(app.order_ids("email=%C3%A9lodie@EXEMPLE.FR").await, ["2"]);
    // Decomposed é (e + U+0301) is the same address.
    assert_eq!(app.order_ids("email=e%CC%81lodie@exemple.fr").await, ["2"]);
    for partial in
        ["john", "ohn@example.com", "john@example", "%25@example.com", "_ohn@example.com", "j%25", "*@example.com"]
    {
        assert!(app.order_ids(&format!("email={partial}")).await.is_empty(), "{partial} must not match");
    }
}

async fn phones_match_on_e164_whatever_the_format(app: TestApp) {
    app.import(&file(&[order("1", "", "06 12345678", "2024-01-01"), order("2", "", "+31 6 1234 5679", "2024-01-01")]))
        .await
        .expect("import");
    for phone in [
        "+31612345678",
        "%2B31612345678",
        "0612345678",
        "0031612345678",
        "06-12345678",
        "%2B31%206%2012345678",
        "612345678",
    ] {
        assert_eq!(app.order_ids(&format!("phoneNumber={phone}")).await, ["1"], "{phone}");
    }
    for other in ["+3161234567", "1234", "+31612345670", "not-a-phone"] {
        assert!(app.order_ids(&format!("phoneNumber={other}")).await.is_empty(), "{other} must not match");
    }
}

async fn email_and_phone_together_return_the_union(app: TestApp) {
    app.import(&file(&[
        order("by-email", "ann@example.com", "", "2024-03-01"),
        order("by-phone", "other@example.com", "+31611111111", "2024-02-01"),
        order("both", "ann@example.com", "+31611111111", "2024-01-01"),
        order("neither", "bob@example.com", "+31622222222", "2024-04-01"),
    ]))
    .await
    .expect("import");
    assert_eq!(app.order_ids("email=ann@example.com&phoneNumber=0611111111").await, ["by-email", "by-phone", "both"]);
    assert_eq!(app.order_ids("email=ann@example.com").await, ["by-email", "both"]);
    assert_eq!(app.order_ids("phoneNumber=%2B31611111111").await, ["by-phone", "both"]);
    // Neither identifier → an empty list, not an error and not everything.
    assert!(app.order_ids("").await.is_empty());
    assert!(app.order_ids("email=&phoneNumber=").await.is_empty());
}

async fn params_are_read_as_belco_sends_them(app: TestApp) {
    app.import(&file(&[order("plus", "ann+shop@example.com", "+31633333333", "2024-01-01")])).await.expect("import");
    // Not percent-encoded: `+` is a plus, in the email and in the phone number.
    assert_eq!(app.order_ids("email=ann+shop@example.com").await, ["plus"]);
    assert_eq!(app.order_ids("phoneNumber=+31633333333").await, ["plus"]);
    // Token last, params in any order.
    let (status, _, _) = app.get(&format!("/api/v1.0/orders?email=ann%2Bshop%40example.com&token={TOKEN}")).await;
    assert_eq!(status, StatusCode::OK);
    // The shop left `email=` in its URL; Belco's appended value wins; the same value twice is it.
    assert_eq!(app.order_ids("email=&phoneNumber=&email=ann+shop@example.com&phoneNumber=").await, ["plus"]);
    assert_eq!(app.order_ids("email=ann+shop@example.com&email=").await, ["plus"]);
    assert_eq!(app.order_ids("email=ann+shop@example.com&email=ann%2Bshop%40example.com").await, ["plus"]);
    // An identifier that cannot be parsed matches nothing, with 200.
    assert!(app.order_ids("email=not-an-email&phoneNumber=abc").await.is_empty());
}

async fn newest_first_and_capped_at_the_limit(app: TestApp) {
    let orders: Vec<String> = (0..60)
        .map(|i| order(&format!("o{i:02}"), "many@example.com", "", &format!("2024-01-01T00:{i:02}:00Z")))
        .collect();
    app.import(&file(&orders)).await.expect("import");
    let ids = app.order_ids("email=many@example.com").await;
    assert_eq!(ids.len(), 50, "BELCO_ORDERS_LIMIT defaults to 50");
    assert_eq!(ids.first().map(String::as_str), Some("o59"));
    assert_eq!(ids.last().map(String::as_str), Some("o10"));
}

/// SQLite's read path sorts a customer's rows itself when they all fit under the limit, and asks
/// the database for the newest otherwise (`store/fast_read.rs`, `Newest`): both must give the
/// ORDER BY's order, ties on the date broken by the id, descending: here through the API and the
/// panel's reads.
async fn orders_of_the_same_moment_are_ordered_by_id_whichever_way_they_are_read(app: TestApp) {
    // Three moments; ids chosen so that bytewise and the usual collations agree (b10 after b1).
    let (same, later, earlier) = ("2024-05-05T10:00:00Z", "2024-05-06T10:00:00Z", "2024-05-04T10:00:00Z");
    let mut orders = vec![order("a1", "tie@example.com", "+31612345678", earlier)];
    for id in ["b1", "c2", "b10", "a9", "c10"] {
        orders.push(order(id, "tie@example.com", "", same));
    }
    orders.push(order("a2", "", "+31612345678", later));
    app.import(&file(&orders)).await.expect("import");
    let newest_first = ["a2", "c2", "c10", "b10", "b1", "a9", "a1"];

    // All of them fit (limit 50), by email and phone together, by email alone.
    assert_eq!(app.order_ids("email=tie@example.com&phoneNumber=%2B31612345678").await, newest_first);
    assert_eq!(app.order_ids("email=tie@example.com").await, newest_first[1..]);
    // Fewer than there are: the database picks the newest.
    let region = app.state.config.phone_region;
    let key = belco::phone::customer_key("tie@example.com", "+31612345678", region);
    for limit in [7, 6, 3, 1] {
        let ids: Vec<String> = app.store.orders(&key, limit).await.expect("orders").into_iter().map(|o| o.id).collect();
        assert_eq!(ids, newest_first[..limit as usize], "limit {limit}");
        let limits = belco::store::RecordLimits { orders: limit, notes: 10, submissions: 10 };
        let records = app.store.customer_records(&key, limits).await.expect("records");
        let ids: Vec<&str> = records.orders.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, newest_first[..limit as usize], "records, limit {limit}");
    }
}

async fn ids_of_the_same_moment_compare_bytewise_on_both_backends(app: TestApp) {
    // Ids whose bytewise order and a linguistic collation's (PostgreSQL's en-US) disagree.
    let ids = ["a", "B", "é", "f", "a-1", "a1", "Z", "z", "ab", "aB"];
    let orders: Vec<String> = ids
        .iter()
        .map(|id| {
            let mut order: serde_json::Value =
                serde_json::from_str(&order(id, "tie@example.com", "", "2024-05-05T10:00:00Z")).expect("json");
            order["customerName"] = serde_json::json!(format!("Name {id}"));
            order.to_string()
        })
        .collect();
    app.import(&file(&orders)).await.expect("import");
    let mut newest_first: Vec<&str> = ids.to_vec();
    newest_first.sort_by(|a, b| b.as_bytes().cmp(a.as_bytes()));
    assert_eq!(newest_first, ["é", "z", "f", "ab", "aB", "a1", "a-1", "a", "Z", "B"]);

    assert_eq!(app.order_ids("email=tie@example.com").await, newest_first);
    let key = belco::phone::customer_key("tie@example.com", "", app.state.config.phone_region);
    for limit in [10, 9, 5, 3, 1] {
        let ids: Vec<String> = app.store.orders(&key, limit).await.expect("orders").into_iter().map(|o| o.id).collect();
        assert_eq!(ids, newest_first[..limit as usize], "limit {limit}");
        let limits = belco::store::RecordLimits { orders: limit, notes: 10, submissions: 10 };
        let records = app.store.customer_records(&key, limits).await.expect("records");
        let ids: Vec<&str> = records.orders.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, newest_first[..limit as usize], "records, limit {limit}");
        // The name is the newest order's, whether worked out in Rust or in SQL.
        assert_eq!(records.summary.name.as_deref(), Some("Name é"), "limit {limit}");
    }
    let summary = app.store.customer_summary(&key).await.expect("summary");
    assert_eq!(summary.name.as_deref(), Some("Name é"));
}

async fn tokens_are_checked_first_and_reveal_nothing(app: TestApp) {
    app.import(&file(&[order("1", "known@example.com", "", "2024-01-01")])).await.expect("import");
    let wrong = [
        String::new(),
        "token=".into(),
        "token=nope".into(),
        format!("token={}", &TOKEN[..TOKEN.len() - 1]),
        format!("token={TOKEN}x"),
        format!("token={}", TOKEN.to_uppercase()),
        format!("TOKEN={TOKEN}"),
        format!("tok%65n={}", "nope"),
    ];
    let mut bodies = std::collections::HashSet::new();
    for token in &wrong {
        for customer in ["email=known@example.com", "email=unknown@example.com", ""] {
            let (status, headers, body) = app.get(&format!("/api/v1.0/orders?{token}&{customer}")).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{token} {customer}");
            assert_eq!(headers["content-type"], "application/json");
            bodies.insert(body);
        }
    }
    assert_eq!(bodies.len(), 1, "one identical answer whether or not the customer exists");

    // No lookup happens before the token is checked: with the database closed, a bad token is
    // still a clean 401 (a lookup would have failed with 503).
    app.store.close().await;
    let (status, _, _) = app.get("/api/v1.0/orders?token=nope&email=known@example.com").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = app.get(&format!("/api/v1.0/orders?token={TOKEN}&email=known@example.com")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "the good token does reach the (closed) database");
}

async fn rotated_tokens_are_all_accepted(app: TestApp) {
    for token in [TOKEN, ROTATED_TOKEN] {
        let (status, _, _) = app.get(&format!("/api/v1.0/orders?token={token}&email=a@b.nl")).await;
        assert_eq!(status, StatusCode::OK, "{token}");
    }
    let (status, _, _) = app.get(&format!("/api/v1.0/orders?token={TOKEN},{ROTATED_TOKEN}")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the list itself is not a token");
}

async fn malformed_requests_get_a_clear_4xx(app: TestApp) {
    let long = "a".repeat(5000);
    let cases: Vec<(&str, String)> = vec![
        ("PUT", format!("/api/v1.0/orders?token={TOKEN}")),
        ("PATCH", format!("/api/v1.0/orders?token={TOKEN}")),
        ("DELETE", format!("/api/v1.0/orders?token={TOKEN}")),
        ("OPTIONS", format!("/api/v1.0/orders?token={TOKEN}")),
        ("GET", format!("/api/v1.0/orders/123?token={TOKEN}")),
        ("PUT", "/api/v1.0/orders/123".into()),
        ("GET", format!("/api/v1.0/orders?token={TOKEN}&email={long}")),
        ("GET", format!("/api/v1.0/orders?token={long}")),
        ("GET", format!("/api/v1.0/orders?token={TOKEN}&email=%FF%FE@x.nl")),
        ("GET", format!("/api/v1.0/orders?token={TOKEN}&phoneNumber=%C3%28")),
        ("GET", format!("/api/v1.0/orders?token={TOKEN}&email=%ED%A0%80@x.nl")),
        ("GET", "/api/v1.0/orders?token=%FF%FF".into()),
        ("POST", format!("/api/v1.0/orders?token={TOKEN}")),
        ("POST", "/api/v1.0/orders".into()),
        ("DELETE", "/api/v1.0/orders/1".into()),
        ("GET", "/api/v1.0/orders".into()),
        ("GET", "/api/v1.0/orders?&&&==&".into()),
        ("GET", "/api/v1.0/orders?token".into()),
        ("GET", format!("/api/v1.0/orders?token=%{TOKEN}")),
        ("GET", "/api/v1.0/orders?token=%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00".into()),
        ("HEAD", "/api/v1.0/orders?token=nope".into()),
    ];
    assert!(cases.len() >= 20);
    for (method, uri) in &cases {
        let request = Request::builder().method(*method).uri(uri.as_str()).body(Body::empty()).expect("request");
        let (status, headers, body) = app.send(request).await;
        assert!(status.is_client_error(), "{method} {}: {status}", &uri[..uri.len().min(80)]);
        if *method != "HEAD" {
            let json: serde_json::Value = serde_json::from_slice(&body)
                .unwrap_or_else(|_| panic!("{method} {uri}: JSON error body, got {body:?}"));
            assert!(json["error"].as_str().is_some_and(|m| !m.is_empty()), "{method}: a message");
            assert_eq!(headers["content-type"], "application/json");
        }
    }
    // And the service still answers.
    assert_eq!(app.order_ids("email=a@b.nl").await, Vec::<String>::new());
}

/// A contact whose address is `x&email=victim@shop.nl` (a valid address), appended by Belco
/// without encoding: the link gives `email` two values, and must show neither customer.
async fn a_name_given_two_different_values_matches_nobody(app: TestApp) {
    app.import(&file(&[
        order("victim", "victim@shop.nl", "+31611111111", "2024-01-01"),
        order("other", "x@shop.nl", "+31622222222", "2024-01-02"),
    ]))
    .await
    .expect("import");
    for query in [
        "email=x&email=victim@shop.nl&phoneNumber=",
        "email=victim@shop.nl&email=x@shop.nl",
        "email=x@shop.nl&phoneNumber=+31611111111&phoneNumber=+31622222222",
        "phoneNumber=0611111111&phoneNumber=+31611111112",
        "email=&email=x@shop.nl&email=victim%40shop.nl",
    ] {
        let (status, json) = app.orders(query).await;
        assert_eq!((status, json.to_string()), (StatusCode::OK, r#"{"orders":[]}"#.to_owned()), "{query}");
    }
    // Two different tokens are no token, even when one of them is right.
    let (status, _, _) =
        app.get(&format!("/api/v1.0/orders?token={TOKEN}&token={ROTATED_TOKEN}x&email=x@shop.nl")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = app.get(&format!("/api/v1.0/orders?token={TOKEN}&token={TOKEN}&email=x@shop.nl")).await;
    assert_eq!(status, StatusCode::OK, "the same token twice is that token");
}

// ---------------------------------------------------------------------------------------------
// Query strings, as a property

/// A parameter name: one Belco reads, or anything.
fn param_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["token", "email", "phoneNumber", "Token", "email[]", ""]).prop_map(String::from),
        "[a-zA-Z%0-9]{1,8}",
    ]
}

/// A value: raw bytes percent-encoded (so invalid UTF-8, `%00`, CRLF), visible ASCII as is,
/// malformed escapes, the real token, or an identifier of the imported customer.
fn param_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..30).prop_map(|b| b.iter().map(|b| format!("%{b:02X}")).collect()),
        "[!$'()*+,;:@/?a-zA-Z0-9._~-]{0,40}",
        "%[0-9a-zA-Z%]{0,3}",
        Just(TOKEN.to_owned()),
        Just("john@example.com".to_owned()),
        Just("+31612345678".to_owned()),
        "[a-z]{1,2000}",
    ]
}

fn query_string() -> impl Strategy<Value = String> {
    prop::collection::vec((param_name(), prop::option::of(param_value())), 0..8).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(name, value)| match value {
                Some(value) => format!("{name}={value}"),
                None => name,
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

#[test]
fn arbitrary_query_strings_never_get_a_5xx() {
    let (runtime, app) = app();
    let before = runtime.block_on(app.row_counts());
    let answered = AtomicU64::new(0);
    runner(192)
        .run(&(query_string(), any::<bool>(), any::<bool>()), |(query, frame, token_first)| {
            let path = if frame { "/frame" } else { "/api/v1.0/orders" };
            // Half the cases start as Belco's links do, with the real token, so that what comes
            // after it reaches the lookup (a random token is rarely the real one alone).
            let uri = if token_first { format!("{path}?token={TOKEN}&{query}") } else { format!("{path}?{query}") };
            // What a client cannot even send (the URI does not parse) is not a case.
            prop_assume!(uri.parse::<Uri>().is_ok());
            let (status, headers, _) = runtime.block_on(app.get(&uri));
            below_500(status, &uri)?;
            prop_assert!(headers.get("set-cookie").is_none(), "{}", uri);
            if status == StatusCode::OK {
                answered.fetch_add(1, Ordering::Relaxed);
            }
            if status == StatusCode::OK && !frame {
                prop_assert_eq!(headers["content-type"].to_str().ok(), Some("application/json"));
            }
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert_eq!(runtime.block_on(app.row_counts()), before, "a read stored something");
    assert!(answered.into_inner() > 0, "no case carried the token: only the 401 path was tested");
}
