//! The cleanup pass: brings storage and the files table back into agreement after a failure
//! that could not be repaired on the spot (see `ops.rs`). It
//!
//! 1. finishes deletions that were cut short: their objects, then their records;
//! 2. removes objects that no record names (an upload whose record was never written, a
//!    thumbnail whose removal failed, the files of a deleted account);
//! 3. removes spooled uploads left by a crash.
//!
//! It runs every hour in the server ([`run_every`]) and on demand with
//! `cargo run -- files cleanup`. Anything younger than the grace period is left alone: an
//! upload stores its objects before it writes its records, so an object without a record may
//! belong to a request still under way. Several instances may run it at once: every step is
//! idempotent. It never removes a record whose object is missing: only deletions a user asked
//! for remove records, so a storage mix-up cannot wipe the table.

use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use time::OffsetDateTime;

use super::{STORAGE_PREFIX, db, ops::stored_key};
use crate::backends::storage::{ObjectKey, Storage};

/// How often the server runs the pass.
pub const INTERVAL: Duration = Duration::from_secs(3600);
/// Keys checked against the table per query.
const BATCH: usize = 1000;

/// What a pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CleanupReport {
    pub deletions_finished: usize,
    pub orphans_removed: usize,
    pub spools_removed: usize,
}

/// How old an unreferenced object must be before it is removed: longer than any request
/// lives (`REQUEST_TIMEOUT_SECS`), with a minute to spare.
pub fn grace_period(request_timeout: Duration) -> Duration {
    request_timeout + Duration::from_secs(60)
}

pub async fn run(db: &PgPool, storage: &Storage, grace: Duration) -> anyhow::Result<CleanupReport> {
    let deletions_finished = finish_deletions(db, storage, grace).await?;
    let orphans_removed = remove_orphans(db, storage, grace).await?;
    let spools_removed = storage
        .remove_stale_spools(grace)
        .await
        .context("removing stale spooled uploads")?;
    Ok(CleanupReport {
        deletions_finished,
        orphans_removed,
        spools_removed,
    })
}

/// Runs the pass every [`INTERVAL`], logging what it did; for the server.
pub async fn run_every(db: PgPool, storage: std::sync::Arc<Storage>, grace: Duration) {
    let mut ticks = tokio::time::interval(INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match run(&db, &storage, grace).await {
            Ok(report) if report == CleanupReport::default() => {}
            Ok(report) => tracing::info!(?report, "files: cleanup pass repaired storage"),
            Err(error) => tracing::warn!("files: cleanup pass failed: {error:#}"),
        }
    }
}

async fn finish_deletions(
    db: &PgPool,
    storage: &Storage,
    grace: Duration,
) -> anyhow::Result<usize> {
    let before = OffsetDateTime::now_utc() - grace;
    let stalled = db::stalled_deletions(db, before)
        .await
        .context("finding unfinished deletions")?;
    for deletion in &stalled {
        let keys =
            std::iter::once(deletion.storage_key.as_str()).chain(deletion.thumbnail_key.as_deref());
        for key in keys {
            let key = stored_key(key)?;
            storage
                .delete(&key)
                .await
                .with_context(|| format!("removing {key} of a deleted file"))?;
        }
        db::remove(db, deletion.id)
            .await
            .context("removing a deleted file's record")?;
    }
    Ok(stalled.len())
}

async fn remove_orphans(db: &PgPool, storage: &Storage, grace: Duration) -> anyhow::Result<usize> {
    let cutoff = std::time::SystemTime::now() - grace;
    let candidates: Vec<ObjectKey> = storage
        .list(STORAGE_PREFIX)
        .await
        .context("listing stored files")?
        .into_iter()
        .filter(|object| object.modified < cutoff)
        .map(|object| object.key)
        .collect();
    let mut removed = 0;
    for batch in candidates.chunks(BATCH) {
        let keys: Vec<String> = batch.iter().map(|key| key.as_str().to_owned()).collect();
        let orphans = db::unreferenced_keys(db, &keys)
            .await
            .context("checking stored files against their records")?;
        for orphan in orphans {
            let key = stored_key(&orphan)?;
            storage
                .delete(&key)
                .await
                .with_context(|| format!("removing the orphan {key}"))?;
            tracing::info!(%key, "files: removed an object no record names");
            removed += 1;
        }
    }
    Ok(removed)
}
