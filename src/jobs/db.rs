//! The jobs table: queueing, claiming with a lease, renewing it, recording progress and the
//! outcome, and reading a user's jobs back for their pages.
//!
//! Over 400 lines on purpose: every statement of one table, whose claim, lease and outcome
//! queries must agree on the same columns and statuses, read best side by side.

use serde_json::Value;
use sqlx::{PgConnection, PgExecutor, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::JobKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "job_status", rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Done | Self::Failed)
    }
}

/// Attempts a job gets unless it is queued with another number (the column's default too).
pub const DEFAULT_MAX_ATTEMPTS: i32 = 5;

/// A job to queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: &'static JobKind,
    pub owner_id: Option<Uuid>,
    pub payload: Value,
    /// With a key, at most one job of this kind and key is queued or running at a time.
    pub unique_key: Option<String>,
    /// When it is due; `None` for now.
    pub run_at: Option<OffsetDateTime>,
    /// Attempts before the job is recorded failed (at least 1).
    pub max_attempts: i32,
}

impl NewJob {
    pub fn new(kind: &'static JobKind) -> Self {
        Self {
            kind,
            owner_id: None,
            payload: Value::Object(serde_json::Map::new()),
            unique_key: None,
            run_at: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }
}

/// What [`enqueue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    New(Uuid),
    /// A job with the same kind and key was queued or running already: that one.
    Existing(Uuid),
}

impl Enqueued {
    pub fn id(self) -> Uuid {
        match self {
            Self::New(id) | Self::Existing(id) => id,
        }
    }
}

/// Queues `job` and wakes the workers when the transaction commits (NOTIFY is
/// transactional). With a unique key, a queued or running job with the same kind and key is
/// returned instead: the partial unique index decides, so two requests at once cannot both
/// queue one.
pub async fn enqueue(conn: &mut PgConnection, job: &NewJob) -> Result<Enqueued, sqlx::Error> {
    // The job's span continues the trace of the request queueing it (when traces are exported).
    let traceparent = crate::telemetry::traces::current_traceparent();
    // The existing job may finish between the conflict and the look-up; then it is no longer
    // in the way, and the next round queues a new one.
    for _ in 0..3 {
        let inserted = sqlx::query_scalar!(
            r#"
            INSERT INTO jobs (kind, owner_id, payload, unique_key, run_at, max_attempts,
                              traceparent)
            VALUES ($1, $2, $3, $4, coalesce($5, now()), $6, $7)
            ON CONFLICT (kind, unique_key) WHERE status IN ('queued', 'running') DO NOTHING
            RETURNING id
            "#,
            job.kind.name(),
            job.owner_id,
            job.payload,
            job.unique_key,
            job.run_at,
            job.max_attempts,
            traceparent,
        )
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(id) = inserted {
            sqlx::query!("SELECT pg_notify('jobs', '')")
                .execute(&mut *conn)
                .await?;
            return Ok(Enqueued::New(id));
        }
        let existing = sqlx::query_scalar!(
            r#"
            SELECT id FROM jobs
            WHERE kind = $1 AND unique_key = $2 AND status IN ('queued', 'running')
            "#,
            job.kind.name(),
            job.unique_key,
        )
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(id) = existing {
            return Ok(Enqueued::Existing(id));
        }
    }
    Err(sqlx::Error::Protocol(
        "a job with this key kept finishing while another was queued".into(),
    ))
}

/// A job claimed by one worker for one attempt.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: Uuid,
    pub kind: String,
    pub owner_id: Option<Uuid>,
    pub payload: Value,
    /// Including this one: the claim's identity in every update below.
    pub attempts: i32,
    pub max_attempts: i32,
    /// The trace of the request that queued it, which the attempt's span continues.
    pub traceparent: Option<String>,
}

/// Records as failed every job whose lease lapsed on its last attempt (its instance died, or
/// lost touch with the database, during it), so that a job that kills its instance every
/// time is not claimed for ever; returns them, for the worker to tell their kinds. `kind`
/// limits it to one kind of job.
pub async fn fail_exhausted(
    pool: &PgPool,
    kind: Option<&str>,
) -> Result<Vec<Claimed>, sqlx::Error> {
    sqlx::query_as!(
        Claimed,
        r#"
        UPDATE jobs
        SET status = 'failed', locked_until = NULL, finished_at = now(),
            last_error = 'its worker stopped during the last attempt'
        WHERE status = 'running' AND locked_until < now() AND attempts >= max_attempts
          AND ($1::text IS NULL OR kind = $1)
        RETURNING id, kind, owner_id, payload, attempts, max_attempts, traceparent
        "#,
        kind,
    )
    .fetch_all(pool)
    .await
}

