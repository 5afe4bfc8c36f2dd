//! The command line: `serve` (the default), `migrate`, `healthcheck`, `mail-test`, `admin`,
//! `seed`, `db`, `generate`, `files`, `bench`.

use std::{
    io::{Read, Write},
    net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream},
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use app::{
    AppState, app,
    auth::{self, create_admin::AdminCreated},
    backends::{database::Database, storage::Storage},
    config::Config,
    contacts,
    demo::{self, Seeded},
    email::{
        self,
        db::EmailStatus,
        templates::{self, TestMessage},
        worker::{DeliveryWorker, RetryPolicy},
    },
    files::cleanup,
    health::paths::LivePath,
    jobs, search,
    server::{serve, shutdown_signal},
    telemetry,
};
use clap::{Parser, Subcommand};
use lettre::message::Mailbox;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(
    version,
    about = "A hypermedia web application: Axum, Maud, htmx, PostgreSQL"
)]
struct Cli {
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
        action: AdminAction,
    },
    /// Fill an account with fake data, to try the app at any size.
    Seed {
        #[command(subcommand)]
        data: SeedData,
    },
    /// Development database tasks.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Write code from the templates in templates/ (run it in the project's folder).
    Generate {
        #[command(subcommand)]
        what: Generate,
    },
    /// Look after uploaded files.
    Files {
        #[command(subcommand)]
        action: FilesAction,
    },
    /// Measure a feature on a scratch database (build with --release).
    Bench {
        #[command(subcommand)]
        feature: BenchFeature,
    },
}

#[derive(Subcommand)]
enum DbAction {
    /// Drop the database, create it again, migrate it and seed it. Refused in production.
    Reset,
    /// Create the demo account (demo@example.com, password demo-password) with contacts and
    /// files, unless it exists.
    Seed,
}

