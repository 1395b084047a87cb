//! What the test binaries share (`in_process`, `processes`, `postgres_outage`). Here: a `TestApp`,
//! the real router on a fresh database (a SQLite file in a temp dir, or a new database on the
//! PostgreSQL server named by `TEST_DATABASE_URL`), with helpers to call it, and the test secrets
//! and customers. Beside it, helpers more than one feature's tests use: the real binary as a
//! server (`server_process`) and as a command (`cli`), traffic against it (`workload`), real
//! sockets through the production accept loop (`tcp`), the frame's server functions
//! (`server_fns`), orders sent by push and import (`orders_in`), the webhook receiver
//! (`webhook_receiver`), erasure traces (`gdpr`) and the property tests' runner (`properties`).
//!
//! Every path into the server crate (`server::…`) is named in this directory only, so that a move
//! inside the server changes the tests here and nowhere else.
#![allow(dead_code)]

pub mod cli;
pub mod gdpr;
pub mod orders_in;
pub mod properties;
pub mod server_fns;
pub mod server_process;
pub mod tcp;
pub mod webhook_receiver;
pub mod workload;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use belco::import::{ImportError, Progress, import_file};
use belco::pseudonym::Pseudonyms;
use belco::push::PushVerifier;
use belco::secret::Secret;
use belco::store::{Store, WriteCounts};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use server::AppState;
use server::config::Config;
use tower::ServiceExt;

pub const TOKEN: &str = "test-token-aaaaaaaaaaaaaaaa";
pub const ROTATED_TOKEN: &str = "test-token-bbbbbbbbbbbbbbbb";
pub const SIGNING_KEY: &str = "test-signing-key-0123456789abcdef0123456789";
pub const PSEUDONYM_KEY: &str = "test-pseudonym-key-0123456789abcdef01234567";
/// The forms file shipped with the repository: the tests use the shop's example as it is.
pub const FORMS_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../forms.toml");
pub const PUSH_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw0N1Em6j9bW4=";
/// `BELCO_PREVIEW_TOKEN` where a test turns the preview on.
pub const PREVIEW_TOKEN: &str = "preview-token-cccccccccccccc";

/// The customers the tests look up and write for.
pub const ALICE: &str = "alice@example.com";
pub const JOHN: &str = "john@example.com";

/// The example order from Belco's documentation, with the `email` and `phoneNumber` it allows.
pub const SPEC_ORDER: &str = r#"{
  "id": "1234",
  "note": "Note",
  "number": "1234",
  "date": "2020-01-01T00:00Z",
  "createdAt": "2020-01-01T00:00Z",
  "updatedAt": "2020-01-01T00:00Z",
  "status": "processing",
  "currency": "EUR",
  "products": [{
    "name": "Product X",
    "quantity": 1,
    "price": 10.00
  }],
  "total": 10.00,
  "url": "https://shop.nl/order/1234",
  "email": "john@example.com",
  "phoneNumber": "+31612345678"
}"#;

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub router: Router,
    pub store: Store,
    pub state: AppState,
    pub dir: tempfile::TempDir,
}

/// Generates one `#[tokio::test]` per backend for each listed `async fn(TestApp)` of the module it
/// is called in (once per module: it makes the modules `sqlite` and `postgres` there).
#[allow(unused_macros)]
macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $test() { super::$test($crate::common::TestApp::new($crate::common::Backend::Sqlite).await).await }) *
        }
        mod postgres {
            $(#[tokio::test] async fn $test() { super::$test($crate::common::TestApp::new($crate::common::Backend::Postgres).await).await }) *
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on_both_backends;

static DATABASES: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty database for one test.
pub async fn fresh_database(backend: Backend, dir: &tempfile::TempDir) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.path().join("belco.db").display()),
        Backend::Postgres => {
            let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
                panic!(
                    "TEST_DATABASE_URL is not set: the PostgreSQL tests need a server (scripts/test starts one; see README)"
                );
            };
            let name = format!("belco_t{}_{}", std::process::id(), DATABASES.fetch_add(1, Ordering::Relaxed));
            let admin = sqlx::PgPool::connect(&admin_url).await.expect("connect to TEST_DATABASE_URL");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&admin).await.expect("drop");
            // A linguistic collation, as a shop's database usually has (en_US.UTF-8), not the
            // server's C.UTF-8 default, which compares bytewise and would hide any query that
            // orders text by the database's collation instead of bytewise as SQLite does.
            sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"))
                .execute(&admin)
                .await
                .expect("create database (the role needs CREATEDB)");
            admin.close().await;
            let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
            url.set_path(&name);
            url.to_string()
        }
    }
}