/// Claims the next due job (of `kind`, if given): queued and due, or `running` with a lapsed
/// lease (its instance died, or lost touch with the database for longer than the lease).
/// `SKIP LOCKED` lets any number of workers claim at once without ever taking the same job.
/// A lapsed job with no attempt left is [`fail_exhausted`]'s. This is the only way any job,
/// email delivery included, is taken up.
pub async fn claim_next(
    pool: &PgPool,
    lease_secs: f64,
    kind: Option<&str>,
) -> Result<Option<Claimed>, sqlx::Error> {
    sqlx::query_as!(
        Claimed,
        r#"
        UPDATE jobs
        SET status = 'running',
            attempts = attempts + 1,
            locked_until = now() + make_interval(secs => $1),
            last_error = NULL
        WHERE id = (
            SELECT id FROM jobs
            WHERE ((status = 'queued' AND run_at <= now())
                   OR (status = 'running' AND locked_until < now()
                       AND attempts < max_attempts))
              AND ($2::text IS NULL OR kind = $2)
            ORDER BY run_at
            LIMIT 1
            FOR UPDATE SKIP LOCKED
        )
        RETURNING id, kind, owner_id, payload, attempts, max_attempts, traceparent
        "#,
        lease_secs,
        kind,
    )
    .fetch_optional(pool)
    .await
}

// Every update below applies only while the claim is still this worker's (same attempt,
// still `running`): a worker whose lease lapsed must not overwrite what the worker that took
// the job over has recorded since. Each says whether it applied.

