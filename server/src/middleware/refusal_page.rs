//! The frame's page of plain words for a refusal before its handler ran.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leptos::nonce::Nonce;

/// The frame's answer when it was refused before its handler ran (a cap, the failed-token
/// throttle, the request's deadline): an agent looks at it inside Belco, so a few plain words in
/// Dutch and English (the language is not known yet), sized to Belco's sidebar by the same resize
/// script as the panel, never JSON and never a blank frame. `belco_origin` frames it and gets the
/// resize messages. `headers::headers_and_log` puts it in place of the JSON refusal.
pub fn plain_refusal(status: StatusCode, belco_origin: &str) -> Response {
    let nonce = Nonce::new();
    let resize = app::resize_script(&app::script_string(belco_origin), false);
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Busy</title></head>\
         <body style=\"font-family:sans-serif;margin:1em\">\
         <p>The panel is busy right now. Reload in a moment.</p>\
         <p lang=\"nl\">Het paneel is nu even druk. Laad het over een moment opnieuw.</p>\
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
