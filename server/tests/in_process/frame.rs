//! Belco's Custom Frame (`/frame`) as the server renders it, on SQLite and PostgreSQL: the token
//! first, the customer's panel with its data in the first HTML, the company panel, the headers.

use axum::http::{HeaderMap, StatusCode};
use belco::money::Currency;
use belco::phone::customer_key;
use belco::store::{CustomerSummary, RecordLimits};

use crate::common::*;

on_both_backends!(
    the_customer_panel_holds_the_customers_orders_and_no_one_elses,
    a_phone_alone_finds_the_customer_as_belco_sends_it,
    a_customer_without_orders_gets_a_panel_saying_so,
    a_wrong_or_missing_token_shows_nothing_and_answers_401,
    the_headers_keep_the_frame_inside_belco,
    the_company_panel_appears_without_email_and_phone,
    the_customer_summary_adds_up_all_orders,
    identifiers_that_cannot_be_read_get_a_panel_without_notes_or_forms,
    a_link_naming_two_customers_shows_no_one,
    totals_beyond_i64_read_the_same_however_they_are_summed,
    the_company_panel_does_not_count_the_orders_on_every_load,
);

/// More orders than the panel lists (`BELCO_ORDERS_LIMIT=2` against John's three): the newest two
/// are shown, and the header still counts and adds up all three, which only storage knows.
mod more_orders_than_the_panel_lists {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        the_header_still_counts_them_all(Backend::Sqlite).await
    }

    #[tokio::test]
    async fn postgres() {
        the_header_still_counts_them_all(Backend::Postgres).await
    }

    async fn the_header_still_counts_them_all(backend: Backend) {
        let app = TestApp::with(backend, |vars| _ = vars.insert("BELCO_ORDERS_LIMIT".into(), "2".into())).await;
        app.import(&orders()).await.expect("import");
        let (status, _, html) = frame(&app, &format!("token={TOKEN}&email=john@example.com")).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("#N103") && html.contains("#N102") && !html.contains("#N101"), "{html}");
        assert!(html.contains("The newest 2 of 3 orders."), "{html}");
        // Order 101, not listed, is the oldest and holds €10.00 of the €35.50.
        assert!(html.contains("1 May 2023") && html.contains("€35.50") && html.contains("JPY\u{a0}1,200"), "{html}");
        assert!(html.contains("John Doe"), "{html}");
    }
}

