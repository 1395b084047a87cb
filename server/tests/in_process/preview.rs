//! `/preview`: off unless configured, behind a token of its own (never a shop token), framing the
//! panel through the same checks Belco's page meets (the frame names `'self'` beside Belco's origin
//! only for a load with the preview's token), its picker filled from the store, its orders block
//! read from the orders API's own lookup (and recorded as Belco's are), and the inspector's calls
//! shown masked. With the real binary (the doctor, the demo): in `tests/processes/`.

use axum::http::StatusCode;

use crate::common::*;

async fn preview_app() -> TestApp {
    TestApp::with(Backend::Sqlite, |vars| {
        vars.insert("BELCO_PREVIEW".into(), "on".into());
        vars.insert("BELCO_PREVIEW_TOKEN".into(), PREVIEW_TOKEN.into());
    })
    .await
}

fn text(body: &[u8]) -> String {
    String::from_utf8(body.to_vec()).expect("UTF-8")
}

/// The picker's options, in order.
fn options(html: &str) -> Vec<String> {
    html.split("<option").skip(1).map(label).collect()
}

/// The option the picker starts on.
fn selected(html: &str) -> String {
    let chosen: Vec<&str> = html
        .split("<option")
        .skip(1)
        .filter(|o| o.split('>').next().is_some_and(|tag| tag.contains("selected")))
        .collect();
    assert_eq!(chosen.len(), 1, "one option selected: {html}");
    label(chosen[0])
}

fn label(option: &str) -> String {
    option.split_once('>').and_then(|(_, rest)| rest.split("</option>").next()).unwrap_or_default().to_owned()
}

fn customers() -> String {
    file(&[
        order("a1", "older@example.com", "", "2024-01-01T10:00:00Z"),
        order("b1", "newest@example.com", "+31612345678", "2024-06-01T10:00:00Z"),
        order("a2", "older@example.com", "", "2024-02-01T10:00:00Z"),
    ])
}

