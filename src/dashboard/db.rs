//! The record of what administrators did to failed jobs (`job_actions`).

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::jobs::db::FailedJob;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobAction {
    Retry,
    Discard,
}

impl JobAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Retry => "retry",
            Self::Discard => "discard",
        }
    }
}

/// Records that `admin` took `action` on `job`, now.
pub async fn record(
    db: impl PgExecutor<'_>,
    job: &FailedJob,
    action: JobAction,
    admin_id: Uuid,
    admin_email: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        INSERT INTO job_actions (job_id, kind, action, admin_id, admin_email, last_error)
        VALUES ($1, $2, $3, $4, $5, $6)
        "#,
        job.id,
        job.kind,
        action.as_str(),
        admin_id,
        admin_email,
        job.last_error,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// An action as the dashboard lists it.
#[derive(Debug, Clone)]
pub struct ActionRow {
    pub job_id: Uuid,
    pub kind: String,
    pub action: String,
    pub admin_email: String,
    pub at: OffsetDateTime,
}

/// The `limit` latest actions, the most recent first.
pub async fn recent(db: impl PgExecutor<'_>, limit: i64) -> Result<Vec<ActionRow>, sqlx::Error> {
    sqlx::query_as!(
        ActionRow,
        r#"
        SELECT job_id, kind, action, admin_email, at
        FROM job_actions
        ORDER BY at DESC, id DESC
        LIMIT $1
        "#,
        limit,
    )
    .fetch_all(db)
    .await
}
