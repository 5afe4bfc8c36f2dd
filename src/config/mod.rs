//! Typed configuration, read once at startup from the environment (and `.env`, which `main`
//! loads before anything else).
//!
//! Every variable has a development default except those a production deployment must choose.
//! A missing or malformed variable stops startup with one line naming it and what it expects.
//! Secrets are wrapped in [`SecretString`] so that `Debug` and logs never show them.
//!
//! One file per section of `.env.example`, each naming, parsing, defaulting and checking its
//! variables: `app.rs` (environment, address, base URL), `secret_key.rs`, `database.rs`,
//! `http.rs` (including the client address source), `http_client.rs` (outgoing HTTP,
//! breached passwords), `log.rs`, `traces.rs` (OpenTelemetry), `email.rs`, `storage.rs` (files
//! and uploads), `live.rs` (Valkey and live updates), `jobs.rs`, `sessions.rs`, `accounts.rs`
//! (sudo mode, two-factor), `backup.rs` (database backups), `metrics.rs` (the `/metrics` listener). They read through one
//! [`env::Env`], so every error is worded alike. [`Config::from_lookup`] reads the sections in
//! turn; `tests.rs` checks the whole, `.env.example` included.

mod accounts;
mod app;
mod backup;
mod database;
mod email;
mod env;
mod http;
mod http_client;
mod jobs;
mod live;
mod log;
mod metrics;
mod secret_key;
mod sessions;
mod storage;
#[cfg(test)]
mod tests;
mod traces;

use std::net::IpAddr;

use secrecy::SecretString;

pub use self::{
    accounts::AccountsConfig,
    app::AppEnv,
    backup::{BackupConfig, TimeOfDay},
    database::DatabaseConfig,
    email::{EmailConfig, SmtpConfig, SmtpSecurity},
    http::HttpConfig,
    http_client::{BreachedPasswordsConfig, HttpClientConfig},
    jobs::JobsConfig,
    live::LiveConfig,
    log::{LogConfig, LogFormat},
    metrics::MetricsConfig,
    sessions::SessionConfig,
    storage::{S3Config, StorageConfig, UploadConfig},
    traces::TracesConfig,
};
use self::{app::App, env::Env};

#[derive(Debug, Clone)]
pub struct Config {
    pub app_env: AppEnv,
    pub host: IpAddr,
    pub port: u16,
    /// Absolute URL the app is reached at, without a trailing slash; used for links in email.
    pub base_url: String,
    /// The app's own secret (`SECRET_KEY`): the key of the rate limits' hashed keys, and the
    /// source of two-factor secrets' key. The same on every instance, or they would not count
    /// together (nor read each other's secrets).
    pub secret_key: SecretString,
    pub database: DatabaseConfig,
    pub http: HttpConfig,
    pub log: LogConfig,
    /// `None`: no traces are exported (no OTLP endpoint set).
    pub traces: Option<TracesConfig>,
    pub email: EmailConfig,
    pub sessions: SessionConfig,
    /// Sudo mode and two-factor authentication.
    pub accounts: AccountsConfig,
    pub http_client: HttpClientConfig,
    pub breached_passwords: BreachedPasswordsConfig,
    pub storage: StorageConfig,
    pub uploads: UploadConfig,
    /// `None`: pub/sub, rate limits and the cache stay in this process (one instance only).
    pub valkey_url: Option<SecretString>,
    pub live: LiveConfig,
    pub jobs: JobsConfig,
    pub backup: BackupConfig,
    pub metrics: MetricsConfig,
}

/// A variable that is missing or does not parse. Its `Display` is the one line startup prints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, which returns a variable's value if it is set.
    /// Tests pass a map here instead of touching the process environment.
    ///
    /// Sections are read in a fixed order and the first error stops the reading, so with
    /// several variables wrong at once the same one is always reported.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(&lookup);
        let App {
            app_env,
            host,
            port,
            base_url,
        } = App::read(&env)?;
        let production = app_env.is_production();
        let secret_key = secret_key::read(&env, production)?;
        let database = DatabaseConfig::read(&env, production)?;
        let http = HttpConfig::read(&env)?;
        let log = LogConfig::read(&env, production)?;
        let traces = TracesConfig::read(&env)?;
        let email = EmailConfig::read(&env, production)?;
        let sessions = SessionConfig::read(&env, production)?;
        let accounts = AccountsConfig::read(&env)?;
        let http_client = HttpClientConfig::read(&env)?;
        let breached_passwords = BreachedPasswordsConfig::read(&env, app_env)?;
        let storage = StorageConfig::read(&env)?;
        let uploads = UploadConfig::read(&env)?;
        let valkey_url = live::valkey_url(&env)?;
        let live = LiveConfig::read(&env)?;
        let jobs = JobsConfig::read(&env)?;
        let backup = BackupConfig::read(&env, production, database.url.is_some())?;
        let metrics = MetricsConfig::read(&env, port)?;
        Ok(Self {
            app_env,
            host,
            port,
            base_url,
            secret_key,
            database,
            http,
            log,
            traces,
            email,
            sessions,
            accounts,
            http_client,
            breached_passwords,
            storage,
            uploads,
            valkey_url,
            live,
            jobs,
            backup,
            metrics,
        })
    }
}
