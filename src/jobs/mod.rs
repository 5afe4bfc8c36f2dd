//! Background jobs: work that outlives the request that asked for it, durable in the `jobs`
//! table. The contacts export is the first; a new kind is a variant of [`Kind`] and a line in
//! its `run`.
//!
//! Queueing: [`db::enqueue`] in the request's transaction (it wakes the workers with
//! `NOTIFY jobs` at commit). Running: a [`Worker`] in every instance claims due jobs with
//! `FOR UPDATE SKIP LOCKED` and a lease of `JOBS_LEASE_SECS`, renews the lease while the job
//! runs, and retries a failed attempt with backoff up to the job's `max_attempts`. A job whose
//! instance died (its lease lapsed while `running`) is claimed again by any instance and run
//! from the start, so **job code must be idempotent**: write results under keys fixed by the
//! job's id, so that a rerun overwrites rather than adds. Progress and outcomes are recorded
//! only while the claim is still the worker's (the same attempt), as in the email outbox.
//!
//! The email outbox (`email::db`) is the same pattern and stays a table of its own: it is also
//! the record of sent mail that the dev mailbox shows.
//!
//! Where things are: `db.rs` the SQL, `worker.rs` the claim-run-record loop.

pub mod db;
mod worker;

use serde_json::Value;

use self::db::Claimed;
pub use self::worker::{RetryPolicy, Worker};
use crate::{AppState, contacts};

/// What a job does. Stored as its [`name`](Kind::name) in `jobs.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A CSV of all of a user's contacts (`contacts::export`).
    ContactsExport,
}

impl Kind {
    const ALL: [Self; 1] = [Self::ContactsExport];

    pub const fn name(self) -> &'static str {
        match self {
            Self::ContactsExport => "contacts-export",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Runs one attempt of the job; its result is stored in `jobs.result`.
    async fn run(self, job: &JobContext<'_>) -> anyhow::Result<Value> {
        match self {
            Self::ContactsExport => contacts::export::run(job).await,
        }
    }

    /// After the job was recorded done: tells whoever waits for it.
    async fn done(self, state: &AppState, job: &Claimed) {
        match self {
            Self::ContactsExport => contacts::export::done(state, job).await,
        }
    }

    /// After the last attempt failed and was recorded: tells whoever waits for the job.
    async fn failed(self, state: &AppState, job: &Claimed) {
        match self {
            Self::ContactsExport => contacts::export::failed(state, job).await,
        }
    }
}

/// What a running job can reach: the app, and its own claim.
pub struct JobContext<'a> {
    pub state: &'a AppState,
    pub job: &'a Claimed,
}

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

/// Periodic clean-up of what finished jobs leave (expired exports); run by the workers every
/// hour. Every instance may run it at once: each step is idempotent.
pub async fn housekeeping(state: &AppState) -> anyhow::Result<()> {
    contacts::export::remove_expired(&state.db, &state.storage).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_stored_by_a_name_that_reads_back() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.name()), Some(kind));
        }
        assert_eq!(Kind::parse("no-such-job"), None);
    }
}
