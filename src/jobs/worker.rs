//! The jobs worker: claims due jobs one at a time, runs each beside a heartbeat that renews
//! its lease, and records the outcome.
//!
//! Every instance runs one, for every kind of job (email delivery included). It wakes on
//! `NOTIFY jobs` (sent when a job is queued) and otherwise polls, so that retries and jobs
//! whose instance died are picked up when due. Once an hour it also runs
//! [`housekeeping`](super::housekeeping). On shutdown it stops the job in hand and hands it
//! back (queued, due now), so that another instance takes it up at once instead of after the
//! lease.
//!
//! While traces are exported, each attempt is a span continuing the trace of the request that
//! queued the job (its `traceparent` is stored with the job).

use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use super::{ClaimLost, JobContext, JobKind, Permanent, db, db::Claimed};
use crate::{
    AppState,
    backends::database::Wakeup,
    monitoring,
    telemetry::traces::{self, traced_span},
};

/// How often the table is checked when no notification arrives.
const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// How often the housekeeping runs.
const HOUSEKEEPING_INTERVAL: Duration = Duration::from_secs(3600);

/// The waits between attempts of a job, whatever its kind: the app's one retry policy.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub base: Duration,
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(10),
            max: Duration::from_secs(10 * 60),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1-based): base, 2×base, 4×base, ...
    pub fn backoff(&self, attempt: i32) -> Duration {
        let exponent = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(0)
            .min(20);
        self.base
            .saturating_mul(2u32.saturating_pow(exponent))
            .min(self.max)
    }
}

/// How an attempt ended, as the worker saw it.
enum Ended {
    Finished(anyhow::Result<serde_json::Value>),
    /// The heartbeat found the claim taken over.
    Lost,
    /// The instance is shutting down.
    Stopped,
}

#[derive(Clone)]
pub struct Worker {
    state: AppState,
    policy: RetryPolicy,
    only: Option<&'static JobKind>,
}

impl Worker {
    pub fn new(state: AppState) -> Self {
        Self {
            state,
            policy: RetryPolicy::default(),
            only: None,
        }
    }

    #[must_use]
    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Claims jobs of `kind` alone: for a command or a test that must not run the rest of the
    /// queue (`mail-test` delivers mail and starts no export).
    #[must_use]
    pub fn only(mut self, kind: &'static JobKind) -> Self {
        self.only = Some(kind);
        self
    }

