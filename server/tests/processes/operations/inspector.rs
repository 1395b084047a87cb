//! The inspector of Belco's calls on the real server (`/api/inspector/calls`) and `belco-panel
//! calls`, which prints it.

use crate::common::cli::*;
use crate::common::server_process::ServerProcess;
use crate::common::*;

/// The inspector keeps Belco's calls with why each one went as it did, masks the identifiers,
/// keeps no token, answers only a shop token, and `belco-panel calls` prints the list.
#[tokio::test(flavor = "multi_thread")]
async fn the_inspector_lists_belcos_calls_and_why_they_failed() {
    let dir = tempfile::tempdir().expect("dir");
    let orders = dir.path().join("orders.json");
    std::fs::write(&orders, file(&[order("i1", "john@example.com", "", "2024-01-01")])).expect("write");
    let out = belco_panel(&dir, &["import", orders.to_str().expect("path")], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let server = ServerProcess::start(&url, &[]).await;
    let calls_made = [
        (format!("/api/v1.0/orders?token={TOKEN}&email=john@example.com"), 200),
        ("/api/v1.0/orders?email=john@example.com".to_owned(), 401),
        ("/api/v1.0/orders?token=guessed-token-4711&email=john@example.com".to_owned(), 401),
        (format!("/api/v1.0/orders?token={TOKEN}&email=a@example.com&email=john@example.com"), 200),
        (format!("/frame?token={TOKEN}&phoneNumber=+31687654321"), 200),
        (format!("/frame?token={TOKEN}"), 200),
    ];
    for (path, status) in &calls_made {
        assert_eq!(get_status(&server.url(path)).await, *status, "{path}");
    }
    assert_eq!(get_status(&server.url("/api/inspector/calls?token=guessed-token-4711")).await, 401);
    let listing: serde_json::Value = reqwest::get(server.url(&format!("/api/inspector/calls?token={TOKEN}")))
        .await
        .expect("get")
        .json()
        .await
        .expect("JSON");
    let text = listing.to_string();
    for private in [TOKEN, "guessed-token", "john@example.com", "31687654321"] {
        assert!(!text.contains(private), "the inspector shows {private:?}: {text}");
    }
    // Belco's calls only, not the inspector's own; those whose token was not accepted apart.
    let (calls, refused) =
        (listing["calls"].as_array().expect("calls"), listing["refused"].as_array().expect("refused"));
    assert_eq!((calls.len(), refused.len(), listing["refused_total"].as_u64()), (4, 2, Some(2)), "{text}");
    let field = |i: usize, name: &str| calls[calls.len() - 1 - i][name].clone();
    assert_eq!(
        (field(0, "route"), field(0, "status"), field(0, "token")),
        ("orders_api".into(), 200.into(), "accepted".into())
    );
    assert_eq!((field(0, "orders"), field(0, "customer")), (1.into(), "j•••@e•••.com".into()));
    assert_eq!(field(0, "outcome"), "found 1 order");
    let refusal = |i: usize, name: &str| refused[refused.len() - 1 - i][name].clone();
    assert_eq!(
        (refusal(0, "token"), refusal(0, "outcome")),
        ("missing".into(), "refused: the URL has no token".into())
    );
    assert_eq!(refusal(1, "token"), "wrong");
    assert_eq!(refusal(1, "outcome"), "refused: the token is not one of BELCO_TOKENS");
    assert!(field(1, "outcome").as_str().expect("text").contains("more than one customer"), "{text}");
    assert_eq!(
        (field(2, "route"), field(2, "customer"), field(2, "orders")),
        ("frame".into(), "+31•••21".into(), 0.into())
    );
    assert_eq!(field(2, "outcome"), "no orders for this customer");
    assert!(field(3, "outcome").as_str().expect("text").contains("company panel"), "{text}");
    for call in calls.iter().chain(refused) {
        let id = call["request_id"].as_str().expect("id");
        assert!(id.len() == 16 && call["latency_ms"].as_f64().is_some() && call["at"].as_str().is_some(), "{call}");
    }

    let out = belco_panel(&dir, &["calls", &server.url("")], &[("BELCO_TOKENS", TOKEN)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8_lossy(&out.stdout);
    let (accepted, refusals) = printed.split_once("Refused, the token missing or wrong").expect("two tables");
    assert_eq!(accepted.trim().lines().count(), 1 + 4, "{printed}");
    assert_eq!(refusals.trim().lines().count(), 1 + 1 + 2, "{printed}");
    assert!(accepted.lines().nth(1).is_some_and(|newest| newest.contains("company panel")), "newest first: {printed}");
    assert!(
        refusals.contains("refused: the token is not one of BELCO_TOKENS") && !printed.contains("john@"),
        "{printed}"
    );
    let out = belco_panel(&dir, &["calls", &server.url("")], &[("BELCO_TOKENS", "someone-elses-token-0123")]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("refused the token") && !said.contains("someone-elses"), "{said}");
}
