//! `seed contacts`: fake data in bulk, to try the app (and its search) at any size.

use std::time::Instant;

use clap::Subcommand;

use crate::{config::Config, dev};

#[derive(Subcommand)]
pub(in crate::cli) enum SeedData {
    /// Add COUNT fake contacts (names, companies, addresses, phones, notes) to an account.
    Contacts {
        /// The account's address; it must exist already.
        #[arg(long)]
        user: String,
        #[arg(long, default_value_t = 100)]
        count: usize,
    },
}

pub(super) async fn run(config: Config, data: SeedData) -> anyhow::Result<()> {
    let SeedData::Contacts { user, count } = data;
    let database = crate::cli::migrated_database(&config).await?;
    let started = Instant::now();
    dev::seed::contacts(&database.pool, &user, count).await?;
    println!(
        "added {count} contacts to {user} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
