//! The belco-panel server: Belco's Custom Orders API, the push API and the Leptos pages behind
//! the middleware every answer passes, the tasks beside them, and the `belco-panel` commands.
//!
//! Layers point down; nothing below imports from above (a test, `import_graph`, checks it, and
//! `bash scripts/import-graph` draws it):
//!
//! - `cli`: the commands (`serve`, `demo`, `doctor`, `import`, the GDPR ones, ...);
//! - `startup`: the router inside its middleware, and the [`startup::Application`] that owns
//!   the listeners, the tasks and the order they stop in (used by `serve`, `demo` and the tests);
//! - `routes`: what answers each path (the orders API, push, the frame, the preview, health,
//!   the inspector, metrics, the Leptos pages and server functions), and the one Belco-call
//!   check they share (`routes::belco_call`);
//! - `middleware`: each layer in a file of its own, and `middleware::apply`, the stack in order;
//! - `state`: what every handler and server function can reach ([`AppState`]);
//! - `tasks`: the access log's writer, the webhook deliveries, the health monitor, the metrics'
//!   upkeep;
//! - `calls`: what a Belco call was (its route, its token, its note) and the inspector's lists;
//! - `error`: [`error::ApiError`] and the one path of a storage failure;
//! - `metrics`: the Prometheus metrics' names and recording;
//! - `config`: every environment variable.

pub mod calls;
pub mod cli;
pub mod config;
pub mod error;
pub mod metrics;
pub mod middleware;
pub mod routes;
pub mod startup;
pub mod state;
pub mod tasks;

#[cfg(test)]
mod import_graph;

pub use startup::{Application, router as app};
pub use state::AppState;
