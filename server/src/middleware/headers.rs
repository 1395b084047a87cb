//! The headers every response shares and the log line of every request: security headers
//! (and the pages' `Content-Security-Policy`s the frame and the preview set), the request id
//! both ways, and a log that never holds a query string (it carries the shop token and customer
//! data). A frame refused before its handler ran gets the plain page of `refusal_page` here.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// Whether `response` is one of the JSON errors (`ApiError`).
fn is_json(response: &Response) -> bool {
    response.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"application/json"))
}

/// The language a frame load is shown in (`app::i18n::Locales::for_request`), chosen by
/// [`headers_and_log`] and kept in the request for the frame's handler.
#[derive(Clone, Copy, Debug)]
pub struct FrameLanguage(pub &'static app::i18n::Locale);

/// The security headers every response gets, worked out once from the configuration.
#[derive(Clone)]
pub struct SecurityHeaders {
    /// `frame-ancestors <BELCO_ORIGIN>`, for responses that set no policy of their own.
    frame_ancestors: HeaderValue,
    /// `BELCO_ORIGIN` and the panel's languages, for the frame's page of plain words
    /// (`refusal_page::plain_refusal`).
    belco_origin: std::sync::Arc<str>,
    locales: app::i18n::Locales,
}

impl SecurityHeaders {
    pub fn new(belco_origin: &str, locales: app::i18n::Locales) -> Self {
        // The origin was checked by the config (scheme, host, port), so it is a valid value.
        let frame_ancestors = HeaderValue::from_str(&format!("frame-ancestors {belco_origin}"))
            .unwrap_or_else(|_| HeaderValue::from_static("frame-ancestors 'none'"));
        Self { frame_ancestors, belco_origin: belco_origin.into(), locales }
    }
}

/// `Content-Security-Policy` for the frame: only this server's scripts and the ones carrying
/// `nonce` (the page's inline scripts), wasm allowed to compile, framed only by `ancestors`
/// (Belco's origin, and `'self'` for a load by the preview: `frame::Frame`).
pub fn frame_policy(nonce: &str, ancestors: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; frame-ancestors {ancestors}; base-uri 'none'; \
         form-action 'self'"
    )
}

/// `Content-Security-Policy` for the preview: the frame's, except that it frames this server's
/// own `/frame` and is framed by nobody.
pub fn preview_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
         form-action 'self'"
    )
}

/// The header that carries a request's id, both ways.
pub const REQUEST_ID: header::HeaderName = header::HeaderName::from_static("x-request-id");

/// The id a proxy in front gave the request (`X-Request-Id`: 1 to 64 letters, digits, `-`, `_`,
/// `.` or `:`), so its log and ours match; otherwise a new one, 16 hex digits.
fn request_id(headers: &header::HeaderMap) -> String {
    let given = headers.get(&REQUEST_ID).and_then(|v| v.to_str().ok()).filter(|id| {
        (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
    });
    match given {
        Some(id) => id.to_owned(),
        None => format!("{:016x}", rand::random::<u64>()),
    }
}

/// Every response: security headers (no MIME sniffing; no Referer, since URLs here carry the
/// token; no framing except by Belco, for pages that do not set their own policy, as `/frame`
/// does), an `X-Request-Id`, and a log line with method, path (never the query), status and time,
/// inside the request's span, as is everything logged while it was served. Successes log
/// at debug so a busy shop's log stays quiet; client errors at info, server errors at warn.
pub async fn headers_and_log(State(security): State<SecurityHeaders>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let request_id = request_id(request.headers());
    // The frame's language, chosen once here: for its page of plain words if it is refused
    // before its handler runs, and for the handler, which finds it in the request.
    let frame_locale = (path == "/frame").then(|| {
        let accept_language = request.headers().get(header::ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok());
        let locale = security.locales.for_request(request.uri().query(), accept_language);
        request.extensions_mut().insert(FrameLanguage(locale));
        locale
    });
    // The layers and handlers inside read the same id from the request.
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        request.headers_mut().insert(REQUEST_ID, value);
    }
    // Every line logged while this request is served carries its id.
    let span = tracing::info_span!("request", request_id = %request_id);
    let mut response = next.run(request).instrument(span.clone()).await;
    let _in_span = span.enter();
    let refused = matches!(response.status(), StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE);
    if let Some(locale) = frame_locale
        && refused
        && is_json(&response)
    {
        // Refused before the frame's handler ran (a cap, the throttle, the deadline): the agent
        // reads a page of plain words, not JSON, and waits as long as the refusal asked.
        let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
        response = super::refusal_page::plain_refusal(response.status(), &security.belco_origin, locale);
        if let Some(retry_after) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, retry_after);
        }
    }
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, security.frame_ancestors.clone());
    }
    if path.starts_with("/fn/") || path == "/frame" {
        // The frame and the server functions answer with customer data.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match status {
        500.. => tracing::warn!(%method, %path, status, ms, "request"),
        400..=499 => tracing::info!(%method, %path, status, ms, "request"),
        _ => tracing::debug!(%method, %path, status, ms, "request"),
    }
    response
}
