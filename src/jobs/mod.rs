//! Background jobs: work that outlives the request that asked for it, durable in the `jobs`
//! table. This module knows no feature: each kind of job is a [`Job`] registered by the
//! feature that owns it, in the file that defines it, and found by its name at run time:
//!
//! ```ignore
//! pub static EXPORT: JobKind = JobKind::new("contacts-export", &Export);
//! inventory::submit! { jobs::Registered(&EXPORT) }
//! ```
//!
//! Queueing: [`db::enqueue`] in the request's transaction (it wakes the workers with
//! `NOTIFY jobs` at commit). Running: a [`Worker`] in every instance claims due jobs with
//! `FOR UPDATE SKIP LOCKED` and a lease of `JOBS_LEASE_SECS`, renews the lease while the job
//! runs, and retries a failed attempt with backoff ([`RetryPolicy`]) up to the job's
//! `max_attempts`; an attempt that fails with [`Permanent`] is not retried. A job whose
//! instance died (its lease lapsed while `running`) is claimed again by any instance and run
//! from the start, so **job code must be idempotent**: write results under keys fixed by the
//! job's id, so that a rerun overwrites rather than adds. Progress and outcomes are recorded
//! only while the claim is still the worker's (the same attempt).
//!
//! Email delivery is one of these kinds (`email/jobs.rs`): this is the app's one queue.
//!
//! Where things are: `db.rs` the SQL, `worker.rs` the claim-run-record loop.

pub mod db;
mod worker;

use async_trait::async_trait;
use serde_json::Value;

use self::db::Claimed;
pub use self::worker::{RetryPolicy, Worker};
use crate::AppState;

/// What a kind of job does. Only [`run`](Job::run) is required.
#[async_trait]
pub trait Job: Sync {
    /// Runs one attempt of the job; its result is stored in `jobs.result`.
    async fn run(&self, job: &JobContext<'_>) -> anyhow::Result<Value>;

    /// After the job was recorded done: tells whoever waits for it.
    async fn done(&self, _state: &AppState, _job: &Claimed) {}

    /// After the last attempt failed and was recorded: tells whoever waits for the job.
    async fn failed(&self, _state: &AppState, _job: &Claimed) {}

    /// Clears what finished jobs of this kind leave behind (expired files); run by the
    /// workers every hour, possibly by several instances at once, so it must be idempotent.
    async fn housekeeping(&self, _state: &AppState) -> anyhow::Result<()> {
        Ok(())
    }
}

/// A kind of job: the name it is stored under in `jobs.kind`, and what runs it.
pub struct JobKind {
    name: &'static str,
    job: &'static dyn Job,
}

impl JobKind {
    pub const fn new(name: &'static str, job: &'static dyn Job) -> Self {
        Self { name, job }
    }

    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The registered kind stored as `name`.
    pub fn named(name: &str) -> Option<&'static JobKind> {
        Self::registered().find(|kind| kind.name == name)
    }

    /// Every registered kind.
    pub fn registered() -> impl Iterator<Item = &'static JobKind> {
        inventory::iter::<Registered>
            .into_iter()
            .map(|registered| registered.0)
    }
}

impl std::fmt::Debug for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// A kind of job the workers run, registered with `inventory::submit!` beside its code.
pub struct Registered(pub &'static JobKind);

inventory::collect!(Registered);

/// What a running job can reach: the app, and its own claim.
pub struct JobContext<'a> {
    pub state: &'a AppState,
    pub job: &'a Claimed,
}

/// What another attempt cannot mend (a malformed payload, an address no server will take):
/// the worker records the job failed at once instead of retrying it. Context added around it
/// is kept.
#[derive(Debug, thiserror::Error)]
#[error("{0:#}")]
pub struct Permanent(pub anyhow::Error);

/// The claim lapsed and another worker took the job over: this attempt must stop.
#[derive(Debug, thiserror::Error)]
#[error("the claim on the job lapsed and another worker took it over")]
pub struct ClaimLost;

impl JobContext<'_> {
    /// Records how far the job has got. Fails with [`ClaimLost`] when the job is no longer
    /// this worker's, which ends the attempt: the worker that has it now starts over.
    pub async fn progress(&self, done: i64, total: Option<i64>) -> anyhow::Result<()> {
        if db::set_progress(&self.state.db, self.job, done, total).await? {
            Ok(())
        } else {
            Err(ClaimLost.into())
        }
    }
}

/// Periodic clean-up of what finished jobs leave (expired exports), kind by kind; run by the
/// workers every hour. Every instance may run it at once: each step is idempotent.
pub async fn housekeeping(state: &AppState) -> anyhow::Result<()> {
    for kind in JobKind::registered() {
        kind.job
            .housekeeping(state)
            .await
            .map_err(|error| error.context(format!("housekeeping of {} jobs", kind.name)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_found_by_their_name_and_names_are_unique() {
        let names: Vec<&str> = JobKind::registered().map(JobKind::name).collect();
        assert!(!names.is_empty());
        for name in &names {
            assert_eq!(JobKind::named(name).map(JobKind::name), Some(*name));
            assert_eq!(
                names.iter().filter(|other| *other == name).count(),
                1,
                "{name}"
            );
        }
        assert!(JobKind::named("no-such-job").is_none());
    }
}
