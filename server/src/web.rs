//! The Leptos part of the router: the pages, the server functions, and the site's static files.

use app::{App, shell};
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};

use crate::state::AppState;

/// Routes for every page of `app::App`, every server function (under `/fn`), and a fallback that
/// serves the files of the site root (`/pkg/*.js|wasm|css`, what `public/` holds) or else renders
/// the not-found page with status 404.
///
/// Server functions and pages find the [`belco::store::Store`] in the Leptos context
/// (`use_context::<Store>()`); `leptos_axum` adds the whole [`AppState`] beside it.
///
/// The fallback is set here, so the router this is merged into must not set one:
/// `Router::new().route(..).merge(web::routes(state.clone())).with_state(state)`.
pub fn routes(state: AppState) -> Router<AppState> {
    let store = state.store.clone();
    let provide_store = move || provide_context(store.clone());
    let leptos_options = state.leptos_options.clone();

    Router::new()
        .leptos_routes_with_context(&state, generate_route_list(App), provide_store.clone(), move || {
            shell(leptos_options.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(provide_store, shell))
}
