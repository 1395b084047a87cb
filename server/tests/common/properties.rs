//! The property tests' runner (`proptest`) through the real router, on SQLite (the hostile-input
//! suite covers both backends): for arbitrary query strings, push bodies, notes and form
//! submissions, the server never answers 5xx, stores nothing unless the request was valid, and
//! renders stored text escaped. The properties are with their features' tests.
//!
//! Each property runs a modest number of cases against one `TestApp`, so each stays well under a
//! minute. Failures proptest finds are kept in `server/proptest-regressions/properties.txt`.

use axum::http::StatusCode;
use belco::identity::CustomerKey;
use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, TestCaseError, TestRunner};

use super::{ALICE, Backend, SPEC_ORDER, TestApp};

/// Alice, known by her email address alone.
pub fn alice_by_email() -> CustomerKey {
    CustomerKey { email: Some(ALICE.into()), phone: None }
}

pub fn runner(cases: u32) -> TestRunner {
    TestRunner::new(ProptestConfig {
        cases,
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/properties.txt"))),
        ..ProptestConfig::default()
    })
}

/// A runtime and a fresh app on SQLite holding the spec order, for one property.
pub fn app() -> (tokio::runtime::Runtime, TestApp) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let app = runtime.block_on(async {
        let app = TestApp::new(Backend::Sqlite).await;
        app.import(&format!("{{\"orders\":[{SPEC_ORDER}]}}")).await.expect("import");
        app
    });
    (runtime, app)
}

pub fn below_500(status: StatusCode, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(status.as_u16() < 500, "{} answered {}", what, status);
    Ok(())
}

/// Turns escaped text back into what it says; `None` if raw markup is left in it.
pub fn unescape(html: &str) -> Option<String> {
    if html.contains(['<', '>']) {
        return None;
    }
    Some(html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&"))
}

/// The texts between `open` and the next `</{close}>` in `html`.
pub fn contents<'a>(html: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    let end = format!("</{close}>");
    html.split(open).skip(1).map(|rest| rest.split(end.as_str()).next().unwrap_or("")).collect()
}

/// Text people might type, markup and control characters included.
pub fn typed_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,60}",
        "[<>&\"' a-z/=()]{0,40}",
        Just("<script>alert(1)</script>".to_owned()),
        Just("\"><img src=x onerror=alert(1)>".to_owned()),
        ".{0,10}[\\x00-\\x1f\\x7f]{1,3}.{0,10}",
        "[a-z \\r\\n]{0,40}",
    ]
}
