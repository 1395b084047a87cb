//! belco-panel's user interface, rendered on the server in Leptos *islands* mode: every page is
//! plain server HTML, and only the `#[island]` components hydrate in the browser. Most of the
//! panel is read-only, so this keeps the wasm bundle small.
//!
//! Where things live:
//! - [`shell`]: the HTML document around every page;
//! - [`App`] (in `routes`): the route table;
//! - `pages::frame` ([`frame_response`]): `/frame`, Belco's Custom Frame, which the server routes
//!   to directly (it is not in the Leptos router);
//! - `pages`: one module per route;
//! - `islands`: the interactive parts (the only code the wasm bundle carries);
//! - `server_fns`: what the islands call on the server, with their wire types and errors.

mod islands;
mod pages;
#[cfg(feature = "ssr")]
mod recent;
mod routes;
pub mod server_fns;
mod shell;

#[cfg(feature = "ssr")]
pub use pages::{FramePage, FrameSettings, StoredOrders, frame_response};
pub use routes::App;
pub use shell::shell;
