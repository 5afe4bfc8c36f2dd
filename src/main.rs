//! The binary: loads `.env`, then parses and runs the command line (`app::cli`, where each
//! command has its file).

use std::process::ExitCode;

use app::cli::Cli;
use clap::Parser;

/// A request allocates on one worker thread and often frees on another. glibc's malloc then
/// takes its arenas' locks, and under load the workers spent about a sixth of their time
/// waiting on them (`perf`, the anonymous home page at 50 connections); mimalloc's
/// per-thread heaps free across threads without a lock.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // `.env` first, so that it feeds the configuration (real environment variables win).
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        eprintln!("error: .env: {error}");
        return ExitCode::from(2);
    }
    Cli::parse().run()
}
