//! The frame's page of plain words for a refusal before its handler ran.

use app::i18n::Locale;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leptos::nonce::Nonce;

/// The frame's answer when it was refused before its handler ran (a cap, the failed-token
/// throttle, the request's deadline): an agent looks at it inside Belco, so a few plain words in
/// the frame's language (`locale`, chosen from the request as the panel's is), sized to Belco's
/// sidebar by the same resize script as the panel, never JSON and never a blank frame.
/// `belco_origin` frames it and gets the resize messages. `headers::headers_and_log` puts it in
/// place of the JSON refusal.
pub fn plain_refusal(status: StatusCode, belco_origin: &str, locale: &Locale) -> Response {
    let nonce = Nonce::new();
    let resize = app::resize_script(&app::script_string(belco_origin), false);
    // The words are the panel's own strings, written without markup.
    let (lang, busy) = (locale.code(), locale.words.busy);
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>belco-panel</title></head>\
         <body style=\"font-family:sans-serif;margin:1em\"><p>{busy}</p>\
         <script nonce=\"{nonce}\">{resize}</script></body></html>\n"
    );
    let policy = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; frame-ancestors {belco_origin}; \
         base-uri 'none'; form-action 'none'"
    );
    let mut response = (status, axum::response::Html(page)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}
