//! The background jobs section: how long a worker's claim on a job lasts (`jobs`).

use std::time::Duration;

use super::{ConfigError, env::Env};

/// The background jobs (`jobs`).
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// How long a claim on a job lasts without news from its worker: how soon a job whose
    /// instance died is taken up by another. Running jobs renew their claim.
    pub lease: Duration,
}

impl JobsConfig {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        let jobs = Self {
            lease: env.seconds_or("JOBS_LEASE_SECS", 30)?,
        };
        if jobs.lease < Duration::from_secs(2) {
            let got = jobs.lease.as_secs().to_string();
            return Err(env.invalid("JOBS_LEASE_SECS", "at least 2 seconds", &got));
        }
        Ok(jobs)
    }
}
