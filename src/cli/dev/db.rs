//! The development database tasks `db reset` and `db seed` (the demo account), flattened into
//! the `db` group beside its backup commands.

use std::sync::Arc;

use clap::Subcommand;

use crate::{
    backends::{database::Database, storage::Storage},
    config::Config,
    dev::demo::{self, Seeded},
};

#[derive(Subcommand)]
pub(in crate::cli) enum DevDbAction {
    /// Drop the database, create it again, migrate it and seed it. Refused in production.
    Reset,
    /// Create the demo account (demo@example.com, password demo-password) with contacts and
    /// files, unless it exists.
    Seed,
}

pub(in crate::cli) async fn run(config: Config, action: DevDbAction) -> anyhow::Result<()> {
    let database = match action {
        DevDbAction::Reset => {
            let database = Database::recreate(&config.database, config.app_env).await?;
            database.migrate().await?;
            database
        }
        DevDbAction::Seed => crate::cli::migrated_database(&config).await?,
    };
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
