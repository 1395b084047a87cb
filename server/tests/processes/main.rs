//! The server as it runs in production: the real `belco-panel` binary (as a server: started,
//! stopped, killed, under load, behind nginx; and as a command), and the app served on real
//! sockets through the production accept loop, whose limits only show over TCP. A module per
//! feature, as in `tests/in_process/`; PostgreSQL itself stopped is `tests/postgres_outage.rs`.
//!
//! One binary, so one process for every test here, run side by side on cargo's test threads: each
//! test has its own ports, databases and temp dirs, and the servers it starts are its own (the
//! children die with their `ServerProcess`). `hardening`'s memory check reads this process's RSS,
//! which no test here grows by much (the servers are child processes or small in-process apps).
//! `operations::load` runs its two backends one after the other, beside whichever test runs then:
//! it asserts no latency, only that nothing fails and nothing acknowledged is lost.

#[path = "../common/mod.rs"]
mod common;

mod frame;
mod gdpr;
mod hardening;
mod import;
mod operations;
mod orders_api;
mod preview;
mod webhooks;
