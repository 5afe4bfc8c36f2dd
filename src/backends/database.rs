//! PostgreSQL: the pool, the embedded migrations, and the choice between the configured server
//! and the private cluster that `cargo run` starts when `DATABASE_URL` is unset.

use std::time::Duration;

use anyhow::Context;
use secrecy::ExposeSecret;
use sqlx::{
    ConnectOptions, Connection, Executor, PgConnection, PgPool,
    migrate::Migrator,
    postgres::{PgConnectOptions, PgListener, PgPoolOptions},
};
use tokio_util::sync::CancellationToken;

use super::embedded_postgres::EmbeddedPostgres;
use crate::config::{AppEnv, DatabaseConfig};

/// Migrations are compiled into the binary; `build.rs` reruns the build when they change.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// How a background worker (email, jobs) waits for work: until a `NOTIFY` on its channel
/// (sent when work is queued), its poll interval (for retries that fall due), or shutdown.
/// Without a listening connection (none could be opened) it polls.
pub struct Wakeup {
    listener: Option<PgListener>,
    poll: Duration,
}

impl Wakeup {
    pub async fn listen(pool: &PgPool, channel: &str, poll: Duration) -> Self {
        let listener = async {
            let mut listener = PgListener::connect_with(pool).await.ok()?;
            listener.listen(channel).await.ok()?;
            Some(listener)
        };
        Self {
            listener: listener.await,
            poll,
        }
    }

    pub async fn wait(&mut self, shutdown: &CancellationToken) {
        let poll = self.poll;
        let notified = async {
            match self.listener.as_mut() {
                Some(listener) => {
                    if listener.recv().await.is_err() {
                        tokio::time::sleep(poll).await;
                    }
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = shutdown.cancelled() => {}
            () = notified => {}
            () = tokio::time::sleep(poll) => {}
        }
    }
}

/// The database the app talks to. Holding it keeps the embedded cluster (if any) running:
/// dropping it stops the cluster.
pub struct Database {
    pub pool: PgPool,
    pub embedded: Option<EmbeddedPostgres>,
}

impl Database {
    /// Drops the app's database and creates it again, empty, then opens it: development's
    /// `db reset`. Refused in production, where it would delete every row.
    pub async fn recreate(config: &DatabaseConfig, app_env: AppEnv) -> anyhow::Result<Self> {
        if app_env.is_production() {
            anyhow::bail!("db reset deletes every row: it refuses to run with APP_ENV=production");
        }
        let database = Self::open(config, app_env).await?;
        let options = database.pool.connect_options().as_ref().clone();
        let name = options
            .get_database()
            .context("the database URL names no database to recreate")?
            .to_owned();
        database.pool.close().await;
        // From the server's maintenance database: a database cannot drop itself.
        let mut admin = PgConnection::connect_with(&options.clone().database("postgres"))
            .await
            .context("connecting to the maintenance database `postgres` to recreate the app's")?;
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        admin
            .execute(format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)").as_str())
            .await
            .with_context(|| format!("dropping the database {name}"))?;
        admin
            .execute(format!("CREATE DATABASE {quoted}").as_str())
            .await
            .with_context(|| format!("creating the database {name}"))?;
        admin.close().await?;
        Ok(Self {
            pool: pool(config, options),
            embedded: database.embedded,
        })
    }

    /// Connects to `DATABASE_URL`, or in development starts the embedded cluster.
    pub async fn open(config: &DatabaseConfig, app_env: AppEnv) -> anyhow::Result<Self> {
        match &config.url {
            Some(url) => {
                let options: PgConnectOptions = url
                    .expose_secret()
                    .parse()
                    .context("DATABASE_URL is not a valid PostgreSQL URL")?;
                tracing::info!(
                    service = "database",
                    backend = "postgres",
                    host = options.get_host(),
                    port = options.get_port(),
                    database = options.get_database().unwrap_or_default(),
                    "database: PostgreSQL from DATABASE_URL"
                );
                Ok(Self {
                    pool: pool(config, options),
                    embedded: None,
                })
            }
            None if app_env == AppEnv::Production => {
                anyhow::bail!("DATABASE_URL: not set (required in production)")
            }
            None => {
                let embedded = EmbeddedPostgres::start_in_project().await?;
                let options = embedded.connect_options();
                tracing::info!(
                    service = "database",
                    backend = "embedded",
                    data_dir = %embedded.data_dir().display(),
                    port = options.get_port(),
                    "database: embedded PostgreSQL (DATABASE_URL is not set)"
                );
                Ok(Self {
                    pool: pool(config, options),
                    embedded: Some(embedded),
                })
            }
        }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .context("applying database migrations")
    }
}

/// Connections open on demand: when the database goes away, requests that need it answer 503
/// and `/health/ready` says so; when it comes back, the pool reconnects by itself.
pub fn pool(config: &DatabaseConfig, options: PgConnectOptions) -> PgPool {
    PgPoolOptions::new()
        // sqlx pings a connection before every checkout by default: a second round trip for
        // each query, which halved the throughput of a page with one query. A connection that
        // died (the server restarted) fails its query instead, with a 503, and the pool drops
        // it; the next request gets a fresh one.
        .test_before_acquire(false)
        .max_connections(config.max_connections)
        .min_connections(config.min_connections)
        .acquire_timeout(config.acquire_timeout)
        // SQLx writes a statement's event at `warn` from `SLOW_QUERY_MS` on (and at `debug`
        // below it): the slow queries' one source (`monitoring::slow_queries`).
        .connect_lazy_with(options.log_slow_statements(log::LevelFilter::Warn, config.slow_query))
}

/// Whether the database answers a trivial query (used by `/health/ready`).
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT 1 AS "alive!""#)
        .fetch_one(pool)
        .await
        .map(|_| ())
}
