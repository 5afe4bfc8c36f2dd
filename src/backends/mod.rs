//! Backing services. Each has a real implementation and an embedded default so that
//! `cargo run` works with no configuration; handlers never know which one runs.

pub mod cache;
pub mod database;
pub mod embedded_postgres;
pub mod http;
pub mod invalidation;
pub mod mail;
pub mod pubsub;
pub mod rate_limit;
pub mod row_changes;
pub mod sessions;
pub mod storage;
pub mod valkey;
