//! Database backups with a tested restore: `db backup`, `db backups`, `db restore`, and a
//! daily backup in production.
//!
//! A backup is a `pg_dump` custom-format dump (compressed) streamed to the object store's
//! `backups/`, or without S3 to the folder `BACKUP_DIR`, named by the time it was made, with
//! a manifest beside it (size, checksum, versions, rows per table); the newest `BACKUP_KEEP`
//! are kept. A restore checks all it can before it touches the database, restores in one
//! transaction, and counts the rows against the manifest afterwards.
//!
//! Uploaded files are not in the dump: the bucket protects them (versioning or replication,
//! see docs/deployment.md). The files' cleanup pass only removes objects under `files/` that
//! no record names and that are old, so objects a restored database names are never removed.
//!
//! Where things are: `tools.rs` finds `pg_dump`/`pg_restore` and hands them the database;
//! `store.rs` where backups live; `manifest.rs` what each holds; `make.rs` and `restore.rs`
//! the two operations; `job.rs` the daily job.

mod job;
mod make;
mod manifest;
mod restore;
mod store;
mod tools;

pub use self::{
    job::{KIND, queue_next},
    make::make,
    manifest::Manifest,
    restore::{Restored, Which, restore},
    store::BackupStore,
    tools::Connection,
};
