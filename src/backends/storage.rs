//! File storage: an S3-compatible bucket through rust-s3 (path-style, so RustFS, MinIO, AWS S3
//! and R2 all work), or, with no `S3_ENDPOINT`, a local folder (`.data/uploads`). The files
//! module uses it and never knows which one runs; startup logs one line saying which.
//!
//! A file arrives in a [`SpoolFile`] on local disk (never whole in memory) and is then put in
//! storage under an [`ObjectKey`]: S3 streams it up in parts, the local folder renames it into
//! place, so a half-written file never appears under a key. Keys are random: nothing a user
//! typed ever becomes part of a path.
//!
//! Downloads: S3 answers with a short-lived presigned link (the bytes never pass through the
//! app); the local folder with a stream of the file.
//!
//! While traces are exported, each operation is a span (`storage put`, `storage get`, ...).

mod local;
mod s3;
mod spool;

use std::{
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use axum::body::Body;
use tracing::Instrument as _;

pub use self::spool::SpoolFile;
use self::{local::LocalFolder, s3::S3Bucket};
use crate::{config::StorageConfig, telemetry::traces::traced_span};

pub struct Storage {
    backend: Backend,
    /// Where uploads are received before they are stored: inside the local folder (so that
    /// storing is a rename), or the system's temporary folder in front of S3.
    spool_dir: PathBuf,
}

enum Backend {
    S3(Box<S3Bucket>),
    Local(LocalFolder),
}

/// Where a stored object lives: `{prefix}/{uuid}`, and variants of it (`{prefix}/{uuid}.thumbnail`)
/// for what is made from it. Only lower-case letters, digits, `-`, `.` and `/` between
/// segments, so a key is also a safe relative path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectKey(String);

impl ObjectKey {
    /// A new key under `prefix` (itself a valid key segment, such as `files`).
    pub fn random(prefix: &str) -> Self {
        Self(format!("{prefix}/{}", uuid::Uuid::new_v4()))
    }

    /// A key read back from the database or a listing; `None` if it is not one we make.
    pub fn parse(key: &str) -> Option<Self> {
        let safe_segment = |segment: &str| {
            !segment.is_empty()
                && !segment.starts_with('.')
                && segment.bytes().all(|byte| {
                    byte.is_ascii_lowercase() || byte.is_ascii_digit() || b"-.".contains(&byte)
                })
        };
        key.split('/')
            .all(safe_segment)
            .then(|| Self(key.to_owned()))
    }

    /// The key of something derived from this object, stored beside it.
    pub fn variant(&self, name: &str) -> Self {
        Self(format!("{}.{name}", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("no object {0} in storage")]
    NotFound(ObjectKey),
    /// The storage did not answer, refused, or failed (the cause says which).
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// How a download is to be presented by whoever serves the bytes.
pub struct Presentation<'a> {
    pub content_type: &'a str,
    /// A whole `Content-Disposition` value (`attachment; filename=...`).
    pub content_disposition: &'a str,
}

/// How to hand an object to a browser.
pub enum Delivery {
    /// Send the browser to this link; the storage serves the bytes.
    Redirect(String),
    /// Serve these bytes from the app.
    Stream(ObjectBody),
}

/// An object's bytes as a response body, and its length when known.
pub struct ObjectBody {
    pub body: Body,
    pub length: Option<u64>,
}

/// An object found by [`Storage::list`].
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub key: ObjectKey,
    pub modified: SystemTime,
}

impl Storage {
    pub fn from_config(config: &StorageConfig) -> anyhow::Result<Self> {
        let Some(s3) = &config.s3 else {
            let root = config.local_dir.clone();
            tracing::info!(
                service = "storage",
                backend = "local",
                dir = %root.display(),
                "storage: local folder {} (S3_ENDPOINT is not set)",
                root.display()
            );
            return Ok(Self::folder(root));
        };
        tracing::info!(
            service = "storage",
            backend = "s3",
            endpoint = %s3.endpoint,
            bucket = %s3.bucket,
            "storage: S3 bucket {} at {}",
            s3.bucket,
            s3.endpoint
        );
        Ok(Self {
            backend: Backend::S3(Box::new(S3Bucket::new(s3)?)),
            spool_dir: std::env::temp_dir().join("starter-uploads"),
        })
    }

    /// The local folder `root`, whatever the configuration says (database backups without S3
    /// go to their own folder).
    pub fn folder(root: PathBuf) -> Self {
        Self {
            spool_dir: root.join(".incoming"),
            backend: Backend::Local(LocalFolder::new(root)),
        }
    }

    /// A span for one operation, while traces are exported (the key stays out of it).
    fn span(&self, operation: &'static str) -> tracing::Span {
        traced_span!(
            "storage",
            otel.name = format!("storage {operation}"),
            otel.kind = "client",
            storage.operation = operation,
            storage.backend = self.name(),
        )
    }

    /// `s3` or `local`.
    pub fn name(&self) -> &'static str {
        match self.backend {
            Backend::S3(_) => "s3",
            Backend::Local(_) => "local",
        }
    }

    /// At startup: creates the bucket (or the folders) when missing. Fails when the storage
    /// does not answer, so that a wrong endpoint or key stops the app with a clear message.
    pub async fn prepare(&self) -> anyhow::Result<()> {
        create_dir(&self.spool_dir).await?;
        match &self.backend {
            Backend::S3(bucket) => bucket.create_if_missing().await,
            Backend::Local(folder) => folder.prepare().await,
        }
    }

    /// An empty file to receive an upload into.
    pub async fn spool(&self) -> Result<SpoolFile, StorageError> {
        create_dir(&self.spool_dir).await?;
        Ok(SpoolFile::create(&self.spool_dir).await?)
    }

    /// Stores a received file under `key`; the spooled copy is gone afterwards either way.
    pub async fn put_file(
        &self,
        key: &ObjectKey,
        file: SpoolFile,
        content_type: &str,
    ) -> Result<(), StorageError> {
        async {
            match &self.backend {
                Backend::S3(bucket) => bucket.put_file(key, file, content_type).await,
                Backend::Local(folder) => folder.put_file(key, file).await,
            }
        }
        .instrument(self.span("put"))
        .await
    }

    /// Stores a few bytes made by the app (a thumbnail).
    pub async fn put_bytes(
        &self,
        key: &ObjectKey,
        bytes: &[u8],
        content_type: &str,
    ) -> Result<(), StorageError> {
        async {
            match &self.backend {
                Backend::S3(bucket) => bucket.put_bytes(key, bytes, content_type).await,
                Backend::Local(folder) => {
                    let mut file = self.spool().await?;
                    file.write(bytes).await?;
                    folder.put_file(key, file).await
                }
            }
        }
        .instrument(self.span("put"))
        .await
    }

    /// The object's bytes, streamed.
    pub async fn open(&self, key: &ObjectKey) -> Result<ObjectBody, StorageError> {
        async {
            match &self.backend {
                Backend::S3(bucket) => bucket.open(key).await,
                Backend::Local(folder) => folder.open(key).await,
            }
        }
        .instrument(self.span("get"))
        .await
    }

    /// How to hand the object to the browser presented as `presentation`: a presigned link
    /// from S3, or the bytes from the local folder. Authorise before calling: a link works for
    /// whoever holds it until it expires.
    pub async fn deliver(
        &self,
        key: &ObjectKey,
        presentation: &Presentation<'_>,
    ) -> Result<Delivery, StorageError> {
        async {
            match &self.backend {
                Backend::S3(bucket) => Ok(Delivery::Redirect(
                    bucket.presigned_link(key, presentation).await?,
                )),
                Backend::Local(folder) => Ok(Delivery::Stream(folder.open(key).await?)),
            }
        }
        .instrument(self.span("deliver"))
        .await
    }

    /// Removes the object; one that is already gone is not an error.
    pub async fn delete(&self, key: &ObjectKey) -> Result<(), StorageError> {
        async {
            match &self.backend {
                Backend::S3(bucket) => bucket.delete(key).await,
                Backend::Local(folder) => folder.delete(key).await,
            }
        }
        .instrument(self.span("delete"))
        .await
    }

    /// Every object whose key starts with `{prefix}/`; in a local folder, `""` lists the
    /// objects at its top.
    pub async fn list(&self, prefix: &str) -> Result<Vec<StoredObject>, StorageError> {
        async {
            match &self.backend {
                Backend::S3(bucket) => bucket.list(prefix).await,
                Backend::Local(folder) => folder.list(prefix).await,
            }
        }
        .instrument(self.span("list"))
        .await
    }

    /// Deletes spooled files older than `age`: uploads cut off by a crash. Returns how many.
    pub async fn remove_stale_spools(&self, age: Duration) -> Result<usize, StorageError> {
        spool::remove_older_than(&self.spool_dir, age).await
    }
}

async fn create_dir(dir: &Path) -> anyhow::Result<()> {
    use anyhow::Context;
    tokio::fs::create_dir_all(dir)
        .await
        .with_context(|| format!("creating the folder {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_only_ours_parse() {
        let key = ObjectKey::random("files");
        assert!(key.as_str().starts_with("files/"));
        assert_ne!(key, ObjectKey::random("files"));
        assert_eq!(ObjectKey::parse(key.as_str()), Some(key.clone()));
        let thumbnail = key.variant("thumbnail");
        assert_eq!(ObjectKey::parse(thumbnail.as_str()), Some(thumbnail));

        for hostile in [
            "",
            "files/",
            "/etc/passwd",
            "files/../../etc/passwd",
            "files/./x",
            "files/.hidden",
            "files//x",
            "files\\x",
            "Files/X",
            "files/x y",
            "files/é",
        ] {
            assert_eq!(ObjectKey::parse(hostile), None, "{hostile:?}");
        }
    }
}
