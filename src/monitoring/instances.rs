//! The fleet: every running instance writes its row of `instances` every [`BEAT`] (its
//! heartbeat) with its version, uptime, memory, open streams, pool use, last hour of
//! traffic (overall and by route), latest server errors and latest slow queries; the
//! operations dashboard lists the rows written in the last [`ALIVE`], so an
//! instance that stops drops off (at once when it stops cleanly: it deletes its row).
//!
//! Through PostgreSQL, which every instance has, rather than Valkey, which is optional: a
//! write per instance every few seconds is nothing to it.

use std::{sync::Arc, time::Duration};

use sqlx::PgExecutor;
use time::OffsetDateTime;
use tokio::time::MissedTickBehavior;
use uuid::Uuid;

use super::{
    COMMIT, VERSION,
    errors::{RecentError, RecentErrors},
    services::Services,
    slow_queries::{self, SlowQuery},
    traffic::{Minute, RouteHour, Traffic},
};
use crate::AppState;

/// How often an instance writes its row.
pub const BEAT: Duration = Duration::from_secs(10);
/// A row older than this is an instance that stopped.
pub const ALIVE: Duration = Duration::from_secs(35);

/// Who this instance is, for its row. Cheap to clone: one reference count, since the app's
/// state, which holds it, is cloned several times for every request.
#[derive(Debug, Clone)]
pub struct ThisInstance(Arc<Instance>);

/// What [`ThisInstance`] shares.
#[derive(Debug)]
pub struct Instance {
    pub id: Uuid,
    pub hostname: String,
    pub started_at: OffsetDateTime,
    /// This instance's last hour of requests.
    pub traffic: Traffic,
    /// This instance's latest server errors.
    pub errors: RecentErrors,
    /// The backing services as this instance last found them.
    pub services: Services,
}

impl std::ops::Deref for ThisInstance {
    type Target = Instance;

    fn deref(&self) -> &Instance {
        &self.0
    }
}

impl ThisInstance {
    pub fn new() -> Self {
        Self(Arc::new(Instance {
            id: Uuid::new_v4(),
            hostname: hostname(),
            started_at: OffsetDateTime::now_utc(),
            traffic: Traffic::default(),
            errors: RecentErrors::default(),
            services: Services::default(),
        }))
    }
}

impl Default for ThisInstance {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes this instance's row every [`BEAT`], after checking the backing services, and reads
/// its traffic once a minute, until shutdown; then deletes the row.
pub async fn run(state: AppState) {
    let mut ticks = tokio::time::interval(BEAT);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut minute = unix_minute();
    // The first reading is the baseline of the first minute.
    state.instance.traffic.sample(minute);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            () = state.shutdown.cancelled() => break,
        }
        let now = unix_minute();
        if now != minute {
            // The requests since the last reading belong to the minute that ended.
            state.instance.traffic.sample(minute);
            minute = now;
        }
        state.instance.services.check(&state).await;
        if let Err(error) = beat(&state).await {
            tracing::warn!(%error, "instance heartbeat: could not write this instance's row");
        }
    }
    if let Err(error) = forget(&state.db, state.instance.id).await {
        tracing::warn!(%error, "instance heartbeat: could not remove this instance's row");
    }
}

fn unix_minute() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp().div_euclid(60)
}

/// Writes this instance's row now, and removes rows of instances long gone.
pub async fn beat(state: &AppState) -> Result<(), sqlx::Error> {
    let instance = &state.instance;
    let pool = &state.db;
    let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX);
    // These serialise plain structs: they cannot fail.
    let traffic = serde_json::to_value(instance.traffic.minutes()).unwrap_or_default();
    let routes = serde_json::to_value(instance.traffic.routes()).unwrap_or_default();
    let errors = serde_json::to_value(instance.errors.latest()).unwrap_or_default();
    let slow = serde_json::to_value(slow_queries::latest()).unwrap_or_default();
    sqlx::query!(
        r#"
        INSERT INTO instances (id, hostname, version, commit, started_at, memory_bytes,
                               open_streams, pool_used, pool_max, traffic, routes, errors,
                               slow_queries)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        ON CONFLICT (id) DO UPDATE
        SET seen_at = now(), memory_bytes = EXCLUDED.memory_bytes,
            open_streams = EXCLUDED.open_streams, pool_used = EXCLUDED.pool_used,
            pool_max = EXCLUDED.pool_max, traffic = EXCLUDED.traffic,
            routes = EXCLUDED.routes, errors = EXCLUDED.errors,
            slow_queries = EXCLUDED.slow_queries
        "#,
        instance.id,
        instance.hostname,
        VERSION,
        COMMIT,
        instance.started_at,
        resident_memory().and_then(|bytes| i64::try_from(bytes).ok()),
        i32::try_from(state.live.open_streams()).unwrap_or(i32::MAX),
        i32::try_from(pool.size().saturating_sub(idle)).unwrap_or(i32::MAX),
        i32::try_from(pool.options().get_max_connections()).unwrap_or(i32::MAX),
        traffic,
        routes,
        errors,
        slow,
    )
    .execute(pool)
    .await?;
    sqlx::query!("DELETE FROM instances WHERE seen_at < now() - interval '1 hour'")
        .execute(pool)
        .await?;
    Ok(())
}

async fn forget(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM instances WHERE id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

/// An instance as the dashboard shows it.
#[derive(Debug, Clone)]
pub struct InstanceRow {
    pub id: Uuid,
    pub hostname: String,
    pub version: String,
    pub commit: String,
    pub started_at: OffsetDateTime,
    pub seen_at: OffsetDateTime,
    pub memory_bytes: Option<i64>,
    pub open_streams: i32,
    pub pool_used: i32,
    pub pool_max: i32,
    pub traffic: Vec<Minute>,
    pub routes: Vec<RouteHour>,
    pub errors: Vec<RecentError>,
    pub slow_queries: Vec<SlowQuery>,
}

/// The instances that wrote their row in the last [`ALIVE`], oldest first.
pub async fn running(db: impl PgExecutor<'_>) -> Result<Vec<InstanceRow>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        SELECT id, hostname, version, commit, started_at, seen_at, memory_bytes,
               open_streams, pool_used, pool_max, traffic, routes, errors, slow_queries
        FROM instances
        WHERE seen_at > now() - make_interval(secs => $1)
        ORDER BY started_at, id
        "#,
        ALIVE.as_secs_f64(),
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| InstanceRow {
            id: row.id,
            hostname: row.hostname,
            version: row.version,
            commit: row.commit,
            started_at: row.started_at,
            seen_at: row.seen_at,
            memory_bytes: row.memory_bytes,
            open_streams: row.open_streams,
            pool_used: row.pool_used,
            pool_max: row.pool_max,
            // A row written by another version may not read; its traffic is then left out.
            traffic: serde_json::from_value(row.traffic).unwrap_or_default(),
            routes: serde_json::from_value(row.routes).unwrap_or_default(),
            errors: serde_json::from_value(row.errors).unwrap_or_default(),
            slow_queries: serde_json::from_value(row.slow_queries).unwrap_or_default(),
        })
        .collect())
}

/// The machine's name, as the kernel has it, or `HOSTNAME`.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// This process's resident memory in bytes (Linux; `None` elsewhere).
fn resident_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}