#[tokio::test]
async fn the_preview_is_off_unless_configured() {
    // The tests' configuration is production's: BELCO_PREVIEW=off.
    let app = TestApp::new(Backend::Sqlite).await;
    for path in ["/preview", "/preview/orders", "/preview/calls"] {
        let (status, _, _) = app.get(&format!("{path}?token={TOKEN}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (_, headers, html) = app.get(&format!("/frame?token={TOKEN}")).await;
    let csp = headers["content-security-policy"].to_str().expect("ascii");
    assert!(csp.contains("frame-ancestors https://app.belco.io;") && !csp.contains("belco.io 'self'"), "{csp}");
    assert!(!text(&html).contains("location.origin"), "the resize script targets Belco alone");
}

#[tokio::test]
async fn the_preview_and_its_parts_need_the_previews_own_token() {
    let app = preview_app().await;
    app.import(&customers()).await.expect("import");
    let shop_tokens = [format!("token={TOKEN}"), format!("preview_token={TOKEN}"), format!("token={ROTATED_TOKEN}")];
    let refused =
        ["", "preview_token=", "preview_token=wrong", &format!("preview_token={PREVIEW_TOKEN}&preview_token=other")];
    for query in refused.iter().map(|q| q.to_string()).chain(shop_tokens) {
        let (status, headers, body) = app.get(&format!("/preview?{query}")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{query}");
        let html = text(&body);
        assert!(html.contains("Not authorized") && !html.contains("newest@example.com"), "{html}");
        assert!(html.contains("preview_token"), "says which token opens it: {html}");
        assert_eq!(headers["cache-control"], "no-store");
        for part in ["/preview/orders", "/preview/calls"] {
            let (status, _, body) = app.get(&format!("{part}?{query}&email=newest@example.com")).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{part}?{query}");
            assert!(!text(&body).contains("#Nb1") && !text(&body).contains("n•••@e•••.com"), "{part}");
        }
    }
    for query in [format!("preview_token={PREVIEW_TOKEN}"), format!("token={PREVIEW_TOKEN}")] {
        let (status, _, _) = app.get(&format!("/preview?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
    }
    // The preview's token is no shop token: Belco's routes refuse it.
    for path in ["/api/v1.0/orders", "/frame", "/api/inspector/calls"] {
        let (status, _, _) = app.get(&format!("{path}?token={PREVIEW_TOKEN}&email=newest@example.com")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
}

#[tokio::test]
async fn the_preview_offers_the_stores_customers_and_frames_the_panel_through_the_checks() {
    let app = preview_app().await;
    app.import(&customers()).await.expect("import");
    let (status, headers, body) = app.get(&format!("/preview?preview_token={PREVIEW_TOKEN}")).await;
    assert_eq!(status, StatusCode::OK);
    let html = text(&body);
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let csp = headers["content-security-policy"].to_str().expect("ascii");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("frame-src 'self'"), "{csp}");
    assert!(csp.contains("'nonce-") && !csp.contains("unsafe-inline"), "{csp}");

    // Each customer once, the newest orders' first, and picked first.
    assert_eq!(
        options(&html),
        [
            "Company panel (no email or phone number)",
            "newest@example.com · +31612345678",
            "older@example.com",
            "Someone else (type below)"
        ]
    );
    assert_eq!(selected(&html), "newest@example.com · +31612345678");
    // The URLs to paste, with the shop token's place masked; the island has its own token to load
    // the frame.
    assert!(html.contains("/frame?token=•••") && html.contains("/api/v1.0/orders?token=•••"), "{html}");
    assert!(!html.contains(TOKEN), "the preview never knows a shop token: {html}");

    // A link may name the first pick, or ask for the company panel, or name someone else.
    let (_, _, body) = app.get(&format!("/preview?preview_token={PREVIEW_TOKEN}&email=older@example.com")).await;
    assert_eq!(selected(&text(&body)), "older@example.com");
    let (_, _, body) = app.get(&format!("/preview?preview_token={PREVIEW_TOKEN}&company=1")).await;
    assert_eq!(selected(&text(&body)), "Company panel (no email or phone number)");
    let (_, _, body) = app.get(&format!("/preview?preview_token={PREVIEW_TOKEN}&phoneNumber=%2B3220000000")).await;
    let html = text(&body);
    assert_eq!(selected(&html), "Someone else (type below)");
    assert!(html.contains(r#"name="phoneNumber" autocomplete="off" value="+3220000000""#), "{html}");

    // Loaded with the preview's token, the frame may be framed by this server's own pages as
    // well as Belco's, and sends its messages to such a parent: nothing is switched off.
    let (status, headers, body) =
        app.get(&format!("/frame?preview_token={PREVIEW_TOKEN}&email=newest@example.com")).await;
    assert_eq!(status, StatusCode::OK);
    let csp = headers["content-security-policy"].to_str().expect("ascii");
    assert!(csp.contains("frame-ancestors https://app.belco.io 'self';"), "{csp}");
    let frame = text(&body);
    assert!(frame.contains("window.parent.location.origin===location.origin"), "{frame}");
    assert!(frame.contains(r#"var o="https://app.belco.io""#), "{frame}");
    assert!(frame.contains(r#"panel-header__name">newest@example.com<"#), "the customer's panel: {frame}");

    // Loaded by Belco, with a shop token, the same server's frame is Belco's alone.
    let (_, headers, body) = app.get(&format!("/frame?token={TOKEN}&email=newest@example.com")).await;
    let csp = headers["content-security-policy"].to_str().expect("ascii");
    assert!(csp.contains("frame-ancestors https://app.belco.io;") && !csp.contains("belco.io 'self'"), "{csp}");
    assert!(!text(&body).contains("location.origin"), "the resize script targets Belco alone");
}

#[tokio::test]
async fn the_orders_block_is_the_orders_apis_answer_as_belco_lists_it() {
    let app = preview_app().await;
    app.import(&customers()).await.expect("import");
    let (status, headers, body) =
        app.get(&format!("/preview/orders?preview_token={PREVIEW_TOKEN}&email=older@example.com&phoneNumber=")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["cache-control"], "no-store");
    let html = text(&body);
    // Both orders, newest first, as the API answered them.
    let (a2, a1) = (html.find("#Na2").expect("a2"), html.find("#Na1").expect("a1"));
    assert!(a2 < a1, "{html}");
    assert!(
        html.contains("2024-02-01")
            && html.contains("EUR 10.00")
            && html.contains("2 × Thing")
            && html.contains("EUR 5.00"),
        "{html}"
    );
    assert!(html.contains("The JSON Belco received (200)"), "{html}");
    assert!(html.contains("&quot;orders&quot;") || html.contains("\"orders\""), "the JSON beneath: {html}");
    assert!(html.contains("/api/v1.0/orders?token=•••&amp;email=older@example.com"), "{html}");
    assert!(!html.contains(PREVIEW_TOKEN), "the token is never shown: {html}");
    // Wherever the token stands in the query, and however often.
    let query = format!("email=older@example.com&preview_token={PREVIEW_TOKEN}&preview_token={PREVIEW_TOKEN}");
    let (status, _, body) = app.get(&format!("/preview/orders?{query}")).await;
    assert_eq!(status, StatusCode::OK);
    let html = text(&body);
    assert!(html.contains("/api/v1.0/orders?token=•••&amp;email=older@example.com<"), "{html}");
    assert!(!html.contains(PREVIEW_TOKEN), "{html}");

    // Nobody, or a link naming two customers: Belco's empty answer.
    for query in ["email=nobody@example.com", "email=older@example.com&email=newest@example.com"] {
        let (_, _, body) = app.get(&format!("/preview/orders?preview_token={PREVIEW_TOKEN}&{query}")).await;
        assert!(text(&body).contains("No orders found for this customer."), "{query}");
    }
    // An answer that is not a list of orders says why Belco would show nothing.
    let (_, _, body) = app.get(&format!("/preview/orders?preview_token={PREVIEW_TOKEN}&email=%FF")).await;
    let html = text(&body);
    assert!(html.contains("Belco would show nothing: the orders API answered 400"), "{html}");
}

#[tokio::test]
async fn the_preview_shows_belcos_last_calls_masked() {
    let app = preview_app().await;
    app.import(&customers()).await.expect("import");
    let (status, _, body) = app.get(&format!("/preview/calls?preview_token={PREVIEW_TOKEN}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text(&body).contains("No calls yet"), "{}", text(&body));

    app.get(&format!("/frame?token={TOKEN}&email=newest@example.com")).await;
    app.get(&format!("/preview/orders?preview_token={PREVIEW_TOKEN}&email=older@example.com")).await;
    app.get("/api/v1.0/orders?token=wrong&email=newest@example.com").await;
    let (_, _, body) = app.get(&format!("/preview/calls?preview_token={PREVIEW_TOKEN}")).await;
    let html = text(&body);
    let (lookup, frame, refused) = (
        html.find(">preview_orders<").expect("the preview's lookup"),
        html.find(">frame<").expect("the frame load"),
        html.find("the token is not one of BELCO_TOKENS").expect("the refusal"),
    );
    assert!(lookup < frame, "newest first: {html}");
    assert!(frame < refused, "refusals apart, after Belco's calls: {html}");
    assert!(html.contains("Refused: the token was missing or wrong"), "{html}");
    assert!(html.contains("n•••@e•••.com") && !html.contains("newest@example.com"), "{html}");
    assert!(!html.contains(TOKEN) && !html.contains(PREVIEW_TOKEN) && !html.contains("wrong&"), "{html}");
    assert!(html.contains("calls__row--failed"), "the refusal stands out: {html}");
}

#[tokio::test]
async fn the_previews_lookups_are_recorded_as_belcos_are() {
    let app = preview_app().await;
    app.import(&customers()).await.expect("import");
    let (status, _, _) =
        app.get(&format!("/preview/orders?preview_token={PREVIEW_TOKEN}&email=older@example.com")).await;
    assert_eq!(status, StatusCode::OK);
    let key = belco::phone::customer_key("older@example.com", "", belco::phone::parse_region("NL").expect("NL"));
    let hashed = app.state.config.pseudonyms.as_ref().expect("a pseudonym key").of(&key);
    let mut records = Vec::new();
    for _ in 0..2000 {
        records = app.store.accesses(&hashed, 10).await.expect("accesses");
        if !records.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(records.len(), 1, "the lookup is recorded");
    assert_eq!((records[0].route.as_str(), records[0].orders), ("preview_orders", Some(2)));
}

async fn the_picker_lists_each_customer_once_newest_first(app: TestApp) {
    app.import(&file(&[
        order("x1", "ann@example.com", "", "2024-01-01T10:00:00Z"),
        order("x2", "bob@example.com", "+31612345678", "2024-03-01T10:00:00Z"),
        order("x3", "ANN@example.com", "", "2024-04-01T10:00:00Z"),
        order("x4", "", "0612345679", "2024-02-01T10:00:00Z"),
    ]))
    .await
    .expect("import");
    let customers = app.store.recent_customers(10).await.expect("customers");
    let shown: Vec<(&str, &str)> = customers.iter().map(|c| (c.email.as_str(), c.phone.as_str())).collect();
    // Ann's newest order wrote her address in capitals: it is the same customer, listed once,
    // as her newest order wrote her.
    assert_eq!(shown, [("ANN@example.com", ""), ("bob@example.com", "+31612345678"), ("", "0612345679")]);
    assert_eq!(app.store.recent_customers(1).await.expect("one").len(), 1);
}

on_both_backends!(the_picker_lists_each_customer_once_newest_first);
