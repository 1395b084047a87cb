//! What any path the router does not know renders.

use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    // The static-file fallback already answers 404; routes the router matches answer 200 unless
    // told otherwise, so say it here too.
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }

    view! {
        <main class="page">
            <h1>"Not found"</h1>
            <p>"There is nothing at this address."</p>
        </main>
    }
}
