//! The integration tests, one binary for all of them (linked once, run in one process): a
//! module per part of `src/`, each test on a database of its own, and the shared harness in
//! `common/`. The system tier (`tests/browser.rs`, `tests/html_validity.rs`) needs tools
//! beyond PostgreSQL and `redis-server`, so it stays apart behind the `system-tests` feature.

// Integration tests: unwrapping is how a failed step reports itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod backends;
mod backup;
mod cli;
mod common;
mod contacts;
mod dashboard;
mod deployment;
mod email;
mod files;
mod generate;
mod health;
mod home;
mod jobs;
mod live;
mod monitoring;
mod multi_instance;
mod search;
mod shutdown;
mod telemetry;
mod web;
