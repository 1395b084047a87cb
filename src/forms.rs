//! Shop-defined forms: a TOML file (see `forms.toml` at the repository root) lists the forms
//! agents fill in from the sidebar, about the customer the panel is open on (a return request, a
//! callback request) or about the shop itself ("report a problem to the warehouse").
//!
//! The types that describe a form compile everywhere because the browser renders them (they are
//! island props). Reading the file and validating a submission are server-only (`ssr`): the wasm
//! never links the TOML parser, and the server is the one judge of what gets stored.
//!
//! `forms/types.rs` holds the shapes and limits, `forms/file.rs` reads and checks the forms file
//! ([`FormSet`]), and `forms/validate.rs` checks a submission ([`Form::validate`]).

mod types;
pub use types::*;

#[cfg(feature = "ssr")]
mod file;
#[cfg(feature = "ssr")]
pub use file::{FormSet, FormsError, WebhookTarget};

#[cfg(feature = "ssr")]
mod validate;

#[cfg(all(test, feature = "ssr"))]
mod fixtures;
