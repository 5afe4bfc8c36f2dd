//! The contacts export (the "archive" of *Hypermedia Systems*): a CSV of all of a user's
//! contacts, made by a background job while a page shows its progress live.
//!
//! `POST /contacts/export` queues a job (or finds the user's export already under way, or
//! their last finished one when no contact changed since: [`reusable`]) and leads to its page; the job (`job.rs`, run by `jobs::Worker`) writes the file in batches,
//! publishing progress to the user's pages, stores it, and says so with a toast. The file is
//! downloaded from `/contacts/exports/{id}/download` for a day, then the jobs' housekeeping
//! removes it ([`remove_expired`]) and its URLs answer 410 until the row is gone. A user keeps
//! one finished export: when one is done, the ones before it go ([`remove_superseded`]), so
//! exporting again and again cannot pile up copies of the address book.
//!
//! It reads the contacts through `contacts::db`, like the list. Where things are:
//! `handlers.rs` the routes, `job.rs` the job, `format.rs` the CSV (and
//! its defence against formula injection), `status.rs` and `views.rs` the
//! page.

mod format;
pub mod handlers;
mod job;
mod status;
mod views;

use anyhow::Context;
use sqlx::PgPool;
use uuid::Uuid;

use self::status::ExportStatus;
pub use self::{
    format::neutralise,
    job::{KIND, storage_key},
    status::ExportResult,
    views::start_button,
};
use crate::{
    AppState,
    backends::storage::Storage,
    jobs::{self, db::Claimed},
    live::{LiveEvent, Toast},
};

use super::{
    db as contacts_db,
    fields::events,
    paths::{ExportDownloadPath, ExportStatusPath},
};

/// Every object of this module has a key under this prefix (`exports/{job id}.csv`), apart
/// from the files module's.
pub const STORAGE_PREFIX: &str = "exports";

/// How long a finished export is kept.
pub const EXPIRY: time::Duration = time::Duration::days(1);

/// Sends the export's progress fragment to its owner's open pages.
async fn publish(state: &AppState, owner: Uuid, status: &ExportStatus) {
    let event = LiveEvent::named(&events::export(status.id), views::progress(status));
    state.live.send(owner, event).await;
}

/// The page's final state and a toast, once the job is recorded done.
async fn done(state: &AppState, job: &Claimed) {
    let Some(owner) = job.owner_id else { return };
    announce(state, owner, job.id).await;
    if let Err(error) = remove_superseded(&state.db, &state.storage, owner, job.id).await {
        // The day's expiry removes them instead.
        tracing::warn!(id = %job.id, error = format!("{error:#}"), "earlier exports left in place");
    }
    let toast = Toast::new("Your contacts export is ready.").link(
        ExportDownloadPath { id: job.id.into() }.to_string(),
        "Download it",
    );
    state.live.toast(owner, toast).await;
}

/// The page's failed state and a toast, once the last attempt is recorded failed.
async fn failed(state: &AppState, job: &Claimed) {
    let Some(owner) = job.owner_id else { return };
    announce(state, owner, job.id).await;
    let toast = Toast::new("Your contacts export failed.").link(
        ExportStatusPath { id: job.id.into() }.to_string(),
        "See it and try again",
    );
    state.live.toast(owner, toast).await;
}

/// Publishes the export as its row now says.
async fn announce(state: &AppState, owner: Uuid, id: Uuid) {
    match jobs::db::find_owned(&state.db, owner, &KIND, id).await {
        Ok(Some(job)) => publish(state, owner, &ExportStatus::from_job(&job)).await,
        Ok(None) => {}
        // The page still polls, and finds out by itself.
        Err(error) => tracing::warn!(%id, %error, "export finished but not announced"),
    }
}

/// `owner`'s last finished export, when it is still kept and no contact was added, edited or
/// deleted since it was made: exporting again would make the same file.
pub async fn reusable(db: &PgPool, owner: Uuid) -> anyhow::Result<Option<Uuid>> {
    let finished = jobs::db::done_owned(db, owner, &KIND)
        .await
        .context("finding the last export")?;
    let Some(last) = finished.first() else {
        return Ok(None);
    };
    if ExportStatus::from_job(last).is_expired(time::OffsetDateTime::now_utc()) {
        return Ok(None);
    }
    let Some(result) = last
        .result
        .clone()
        .and_then(|result| serde_json::from_value::<ExportResult>(result).ok())
    else {
        return Ok(None);
    };
    let (rows, latest_change) = contacts_db::summary(db, owner)
        .await
        .context("summing up the contacts")?;
    Ok(result.is_of(rows, latest_change).then_some(last.id))
}

/// Removes `owner`'s finished exports other than `kept`, the one just made. Returns how many
/// went.
pub async fn remove_superseded(
    db: &PgPool,
    storage: &Storage,
    owner: Uuid,
    kept: Uuid,
) -> anyhow::Result<u64> {
    let earlier: Vec<Uuid> = jobs::db::done_owned(db, owner, &KIND)
        .await
        .context("listing earlier exports")?
        .into_iter()
        .map(|job| job.id)
        .filter(|id| *id != kept)
        .collect();
    remove(db, storage, &earlier).await
}

/// Removes these exports: each file, then the rows (so that a failure in between leaves the
/// rows to try again).
async fn remove(db: &PgPool, storage: &Storage, ids: &[Uuid]) -> anyhow::Result<u64> {
    for id in ids {
        let key = storage_key(*id)?;
        storage
            .delete(&key)
            .await
            .with_context(|| format!("deleting {key}"))?;
    }
    jobs::db::delete_finished(db, ids)
        .await
        .context("deleting exports' rows")
}

/// Removes exports that finished more than [`EXPIRY`] ago. Returns how many rows went.
pub async fn remove_expired(db: &PgPool, storage: &Storage) -> anyhow::Result<u64> {
    const LIMIT: i64 = 100;
    let mut removed = 0;
    loop {
        let ids = jobs::db::finished_before(db, &KIND, EXPIRY.as_seconds_f64(), LIMIT)
            .await
            .context("listing expired exports")?;
        let deleted = remove(db, storage, &ids).await?;
        removed += deleted;
        if ids.len() < usize::try_from(LIMIT).unwrap_or(0) || deleted == 0 {
            break;
        }
    }
    if removed > 0 {
        tracing::info!(removed, "expired contacts exports removed");
    }
    Ok(removed)
}

/// The keys of every export stored for `owner` (for deleting the account: see
/// [`crate::auth::ops::deletion::StoredObjects`]): one per export job of theirs, finished or
/// not (one under way may still store its file).
async fn owner_keys(
    conn: &mut sqlx::PgConnection,
    owner: Uuid,
) -> Result<Vec<String>, sqlx::Error> {
    let ids = sqlx::query_scalar!(
        "SELECT id FROM jobs WHERE owner_id = $1 AND kind = $2",
        owner,
        KIND.name(),
    )
    .fetch_all(conn)
    .await?;
    Ok(ids
        .into_iter()
        .filter_map(|id| storage_key(id).ok())
        .map(|key| key.as_str().to_owned())
        .collect())
}

inventory::submit! {
    crate::auth::ops::deletion::StoredObjects { feature: "contacts-export", keys: |conn, owner| Box::pin(owner_keys(conn, owner)) }
}
