//! The export job: every contact of the owner, read in keyset batches from one snapshot,
//! written as CSV to a spooled file, then stored under a key fixed by the job's id (so a
//! rerun after a crash overwrites the same object instead of leaving a second one).

use anyhow::Context;
use serde_json::Value;
use uuid::Uuid;

use super::{
    STORAGE_PREFIX, format, publish,
    status::{ExportResult, ExportStatus, micros},
};
use crate::{
    AppState,
    backends::storage::ObjectKey,
    contacts::db,
    jobs::{self, Job, JobContext, JobKind, db::Claimed},
};

/// The export as a kind of background job.
pub static KIND: JobKind = JobKind::new("contacts-export", &Export);

inventory::submit! { jobs::Registered(&KIND) }

struct Export;

#[async_trait::async_trait]
impl Job for Export {
    async fn run(&self, job: &JobContext<'_>) -> anyhow::Result<Value> {
        run(job).await
    }

    async fn done(&self, state: &AppState, job: &Claimed) {
        super::done(state, job).await;
    }

    async fn failed(&self, state: &AppState, job: &Claimed) {
        super::failed(state, job).await;
    }

    async fn housekeeping(&self, state: &AppState) -> anyhow::Result<()> {
        super::remove_expired(&state.db, &state.storage).await?;
        Ok(())
    }
}

/// Contacts read per query; progress is recorded and published after each batch.
pub const BATCH: i64 = 1000;
pub const CONTENT_TYPE: &str = "text/csv; charset=utf-8";

/// The count and every batch see the address book as it was at one moment, so the file
/// never has a contact twice or the count a different number.
const SNAPSHOT: &str = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";

/// Where the export of job `id` is stored.
pub fn storage_key(id: Uuid) -> anyhow::Result<ObjectKey> {
    ObjectKey::parse(&format!("{STORAGE_PREFIX}/{id}.csv"))
        .with_context(|| format!("no storage key for export {id}"))
}

async fn run(job: &JobContext<'_>) -> anyhow::Result<Value> {
    let state = job.state;
    let id = job.job.id;
    let owner = job
        .job
        .owner_id
        .with_context(|| format!("export {id} has no owner"))?;

    let mut snapshot = state.db.begin().await.context("starting the export")?;
    sqlx::query(SNAPSHOT).execute(&mut *snapshot).await?;
    let (total, latest_change) = db::summary(&mut *snapshot, owner)
        .await
        .context("counting the contacts")?;
    job.progress(0, Some(total)).await?;
    publish(state, owner, &ExportStatus::running(id, 0, Some(total))).await;

    let mut file = state.storage.spool().await?;
    file.write(&format::encode(&[], true)?).await?;
    let mut done: i64 = 0;
    let mut after = db::start();
    loop {
        let rows = db::batch(&mut *snapshot, owner, &after, BATCH)
            .await
            .context("reading contacts")?;
        let Some(last) = rows.last() else { break };
        after = db::Cursor {
            key: last.sort_name.clone(),
            id: last.id,
        };
        file.write(&format::encode(&rows, false)?).await?;
        done += i64::try_from(rows.len()).unwrap_or(BATCH);
        job.progress(done, Some(total)).await?;
        publish(state, owner, &ExportStatus::running(id, done, Some(total))).await;
        if rows.len() < usize::try_from(BATCH).unwrap_or(usize::MAX) {
            break;
        }
    }
    snapshot
        .commit()
        .await
        .context("ending the export's read")?;

    file.finish().await?;
    let key = storage_key(id)?;
    state
        .storage
        .put_file(&key, file, CONTENT_TYPE)
        .await
        .with_context(|| format!("storing {key}"))?;
    let result = ExportResult {
        key: key.to_string(),
        rows: done,
        latest_change: latest_change.map(micros),
    };
    Ok(serde_json::to_value(result)?)
}
