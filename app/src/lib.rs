//! belco-panel's user interface, rendered on the server in Leptos *islands* mode: every page is
//! plain server HTML, and only the `#[island]` components hydrate in the browser. Most of the
//! panel is read-only, so this keeps the wasm bundle small. This crate only renders: the HTTP
//! side of every page (tokens, status, headers) is the server's (`server/src/routes/frame.rs`
//! for the frame).
//!
//! Where things live, each layer using only the ones below it:
//! - `pages`: one module per page; `pages::frame` is Belco's Custom Frame ([`FramePage`], with
//!   what it shows, [`FramePanel`]), `pages::preview` the local imitation of Belco's customer card
//!   around it ([`PreviewPage`]), `shell` the document around every page, `routes` ([`App`])
//!   the route table;
//! - `islands`: the interactive parts, the only components in the wasm bundle;
//! - `server_fns`: what the islands call on the server, with their wire types and errors;
//! - `components`: the server-rendered parts of the panel and their view models, which the pages
//!   and the server functions both render;
//! - `settings`: what the panel takes from the server's configuration ([`PanelSettings`]);
//! - `i18n`: the panel's words in each language (`i18n/nl.rs`, `i18n/en.rs`), and the language
//!   and zone a page or a server function renders with ([`i18n::L10n`]).

mod components;
#[cfg(feature = "ssr")]
pub mod i18n;
mod islands;
mod pages;
#[cfg(feature = "ssr")]
mod recent;
mod routes;
pub mod server_fns;
#[cfg(feature = "ssr")]
mod settings;
mod shell;

#[cfg(feature = "ssr")]
pub use components::belco_orders::{OrdersAnswer, belco_orders_html};
#[cfg(feature = "ssr")]
pub use components::calls::{Call, CallsListing, calls_html};
#[cfg(feature = "ssr")]
pub use components::form_card::FormCards;
#[cfg(feature = "ssr")]
pub use pages::frame::{FramePage, FramePanel, resize_script, script_string};
#[cfg(feature = "ssr")]
pub use pages::preview::{PreviewContent, PreviewPage, PreviewView};
pub use routes::App;
#[cfg(feature = "ssr")]
pub use settings::PanelSettings;
pub use shell::shell;
