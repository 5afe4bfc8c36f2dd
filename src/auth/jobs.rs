//! Removing a deleted account's objects from storage, as a background job: the account's rows
//! go in one transaction, and the objects they named (files, thumbnails, exports) are
//! removed by this job, queued in that same transaction. If storage is down, the worker
//! retries with backoff for more than a day (and the failed job then waits on the operations
//! dashboard to be retried), so an outage never leaves the objects behind for good.
//!
//! The payload is the objects' keys, random and naming no one: nothing of the account is
//! kept to remove them.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::{
    backends::storage::ObjectKey,
    jobs::{
        self, Job, JobContext, JobKind, Permanent,
        db::{Claimed, NewJob},
    },
};

pub static REMOVE_OBJECTS: JobKind = JobKind::new("account-objects-removal", &RemoveObjects);

inventory::submit! { jobs::Registered(&REMOVE_OBJECTS) }

/// Keys per job: a large account's objects are removed by several jobs, each payload small.
pub const KEYS_PER_JOB: usize = 1000;
/// Attempts before the job is recorded failed: with the worker's backoff (capped at ten
/// minutes), more than a day of storage outage.
const MAX_ATTEMPTS: i32 = 200;

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    keys: Vec<String>,
}

/// The jobs that remove `keys`, due at `run_at` (`None`: now).
pub fn removal_jobs(keys: &[String], run_at: Option<OffsetDateTime>) -> Vec<NewJob> {
    keys.chunks(KEYS_PER_JOB)
        .map(|chunk| NewJob {
            payload: json!({ "keys": chunk }),
            run_at,
            max_attempts: MAX_ATTEMPTS,
            ..NewJob::new(&REMOVE_OBJECTS)
        })
        .collect()
}

struct RemoveObjects;

#[async_trait::async_trait]
impl Job for RemoveObjects {
    async fn run(&self, job: &JobContext<'_>) -> anyhow::Result<Value> {
        let Payload { keys } = payload(job.job)?;
        let storage = &job.state.storage;
        let mut removed = 0_u64;
        for key in &keys {
            // A key we never make is not ours to remove; the rest are.
            let Some(key) = ObjectKey::parse(key) else {
                tracing::warn!(key, "account objects: skipped a key that is not ours");
                continue;
            };
            storage
                .delete(&key)
                .await
                .with_context(|| format!("removing {key} of a deleted account"))?;
            removed += 1;
        }
        Ok(json!({ "removed": removed }))
    }
}

fn payload(job: &Claimed) -> anyhow::Result<Payload> {
    serde_json::from_value(job.payload.clone())
        .context("reading the job's payload")
        .map_err(|error| Permanent(error).into())
}
