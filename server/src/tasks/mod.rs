//! The work that runs beside the requests, each a task `startup` starts and stops (but the
//! health monitor, which the first probe starts and which stops with the router):
//!
//! - `access_log`: the access log's writer (every frame render and orders lookup, kept by
//!   customer, keyed-hashed), fed by the observation layer through a queue;
//! - `deliveries`: sends the forms' webhooks from the outbox, with retries;
//! - `health_monitor`: checks storage every few seconds for `/readyz` and `/health`;
//! - `metrics`: folds the recorded latencies while `/metrics` is on.

pub mod access_log;
pub mod deliveries;
pub mod health_monitor;
pub mod metrics;
