//! The Leptos part of the router: the pages, the server functions, and the site's static files.

use std::sync::Arc;
use std::time::Duration;

use app::server_fns::StorageCheckCache;
use app::{App, PanelSettings, shell};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};

use crate::config::Config;
use crate::state::AppState;

/// Routes for every page of `app::App`, every server function (under `/fn`), and a fallback that
/// serves the files of the site root (`/pkg/*.js|wasm|css`, what `public/` holds) or else renders
/// the not-found page with status 404.
///
/// Server functions and pages find the [`belco::store::Store`] and the frame's part of the
/// configuration ([`PanelSettings`]) in the Leptos context (`use_context::<Store>()`,
/// `use_context::<Arc<PanelSettings>>()`); `leptos_axum` adds the whole [`AppState`] beside them.
///
/// The fallback is set here, so the router this is merged into must not set one:
/// `Router::new().route(..).merge(leptos::routes(state.clone(), settings)).with_state(state)`.
pub fn routes(state: AppState, settings: Arc<PanelSettings>) -> Router<AppState> {
    let store = state.store.clone();
    let storage_check = Arc::new(StorageCheckCache::new());
    let provide_store = move || {
        provide_context(store.clone());
        provide_context(settings.clone());
        provide_context(storage_check.clone());
    };
    let leptos_options = state.leptos_options.clone();

    Router::new()
        .leptos_routes_with_context(&state, generate_route_list(App), provide_store.clone(), move || {
            shell(leptos_options.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(provide_store, shell))
        .layer(axum::middleware::from_fn_with_state(state.config.limits.body_timeout, guard_server_fns))
}

/// The largest body a server function takes. A note is at most 5,000 characters and a form a
/// few fields of text; 1 MiB leaves room for every JSON escape of those and more.
pub const MAX_SERVER_FN_BODY: usize = 1024 * 1024;

/// In front of every server function (`/fn/…`): the checks that hold for all of them, made
/// before Leptos decodes the arguments, so a malformed request gets a 4xx that says what was
/// wrong instead of Leptos's `500`. Each function takes `POST` with a JSON body (405, 415), of
/// at most [`MAX_SERVER_FN_BODY`] (413), that is UTF-8 JSON text with no lone surrogate (400).
/// What is left (valid JSON of the wrong shape) the functions' error types answer with 400
/// (`app::server_fns`). The answer's body is the functions' own error, `{"BadRequest": "…"}`,
/// and quotes nothing that was sent; nothing of the body is logged.
///
/// The body is read before its capability is checked, so it must arrive within `body_timeout`
/// (`BELCO_BODY_TIMEOUT`): else 408, counted by the failed-token throttle like a wrong token
/// (a body that never finishes would otherwise hold a request slot for nothing).
async fn guard_server_fns(State(body_timeout): State<Duration>, request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/fn/") {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    if parts.method != Method::POST {
        let mut response = refuse(StatusCode::METHOD_NOT_ALLOWED, "Server functions are called with POST.");
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    if !is_json(parts.headers.get(header::CONTENT_TYPE)) {
        return refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Send the arguments as application/json.");
    }
    let body = match tokio::time::timeout(body_timeout, read_json_body(body)).await {
        Ok(Ok(body)) => body,
        Ok(Err(refusal)) => return refusal,
        Err(_) => {
            let mut refusal = refuse(
                StatusCode::REQUEST_TIMEOUT,
                "The request's body did not arrive in time: send it whole, at once.",
            );
            refusal.extensions_mut().insert(crate::error::CountsAsFailure);
            return refusal;
        }
    };
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// `application/json`, with or without parameters (`; charset=utf-8`).
fn is_json(content_type: Option<&HeaderValue>) -> bool {
    let Some(value) = content_type.and_then(|value| value.to_str().ok()) else { return false };
    value.split(';').next().is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// The whole body, if it is at most [`MAX_SERVER_FN_BODY`] bytes of JSON text: one object.
async fn read_json_body(body: Body) -> Result<bytes::Bytes, Response> {
    let bytes = match Limited::new(body, MAX_SERVER_FN_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(refuse(StatusCode::PAYLOAD_TOO_LARGE, "The request's body is larger than 1 MiB."));
        }
        Err(_) => return Err(refuse(StatusCode::BAD_REQUEST, "The request's body could not be read.")),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(refuse(StatusCode::BAD_REQUEST, "The request's body is empty: send the arguments as JSON."));
    }
    if std::str::from_utf8(&bytes).is_err() {
        return Err(refuse(StatusCode::BAD_REQUEST, "The request's body is not UTF-8 text."));
    }
    // Into a `Value`, not `IgnoredAny`: only a full parse refuses a lone surrogate (`"\ud800"`),
    // which no string can hold.
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(_)) => Ok(bytes),
        // serde would also read a struct from a list in field order: arguments go by name only.
        Ok(_) => Err(refuse(StatusCode::BAD_REQUEST, "Send the arguments as one JSON object, by name.")),
        Err(_) => Err(refuse(
            StatusCode::BAD_REQUEST,
            "The request's body is not valid JSON (or holds an escape that is no character).",
        )),
    }
}

/// A refusal in the server functions' own error shape (`PanelError::BadRequest`, and
/// `StorageCheckError::BadRequest`, which is written the same), so the islands can read it.
fn refuse(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "BadRequest": message }).to_string();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Renders `page(value)` through `leptos_axum`, as any page is, with the panel's settings and
/// `nonce` (which the page's `Content-Security-Policy` names, replacing the one `leptos_axum`
/// makes) in the context. `leptos_axum` wants an `Fn`, so `value` waits in a slot it is taken
/// out of once; `fallback` would stand in if it were asked twice. The frame and the preview
/// render this way.
pub async fn render_once<T, V>(
    request: Request,
    settings: Arc<PanelSettings>,
    nonce: leptos::nonce::Nonce,
    value: T,
    fallback: fn() -> T,
    page: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> Response
where
    T: Send + 'static,
    V: leptos::prelude::IntoView + 'static,
{
    let context = move || {
        provide_context(settings.clone());
        provide_context(nonce.clone());
    };
    let slot = Arc::new(std::sync::Mutex::new(Some(value)));
    let app = move || page(slot.lock().ok().and_then(|mut slot| slot.take()).unwrap_or_else(fallback));
    leptos_axum::render_app_async_with_context(context, app)(request).await
}

/// What the panel needs from the configuration (the `app` crate cannot name [`Config`]).
pub fn panel_settings(config: &Config) -> PanelSettings {
    PanelSettings::new(
        config.belco_origin.clone(),
        config.phone_region,
        config.orders_limit,
        config.signer.clone(),
        config.forms.clone(),
        app::i18n::Locales::built_in(config.language),
        config.timezone.clone(),
    )
}
