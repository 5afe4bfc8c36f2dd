//! Restoring a backup, all or nothing. Before the database is touched: the backup exists and
//! is whole (its dump's size and SHA-256 match its manifest), the server is not older than
//! the one dumped, `pg_restore` can read the dump, and the database holds no data unless
//! `--force` says to replace it. Then `pg_restore --single-transaction --exit-on-error`: any
//! failure, a truncated file included, rolls everything back and the database is as it was.
//! After it, every table's rows are counted against the manifest.

use std::process::Stdio;

use anyhow::{Context, bail};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::{
    make::{latest_migration, read_tail, row_counts},
    manifest::{self, Manifest},
    store::BackupStore,
    tools::{self, Connection},
};
use crate::{config::BackupConfig, web::humanize};

/// Which backup to restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Which {
    Latest,
    Named(String),
}

impl Which {
    pub fn parse(text: &str) -> Self {
        if text == "latest" {
            Self::Latest
        } else {
            Self::Named(text.to_owned())
        }
    }
}

/// What was restored: the backup, and the newest migration the database now has.
pub struct Restored {
    pub manifest: Manifest,
    pub migration: Option<i64>,
}

pub async fn restore(
    db: &PgPool,
    connection: &Connection,
    store: &BackupStore,
    config: &BackupConfig,
    which: &Which,
    force: bool,
) -> anyhow::Result<Restored> {
    let manifest = match which {
        Which::Latest => store
            .list()
            .await?
            .into_iter()
            .next()
            .with_context(|| format!("there are no backups in {}", store.place()))?,
        Which::Named(name) if manifest::is_name(name) => store.manifest(name).await?,
        Which::Named(name) => bail!(
            "{name:?} is not a backup's name: they look like 20261207-020000 (see `db backups`), \
             or say `latest`"
        ),
    };
    let name = &manifest.name;

    let server_major = tools::server_major(db).await?;
    if manifest.server_major > server_major {
        bail!(
            "the backup {name} is of a PostgreSQL {} server and this one is {server_major}: \
             restore it into PostgreSQL {} or newer",
            manifest.server_major,
            manifest.server_major
        );
    }
    let pg_restore = tools::find(
        "pg_restore",
        config.pg_bin_dir.as_deref(),
        manifest.pg_dump_major.max(server_major),
        &format!(
            "to restore a dump made by pg_dump {} into a PostgreSQL {server_major} server",
            manifest.pg_dump_major
        ),
    )
    .await?;

    let holding = tables_with_rows(db).await?;
    if !holding.is_empty() && !force {
        bail!(
            "the database holds data ({}): restoring {name} would replace it. Run again with \
             --force to replace it, or restore into an empty database",
            holding.join(", ")
        );
    }

    let mut spool = store.spool().await?;
    fetch_whole(store, &manifest, &mut spool).await?;

    let mut command = connection.command(&pg_restore);
    command
        .args([
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
        ])
        .arg(spool.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = command.spawn().context("starting pg_restore")?;
    let stderr = child.stderr.take().context("pg_restore's messages")?;
    let messages = read_tail(stderr).await;
    let status = child.wait().await.context("waiting for pg_restore")?;
    if !status.success() {
        return Err(explain_failure(name, pg_restore.major, messages.trim()));
    }

    let mut conn = db.acquire().await?;
    let counts = row_counts(&mut conn).await?;
    let differing: Vec<String> = manifest
        .tables
        .iter()
        .filter(|(table, rows)| counts.get(*table) != Some(*rows))
        .map(|(table, rows)| {
            let now = counts.get(table).map_or("none".to_owned(), i64::to_string);
            format!("{table}: {rows} in the backup, {now} now")
        })
        .collect();
    if !differing.is_empty() {
        bail!(
            "the backup {name} was restored, but not as it was made: {}. Do not use this \
             database; restore again with --force, or another backup",
            differing.join("; ")
        );
    }
    let migration = latest_migration(&mut conn).await?;
    tracing::info!(backup = %name, "database restored");
    Ok(Restored {
        manifest,
        migration,
    })
}

/// Downloads the dump into `spool`, and fails unless it is the very file the manifest
/// describes.
async fn fetch_whole(
    store: &BackupStore,
    manifest: &Manifest,
    spool: &mut crate::backends::storage::SpoolFile,
) -> anyhow::Result<()> {
    let name = &manifest.name;
    let mut stream = store.open_dump(name).await?.body.into_data_stream();
    let mut hasher = Sha256::new();
    let mut bytes: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.with_context(|| format!("reading the backup {name}"))?;
        hasher.update(&chunk);
        bytes += chunk.len() as u64;
        spool.write(&chunk).await?;
    }
    spool.finish().await?;
    if bytes != manifest.bytes || hex::encode(hasher.finalize()) != manifest.sha256 {
        bail!(
            "the backup {name} is damaged: its dump has {bytes} bytes where {} were written, or \
             other bytes. Nothing was restored; choose another backup (see `db backups`)",
            manifest.bytes
        );
    }
    Ok(())
}

/// What to say when `pg_restore` fails: the database was rolled back in every case.
fn explain_failure(name: &str, pg_restore_major: u32, messages: &str) -> anyhow::Error {
    if messages.contains("unsupported version") {
        anyhow::anyhow!(
            "the backup {name} was made by a newer pg_dump than pg_restore {pg_restore_major} \
             can read: install newer PostgreSQL client tools (set BACKUP_PG_BIN_DIR to their \
             folder if needed). Nothing was restored. pg_restore said: {messages}"
        )
    } else {
        anyhow::anyhow!(
            "restoring the backup {name} failed and was undone: the database is as it was. \
             pg_restore said: {messages}"
        )
    }
}

/// The tables that hold rows, other than the migrations' record (a migrated, empty database
/// counts as empty).
async fn tables_with_rows(db: &PgPool) -> anyhow::Result<Vec<String>> {
    let mut conn = db.acquire().await?;
    Ok(row_counts(&mut conn)
        .await?
        .into_iter()
        .filter(|(table, rows)| *rows > 0 && table != "public._sqlx_migrations")
        .map(|(table, rows)| {
            let rows = u64::try_from(rows).unwrap_or_default();
            format!("{table}: {}", humanize::count(rows, "row", "rows"))
        })
        .collect())
}
