//! `files cleanup`: the hourly reconciliation of storage with the files table, on demand.

use clap::Subcommand;

use crate::{backends::storage::Storage, config::Config, files::cleanup, web::humanize};

#[derive(Subcommand)]
pub(super) enum FilesAction {
    /// Bring storage and the files table back into agreement: finish deletions that were cut
    /// short, remove stored objects no record names and uploads a crash left half-received
    /// (the server does this every hour too).
    Cleanup,
}

pub(super) async fn run(config: Config, action: FilesAction) -> anyhow::Result<()> {
    let FilesAction::Cleanup = action;
    let database = super::migrated_database(&config).await?;
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
        humanize::duration(grace)
    );
    Ok(())
}
