//! The binary: loads `.env`, then parses and runs the command line (`app::cli`, where each
//! command has its file).

use std::process::ExitCode;

use app::cli::Cli;
use clap::Parser;

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
