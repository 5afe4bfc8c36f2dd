//! Backing services. Each has a real implementation and an embedded default so that
//! `cargo run` works with no configuration; handlers never know which one runs.

pub mod database;
pub mod embedded_postgres;
pub mod http;
pub mod mail;
pub mod rate_limit;
pub mod sessions;
pub mod storage;
