//! The command line: `serve` (the default), `migrate`, `healthcheck`.

use std::{
    io::{Read, Write},
    net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream},
    process::ExitCode,
    time::{Duration, Instant},
};

use anyhow::Context;
use clap::{Parser, Subcommand};
use starter::{
    AppState, app,
    backends::database::Database,
    config::Config,
    server::{serve, shutdown_signal},
    telemetry,
};

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
}

fn main() -> ExitCode {
    // `.env` first, so that it feeds the configuration (real environment variables win).
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        eprintln!("error: .env: {error}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
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
            Command::Healthcheck => Ok(()),
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
    let state = AppState::new(config, database.pool.clone())?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("listening on {address} (set HOST and PORT to change it)"))?;
    tracing::info!(
        ready_in_ms = started.elapsed().as_millis(),
        "listening on http://{address}"
    );
    serve(listener, app(state), shutdown_signal(), grace).await?;
    // Dropping the database closes the pool and stops the embedded cluster, if any.
    database.pool.close().await;
    drop(database);
    Ok(())
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
            "GET /health/live HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        )?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head)?;
        Ok(head.starts_with(b"HTTP/1.1 200") || head.starts_with(b"HTTP/1.0 200"))
    };
    match check() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("unhealthy: http://{address}/health/live did not answer 200");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("unhealthy: http://{address}/health/live: {error}");
            ExitCode::FAILURE
        }
    }
}
