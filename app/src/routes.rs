//! The route table. Each route's view lives in `pages`.

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use crate::pages::{LandingPage, NotFoundPage};

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title text="belco-panel"/>
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view=LandingPage/>
                // `/frame`, Belco's Custom Frame, is not routed here: the server's own handler
                // (`server/src/routes/frame.rs`) checks the token first, then renders `pages::frame`.
            </Routes>
        </Router>
    }
}