/// An order whose stored products cannot be read (a damaged row: only the import writes them)
/// still shows, with a sentence where its products would be, and so does the rest of the panel.
#[tokio::test]
async fn an_order_with_damaged_products_still_shows() {
    let app = TestApp::new(Backend::Sqlite).await;
    app.import(&orders()).await.expect("import");
    let db = sqlx::SqlitePool::connect(app.state.config.database_url.expose()).await.expect("the test database");
    let damaged =
        sqlx::query("UPDATE orders SET products = '[{\"name\": ' WHERE id = '102'").execute(&db).await.expect("update");
    assert_eq!(damaged.rows_affected(), 1);
    db.close().await;
    let (status, _, html) = frame(&app, &format!("token={TOKEN}&email=john@example.com")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(html.matches(r#"<li class="order">"#).count(), 3, "{html}");
    assert_eq!(html.matches("The products of this order could not be read.").count(), 1, "{html}");
    assert!(!html.contains("Product of 102") && html.contains("note of 102") && html.contains("Product of 101"));
}

/// Orders stored before currency codes were checked against ISO 4217 took any three letters,
/// with amounts in hundredths: they still show, as they were written.
#[tokio::test]
async fn an_order_stored_with_a_code_iso_does_not_list_still_shows() {
    let app = TestApp::new(Backend::Sqlite).await;
    app.import(&orders()).await.expect("import");
    let db = sqlx::SqlitePool::connect(app.state.config.database_url.expose()).await.expect("the test database");
    let legacy = sqlx::query("UPDATE orders SET currency = 'XXQ' WHERE id = '102'").execute(&db).await.expect("update");
    assert_eq!(legacy.rows_affected(), 1);
    db.close().await;
    let (status, _, html) = frame(&app, &format!("token={TOKEN}&email=john@example.com")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(html.matches(r#"<li class="order">"#).count(), 3, "{html}");
    assert!(html.contains("XXQ\u{a0}25.50"), "the order and the customer's total in XXQ: {html}");
    assert!(html.contains("€10.00") && html.contains("JPY\u{a0}1,200"), "the other currencies as before: {html}");
}

/// Orders of two customers: John (three orders, two currencies, a name on all but the newest)
/// and Jane.
fn orders() -> String {
    let order = |id: &str, email: &str, name: Option<&str>, date: &str, currency: &str, total: &str| {
        let mut order = serde_json::json!({
            "id": id, "number": format!("N{id}"), "date": date, "status": "processing", "currency": currency,
            "note": format!("note of {id}"),
            "products": [{"name": format!("Product of {id}"), "quantity": 2, "price": 5}],
            "url": format!("https://shop.example/o/{id}"), "email": email, "phoneNumber": "",
        });
        order["total"] = serde_json::from_str(total).expect("number");
        if let Some(name) = name {
            order["customerName"] = name.into();
        }
        order.to_string()
    };
    file(&[
        order("101", "john@example.com", Some("John Old-Name"), "2023-05-01", "EUR", "10.00"),
        order("102", "John@Example.com", Some("John Doe"), "2024-02-03", "EUR", "25.50"),
        order("103", "john@example.com", None, "2024-06-07", "JPY", "1200"),
        order("201", "jane@example.com", Some("Jane Roe"), "2024-03-01", "EUR", "99.00"),
    ])
}

/// The frame for `query` (the token is the query's own), in English: [`ENGLISH`] goes first.
async fn frame(app: &TestApp, query: &str) -> (StatusCode, HeaderMap, String) {
    let (status, headers, body) = app.get(&format!("/frame?{ENGLISH}&{query}")).await;
    (status, headers, String::from_utf8(body.to_vec()).expect("utf-8"))
}

async fn the_customer_panel_holds_the_customers_orders_and_no_one_elses(app: TestApp) {
    app.import(&orders()).await.expect("import");
    let (status, _, html) = frame(&app, &format!("token={TOKEN}&email=JOHN@example.com&phoneNumber=")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    // The name of the newest order that has one; the email as given.
    assert!(html.contains("John Doe"), "{html}");
    assert!(!html.contains("John Old-Name"));
    assert!(html.contains("JOHN@example.com"));
    assert!(html.contains("Customer since") && html.contains("1 May 2023"), "{html}");
    assert!(html.contains("€35.50") && html.contains("JPY\u{a0}1,200"), "totals per currency: {html}");
    // Newest first, each a <details> with products, note and a link that leaks nothing.
    let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle} missing from {html}"));
    assert!(at("#N103") < at("#N102") && at("#N102") < at("#N101"));
    assert_eq!(html.matches(r#"<li class="order">"#).count(), 3);
    assert!(html.contains("Product of 102") && html.contains("note of 102") && html.contains("€25.50"));
    assert!(html.contains(r#"href="https://shop.example/o/102" target="_blank" rel="noopener noreferrer""#), "{html}");
    // Nothing of Jane's.
    for other in ["Jane", "jane@example.com", "N201", "99.00", "Product of 201"] {
        assert!(!html.contains(other), "{other} must not appear");
    }
    // Data in the first HTML: no Suspense fallback or streamed chunk waiting for JavaScript.
    assert!(!html.contains("<template"), "{html}");
}

async fn a_phone_alone_finds_the_customer_as_belco_sends_it(app: TestApp) {
    app.import(&file(&[order("7", "", "06 12345678", "2024-01-01")])).await.expect("import");
    // Unencoded plus, an empty email left in the shop's URL, the token last.
    let (status, _, html) = frame(&app, &format!("email=&phoneNumber=+31612345678&token={TOKEN}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("#N7") && html.contains("+31612345678"), "{html}");
}

async fn a_customer_without_orders_gets_a_panel_saying_so(app: TestApp) {
    app.import(&orders()).await.expect("import");
    let (status, _, html) = frame(&app, &format!("token={TOKEN}&email=nobody@example.com")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("nobody@example.com") && html.contains("No orders yet"), "{html}");
    assert!(!html.contains(r#"class="order""#) && !html.contains("John"), "{html}");
}

async fn identifiers_that_cannot_be_read_get_a_panel_without_notes_or_forms(app: TestApp) {
    app.import(&orders()).await.expect("import");
    let (status, _, html) = frame(&app, &format!("token={TOKEN}&email=not-an-email&phoneNumber=call%20me")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No orders yet") && html.contains("need an email address or phone number"), "{html}");
    // Nothing signed: a capability for nobody would be a capability for anybody's empty key.
    assert!(!html.contains("v1.") && !html.contains("John"), "{html}");
}

/// Belco appended a contact's address `x&email=john@example.com` without encoding it: the link
/// names two customers, and the panel shows neither, signs nothing, and says why.
async fn a_link_naming_two_customers_shows_no_one(app: TestApp) {
    app.import(&orders()).await.expect("import");
    for query in [
        format!("token={TOKEN}&email=x&email=john@example.com&phoneNumber="),
        format!("token={TOKEN}&email=jane@example.com&email=john@example.com"),
        format!("token={TOKEN}&email=john@example.com&phoneNumber=0612345678&phoneNumber=0687654321"),
    ] {
        let (status, _, html) = frame(&app, &query).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert!(html.contains("More than one customer") && html.contains("names more than one customer"), "{html}");
        for data in ["John", "john@example.com", "jane@example.com", "#N10", "v1.", "Notes", "Company"] {
            assert!(!html.contains(data), "{query}: {data} must not appear in {html}");
        }
    }
    // The same address twice is that customer.
    let (status, _, html) = frame(&app, &format!("token={TOKEN}&email=john@example.com&email=john@example.com")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("John Doe"), "{html}");
}

async fn a_wrong_or_missing_token_shows_nothing_and_answers_401(app: TestApp) {
    app.import(&orders()).await.expect("import");
    for query in [
        "email=john@example.com".to_owned(),
        "token=&email=john@example.com".to_owned(),
        "token=wrong-token-aaaaaaaaaaaa&email=john@example.com".to_owned(),
        format!("token={TOKEN}x&email=john@example.com"),
        format!("token={}&email=john@example.com", &TOKEN[..TOKEN.len() - 1]),
        "token=wrong-token-aaaaaaaaaaaa".to_owned(),
    ] {
        let (status, headers, html) = frame(&app, &query).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{query}");
        assert!(html.contains("Not authorized"), "{html}");
        for data in ["John", "john@example.com", "#N10", "Company", "Orders"] {
            assert!(!html.contains(data), "{query}: {data} must not appear in {html}");
        }
        assert_eq!(headers["cache-control"], "no-store");
    }
    // The rotated token works too.
    let (status, _, html) = frame(&app, &format!("token={ROTATED_TOKEN}&email=john@example.com")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("John Doe"));
}

async fn the_headers_keep_the_frame_inside_belco(app: TestApp) {
    app.import(&orders()).await.expect("import");
    let (status, headers, html) = frame(&app, &format!("token={TOKEN}&email=john@example.com")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let csp = headers["content-security-policy"].to_str().expect("ascii");
    assert!(csp.contains("frame-ancestors https://app.belco.io;"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("base-uri 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains('*'), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce in the CSP");
    assert!(nonce.len() >= 16, "{nonce}");

    // Every script on the page carries that nonce, the resize script among them.
    let scripts: Vec<&str> =
        html.split("<script").skip(1).map(|rest| rest.split('>').next().expect("tag end")).collect();
    assert!(!scripts.is_empty(), "{html}");
    for tag in &scripts {
        assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "script without the nonce: <script{tag}> in {html}");
    }
    assert!(html.contains("postMessage({action:'resize',height:h},o)"), "{html}");
    assert!(html.contains(r#"var o="https://app.belco.io""#), "{html}");
    // Leptos's island script, with the wasm as cargo-leptos names it, after the idle shim.
    assert!(html.contains(r#"<link rel="modulepreload" href="/pkg/belco-panel.js""#), "{html}");
    assert!(html.contains(r#"href="/pkg/belco-panel.wasm""#), "{html}");
    let shim = html.find("requestIdleCallback=function").expect("the idle shim");
    assert!(shim < html.find("<script type=\"module\"").expect("the island script"), "{html}");

    // The forms' cards, the one part rendered at startup, are in the page as Leptos renders them.
    let forms = belco::forms::FormSet::load(std::path::Path::new(FORMS_FILE), &app::i18n::codes()).expect("forms.toml");
    let english = app::i18n::Locales::built_in(app::i18n::Locales::built_in_code("en").expect("English"));
    let cards = app::FormCards::render(&forms, &english).of(belco::forms::Scope::Customer, "en");
    assert!(cards.contains("Return request") && !cards.contains("<!DOCTYPE"), "{cards}");
    assert!(html.contains(&format!("<div class=\"forms__list\">{cards}</div>")), "{html}");

    // A fresh nonce per response.
    let (_, again, _) = frame(&app, &format!("token={TOKEN}&email=john@example.com")).await;
    assert_ne!(again["content-security-policy"], headers["content-security-policy"]);

    // The refusal carries the same protections.
    let (status, headers, _) = frame(&app, "token=nope").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        headers["content-security-policy"].to_str().expect("ascii").contains("frame-ancestors https://app.belco.io;")
    );
    assert_eq!(headers["referrer-policy"], "no-referrer");

    // A configured origin replaces Belco's in the policy and the script.
    let custom = TestApp::with(Backend::Sqlite, |vars| {
        vars.insert("BELCO_ORIGIN".into(), "https://belco.test:8443".into());
    })
    .await;
    let (_, headers, html) = frame(&custom, &format!("token={TOKEN}")).await;
    let csp = headers["content-security-policy"].to_str().expect("ascii");
    assert!(csp.contains("frame-ancestors https://belco.test:8443;"), "{csp}");
    assert!(html.contains(r#"var o="https://belco.test:8443""#), "{html}");
}

async fn the_company_panel_appears_without_email_and_phone(app: TestApp) {
    app.import(&orders()).await.expect("import");
    for query in [format!("token={TOKEN}"), format!("token={TOKEN}&email=&phoneNumber=")] {
        let (status, headers, html) = frame(&app, &query).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<h1>Company</h1>"), "{html}");
        assert!(html.contains("Orders stored") && html.contains("<dd>4</dd>"), "{html}");
        for data in ["John", "Jane", "john@example.com", r#"class="order""#] {
            assert!(!html.contains(data), "{data} must not appear in {html}");
        }
        assert_eq!(headers["cache-control"], "no-store");
    }
}

async fn the_customer_summary_adds_up_all_orders(app: TestApp) {
    app.import(&orders()).await.expect("import");
    let region = app.state.config.phone_region;
    let john = app.store.customer_summary(&customer_key("john@example.com", "", region)).await.expect("summary");
    assert_eq!(john.name.as_deref(), Some("John Doe"));
    assert_eq!(john.orders, 3);
    assert_eq!(john.first_order_at, belco::time::parse_instant("2023-05-01"));
    let code = |c: &str| Currency::parse(c).expect("currency");
    assert_eq!(john.totals, vec![(code("EUR"), 3550), (code("JPY"), 1200)]);

    // What the panel works out from the orders themselves when it has all of them is the same,
    // and so is what it reads when it has only some (John has three orders).
    for email in ["john@example.com", "jane@example.com", "nobody@example.com"] {
        let key = customer_key(email, "", region);
        let orders = app.store.orders(&key, 50).await.expect("orders");
        let summary = app.store.customer_summary(&key).await.expect("summary");
        assert_eq!(CustomerSummary::of(&orders), summary, "{email}");
        for limit in [50, 2] {
            let limits = RecordLimits { orders: limit, notes: 10, submissions: 10 };
            let records = app.store.customer_records(&key, limits).await.expect("records");
            assert_eq!(records.summary, summary, "{email}, {limit}");
            assert_eq!(records.orders, orders.iter().take(limit as usize).cloned().collect::<Vec<_>>(), "{email}");
        }
    }

    let nobody = app.store.customer_summary(&customer_key("nobody@example.com", "", region)).await.expect("summary");
    assert_eq!(nobody, Default::default());
    let no_key = app.store.customer_summary(&customer_key("", "", region)).await.expect("summary");
    assert_eq!(no_key, Default::default());
}

async fn totals_beyond_i64_read_the_same_however_they_are_summed(app: TestApp) {
    // Three orders in JPY (no decimals) of 9·10^18 yen: together past i64::MAX, which made both
    // databases' SUM fail while Rust saturated. And a customer whose huge totals cancel out.
    let huge = |id: &str, email: &str, total: &str| {
        order(id, email, "", "2024-01-01")
            .replace("\"currency\":\"EUR\"", "\"currency\":\"JPY\"")
            .replace("\"total\":10", &format!("\"total\":{total}"))
    };
    let mut orders: Vec<String> =
        (1..=3).map(|n| huge(&format!("big{n}"), "big@example.com", "9000000000000000000")).collect();
    orders.push(order("small", "big@example.com", "", "2024-01-02"));
    app.import(&file(&orders)).await.expect("import");
    let region = app.state.config.phone_region;
    let key = customer_key("big@example.com", "", region);
    let code = |c: &str| Currency::parse(c).expect("currency");
    let want = vec![(code("EUR"), 1000), (code("JPY"), i64::MAX)];

    let summary = app.store.customer_summary(&key).await.expect("summed by the database");
    assert_eq!(summary.totals, want);
    assert_eq!(summary.orders, 4);
    let orders = app.store.orders(&key, 50).await.expect("orders");
    assert_eq!(CustomerSummary::of(&orders), summary, "summed in Rust");
    for limit in [50, 2] {
        let limits = RecordLimits { orders: limit, notes: 10, submissions: 10 };
        let records = app.store.customer_records(&key, limits).await.expect("records");
        assert_eq!(records.summary, summary, "limit {limit}");
    }
    let (status, _, body) = app.get(&format!("/frame?token={TOKEN}&email=big@example.com")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
}

async fn the_company_panel_does_not_count_the_orders_on_every_load(app: TestApp) {
    app.import(&orders()).await.expect("import");
    let company = || async {
        let (status, _, html) = frame(&app, &format!("token={TOKEN}")).await;
        assert_eq!(status, StatusCode::OK);
        html
    };
    assert!(company().await.contains("<dt>Orders stored</dt><dd>4</dd>"));
    app.import(&file(&[order("later", "later@example.com", "", "2024-06-01")])).await.expect("import");
    assert_eq!(app.store.count_orders().await.expect("count"), 5);
    // Within the minute the panel shows the count it made: it did not count again.
    for _ in 0..3 {
        let html = company().await;
        assert!(html.contains("<dt>Orders stored</dt><dd>4</dd>"), "{html}");
    }
}
