//! A file being received: written in pieces as they arrive, deleted when dropped unless it was
//! moved into storage. Every way out of an upload (refused, too large, the client gone, the
//! request timed out, storage down) drops it, so none is left behind; a crash can leave one,
//! which [`remove_older_than`] clears.

use std::{
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use anyhow::Context;
use tokio::{fs::File, io::AsyncWriteExt};

use super::StorageError;

/// What every spooled file's name ends with, so that clearing stale ones touches nothing else.
const EXTENSION: &str = "part";
/// Network chunks are a few kilobytes; the disk prefers fewer, larger writes, so chunks are
/// gathered up to this size before they are written.
const WRITE_BUFFER: usize = 256 * 1024;

pub struct SpoolFile {
    path: PathBuf,
    file: File,
    /// What arrived since the last write. It grows with what arrives rather than being
    /// allocated whole: a request of many tiny parts holds a few bytes per part, not
    /// [`WRITE_BUFFER`] each.
    pending: Vec<u8>,
    /// False once the file has been moved into storage, so dropping it leaves it alone.
    owned: bool,
}

impl SpoolFile {
    pub(super) async fn create(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(format!("{}.{EXTENSION}", uuid::Uuid::new_v4()));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .with_context(|| format!("creating {}", path.display()))?;
        Ok(Self {
            path,
            file,
            pending: Vec::new(),
            owned: true,
        })
    }

    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), StorageError> {
        if self.pending.len() + bytes.len() < WRITE_BUFFER {
            self.pending.extend_from_slice(bytes);
            return Ok(());
        }
        self.write_pending().await?;
        self.file
            .write_all(bytes)
            .await
            .with_context(|| format!("writing {}", self.path.display()))?;
        Ok(())
    }

    /// Writes out what is buffered; the file is then complete on disk.
    pub async fn finish(&mut self) -> Result<(), StorageError> {
        self.write_pending().await?;
        // tokio's file hands writes to a blocking thread: flushing waits for the last one.
        self.file
            .flush()
            .await
            .with_context(|| format!("writing {}", self.path.display()))?;
        Ok(())
    }

    async fn write_pending(&mut self) -> anyhow::Result<()> {
        self.file
            .write_all(&self.pending)
            .await
            .with_context(|| format!("writing {}", self.path.display()))?;
        self.pending.clear();
        Ok(())
    }

    /// Where the complete file is, to read it (after [`finish`](Self::finish)).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Moves the file to `destination` (on the same file system: a rename), durably.
    pub(super) async fn persist(mut self, destination: &Path) -> anyhow::Result<()> {
        self.finish().await?;
        self.file.sync_all().await?;
        tokio::fs::rename(&self.path, destination)
            .await
            .with_context(|| {
                format!(
                    "moving {} to {}",
                    self.path.display(),
                    destination.display()
                )
            })?;
        self.owned = false;
        Ok(())
    }
}

impl Drop for SpoolFile {
    fn drop(&mut self) {
        if self.owned
            && let Err(error) = std::fs::remove_file(&self.path)
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %self.path.display(), %error, "could not remove a spooled upload");
        }
    }
}

/// Deletes the spooled files in `dir` last written more than `age` ago; returns how many.
pub(super) async fn remove_older_than(dir: &Path, age: Duration) -> Result<usize, StorageError> {
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(error) => {
            return Err(anyhow::Error::new(error)
                .context(format!("listing {}", dir.display()))
                .into());
        }
    };
    let cutoff = SystemTime::now() - age;
    let mut removed = 0;
    while let Some(entry) = entries
        .next_entry()
        .await
        .with_context(|| format!("listing {}", dir.display()))?
    {
        let path = entry.path();
        if path
            .extension()
            .is_none_or(|extension| extension != EXTENSION)
        {
            continue;
        }
        let modified = entry
            .metadata()
            .await
            .and_then(|metadata| metadata.modified());
        if modified.is_ok_and(|modified| modified < cutoff) {
            tokio::fs::remove_file(&path)
                .await
                .with_context(|| format!("removing {}", path.display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_dropped_spool_file_is_removed_and_a_persisted_one_moved() {
        let dir = std::env::temp_dir().join(format!("spool-test-{}", uuid::Uuid::new_v4()));
        tokio::fs::create_dir_all(&dir).await.unwrap();

        let mut dropped = SpoolFile::create(&dir).await.unwrap();
        dropped.write(b"partial").await.unwrap();
        let path = dropped.path().to_owned();
        assert!(path.exists());
        drop(dropped);
        assert!(!path.exists());

        let mut kept = SpoolFile::create(&dir).await.unwrap();
        kept.write(b"whole file").await.unwrap();
        let destination = dir.join("stored");
        kept.persist(&destination).await.unwrap();
        assert_eq!(std::fs::read(&destination).unwrap(), b"whole file");

        // A stale spool file goes; the stored file, with another name, stays.
        let stale = SpoolFile::create(&dir).await.unwrap();
        let stale_path = stale.path().to_owned();
        std::mem::forget(stale);
        assert_eq!(remove_older_than(&dir, Duration::ZERO).await.unwrap(), 1);
        assert!(!stale_path.exists());
        assert!(destination.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn chunks_of_every_size_arrive_whole_and_small_parts_hold_little_memory() {
        let dir = std::env::temp_dir().join(format!("spool-test-{}", uuid::Uuid::new_v4()));
        tokio::fs::create_dir_all(&dir).await.unwrap();

        let mut tiny = SpoolFile::create(&dir).await.unwrap();
        tiny.write(b"x").await.unwrap();
        assert!(
            tiny.pending.capacity() < 1024,
            "a one-byte part holds a small buffer"
        );

        let mut large = SpoolFile::create(&dir).await.unwrap();
        let mut expected = Vec::new();
        for (i, size) in [1, 4096, WRITE_BUFFER - 1, 3, WRITE_BUFFER * 2, 17]
            .iter()
            .enumerate()
        {
            let chunk = vec![u8::try_from(i).unwrap(); *size];
            large.write(&chunk).await.unwrap();
            expected.extend_from_slice(&chunk);
        }
        large.finish().await.unwrap();
        assert_eq!(std::fs::read(large.path()).unwrap(), expected);
        drop((tiny, large));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