pub fn vars(backend_url: &str) -> HashMap<String, String> {
    HashMap::from([
        ("DATABASE_URL".to_string(), backend_url.to_string()),
        ("BELCO_TOKENS".to_string(), format!("{TOKEN},{ROTATED_TOKEN}")),
        ("BELCO_PUSH_SECRET".to_string(), PUSH_SECRET.to_string()),
        ("BELCO_SIGNING_KEY".to_string(), SIGNING_KEY.to_string()),
        ("BELCO_PSEUDONYM_KEY".to_string(), PSEUDONYM_KEY.to_string()),
        ("BELCO_FORMS".to_string(), FORMS_FILE.to_string()),
        // As in production (a debug build, as the tests are, turns the preview on by default).
        ("BELCO_PREVIEW".to_string(), "off".to_string()),
    ])
}

impl TestApp {
    pub async fn new(backend: Backend) -> Self {
        Self::with(backend, |_| {}).await
    }

    /// A test app whose configuration variables `adjust` may change first.
    pub async fn with(backend: Backend, adjust: impl FnOnce(&mut HashMap<String, String>)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = fresh_database(backend, &dir).await;
        let mut vars = vars(&url);
        adjust(&mut vars);
        let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("test config");
        let store = Store::connect(config.database_url.expose()).await.expect("connect store");
        let leptos_options = LeptosOptions::builder().output_name("belco-panel").build();
        // As `belco-panel serve` assembles it, without listeners or webhook deliveries (a test
        // starts those when it wants them); the access log's writer runs on, detached, until the
        // test ends.
        let app = server::Application::assemble(config, store.clone(), leptos_options);
        let (router, state) = (app.router(), app.state().clone());
        Self { router, store, state, dir }
    }

    pub async fn send(&self, request: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
        let response = self.router.clone().oneshot(request).await.expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("body").to_bytes();
        (status, headers, body)
    }

    pub async fn get(&self, uri: &str) -> (StatusCode, HeaderMap, Bytes) {
        self.send(Request::get(uri).body(Body::empty()).expect("request")).await
    }

    /// `GET /api/v1.0/orders?token=TOKEN&{query}` → (status, parsed JSON).
    pub async fn orders(&self, query: &str) -> (StatusCode, serde_json::Value) {
        let (status, _, body) = self.get(&format!("/api/v1.0/orders?token={TOKEN}&{query}")).await;
        (status, serde_json::from_slice(&body).unwrap_or_else(|_| panic!("JSON body: {body:?}")))
    }

    /// The ids the orders API returns for `query`, in order.
    pub async fn order_ids(&self, query: &str) -> Vec<String> {
        let (status, json) = self.orders(query).await;
        assert_eq!(status, StatusCode::OK, "{json}");
        json["orders"]
            .as_array()
            .expect("orders array")
            .iter()
            .map(|o| o["id"].as_str().expect("id").to_owned())
            .collect()
    }

    /// Writes `json` to a file and imports it as `belco-panel import` does; returns how many
    /// orders were written.
    pub async fn import(&self, json: &str) -> Result<u64, ImportError> {
        self.import_counted(json).await.map(|counts| counts.upserted)
    }

