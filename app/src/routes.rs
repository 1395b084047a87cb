//! The route table. Each route's view lives in `pages`; the customer and company panels will be
//! added here as `/frame`.

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
            </Routes>
        </Router>
    }
}
