//! The Belco custom-integration contract and belco-panel's domain.
//!
//! Everything here is free of any web framework. What the browser bundle can use (wire types,
//! money, the query reader, identity rules) compiles everywhere; what only the server needs
//! (storage, phone parsing, token hashing, webhook signatures, the importer) sits behind the
//! `ssr` feature so the wasm stays small.

pub mod contract;
mod decimal;
pub mod forms;
pub mod identity;
pub mod money;
pub mod notes;
pub mod query;
pub mod time;

#[cfg(feature = "ssr")]
pub mod capability;
#[cfg(feature = "ssr")]
pub mod deliveries;
#[cfg(feature = "ssr")]
pub mod import;
#[cfg(feature = "ssr")]
pub mod locale;
#[cfg(feature = "ssr")]
pub mod phone;
#[cfg(feature = "ssr")]
pub mod pseudonym;
#[cfg(feature = "ssr")]
pub mod push;
#[cfg(feature = "ssr")]
pub mod secret;
#[cfg(feature = "ssr")]
pub mod store;
