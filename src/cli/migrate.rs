//! `migrate`: a deployment's step before it starts the new version (`serve` migrates too).

use crate::config::Config;

pub(super) async fn run(config: Config) -> anyhow::Result<()> {
    let database = super::migrated_database(&config).await?;
    tracing::info!("migrations applied");
    // Only now: dropping it stops the embedded cluster, if any.
    drop(database);
    Ok(())
}