#[derive(Subcommand)]
enum Generate {
    /// A feature module like src/contacts/: routes, handlers, views, queries scoped by owner,
    /// a migration and tests; registered in src/lib.rs.
    Resource {
        /// Plural snake_case, like invoices.
        name: String,
        /// name:type, with ? after the type for an optional field; types: string, text, int,
        /// decimal, bool, date, datetime, uuid. Example: number:string amount:decimal
        /// due_on:date paid:bool notes:text?
        #[arg(required = true)]
        fields: Vec<String>,
        /// Overwrite files a generator wrote before.
        #[arg(long)]
        force: bool,
    },
    /// A reversible migration pair (.up.sql and .down.sql) in migrations/.
    Migration {
        /// snake_case, like add_due_on_to_invoices.
        name: String,
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum BenchFeature {
    /// Seed 100,000 contacts and time search queries: the function, the HTTP route, and a
    /// plain ILIKE scan (p50/p95/p99), with the indexes the plan uses.
    Search {
        /// Contacts of the user who searches.
        #[arg(long, default_value_t = 100_000)]
        contacts: usize,
        /// Contacts of another user, whose records must stay out of the results.
        #[arg(long, default_value_t = 5_000)]
        others: usize,
        /// Timed runs per query and way.
        #[arg(long, default_value_t = 200)]
        runs: usize,
    },
}

#[derive(Subcommand)]
enum SeedData {
    /// Add COUNT fake contacts (names, companies, addresses, phones, notes) to an account.
    Contacts {
        /// The account's address; it must exist already.
        #[arg(long)]
        user: String,
        #[arg(long, default_value_t = 100)]
        count: usize,
    },
}

#[derive(Subcommand)]
enum AdminAction {
    /// Make EMAIL an administrator: promote its account, or create a confirmed one with a
    /// generated password (printed once).
    Create { email: String },
}

#[derive(Subcommand)]
enum FilesAction {
    /// Bring storage and the files table back into agreement: finish deletions that were cut
    /// short, remove stored objects no record names and uploads a crash left half-received
    /// (the server does this every hour too).
    Cleanup,
}

/// After the HTTP server has drained, how much longer the email worker may take to stop.
const WORKER_STOP_GRACE: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    // `.env` first, so that it feeds the configuration (real environment variables win).
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        eprintln!("error: .env: {error}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    // Generators need no configuration, database or runtime: only the project's files.
    if let Command::Generate { what } = command {
        return generate(what);
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
        return healthcheck(&config);
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
    let result = runtime.block_on(async {
        match command {
            Command::Serve => run_server(config).await,
            Command::Migrate => migrate(config).await,
            Command::MailTest { address } => mail_test(config, &address).await,
            Command::Admin {
                action: AdminAction::Create { email },
            } => create_admin(config, &email).await,
            Command::Seed {
                data: SeedData::Contacts { user, count },
            } => seed_contacts(config, &user, count).await,
            Command::Db { action } => database_task(config, action).await,
            Command::Files {
                action: FilesAction::Cleanup,
            } => files_cleanup(config).await,
            Command::Bench {
                feature:
                    BenchFeature::Search {
                        contacts,
                        others,
                        runs,
                    },
            } => {
                let options = search::bench::Options {
                    contacts,
                    others,
                    runs,
                };
                search::bench::run(config, options).await
            }
            Command::Healthcheck | Command::Generate { .. } => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run_server(config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
    let database = Database::open(&config.database, config.app_env).await?;
    database.migrate().await?;

    let address = SocketAddr::new(config.host, config.port);
    let grace = config.http.shutdown_timeout;
    let production = config.app_env.is_production();
    let listens_on_loopback = config.host.is_loopback();
    let retry_policy = RetryPolicy::from_config(&config.email);
    let cleanup_grace = cleanup::grace_period(config.http.request_timeout);
    let state = AppState::new(config, database.pool.clone())?;
    state.storage.prepare().await?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("listening on {address} (set HOST and PORT to change it)"))?;

    let shutdown = state.shutdown.clone();
    let worker = DeliveryWorker::new(
        database.pool.clone(),
        state.mail_transport.clone(),
        retry_policy,
    );
    let worker = tokio::spawn(worker.run(shutdown.clone()));
    let jobs_worker = tokio::spawn(jobs::Worker::new(state.clone()).run(shutdown.clone()));
    let session_cleanup = tokio::spawn(state.sessions.clone().delete_expired_continuously());
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
    // The worker was told to stop with the server and has had the whole drain to finish the
    // message in hand; a few more seconds at most.
    shutdown.cancel();
    if tokio::time::timeout(WORKER_STOP_GRACE, worker)
        .await
        .is_err()
    {
        tracing::warn!("the email worker did not stop in time");
    }
    // It hands the job in hand back at once on shutdown; this only bounds the wait for that.
    if tokio::time::timeout(WORKER_STOP_GRACE, jobs_worker)
        .await
        .is_err()
    {
        tracing::warn!("the jobs worker did not stop in time");
    }
    session_cleanup.abort();
    files_cleanup.abort();
    // Closing the pool, then dropping the database, stops the embedded cluster, if any.
    database.pool.close().await;
    drop(database);
    Ok(served?)
}

async fn create_admin(config: Config, email: &str) -> anyhow::Result<()> {
    let database = Database::open(&config.database, config.app_env).await?;
    database.migrate().await?;
    match auth::create_admin::create_or_promote(&database.pool, email).await? {
        AdminCreated::Promoted => println!("{email} is now an administrator"),
        AdminCreated::New { password } => println!(
            "created administrator {email} with the password {password}\n\
             (shown once: log in and change it at /account)"
        ),
    }
    Ok(())
}

async fn database_task(config: Config, action: DbAction) -> anyhow::Result<()> {
    let database = match action {
        DbAction::Reset => Database::recreate(&config.database, config.app_env).await?,
        DbAction::Seed => Database::open(&config.database, config.app_env).await?,
    };
    database.migrate().await?;
    let storage = Arc::new(Storage::from_config(&config.storage)?);
    storage.prepare().await?;
    match demo::seed(&database.pool, &storage).await? {
        Seeded::Created => println!(
            "seeded: log in as {} with the password {}",
            demo::EMAIL,
            demo::PASSWORD
        ),
        Seeded::AlreadyThere => println!("{} exists already: left as it is", demo::EMAIL),
    }
    database.pool.close().await;
    Ok(())
}

fn generate(what: Generate) -> ExitCode {
    let root = std::path::Path::new(".");
    let (written, next) = match what {
        Generate::Resource {
            name,
            fields,
            force,
        } => (
            app::generate::resource(root, &name, &fields, force),
            format!(
                "next: scripts/sqlx-offline (records the new queries for offline builds), then \
                 cargo test --test {name}; the pages are at /{name}"
            ),
        ),
        Generate::Migration { name, force } => (
            app::generate::migration(root, &name, force),
            "next: write the change in the .up.sql and its undoing in the .down.sql".to_owned(),
        ),
    };
    match written {
        Ok(files) => {
            for file in files {
                println!("wrote {}", file.display());
            }
            println!("{next}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn seed_contacts(config: Config, user: &str, count: usize) -> anyhow::Result<()> {
    let database = Database::open(&config.database, config.app_env).await?;
    database.migrate().await?;
    let started = Instant::now();
    contacts::seed::contacts(&database.pool, user, count).await?;
    println!(
        "added {count} contacts to {user} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn files_cleanup(config: Config) -> anyhow::Result<()> {
    let database = Database::open(&config.database, config.app_env).await?;
    database.migrate().await?;
    let storage = Storage::from_config(&config.storage)?;
    storage.prepare().await?;
    let grace = cleanup::grace_period(config.http.request_timeout);
    let report = cleanup::run(&database.pool, &storage, grace).await?;
    println!(
        "files cleanup: {} interrupted deletions finished, {} orphaned objects and {} stale \
         spooled uploads removed (anything younger than {} left alone)",
        report.deletions_finished,
        report.orphans_removed,
        report.spools_removed,
        app::humanize::duration(grace)
    );
    Ok(())
}

/// Queues a test message and makes one delivery attempt right here.
async fn mail_test(config: Config, address: &str) -> anyhow::Result<()> {
    let recipient: Mailbox = address
        .parse()
        .with_context(|| format!("{address:?} is not an email address"))?;
    let database = Database::open(&config.database, config.app_env).await?;
    database.migrate().await?;
    let state = AppState::new(config, database.pool.clone())?;
    let link = state.mailer.url("/");
    let content = templates::test_message(&TestMessage {
        name: None,
        app_link: &link,
    });
    let mut conn = database.pool.acquire().await?;
    let id = state.mailer.enqueue(&mut conn, recipient, content).await?;
    drop(conn);

    let worker = DeliveryWorker::new(
        database.pool.clone(),
        state.mail_transport.clone(),
        RetryPolicy::from_config(&state.config.email),
    );
    worker.deliver_due(&CancellationToken::new()).await?;
    let message = email::db::find(&database.pool, id).await?;
    match message.status {
        EmailStatus::Sent => {
            println!(
                "sent to {address} via {}",
                message.delivered_via.as_deref().unwrap_or("?")
            );
            Ok(())
        }
        _ => anyhow::bail!(
            "not delivered ({}); the message stays queued and the app's worker will retry it",
            message.last_error.as_deref().unwrap_or("unknown error")
        ),
    }
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    let database = Database::open(&config.database, config.app_env).await?;
    database.migrate().await?;
    tracing::info!("migrations applied");
    Ok(())
}

/// A plain HTTP/1.1 GET, so the check needs no client library and no runtime.
fn healthcheck(config: &Config) -> ExitCode {
    let host = match config.host {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip => ip,
    };
    let address = SocketAddr::new(host, config.port);
    let check = || -> std::io::Result<bool> {
        let timeout = Duration::from_secs(3);
        let mut stream = TcpStream::connect_timeout(&address, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        write!(
            stream,
            "GET {LivePath} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        )?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head)?;
        Ok(head.starts_with(b"HTTP/1.1 200") || head.starts_with(b"HTTP/1.0 200"))
    };
    match check() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("unhealthy: http://{address}{LivePath} did not answer 200");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("unhealthy: http://{address}{LivePath}: {error}");
            ExitCode::FAILURE
        }
    }
}
