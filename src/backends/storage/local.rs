//! The local folder: each object a file at `{root}/{key}`. Keys are safe relative paths by
//! construction ([`ObjectKey`]), so no key can reach outside the folder.

use std::{
    path::{Path, PathBuf},
    time::SystemTime,
};

use anyhow::Context;
use axum::body::Body;
use tokio_util::io::ReaderStream;

use super::{ObjectBody, ObjectKey, SpoolFile, StorageError, StoredObject};

pub(super) struct LocalFolder {
    root: PathBuf,
}

impl LocalFolder {
    pub(super) fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub(super) async fn prepare(&self) -> anyhow::Result<()> {
        tokio::fs::create_dir_all(&self.root)
            .await
            .with_context(|| format!("creating the storage folder {}", self.root.display()))
    }

    fn path(&self, key: &ObjectKey) -> PathBuf {
        self.root.join(key.as_str())
    }

    pub(super) async fn put_file(
        &self,
        key: &ObjectKey,
        file: SpoolFile,
    ) -> Result<(), StorageError> {
        let path = self.path(key);
        if let Some(folder) = path.parent() {
            tokio::fs::create_dir_all(folder)
                .await
                .with_context(|| format!("creating {}", folder.display()))?;
        }
        file.persist(&path).await?;
        Ok(())
    }

    pub(super) async fn open(&self, key: &ObjectKey) -> Result<ObjectBody, StorageError> {
        let path = self.path(key);
        let file = match tokio::fs::File::open(&path).await {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(StorageError::NotFound(key.clone()));
            }
            Err(error) => {
                let error =
                    anyhow::Error::new(error).context(format!("opening {}", path.display()));
                return Err(error.into());
            }
        };
        let length = file
            .metadata()
            .await
            .with_context(|| format!("reading the size of {}", path.display()))?
            .len();
        Ok(ObjectBody {
            body: Body::from_stream(ReaderStream::new(file)),
            length: Some(length),
        })
    }

    pub(super) async fn delete(&self, key: &ObjectKey) -> Result<(), StorageError> {
        let path = self.path(key);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(anyhow::Error::new(error)
                .context(format!("removing {}", path.display()))
                .into()),
        }
    }

    pub(super) async fn list(&self, prefix: &str) -> Result<Vec<StoredObject>, StorageError> {
        let dir = self.root.join(prefix);
        let mut entries = match tokio::fs::read_dir(&dir).await {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(listing_failed(&dir, error)),
        };
        let mut objects = Vec::new();
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(|error| listing_failed(&dir, error))?
        {
            let Ok(metadata) = entry.metadata().await else {
                continue; // removed meanwhile
            };
            let key = entry.file_name().to_str().and_then(|name| {
                if prefix.is_empty() {
                    ObjectKey::parse(name)
                } else {
                    ObjectKey::parse(&format!("{prefix}/{name}"))
                }
            });
            // Anything else in the folder was not put there by the app: not ours to touch.
            if let (Some(key), true) = (key, metadata.is_file()) {
                objects.push(StoredObject {
                    key,
                    // An unknown age counts as new: the cleanup pass leaves it alone.
                    modified: metadata.modified().unwrap_or_else(|_| SystemTime::now()),
                });
            }
        }
        Ok(objects)
    }
}

fn listing_failed(dir: &Path, error: std::io::Error) -> StorageError {
    anyhow::Error::new(error)
        .context(format!("listing {}", dir.display()))
        .into()
}
