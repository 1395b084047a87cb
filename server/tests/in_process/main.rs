//! The server in this process, called through its router (`common::TestApp`), on SQLite and on
//! PostgreSQL, and for what only shows over TCP served on a port by `TestApp::spawn`: a module per
//! feature. The real binary and the production accept loop are `tests/processes/`; PostgreSQL
//! itself stopped is `tests/postgres_outage.rs`.
//!
//! One binary, so one process for every test here, run side by side on cargo's test threads: each
//! test has its own database, temp dir and ports, and none relies on being alone in its process.
//! What is process-wide: the Prometheus recorder, which `gdpr::access_log` installs and only adds
//! up; a log capture (`hardening`) is the test thread's own (`tracing::subscriber::set_default`).

#[path = "../common/mod.rs"]
mod common;

mod forms;
mod frame;
mod gdpr;
mod hardening;
mod import;
mod language;
mod notes;
mod operations;
mod orders_api;
mod preview;
mod push;
mod webhooks;
