//! Any bytes as a query string and as emails: no panic; normalizing an email twice changes nothing.
#![no_main]

use belco::identity::normalize_email;
use belco::query::BelcoQuery;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(query) = BelcoQuery::new(Some(text)) {
        let _ = query.bytes("token");
        if let Ok(Some(email)) = query.text("email") {
            if let Some(once) = normalize_email(&email) {
                assert_eq!(normalize_email(&once).as_deref(), Some(once.as_str()), "{email:?}");
            }
        }
        let _ = query.text("phoneNumber");
    }
});
