//! Making a backup: `pg_dump`'s custom format (compressed, and what `pg_restore` restores
//! selectively) streamed to a spool file while it is hashed, then stored with its manifest.
//! Memory holds one read buffer whatever the database's size.
//!
//! The row counts in the manifest and the dump see the same moment: a read-only transaction
//! exports its snapshot, counts the rows in it, and `pg_dump --snapshot` dumps from it.

use std::{collections::BTreeMap, process::Stdio};

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::{
    manifest::{self, Manifest},
    store::BackupStore,
    tools::{self, Connection},
};
use crate::{backends::storage::SpoolFile, config::BackupConfig};

/// Makes a backup of the database and stores it; then keeps only the newest
/// `BACKUP_KEEP`. Returns its manifest.
pub async fn make(
    db: &PgPool,
    connection: &Connection,
    store: &BackupStore,
    config: &BackupConfig,
) -> anyhow::Result<Manifest> {
    let server_major = tools::server_major(db).await?;
    let pg_dump = tools::find(
        "pg_dump",
        config.pg_bin_dir.as_deref(),
        server_major,
        &format!("to dump a PostgreSQL {server_major} server"),
    )
    .await?;
    store.prepare().await?;

    let mut snapshot = db.begin().await.context("opening the backup's snapshot")?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *snapshot)
        .await?;
    let snapshot_id: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut *snapshot)
        .await
        .context("exporting the backup's snapshot")?;
    let tables = row_counts(&mut snapshot).await?;
    let migration = latest_migration(&mut snapshot).await?;

    let created_at = OffsetDateTime::now_utc();
    let mut spool = store.spool().await?;
    let mut dump = connection.command(&pg_dump);
    dump.args(["--format=custom", "--no-password"])
        .arg(format!("--snapshot={snapshot_id}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (bytes, sha256) = run(dump, &mut spool)
        .await
        .context("pg_dump failed: nothing was backed up")?;
    // Only now: the snapshot must outlive pg_dump's use of it.
    snapshot.commit().await?;

    let manifest = Manifest {
        name: manifest::name_for(created_at),
        created_at: created_at.unix_timestamp(),
        bytes,
        sha256,
        server_major,
        pg_dump_major: pg_dump.major,
        migration,
        tables,
    };
    store.put(spool, &manifest).await?;
    let removed = store.prune(config.keep).await?;
    tracing::info!(
        backup = %manifest.name,
        bytes,
        place = store.place(),
        removed = removed.len(),
        "database backed up"
    );
    Ok(manifest)
}

/// Runs `pg_dump`, writing its output to `spool`; returns the size and SHA-256 written.
async fn run(
    mut command: tokio::process::Command,
    spool: &mut SpoolFile,
) -> anyhow::Result<(u64, String)> {
    let mut child = command.spawn().context("starting pg_dump")?;
    let mut stdout = child.stdout.take().context("pg_dump's output")?;
    let stderr = child.stderr.take().context("pg_dump's messages")?;
    // Read alongside the output, so that a chatty pg_dump never blocks on a full pipe.
    let messages = tokio::spawn(read_tail(stderr));

    let mut hasher = Sha256::new();
    let mut bytes: u64 = 0;
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let read = stdout
            .read(&mut buffer)
            .await
            .context("reading pg_dump's output")?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        spool.write(&buffer[..read]).await?;
        bytes += read as u64;
    }
    spool.finish().await?;
    let status = child.wait().await.context("waiting for pg_dump")?;
    let messages = messages.await.unwrap_or_default();
    if !status.success() {
        bail!("{}", messages.trim());
    }
    Ok((bytes, hex::encode(hasher.finalize())))
}

/// The last few kilobytes of what a tool says: its error is at the end.
pub(super) async fn read_tail(mut from: impl AsyncRead + Unpin) -> String {
    const KEEP: usize = 8 * 1024;
    let mut kept: Vec<u8> = Vec::new();
    let mut buffer = [0; 4096];
    while let Ok(read) = from.read(&mut buffer).await {
        if read == 0 {
            break;
        }
        kept.extend_from_slice(&buffer[..read]);
        if kept.len() > 2 * KEEP {
            kept.drain(..kept.len() - KEEP);
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// The rows of every table of the database's own schemas.
pub(super) async fn row_counts(db: &mut PgConnection) -> anyhow::Result<BTreeMap<String, i64>> {
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT n.nspname, c.relname FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname NOT LIKE 'pg\\_%' \
         ORDER BY 1, 2",
    )
    .fetch_all(&mut *db)
    .await
    .context("listing the tables")?;
    let mut counts = BTreeMap::new();
    for (schema, table) in tables {
        let count: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {}.{}",
            quote(&schema),
            quote(&table)
        ))
        .fetch_one(&mut *db)
        .await
        .with_context(|| format!("counting the rows of {schema}.{table}"))?;
        counts.insert(format!("{schema}.{table}"), count);
    }
    Ok(counts)
}

/// The newest migration applied, if the migrations table exists.
pub(super) async fn latest_migration(db: &mut PgConnection) -> anyhow::Result<Option<i64>> {
    let exists: bool =
        sqlx::query_scalar("SELECT to_regclass('public._sqlx_migrations') IS NOT NULL")
            .fetch_one(&mut *db)
            .await?;
    if !exists {
        return Ok(None);
    }
    Ok(
        sqlx::query_scalar("SELECT max(version) FROM public._sqlx_migrations WHERE success")
            .fetch_one(&mut *db)
            .await?,
    )
}

/// An identifier quoted for SQL.
fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}
