//! The gauges read on a timer rather than counted as things happen: the database pool, the
//! jobs queue and the email outbox. Each is one cheap read (the queue is one query over
//! partial indexes), every [`INTERVAL`], by every instance; the timer also keeps the
//! recorder's histograms from growing between scrapes.

use std::time::{Duration, Instant};

use metrics::gauge;
use sqlx::PgPool;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::{
    DB_CONNECTION_WAIT, DB_CONNECTIONS, DB_CONNECTIONS_MAX, EMAIL_OUTBOX, JOBS, JOBS_OLDEST_WAIT,
};
use crate::{
    email,
    jobs::{
        JobKind,
        db::{self as jobs_db, JobStatus},
    },
};

/// How often the gauges are read: under Prometheus' usual scrape interval.
pub const INTERVAL: Duration = Duration::from_secs(10);
/// The longest the pool probe waits: beyond it, the pool is exhausted, and the gauge says so.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Reads the gauges every [`INTERVAL`] until `shutdown`.
pub async fn run(db: PgPool, shutdown: CancellationToken) {
    let mut ticks = tokio::time::interval(INTERVAL);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => sample(&db).await,
            () = shutdown.cancelled() => return,
        }
    }
}

/// Reads every gauge once.
pub async fn sample(db: &PgPool) {
    super::recorder().run_upkeep();
    pool(db).await;
    if let Err(error) = queue(db).await {
        tracing::warn!(%error, "metrics: could not read the jobs queue");
    }
    match email::db::counts(db).await {
        Ok(counts) => {
            gauge!(EMAIL_OUTBOX, "status" => "waiting").set(counts.waiting as f64);
            gauge!(EMAIL_OUTBOX, "status" => "failed").set(counts.failed as f64);
        }
        Err(error) => tracing::warn!(%error, "metrics: could not read the email outbox"),
    }
}

/// The pool's connections, and how long taking one takes now: sqlx does not time the
/// requests' own waits, so a probe stands in for them (a pool that is exhausted shows as a
/// wait near the probe's timeout).
async fn pool(db: &PgPool) {
    let open = db.size();
    let idle = u32::try_from(db.num_idle()).unwrap_or(u32::MAX);
    gauge!(DB_CONNECTIONS, "state" => "idle").set(f64::from(idle));
    gauge!(DB_CONNECTIONS, "state" => "used").set(f64::from(open.saturating_sub(idle)));
    gauge!(DB_CONNECTIONS_MAX).set(f64::from(db.options().get_max_connections()));
    let started = Instant::now();
    let waited = match tokio::time::timeout(PROBE_TIMEOUT, db.acquire()).await {
        Ok(Ok(connection)) => {
            drop(connection);
            started.elapsed()
        }
        Ok(Err(_)) | Err(_) => PROBE_TIMEOUT,
    };
    gauge!(DB_CONNECTION_WAIT).set(waited.as_secs_f64());
}

const COUNTED: [(JobStatus, &str); 3] = [
    (JobStatus::Queued, "queued"),
    (JobStatus::Running, "running"),
    (JobStatus::Failed, "failed"),
];

/// Jobs by kind and status. Every registered kind gets every status, zero included, so that
/// a count that drops to nothing reads 0 rather than its last value.
async fn queue(db: &PgPool) -> Result<(), sqlx::Error> {
    let counts = jobs_db::counts(db).await?;
    let kinds = JobKind::registered()
        .map(|kind| kind.name().to_owned())
        .chain(counts.iter().map(|count| count.kind.clone()));
    let mut seen = std::collections::BTreeSet::new();
    for kind in kinds {
        if !seen.insert(kind.clone()) {
            continue;
        }
        let of_kind = || counts.iter().filter(|count| count.kind == kind);
        for (status, label) in COUNTED {
            let count = of_kind()
                .find(|count| count.status == status)
                .map_or(0, |count| count.count);
            gauge!(JOBS, "kind" => kind.clone(), "status" => label).set(count as f64);
        }
        let oldest = of_kind()
            .find_map(|count| count.oldest_wait_secs)
            .unwrap_or(0.0);
        gauge!(JOBS_OLDEST_WAIT, "kind" => kind.clone()).set(oldest);
    }
    Ok(())
}
