//! The commands of the development tools (`crate::dev`): `seed`, `generate`, `bench`, and
//! `db reset` and `db seed` (flattened into the `db` group), one file per group. Built only
//! with the `dev-tools` feature (on by default); a binary built without it answers these
//! names with a message saying so (`cli::left_out`).

mod bench;
mod db;
mod generate;
mod seed;

pub(super) use self::db::{DevDbAction, run as run_db};

use std::process::ExitCode;

use clap::Subcommand;

use crate::config::Config;

/// Flattened into the command line's own commands.
#[derive(Subcommand)]
pub(super) enum DevCommand {
    /// Fill an account with fake data, to try the app at any size.
    Seed {
        #[command(subcommand)]
        data: seed::SeedData,
    },
    /// Write code from the templates in templates/ (run it in the project's folder).
    Generate {
        #[command(subcommand)]
        what: generate::Generate,
    },
    /// Measure a feature on a scratch database (build with --release).
    Bench {
        #[command(subcommand)]
        feature: bench::BenchFeature,
    },
}

impl DevCommand {
    /// The generators need no configuration, database or runtime, only the project's files:
    /// they run here, before any of that is set up. Other commands are handed back.
    pub(super) fn run_without_config(self) -> Result<ExitCode, Self> {
        match self {
            Self::Generate { what } => Ok(generate::run(what)),
            other => Err(other),
        }
    }

    pub(super) async fn run(self, config: Config) -> anyhow::Result<()> {
        match self {
            Self::Seed { data } => seed::run(config, data).await,
            Self::Bench { feature } => bench::run(config, feature).await,
            // Answered by `run_without_config`, before the runtime started.
            Self::Generate { .. } => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Subcommand;

    fn names(commands: clap::Command) -> Vec<String> {
        let names = commands.get_subcommands().map(|c| c.get_name().to_owned());
        names.collect()
    }

    #[test]
    fn a_build_without_the_tools_knows_all_their_names() {
        let commands = super::DevCommand::augment_subcommands(clap::Command::new("app"));
        assert_eq!(names(commands), super::super::DEV_COMMANDS);
        let db = super::DevDbAction::augment_subcommands(clap::Command::new("db"));
        assert_eq!(names(db), super::super::DEV_DB_COMMANDS);
    }
}
