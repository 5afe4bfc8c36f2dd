//! `serve` (the default command): migrate, then serve HTTP with the jobs worker (which also
//! delivers email), the clean-up tasks, the metrics' timer, the instance's heartbeat and, with `METRICS_ADDR`, the
//! `/metrics` listener beside the server, until SIGINT/SIGTERM; then drain requests and stop
//! the worker.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use anyhow::Context;

use crate::{
    AppState, app,
    config::Config,
    dashboard,
    files::cleanup,
    jobs, monitoring,
    server::{serve, shutdown_signal},
};

/// After the HTTP server has drained, how much longer the jobs worker may take to stop.
const WORKER_STOP_GRACE: Duration = Duration::from_secs(5);
/// How long the heartbeat may take to remove this instance's row at shutdown.
const HEARTBEAT_STOP_GRACE: Duration = Duration::from_secs(2);

pub(super) async fn run(config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
    let database = super::migrated_database(&config).await?;

    let address = SocketAddr::new(config.host, config.port);
    let grace = config.http.shutdown_timeout;
    let production = config.app_env.is_production();
    let listens_on_loopback = config.host.is_loopback();
    let cleanup_grace = cleanup::grace_period(config.http.request_timeout);
    let state = AppState::new(config, database.pool.clone())?;
    state.storage.prepare().await?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("listening on {address} (set HOST and PORT to change it)"))?;
    let metrics = match state.config.metrics.addr {
        Some(address) => Some(tokio::spawn(
            monitoring::exporter::bind(address, state.shutdown.clone()).await?,
        )),
        None => None,
    };

    let shutdown = state.shutdown.clone();
    let jobs_worker = tokio::spawn(jobs::Worker::new(state.clone()).run(shutdown.clone()));
    let session_cleanup = tokio::spawn(state.sessions.clone().delete_expired_continuously());
    let heartbeat = tokio::spawn(monitoring::instances::run(state.clone()));
    // Tells open operations dashboards to fetch their panels again.
    let _dashboard_ticks = tokio::spawn(dashboard::live::run(state.clone()));
    let gauges = tokio::spawn(monitoring::sampled::run(
        database.pool.clone(),
        shutdown.clone(),
    ));
    let files_cleanup = tokio::spawn(cleanup::run_every(
        database.pool.clone(),
        state.storage.clone(),
        cleanup_grace,
    ));

    if !production && !listens_on_loopback {
        tracing::warn!(
            "APP_ENV is not production but the app listens beyond this machine: development \
             pages such as /dev/mailbox are reachable. Set APP_ENV=production for a deployment."
        );
    }
    tracing::info!(
        ready_in_ms = started.elapsed().as_millis(),
        "listening on http://{address}"
    );
    let signal = {
        let shutdown = shutdown.clone();
        async move {
            shutdown_signal().await;
            shutdown.cancel();
        }
    };
    let served = serve(listener, app(state), signal, grace).await;
    // The worker was told to stop with the server; it hands the job in hand (a message being
    // sent, say) back at once. This only bounds the wait for that.
    shutdown.cancel();
    if tokio::time::timeout(WORKER_STOP_GRACE, jobs_worker)
        .await
        .is_err()
    {
        tracing::warn!("the jobs worker did not stop in time");
    }
    // It removes this instance's row from the fleet as it stops.
    if tokio::time::timeout(HEARTBEAT_STOP_GRACE, heartbeat)
        .await
        .is_err()
    {
        tracing::warn!("the instance heartbeat did not stop in time");
    }
    session_cleanup.abort();
    gauges.abort();
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    files_cleanup.abort();
    // Closing the pool, then dropping the database, stops the embedded cluster, if any.
    database.pool.close().await;
    drop(database);
    Ok(served?)
}
