//! The Leptos part of the router: the pages, the server functions, and the site's static files.

use std::sync::Arc;

use app::{App, FramePage, FrameSettings, frame_response, shell};
use axum::Router;
use axum::http::Uri;
use axum::response::IntoResponse;
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};

use crate::config::Config;
use crate::state::AppState;

/// `GET /frame` (Belco's Custom Frame, `app::frame_response`), then routes for every page of
/// `app::App`, every server function (under `/fn`), and a fallback that
/// serves the files of the site root (`/pkg/*.js|wasm|css`, what `public/` holds) or else renders
/// the not-found page with status 404.
///
/// Server functions and pages find the [`belco::store::Store`] and the frame's part of the
/// configuration ([`FrameSettings`]) in the Leptos context (`use_context::<Store>()`,
/// `use_context::<Arc<FrameSettings>>()`); `leptos_axum` adds the whole [`AppState`] beside them.
///
/// The fallback is set here, so the router this is merged into must not set one:
/// `Router::new().route(..).merge(web::routes(state.clone())).with_state(state)`.
pub fn routes(state: AppState) -> Router<AppState> {
    let store = state.store.clone();
    let frame = Arc::new(frame_settings(&state.config, &state.leptos_options));
    let frame_page = {
        let (frame, store) = (frame.clone(), store.clone());
        move |uri: Uri| async move { frame_response(&frame, &store, uri.query()).await.into_response() }
    };
    let provide_store = move || {
        provide_context(store.clone());
        provide_context(frame.clone());
    };
    let leptos_options = state.leptos_options.clone();

    Router::new()
        .route("/frame", get(frame_page))
        .leptos_routes_with_context(&state, generate_route_list(App), provide_store.clone(), move || {
            shell(leptos_options.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(provide_store, shell))
}

/// What the `/frame` page needs from the configuration (the `app` crate cannot name [`Config`]).
pub fn frame_settings(config: &Config, site: &LeptosOptions) -> FrameSettings {
    FrameSettings {
        tokens: config.tokens.clone(),
        belco_origin: config.belco_origin.clone(),
        phone_region: config.phone_region,
        orders_limit: config.orders_limit,
        signer: config.signer.clone(),
        forms: config.forms.clone(),
        page: FramePage::new(site, &config.belco_origin, &config.forms),
    }
}