    /// Runs until `shutdown` is cancelled.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut wakeup = Wakeup::listen(&self.state.db, "jobs", POLL_INTERVAL).await;
        let mut next_housekeeping = Instant::now();
        while !shutdown.is_cancelled() {
            if Instant::now() >= next_housekeeping {
                if let Err(error) = super::housekeeping(&self.state).await {
                    tracing::warn!(error = format!("{error:#}"), "jobs housekeeping failed");
                }
                next_housekeeping = Instant::now() + HOUSEKEEPING_INTERVAL;
            }
            if let Err(error) = self.run_due(&shutdown).await {
                tracing::warn!(%error, "jobs worker: jobs table unavailable; retrying");
            }
            wakeup.wait(&shutdown).await;
        }
        tracing::info!("jobs worker stopped");
    }

    /// Runs one attempt of every job due now, one after another; returns how many. Stops,
    /// between jobs or by handing the one in hand back, when `shutdown` is cancelled.
    pub async fn run_due(&self, shutdown: &CancellationToken) -> Result<usize, sqlx::Error> {
        let lease = self.state.config.jobs.lease.as_secs_f64();
        let only = self.only.map(JobKind::name);
        for job in db::fail_exhausted(&self.state.db, only).await? {
            tracing::error!(id = %job.id, kind = %job.kind, attempt = job.attempts,
                "job failed: its worker stopped during the last attempt");
            if let Some(kind) = JobKind::named(&job.kind) {
                kind.job.failed(&self.state, &job).await;
            }
        }
        let mut attempted = 0;
        while !shutdown.is_cancelled() {
            let Some(job) = db::claim_next(&self.state.db, lease, only).await? else {
                break;
            };
            self.attempt(job, shutdown).await?;
            attempted += 1;
        }
        Ok(attempted)
    }

    async fn attempt(&self, job: Claimed, shutdown: &CancellationToken) -> Result<(), sqlx::Error> {
        let Some(kind) = JobKind::named(&job.kind) else {
            // Queued by a newer version of the app, or a typo: running it again will not help.
            tracing::error!(id = %job.id, kind = %job.kind, "job failed: unknown kind");
            db::mark_failed(&self.state.db, &job, "unknown kind of job").await?;
            return Ok(());
        };
        let span = traced_span!(
            "job",
            otel.name = format!("job {}", kind.name()),
            otel.kind = "consumer",
            job.id = %job.id,
            job.kind = kind.name(),
            job.attempt = job.attempts,
        );
        if let Some(traceparent) = &job.traceparent {
            traces::continue_from_traceparent(&span, traceparent);
        }
        self.run_and_record(kind, job, shutdown)
            .instrument(span)
            .await
    }

    async fn run_and_record(
        &self,
        kind: &'static JobKind,
        job: Claimed,
        shutdown: &CancellationToken,
    ) -> Result<(), sqlx::Error> {
        tracing::info!(id = %job.id, kind = kind.name(), attempt = job.attempts, "job started");
        let started = std::time::Instant::now();
        let ended = self.run_with_heartbeat(kind, &job, shutdown).await;
        let elapsed_ms = started.elapsed().as_millis();
        let db = &self.state.db;
        let outcome = match &ended {
            Ended::Finished(Ok(_)) => Some("done"),
            Ended::Finished(Err(error)) if error.is::<ClaimLost>() => Some("lost"),
            Ended::Lost => Some("lost"),
            Ended::Finished(Err(error))
                if job.attempts >= job.max_attempts || error.is::<Permanent>() =>
            {
                Some("failed")
            }
            Ended::Finished(Err(_)) => Some("retried"),
            // Handed back, not ended: it runs again elsewhere.
            Ended::Stopped => None,
        };
        if let Some(outcome) = outcome {
            metrics::counter!(monitoring::JOB_ATTEMPTS, "kind" => kind.name(), "outcome" => outcome)
                .increment(1);
            metrics::histogram!(monitoring::JOB_DURATION, "kind" => kind.name())
                .record(started.elapsed().as_secs_f64());
        }
        match ended {
            Ended::Finished(Ok(result)) => {
                if db::mark_done(db, &job, &result).await? {
                    tracing::info!(id = %job.id, kind = kind.name(), elapsed_ms, "job done");
                    kind.job.done(&self.state, &job).await;
                } else {
                    tracing::warn!(id = %job.id, kind = kind.name(),
                        "job done, but another worker had taken it over; its outcome stands");
                }
            }
            Ended::Finished(Err(error)) if error.is::<ClaimLost>() => {
                tracing::warn!(id = %job.id, kind = kind.name(), "job taken over by another worker");
            }
            Ended::Lost => {
                tracing::warn!(id = %job.id, kind = kind.name(), "job taken over by another worker");
            }
            Ended::Finished(Err(error))
                if job.attempts >= job.max_attempts || error.is::<Permanent>() =>
            {
                let error = format!("{error:#}");
                tracing::error!(id = %job.id, kind = kind.name(), attempt = job.attempts, %error,
                    "job failed: giving up");
                if db::mark_failed(db, &job, &error).await? {
                    kind.job.failed(&self.state, &job).await;
                }
            }
            Ended::Finished(Err(error)) => {
                let error = format!("{error:#}");
                let delay = self.policy.backoff(job.attempts);
                tracing::warn!(id = %job.id, kind = kind.name(), attempt = job.attempts, %error,
                    retry_in_secs = delay.as_secs_f64(), "job attempt failed; will retry");
                db::schedule_retry(db, &job, delay.as_secs_f64(), &error).await?;
            }
            Ended::Stopped => {
                db::release(db, &job).await?;
                tracing::info!(id = %job.id, kind = kind.name(), "job handed back at shutdown");
            }
        }
        Ok(())
    }

    /// Runs the job while renewing its lease every third of it, so that a long job keeps its
    /// claim and a dead instance's job is free again within one lease. The job's future is
    /// dropped (cancelled) when the claim is lost or the instance stops.
    async fn run_with_heartbeat(
        &self,
        kind: &'static JobKind,
        job: &Claimed,
        shutdown: &CancellationToken,
    ) -> Ended {
        let lease = self.state.config.jobs.lease;
        let every = lease / 3;
        let context = JobContext {
            state: &self.state,
            job,
        };
        let run = kind.job.run(&context);
        tokio::pin!(run);
        let mut heartbeat = tokio::time::interval_at(Instant::now() + every, every);
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                outcome = &mut run => return Ended::Finished(outcome),
                () = shutdown.cancelled() => return Ended::Stopped,
                _ = heartbeat.tick() => {
                    match db::renew(&self.state.db, job, lease.as_secs_f64()).await {
                        Ok(true) => {}
                        Ok(false) => return Ended::Lost,
                        // The claim lasts until the lease runs out; the next beat tries again.
                        Err(error) => tracing::warn!(id = %job.id, %error,
                            "could not renew a job's lease"),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(1), Duration::from_secs(10));
        assert_eq!(policy.backoff(2), Duration::from_secs(20));
        assert_eq!(policy.backoff(4), Duration::from_secs(80));
        assert_eq!(policy.backoff(40), Duration::from_secs(600));
    }
}