    /// [`TestApp::import`], with all the counts (written, skipped as stale).
    pub async fn import_counted(&self, json: &str) -> Result<WriteCounts, ImportError> {
        let path = self.dir.path().join(format!("orders-{}.json", DATABASES.fetch_add(1, Ordering::Relaxed)));
        std::fs::write(&path, json).expect("write import file");
        import_file(&self.store, &path, self.state.config.phone_region, Arc::new(Progress::default())).await
    }

    /// A push request signed as the shop's backend would sign it (`at` = Unix seconds).
    pub fn signed(&self, method: &str, uri: &str, webhook_id: &str, at: i64, body: &str) -> Request<Body> {
        let signature =
            PushVerifier::new(&Secret::new(PUSH_SECRET)).expect("secret").sign(webhook_id, at, body.as_bytes());
        Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .header("webhook-id", webhook_id)
            .header("webhook-timestamp", at.to_string())
            .header("webhook-signature", signature)
            .body(Body::from(body.to_owned()))
            .expect("request")
    }

    /// Serves the same app on 127.0.0.1 port 0, as `belco-panel serve` does.
    pub async fn spawn(&self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let router = self.router.clone();
        tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
        addr
    }

    /// The same app's router with `log` as its access log instead of its own.
    pub fn router_with_access_log(&self, log: Arc<AccessLog>) -> Router {
        server::app(AppState { access: Some(log), ..self.state.clone() })
    }
}

/// An app whose failed-token throttle allows three failures a minute, behind `proxies` if any.
pub async fn three_failures_per_minute(backend: Backend, proxies: Option<&str>) -> TestApp {
    TestApp::with(backend, |vars| {
        vars.insert("BELCO_TOKEN_FAILURES_PER_MINUTE".into(), "3".into());
        if let Some(proxies) = proxies {
            vars.insert("BELCO_TRUSTED_PROXIES".into(), proxies.into());
        }
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The server's parts a test starts itself

pub type AccessLog = server::tasks::access_log::AccessLog;
pub type AccessLogWriter = server::tasks::access_log::Writer;
pub type Deliverer = server::tasks::deliveries::Deliverer;

/// The access log's writer, as `belco-panel serve` starts it.
pub fn start_access_log(
    store: Store,
    pseudonyms: Arc<Pseudonyms>,
    retention: Duration,
) -> (Arc<AccessLog>, AccessLogWriter) {
    server::tasks::access_log::start(store, pseudonyms, retention)
}

/// The access log's writer with a queue of `capacity` records.
pub fn start_access_log_with_capacity(
    store: Store,
    pseudonyms: Arc<Pseudonyms>,
    retention: Duration,
    capacity: usize,
) -> (Arc<AccessLog>, AccessLogWriter) {
    server::tasks::access_log::start_with_capacity(store, pseudonyms, retention, capacity)
}

/// The forms' webhook deliveries, as `belco-panel serve` starts them.
pub fn start_deliveries(store: Store, webhooks: server::config::Webhooks) -> Deliverer {
    server::tasks::deliveries::start(store, webhooks)
}

/// The process's Prometheus recorder, installed by the first call.
pub fn metrics_exporter() -> &'static metrics_exporter_prometheus::PrometheusHandle {
    server::metrics::exporter()
}

/// `BELCO_MAX_REQUESTS_PER_CLIENT` when it is not set.
pub const DEFAULT_MAX_REQUESTS_PER_CLIENT: usize = server::config::DEFAULT_MAX_REQUESTS_PER_CLIENT;

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// An order in Belco's shape for customer `email`/`phone`, dated `date`.
pub fn order(id: &str, email: &str, phone: &str, date: &str) -> String {
    serde_json::json!({
        "id": id, "number": format!("N{id}"), "date": date, "status": "completed", "currency": "EUR",
        "products": [{"name": "Thing", "quantity": 2, "price": 5}], "total": 10,
        "url": format!("https://shop.example/o/{id}"), "email": email, "phoneNumber": phone,
    })
    .to_string()
}

pub fn file(orders: &[String]) -> String {
    format!("{{\"orders\":[{}]}}", orders.join(","))
}

/// How many rows the tables a request could write to hold: what "nothing was stored" compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowCounts {
    pub orders: i64,
    pub notes: i64,
    pub submissions: i64,
    pub push_receipts: i64,
}

impl TestApp {
    /// Counts every table's rows: orders through the `Store`, which has no total for the others,
    /// and those with one `COUNT(*)` each on the test's own database.
    pub async fn row_counts(&self) -> RowCounts {
        let orders = self.store.count_orders().await.expect("count orders");
        let url = self.state.config.database_url.expose();
        let tables = ["notes", "form_submissions", "push_receipts"];
        let mut counts = [0i64; 3];
        if url.starts_with("sqlite:") {
            let db = sqlx::SqlitePool::connect(url).await.expect("the test database");
            for (count, table) in counts.iter_mut().zip(tables) {
                *count =
                    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&db).await.expect(table);
            }
            db.close().await;
        } else {
            let db = sqlx::PgPool::connect(url).await.expect("the test database");
            for (count, table) in counts.iter_mut().zip(tables) {
                *count =
                    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&db).await.expect(table);
            }
            db.close().await;
        }
        let [notes, submissions, push_receipts] = counts;
        RowCounts { orders, notes, submissions, push_receipts }
    }
}