/// Extends the claim by `lease_secs` from now; false when it is no longer this worker's.
pub async fn renew(
    db: impl PgExecutor<'_>,
    claim: &Claimed,
    lease_secs: f64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        r#"
        UPDATE jobs SET locked_until = now() + make_interval(secs => $3)
        WHERE id = $1 AND attempts = $2 AND status = 'running'
        "#,
        claim.id,
        claim.attempts,
        lease_secs,
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn set_progress(
    db: impl PgExecutor<'_>,
    claim: &Claimed,
    done: i64,
    total: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        r#"
        UPDATE jobs SET progress_done = $3, progress_total = $4
        WHERE id = $1 AND attempts = $2 AND status = 'running'
        "#,
        claim.id,
        claim.attempts,
        done,
        total,
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn mark_done(
    db: impl PgExecutor<'_>,
    claim: &Claimed,
    result: &Value,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query!(
        r#"
        UPDATE jobs
        SET status = 'done', locked_until = NULL, finished_at = now(), result = $3,
            last_error = NULL
        WHERE id = $1 AND attempts = $2 AND status = 'running'
        "#,
        claim.id,
        claim.attempts,
        result,
    )
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn schedule_retry(
    db: impl PgExecutor<'_>,
    claim: &Claimed,
    delay_secs: f64,
    error: &str,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query!(
        r#"
        UPDATE jobs
        SET status = 'queued', locked_until = NULL, last_error = $4,
            run_at = now() + make_interval(secs => $3)
        WHERE id = $1 AND attempts = $2 AND status = 'running'
        "#,
        claim.id,
        claim.attempts,
        delay_secs,
        error,
    )
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn mark_failed(
    db: impl PgExecutor<'_>,
    claim: &Claimed,
    error: &str,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query!(
        r#"
        UPDATE jobs
        SET status = 'failed', locked_until = NULL, finished_at = now(), last_error = $3
        WHERE id = $1 AND attempts = $2 AND status = 'running'
        "#,
        claim.id,
        claim.attempts,
        error,
    )
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Hands a job back at shutdown, to be claimed at once by another instance. The attempt is
/// not counted: it was stopped, not failed (and its future is dropped before this runs, so
/// nothing of this claim can write after it).
pub async fn release(db: impl PgExecutor<'_>, claim: &Claimed) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query!(
        r#"
        UPDATE jobs
        SET status = 'queued', locked_until = NULL, run_at = now(), attempts = attempts - 1
        WHERE id = $1 AND attempts = $2 AND status = 'running'
        "#,
        claim.id,
        claim.attempts,
    )
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// A job as its owner's pages show it.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: Uuid,
    pub status: JobStatus,
    pub attempts: i32,
    pub progress_done: i64,
    pub progress_total: Option<i64>,
    pub result: Option<Value>,
    pub created_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
}

/// `owner`'s job `id` of `kind`; none when it is someone else's, another kind, or gone.
pub async fn find_owned(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    kind: &JobKind,
    id: Uuid,
) -> Result<Option<Job>, sqlx::Error> {
    sqlx::query_as!(
        Job,
        r#"
        SELECT id, status AS "status: JobStatus", attempts, progress_done, progress_total,
               result, created_at, finished_at
        FROM jobs
        WHERE owner_id = $1 AND kind = $2 AND id = $3
        "#,
        owner,
        kind.name(),
        id,
    )
    .fetch_optional(db)
    .await
}

/// `owner`'s jobs of `kind` that finished done, the most recent first.
pub async fn done_owned(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    kind: &JobKind,
) -> Result<Vec<Job>, sqlx::Error> {
    sqlx::query_as!(
        Job,
        r#"
        SELECT id, status AS "status: JobStatus", attempts, progress_done, progress_total,
               result, created_at, finished_at
        FROM jobs
        WHERE owner_id = $1 AND kind = $2 AND status = 'done'
        ORDER BY finished_at DESC
        "#,
        owner,
        kind.name(),
    )
    .fetch_all(db)
    .await
}

/// Jobs of `kind` that finished more than `age_secs` ago, oldest first, at most `limit`.
pub async fn finished_before(
    db: impl PgExecutor<'_>,
    kind: &JobKind,
    age_secs: f64,
    limit: i64,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        SELECT id FROM jobs
        WHERE kind = $1 AND finished_at < now() - make_interval(secs => $2)
        ORDER BY finished_at
        LIMIT $3
        "#,
        kind.name(),
        age_secs,
        limit,
    )
    .fetch_all(db)
    .await
}

/// Deletes these jobs if they are still finished (a row is never deleted under a worker).
pub async fn delete_finished(db: impl PgExecutor<'_>, ids: &[Uuid]) -> Result<u64, sqlx::Error> {
    let result = sqlx::query!(
        "DELETE FROM jobs WHERE id = ANY($1) AND status IN ('done', 'failed')",
        ids,
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// How many jobs of one kind are in one unfinished or failed status.
#[derive(Debug, Clone)]
pub struct KindCount {
    pub kind: String,
    pub status: JobStatus,
    pub count: i64,
    /// Queued only: how long the oldest job that is due has waited, in seconds.
    pub oldest_wait_secs: Option<f64>,
}

/// The queue at a glance, by kind and status (done jobs left out): one query over the two
/// partial indexes, cheap enough for every scrape.
pub async fn counts(db: impl PgExecutor<'_>) -> Result<Vec<KindCount>, sqlx::Error> {
    sqlx::query_as!(
        KindCount,
        r#"
        SELECT kind, status AS "status!: JobStatus", count(*) AS "count!",
               extract(epoch FROM now() - min(run_at)
                   FILTER (WHERE status = 'queued' AND run_at <= now()))::float8
                   AS oldest_wait_secs
        FROM jobs
        WHERE status IN ('queued', 'running', 'failed')
        GROUP BY kind, status
        "#
    )
    .fetch_all(db)
    .await
}

/// A job that failed for good, as the operations dashboard lists it.
#[derive(Debug, Clone)]
pub struct FailedJob {
    pub id: Uuid,
    pub kind: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
}

/// The `limit` jobs that failed last, the most recent first.
pub async fn failed(db: impl PgExecutor<'_>, limit: i64) -> Result<Vec<FailedJob>, sqlx::Error> {
    sqlx::query_as!(
        FailedJob,
        r#"
        SELECT id, kind, attempts, max_attempts, last_error, created_at, finished_at
        FROM jobs
        WHERE status = 'failed'
        ORDER BY finished_at DESC
        LIMIT $1
        "#,
        limit,
    )
    .fetch_all(db)
    .await
}

/// Queues failed job `id` again, due now, with one more attempt than it has had (its
/// backoff starts over); wakes the workers at commit. `None` when it is not failed (any
/// more): retried or discarded by someone else meanwhile, or never failed.
pub async fn retry_failed(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<FailedJob>, sqlx::Error> {
    let job = sqlx::query_as!(
        FailedJob,
        r#"
        UPDATE jobs
        SET status = 'queued', run_at = now(), finished_at = NULL, locked_until = NULL,
            max_attempts = greatest(max_attempts, attempts + 1)
        WHERE id = $1 AND status = 'failed'
        RETURNING id, kind, attempts, max_attempts, last_error, created_at, finished_at
        "#,
        id,
    )
    .fetch_optional(&mut *conn)
    .await?;
    if job.is_some() {
        sqlx::query!("SELECT pg_notify('jobs', '')")
            .execute(&mut *conn)
            .await?;
    }
    Ok(job)
}

/// Deletes failed job `id`; `None` when it is not failed (any more).
pub async fn discard_failed(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<FailedJob>, sqlx::Error> {
    sqlx::query_as!(
        FailedJob,
        r#"
        DELETE FROM jobs WHERE id = $1 AND status = 'failed'
        RETURNING id, kind, attempts, max_attempts, last_error, created_at, finished_at
        "#,
        id,
    )
    .fetch_optional(db)
    .await
}
