//! The embedded default database: a private PostgreSQL cluster started from the PostgreSQL
//! binaries already on the machine, so that `cargo run` works on a fresh clone with no
//! configuration and no Docker.
//!
//! The cluster lives under `.data/postgres` of the project (git-ignored), listens on a free
//! loopback port with a generated password (kept in `.data/postgres.password`, readable only
//! by you), and is stopped when the process that started it exits. A cluster already running
//! (a second `cargo run`, or the test suite) is reused, and left to the process that started
//! it. PostgreSQL refuses to run as root, so under root the server runs as the `postgres` (or
//! `nobody`) user.
//!
//! Unix only (Linux, macOS): it relies on Unix permissions, users and PostgreSQL's Unix
//! tooling. Elsewhere [`EmbeddedPostgres::start`] fails with a message saying to set
//! `DATABASE_URL`. The parts: `binaries.rs` finds `initdb` and `pg_ctl`, `run_as.rs` runs them
//! as another user under root, `cluster.rs` creates, starts, reuses and stops the cluster.

#[cfg(unix)]
mod binaries;
#[cfg(unix)]
mod cluster;
#[cfg(unix)]
mod run_as;

use std::path::{Path, PathBuf};

use anyhow::Context;
use sqlx::{Connection, PgConnection, postgres::PgConnectOptions};

/// The database the app uses inside the embedded cluster.
const APP_DATABASE: &str = "app_development";
const SUPERUSER: &str = "postgres";

pub struct EmbeddedPostgres {
    data_dir: PathBuf,
    port: u16,
    database: String,
    password: Option<String>,
    #[cfg(unix)]
    server: cluster::Server,
}

impl EmbeddedPostgres {
    /// Starts (or reuses) the development cluster in `.data/postgres` of the current folder.
    pub async fn start_in_project() -> anyhow::Result<Self> {
        let data_dir = std::env::current_dir()
            .context("reading the current folder")?
            .join(".data")
            .join("postgres");
        let cluster = Self::start(data_dir).await?;
        cluster.create_database(APP_DATABASE).await?;
        Ok(cluster.with_database(APP_DATABASE))
    }

    /// Starts the cluster kept in `data_dir`, creating it on first use. Waits until it accepts
    /// connections. Concurrent callers on the same folder are serialised by a lock file.
    #[cfg(unix)]
    pub async fn start(data_dir: PathBuf) -> anyhow::Result<Self> {
        tokio::task::spawn_blocking(move || cluster::start(data_dir))
            .await
            .context("starting the embedded PostgreSQL")?
    }

    /// There is no embedded PostgreSQL on this system: the error says to use a server.
    #[cfg(not(unix))]
    pub async fn start(_data_dir: PathBuf) -> anyhow::Result<Self> {
        anyhow::bail!(
            "no database: DATABASE_URL is not set, and the embedded PostgreSQL runs on Unix \
             systems only (Linux, macOS). Set DATABASE_URL to a PostgreSQL server (see \
             .env.example), or run `docker compose up -d postgres` and use the DATABASE_URL \
             from .env.example"
        )
    }

    /// Creates `name` in the cluster unless it exists.
    pub async fn create_database(&self, name: &str) -> anyhow::Result<()> {
        let mut conn = PgConnection::connect_with(&self.connect_options().database("postgres"))
            .await
            .context("connecting to the embedded PostgreSQL")?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(name)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            // Identifiers cannot be bound; `name` is ours, not user input, but quote it anyway.
            let statement = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
            sqlx::query(&statement).execute(&mut conn).await?;
        }
        Ok(())
    }

    fn with_database(mut self, name: &str) -> Self {
        name.clone_into(&mut self.database);
        self
    }

    pub fn connect_options(&self) -> PgConnectOptions {
        let options = PgConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username(SUPERUSER)
            .database(&self.database);
        match &self.password {
            Some(password) => options.password(password),
            None => options,
        }
    }

    /// The same as [`Self::connect_options`], as a URL (for `DATABASE_URL`).
    pub fn url(&self) -> String {
        let password = self
            .password
            .as_ref()
            .map(|password| format!(":{password}"))
            .unwrap_or_default();
        format!(
            "postgres://{SUPERUSER}{password}@127.0.0.1:{}/{}",
            self.port, self.database
        )
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Leaves the server running after this value is dropped (the test suite shares one
    /// cluster across test processes).
    pub fn leave_running(self) -> PgConnectOptions {
        let options = self.connect_options();
        #[cfg(unix)]
        cluster::leave_running(self);
        options
    }
}
