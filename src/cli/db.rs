//! The `db` group: backups, `db backup`, `db backups` and `db restore`; and with the
//! development tools, `db reset` and `db seed` (in `dev/db.rs`).

use anyhow::Context;
use clap::Subcommand;
use secrecy::SecretString;

use crate::{
    backends::database::Database,
    backup::{self, BackupStore, Connection, Which},
    config::Config,
    web::humanize,
};

#[derive(Subcommand)]
pub(super) enum DbAction {
    #[cfg(feature = "dev-tools")]
    #[command(flatten)]
    Dev(super::dev::DevDbAction),
    /// Back the database up (pg_dump) to S3's backups/ or BACKUP_DIR, keeping the newest
    /// BACKUP_KEEP.
    Backup,
    /// List the backups, newest first.
    Backups,
    /// Restore a backup into the database, all or nothing, and check it.
    Restore {
        /// `latest`, or a backup's name from `db backups` (such as 20261207-020000).
        backup: String,
        /// Replace the data the database holds (refused otherwise).
        #[arg(long)]
        force: bool,
    },
    /// Any other name: in a build without the development tools, theirs get a message.
    #[cfg(not(feature = "dev-tools"))]
    #[command(external_subcommand)]
    LeftOut(Vec<String>),
}

pub(super) async fn run(config: Config, action: DbAction) -> anyhow::Result<()> {
    match action {
        #[cfg(feature = "dev-tools")]
        DbAction::Dev(action) => super::dev::run_db(config, action).await,
        // Answered before the runtime started (`Cli::run`).
        #[cfg(not(feature = "dev-tools"))]
        DbAction::LeftOut(_) => Ok(()),
        action => backups(config, action).await,
    }
}

/// The backup commands. They open the database without migrating it: a restore needs it as
/// it is (empty, or with `--force` replaced).
async fn backups(config: Config, action: DbAction) -> anyhow::Result<()> {
    let store = BackupStore::from_config(&config)?;
    if let DbAction::Backups = action {
        return list(&store).await;
    }
    let database = Database::open(&config.database, config.app_env).await?;
    let url = match (&config.database.url, &database.embedded) {
        (Some(url), _) => url.clone(),
        (None, Some(embedded)) => SecretString::from(embedded.url()),
        (None, None) => anyhow::bail!("no database to back up or restore: set DATABASE_URL"),
    };
    let connection = Connection::new(&url)?;
    match action {
        DbAction::Backup => {
            let made = backup::make(&database.pool, &connection, &store, &config.backup).await?;
            println!(
                "backed up: {} ({}, {}) in {}",
                made.name,
                humanize::bytes(made.bytes),
                contents(&made),
                store.place()
            );
        }
        DbAction::Restore { backup, force } => {
            let which = Which::parse(&backup);
            let restored = backup::restore(
                &database.pool,
                &connection,
                &store,
                &config.backup,
                &which,
                force,
            )
            .await?;
            let made = &restored.manifest;
            println!(
                "restored {} (made {}) from {}: {}, each as in the backup",
                made.name,
                when(made.created_at()),
                store.place(),
                contents(made)
            );
            if force {
                println!(
                    "restart any instance of the app that was running: its connections hold \
                     plans of the tables that were replaced"
                );
            }
            let newest = crate::backends::database::MIGRATOR
                .iter()
                .map(|migration| migration.version)
                .max();
            if restored.migration < newest {
                println!(
                    "the backup is from an older version of the app: `migrate` (or starting \
                     the app) brings its schema up to date"
                );
            }
        }
        // `db backups` was answered above; the others do not come here.
        _ => {}
    }
    database.pool.close().await;
    Ok(())
}

/// `db backups`: name, size, age and contents of each, newest first.
async fn list(store: &BackupStore) -> anyhow::Result<()> {
    let backups = store.list().await.context("listing the backups")?;
    if backups.is_empty() {
        println!("no backups in {}", store.place());
        return Ok(());
    }
    let count = humanize::count(backups.len() as u64, "backup", "backups");
    println!("{count} in {}, newest first:", store.place());
    let now = time::OffsetDateTime::now_utc();
    for made in backups {
        println!(
            "  {}  {:>9}  {:>16}  {}",
            made.name,
            humanize::bytes(made.bytes),
            format!(
                "{} ago",
                humanize::duration((now - made.created_at()).unsigned_abs())
            ),
            contents(&made)
        );
    }
    Ok(())
}

/// "9 tables, 1,234 rows".
fn contents(made: &backup::Manifest) -> String {
    let rows = u64::try_from(made.total_rows()).unwrap_or_default();
    format!(
        "{}, {}",
        humanize::count(made.tables.len() as u64, "table", "tables"),
        humanize::count(rows, "row", "rows")
    )
}

/// "2026-12-07 02:00 UTC".
fn when(at: time::OffsetDateTime) -> String {
    format!("{} {:02}:{:02} UTC", at.date(), at.hour(), at.minute())
}
