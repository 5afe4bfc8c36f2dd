//! The command line: `serve` (the default), `migrate`, `healthcheck`, `mail-test`, `admin`,
//! `seed`, `db`, `generate`, `files`, `bench`.
//!
//! [`Cli`] is what `main` parses; [`Cli::run`] loads the configuration and hands the command
//! to its file here, one file per command group (`serve.rs`, `db.rs`, ...). Each command that
//! works on the app's database opens it with [`migrated_database`], so that every one of them
//! works on a fresh clone (embedded PostgreSQL) as on a deployment (`DATABASE_URL`) and never
//! on an unmigrated schema.

mod admin;
mod bench;
mod db;
mod files;
mod generate;
mod healthcheck;
mod mail_test;
mod seed;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::{backends::database::Database, config::Config, telemetry};

#[derive(Parser)]
#[command(
    version,
    about = "A hypermedia web application: Axum, Maud, htmx, PostgreSQL"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations, then serve HTTP (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Exit 0 when this app answers 200 on /health/live at HOST:PORT, 1 otherwise
    /// (for container health checks).
    Healthcheck,
    /// Send a test message to ADDRESS through the configured transport, and report the
    /// outcome (exit 1 if it could not be delivered now; it then stays queued).
    MailTest {
        /// The recipient, e.g. you@example.com
        address: String,
    },
    /// Manage administrators.
    Admin {
        #[command(subcommand)]
        action: admin::AdminAction,
    },
    /// Fill an account with fake data, to try the app at any size.
    Seed {
        #[command(subcommand)]
        data: seed::SeedData,
    },
    /// Development database tasks.
    Db {
        #[command(subcommand)]
        action: db::DbAction,
    },
    /// Write code from the templates in templates/ (run it in the project's folder).
    Generate {
        #[command(subcommand)]
        what: generate::Generate,
    },
    /// Look after uploaded files.
    Files {
        #[command(subcommand)]
        action: files::FilesAction,
    },
    /// Measure a feature on a scratch database (build with --release).
    Bench {
        #[command(subcommand)]
        feature: bench::BenchFeature,
    },
}

impl Cli {
    /// Runs the command (`serve` when none is given). Exit codes: 0 done, 1 failed, 2 the
    /// configuration (or `RUST_LOG`) is invalid.
    pub fn run(self) -> ExitCode {
        let command = self.command.unwrap_or(Command::Serve);
        // Generators need no configuration, database or runtime: only the project's files.
        if let Command::Generate { what } = command {
            return generate::run(what);
        }
        let config = match Config::from_env() {
            Ok(config) => config,
            Err(error) => {
                eprintln!("configuration error: {error}");
                // Container runtimes reserve health-check exit codes other than 0 and 1.
                let code = if matches!(command, Command::Healthcheck) {
                    1
                } else {
                    2
                };
                return ExitCode::from(code);
            }
        };
        if let Command::Healthcheck = command {
            return healthcheck::run(&config);
        }
        if let Err(error) = telemetry::init(&config.log) {
            eprintln!("configuration error: {error}");
            return ExitCode::from(2);
        }

        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(error) => {
                eprintln!("error: cannot start the async runtime: {error}");
                return ExitCode::FAILURE;
            }
        };
        match runtime.block_on(command.run(config)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                tracing::error!("{error:#}");
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        }
    }
}

impl Command {
    /// The commands that run on the async runtime, each in its own file.
    async fn run(self, config: Config) -> anyhow::Result<()> {
        match self {
            Self::Serve => serve::run(config).await,
            Self::Migrate => db::migrate(config).await,
            Self::MailTest { address } => mail_test::run(config, &address).await,
            Self::Admin { action } => admin::run(config, action).await,
            Self::Seed { data } => seed::run(config, data).await,
            Self::Db { action } => db::run(config, action).await,
            Self::Files { action } => files::run(config, action).await,
            Self::Bench { feature } => bench::run(config, feature).await,
            // Both were answered before the runtime started.
            Self::Healthcheck | Self::Generate { .. } => Ok(()),
        }
    }
}

/// The app's database, migrated: the one configured by `DATABASE_URL`, or in development the
/// embedded cluster (kept running while the value lives).
async fn migrated_database(config: &Config) -> anyhow::Result<Database> {
    let database = Database::open(&config.database, config.app_env).await?;
    database.migrate().await?;
    Ok(database)
}
