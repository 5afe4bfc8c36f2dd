//! `bench search`: the search benchmark (the measuring itself is in `dev::search_bench`).

use clap::Subcommand;

use crate::{config::Config, dev::search_bench};

#[derive(Subcommand)]
pub(in crate::cli) enum BenchFeature {
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

pub(super) async fn run(config: Config, feature: BenchFeature) -> anyhow::Result<()> {
    let BenchFeature::Search {
        contacts,
        others,
        runs,
    } = feature;
    let options = search_bench::Options {
        contacts,
        others,
        runs,
    };
    search_bench::run(config, options).await
}
