//! `migrate`, and the development database tasks `db reset` and `db seed`.

use std::sync::Arc;

use clap::Subcommand;

use crate::{
    backends::{database::Database, storage::Storage},
    config::Config,
    demo::{self, Seeded},
};

#[derive(Subcommand)]
pub(super) enum DbAction {
    /// Drop the database, create it again, migrate it and seed it. Refused in production.
    Reset,
    /// Create the demo account (demo@example.com, password demo-password) with contacts and
    /// files, unless it exists.
    Seed,
}

/// `migrate`: a deployment's step before it starts the new version (`serve` migrates too).
pub(super) async fn migrate(config: Config) -> anyhow::Result<()> {
    let database = super::migrated_database(&config).await?;
    tracing::info!("migrations applied");
    // Only now: dropping it stops the embedded cluster, if any.
    drop(database);
    Ok(())
}

pub(super) async fn run(config: Config, action: DbAction) -> anyhow::Result<()> {
    let database = match action {
        DbAction::Reset => {
            let database = Database::recreate(&config.database, config.app_env).await?;
            database.migrate().await?;
            database
        }
        DbAction::Seed => super::migrated_database(&config).await?,
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
