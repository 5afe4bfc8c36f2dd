//! The command line: `serve` (the default), `migrate`, `healthcheck`, `mail-test`, `admin`,
//! `files`, `db` (backups), and the development tools' `seed`, `db reset`, `db seed`,
//! `generate`, `bench` (in `dev/`).
//!
//! [`Cli`] is what `main` parses; [`Cli::run`] loads the configuration and hands the command
//! to its file here, one file per command group (`serve.rs`, `migrate.rs`, ...). Each command
//! that works on the app's database opens it with [`migrated_database`], so that every one of
//! them works on a fresh clone (embedded PostgreSQL) as on a deployment (`DATABASE_URL`) and
//! never on an unmigrated schema.
//!
//! The development tools' commands exist only with the `dev-tools` feature (on by default):
//! a production build (`--no-default-features`) answers their names with a message saying
//! they were left out, not with "unrecognized subcommand".

mod admin;
mod db;
#[cfg(feature = "dev-tools")]
mod dev;
mod files;
mod healthcheck;
mod mail_test;
mod migrate;
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
    /// Look after uploaded files.
    Files {
        #[command(subcommand)]
        action: files::FilesAction,
    },
    /// Database backups, and development database tasks.
    Db {
        #[command(subcommand)]
        action: db::DbAction,
    },
    #[cfg(feature = "dev-tools")]
    #[command(flatten)]
    Dev(dev::DevCommand),
    /// Any other name: in a build without the development tools, theirs get a message.
    #[cfg(not(feature = "dev-tools"))]
    #[command(external_subcommand)]
    LeftOut(Vec<String>),
}

/// The development tools' commands (`dev::DevCommand`), and those in the `db` group
/// (`dev::DevDbAction`), named by a build without them.
#[cfg(any(test, not(feature = "dev-tools")))]
const DEV_COMMANDS: &[&str] = &["seed", "generate", "bench"];
#[cfg(any(test, not(feature = "dev-tools")))]
const DEV_DB_COMMANDS: &[&str] = &["reset", "seed"];

impl Cli {
    /// Runs the command (`serve` when none is given). Exit codes: 0 done, 1 failed, 2 the
    /// configuration (or `RUST_LOG`) is invalid, or the command is not in this build.
    pub fn run(self) -> ExitCode {
        let command = self.command.unwrap_or(Command::Serve);
        #[cfg(feature = "dev-tools")]
        let command = match command {
            Command::Dev(dev) => match dev.run_without_config() {
                Ok(done) => return done,
                Err(dev) => Command::Dev(dev),
            },
            command => command,
        };
        #[cfg(not(feature = "dev-tools"))]
        match &command {
            Command::LeftOut(words) => return left_out("", DEV_COMMANDS, words),
            Command::Db {
                action: db::DbAction::LeftOut(words),
            } => return left_out("db ", DEV_DB_COMMANDS, words),
            _ => {}
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
        let telemetry = match telemetry::init(&config.log, config.traces.as_ref()) {
            Ok(telemetry) => telemetry,
            Err(error) => {
                eprintln!("configuration error: {error}");
                return ExitCode::from(2);
            }
        };

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
        let outcome = runtime.block_on(command.run(config));
        if let Err(error) = &outcome {
            tracing::error!("{error:#}");
            eprintln!("error: {error:#}");
        }
        // After the runtime's work, outside it: flushing the last spans blocks.
        telemetry.shutdown();
        match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::FAILURE,
        }
    }
}

impl Command {
    /// The commands that run on the async runtime, each in its own file.
    async fn run(self, config: Config) -> anyhow::Result<()> {
        match self {
            Self::Serve => serve::run(config).await,
            Self::Migrate => migrate::run(config).await,
            Self::MailTest { address } => mail_test::run(config, &address).await,
            Self::Admin { action } => admin::run(config, action).await,
            Self::Files { action } => files::run(config, action).await,
            Self::Db { action } => db::run(config, action).await,
            #[cfg(feature = "dev-tools")]
            Self::Dev(dev) => dev.run(config).await,
            // Answered before the runtime started.
            Self::Healthcheck => Ok(()),
            #[cfg(not(feature = "dev-tools"))]
            Self::LeftOut(_) => Ok(()),
        }
    }
}

/// A command this binary does not have (`group` and `words`, the name and what follows):
/// one of the development tools a production build leaves out (say so, and how to get
/// them), or a typo.
#[cfg(not(feature = "dev-tools"))]
fn left_out(group: &str, tools: &[&str], words: &[String]) -> ExitCode {
    let name = format!("{group}{}", words.first().map_or("", String::as_str));
    if words
        .first()
        .is_some_and(|word| tools.contains(&word.as_str()))
    {
        eprintln!(
            "error: `{name}` is a development tool, left out of this build (built without the \
             `dev-tools` feature, as production builds are). Use a default build, e.g. \
             `cargo run -- {name}`."
        );
    } else {
        eprintln!("error: unrecognized command `{name}` (see --help)");
    }
    ExitCode::from(2)
}

/// The app's database, migrated: the one configured by `DATABASE_URL`, or in development the
/// embedded cluster (kept running while the value lives).
async fn migrated_database(config: &Config) -> anyhow::Result<Database> {
    let database = Database::open(&config.database, config.app_env).await?;
    database.migrate().await?;
    Ok(database)
}
