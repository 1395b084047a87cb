//! The panel's server-rendered parts, as Leptos components, with the view models they show.
//!
//! Pages put them together (`pages::frame`), and the server functions render the two lists again
//! when a note or a form changes (`server_fns`), so a list looks the same before and after. None
//! of their markup is in the wasm: only the DOM names the islands look for in it (the `dom`
//! modules of `notes`, `submissions` and `form_card`), which are written here once and used by
//! both.

pub mod form_card;
pub mod notes;
pub mod submissions;

#[cfg(feature = "ssr")]
pub mod belco_orders;
#[cfg(feature = "ssr")]
pub mod calls;
#[cfg(feature = "ssr")]
pub mod customer;
#[cfg(feature = "ssr")]
pub mod format;

/// `view`, rendered to HTML on its own, outside any page: a list a server function answers
/// with, or a part rendered once when the server starts. It is not hydrated (as an island's
/// children are not), so it comes out exactly as it does inside a page.
#[cfg(feature = "ssr")]
pub fn render_html<V: leptos::prelude::IntoView + 'static>(view: impl FnOnce() -> V + 'static) -> String {
    use leptos::prelude::*;
    let owner = Owner::new();
    owner.with(|| Owner::with_no_hydration(|| view().to_html()))
}
