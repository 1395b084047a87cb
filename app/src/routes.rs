//! The route table. Each route's view lives in `pages`.

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::pages::{FramePage, LandingPage, NotFoundPage};

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title text="belco-panel"/>
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view=LandingPage/>
                // Async: the whole panel, data included, is in the first HTML, and the status and
                // headers the page sets while rendering reach the response.
                <Route path=path!("/frame") view=FramePage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
