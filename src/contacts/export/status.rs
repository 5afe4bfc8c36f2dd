//! An export as its page shows it, from its row in the jobs table, and what a finished one
//! records there.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::EXPIRY;
use crate::jobs::db::{Job, JobStatus};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Queued, not started yet.
    Waiting,
    /// An attempt failed; another is due.
    Retrying,
    Running {
        done: i64,
        /// Unknown until the contacts are counted.
        total: Option<i64>,
    },
    Done {
        rows: i64,
    },
    Failed,
}

/// What a finished export records in `jobs.result`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportResult {
    pub key: String,
    pub rows: i64,
    /// When the last contact exported was added or edited, in microseconds since 1970 (the
    /// database's precision): with `rows`, what tells whether the address book changed since
    /// (see `contacts::db::summary`). Absent from exports made before it was recorded.
    #[serde(default)]
    pub latest_change: Option<i64>,
}

impl ExportResult {
    /// Whether this export holds an address book of `rows` contacts last changed at `latest`.
    pub fn is_of(&self, rows: i64, latest: Option<OffsetDateTime>) -> bool {
        self.rows == rows && self.latest_change == latest.map(micros)
    }
}

pub(super) fn micros(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

#[derive(Debug, Clone)]
pub struct ExportStatus {
    pub id: Uuid,
    pub stage: Stage,
    pub finished_at: Option<OffsetDateTime>,
}

impl ExportStatus {
    pub fn running(id: Uuid, done: i64, total: Option<i64>) -> Self {
        Self {
            id,
            stage: Stage::Running { done, total },
            finished_at: None,
        }
    }

    pub fn from_job(job: &Job) -> Self {
        let stage = match job.status {
            JobStatus::Queued if job.attempts == 0 => Stage::Waiting,
            JobStatus::Queued => Stage::Retrying,
            JobStatus::Running => Stage::Running {
                done: job.progress_done,
                total: job.progress_total,
            },
            JobStatus::Done => Stage::Done {
                rows: job
                    .result
                    .clone()
                    .and_then(|result| serde_json::from_value::<ExportResult>(result).ok())
                    .map_or(job.progress_done, |result| result.rows),
            },
            JobStatus::Failed => Stage::Failed,
        };
        Self {
            id: job.id,
            stage,
            finished_at: job.finished_at,
        }
    }

    pub fn is_finished(&self) -> bool {
        matches!(self.stage, Stage::Done { .. } | Stage::Failed)
    }

    /// Finished more than [`EXPIRY`] ago: its file is gone, or about to be.
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.finished_at
            .is_some_and(|finished| now - finished > EXPIRY)
    }
}

/// How far along, 0 to 100 (a book that grew during the export cannot pass 100).
pub fn percent(done: i64, total: i64) -> i64 {
    if total <= 0 {
        return 100;
    }
    (done.saturating_mul(100) / total).clamp(0, 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_is_bounded() {
        assert_eq!(percent(0, 10_000), 0);
        assert_eq!(percent(4_200, 10_000), 42);
        assert_eq!(percent(12, 10), 100);
        assert_eq!(percent(0, 0), 100);
    }

    #[test]
    fn an_export_expires_a_day_after_it_finished() {
        let now = OffsetDateTime::now_utc();
        let finished = |ago: time::Duration| ExportStatus {
            id: Uuid::nil(),
            stage: Stage::Done { rows: 1 },
            finished_at: Some(now - ago),
        };
        assert!(!finished(time::Duration::hours(23)).is_expired(now));
        assert!(finished(time::Duration::hours(25)).is_expired(now));
        assert!(!ExportStatus::running(Uuid::nil(), 0, None).is_expired(now));
    }
}