/// A capability for `subject` as the server signs it into a page, issued `age_millis` ago
/// (older than an hour is expired).
pub fn capability_issued(subject: &belco::capability::Subject, age_millis: i64) -> String {
    let signer = belco::capability::Signer::new(&Secret::new(SIGNING_KEY), std::time::Duration::from_secs(3600))
        .expect("the test signing key");
    signer.issue(subject, belco::store::now_millis() - age_millis)
}

/// The frame's query parameter that asks for the panel in English. The panel's default language
/// is Dutch (`BELCO_LANGUAGE`), so every test that reads the panel's English words asks for them:
/// `/frame?token=…&{ENGLISH}&email=…`.
pub const ENGLISH: &str = "lang=en";

/// `args` of a panel server function (`notes/…`, `forms/…`) asking for its answer in English
/// (`"language": "en"`), unless they name a language themselves; other functions' as they are.
pub fn in_english(endpoint: &str, args: &serde_json::Value) -> serde_json::Value {
    let mut args = args.clone();
    if (endpoint.starts_with("notes/") || endpoint.starts_with("forms/"))
        && let Some(object) = args.as_object_mut()
    {
        object.entry("language").or_insert_with(|| "en".into());
    }
    args
}

/// A POST to a server function (`/fn/{endpoint}`) with a JSON body; a panel function's asks for
/// its answer in English ([`in_english`]).
pub fn fn_call(endpoint: &str, args: &serde_json::Value) -> Request<Body> {
    Request::post(format!("/fn/{endpoint}"))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(Body::from(in_english(endpoint, args).to_string()))
        .expect("request")
}

/// An answer for every field of `form` that passes its checks; text fields carry `text`.
pub fn valid_answers(form: &belco::forms::Form, text: &str) -> Vec<(String, String)> {
    use belco::forms::FieldKind;
    form.fields
        .iter()
        .map(|field| {
            let value = match field.kind {
                FieldKind::Text | FieldKind::Textarea => text.to_owned(),
                FieldKind::Number => field.min.unwrap_or(1.0).to_string(),
                FieldKind::Email => "someone@example.com".to_owned(),
                FieldKind::Date => "2026-12-01".to_owned(),
                FieldKind::Select => field.options[0].value().to_owned(),
                FieldKind::Checkbox => "on".to_owned(),
            };
            (field.name.clone(), value)
        })
        .collect()
}
