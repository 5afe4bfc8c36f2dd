//! The daily backup, a job on the jobs table: at `BACKUP_AT` (UTC) one instance of the fleet
//! claims it, as any job, so two never both run it; an attempt that fails (or whose instance
//! dies) is retried like every job. Each instance's jobs housekeeping keeps the next one
//! queued: one queued at a time (a unique key), so every instance asking changes nothing.

use anyhow::Context;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime, Time};

use super::{make::make, store::BackupStore, tools::Connection};
use crate::{
    AppState,
    config::TimeOfDay,
    jobs::{self, Job, JobContext, JobKind, db::Claimed, db::NewJob},
};

pub static KIND: JobKind = JobKind::new("database-backup", &DailyBackup);

inventory::submit! { jobs::Registered(&KIND) }

/// How long the record of a finished backup job is kept (the backups themselves are kept by
/// `BACKUP_KEEP`).
const RECORD_KEPT: Duration = Duration::days(30);

struct DailyBackup;

#[async_trait::async_trait]
impl Job for DailyBackup {
    async fn run(&self, job: &JobContext<'_>) -> anyhow::Result<Value> {
        let state = job.state;
        let url = state.config.database.url.as_ref().context(
            "the daily backup needs DATABASE_URL (the embedded database is backed up with `db \
             backup`)",
        )?;
        let store = BackupStore::from_config(&state.config)?;
        let manifest = make(
            &state.db,
            &Connection::new(url)?,
            &store,
            &state.config.backup,
        )
        .await?;
        Ok(json!({
            "name": manifest.name,
            "bytes": manifest.bytes,
            "place": store.place(),
        }))
    }

    async fn done(&self, state: &AppState, _job: &Claimed) {
        queue_next_or_warn(state).await;
    }

    async fn failed(&self, state: &AppState, job: &Claimed) {
        tracing::error!(id = %job.id, "the daily database backup failed on its last attempt");
        queue_next_or_warn(state).await;
    }

    async fn housekeeping(&self, state: &AppState) -> anyhow::Result<()> {
        queue_next(state).await?;
        let old =
            jobs::db::finished_before(&state.db, &KIND, RECORD_KEPT.as_seconds_f64(), 1000).await?;
        jobs::db::delete_finished(&state.db, &old).await?;
        Ok(())
    }
}

async fn queue_next_or_warn(state: &AppState) {
    if let Err(error) = queue_next(state).await {
        // The next housekeeping queues it.
        tracing::warn!(
            error = format!("{error:#}"),
            "the next daily backup is not queued yet"
        );
    }
}

/// Queues the next daily backup, unless one is queued or running, or `BACKUP_AT` is off.
pub async fn queue_next(state: &AppState) -> anyhow::Result<()> {
    let Some(at) = state.config.backup.at else {
        return Ok(());
    };
    let job = NewJob {
        unique_key: Some("daily".into()),
        run_at: Some(next_time(OffsetDateTime::now_utc(), at)),
        ..NewJob::new(&KIND)
    };
    let mut conn = state.db.acquire().await?;
    jobs::db::enqueue(&mut conn, &job)
        .await
        .context("queueing the next daily backup")?;
    Ok(())
}

/// The first `at` (UTC) after `now`.
fn next_time(now: OffsetDateTime, at: TimeOfDay) -> OffsetDateTime {
    let now = now.to_offset(time::UtcOffset::UTC);
    let time = Time::from_hms(at.hour, at.minute, 0).unwrap_or(Time::MIDNIGHT);
    let today = now.replace_time(time);
    if today > now {
        today
    } else {
        today + Duration::days(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_backup_is_today_if_its_time_is_still_to_come_else_tomorrow() {
        let at = TimeOfDay { hour: 2, minute: 0 };
        // 2026-12-07 01:59:00 UTC, then 02:00:00 and 14:00:00.
        let before = OffsetDateTime::from_unix_timestamp(1_796_608_740).unwrap();
        let two = OffsetDateTime::from_unix_timestamp(1_796_608_800).unwrap();
        let afternoon = OffsetDateTime::from_unix_timestamp(1_796_652_000).unwrap();
        assert_eq!(next_time(before, at), two);
        assert_eq!(next_time(two, at), two + Duration::days(1));
        assert_eq!(next_time(afternoon, at), two + Duration::days(1));
    }
}
