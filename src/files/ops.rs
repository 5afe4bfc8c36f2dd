//! Saving and deleting: each spans storage and the database, and is written so that a
//! failure of either leaves nothing the other does not know about.
//!
//! - **Saving**: every object is stored first, then every record is inserted in one
//!   transaction, which first checks the owner's quota with their row locked (`quota`). If
//!   storage fails, the objects stored so far are removed and no record is written; if the
//!   quota refuses or the insert fails, every object stored is removed.
//! - **Deleting**: the record is marked (hidden from its owner at once), the objects are
//!   removed, then the record. If storage fails before anything was removed, the mark is lifted
//!   and the owner told; if the work is cut short after that, the mark stays.
//!
//! A removal that fails because storage went away is retried in the background for a few
//! minutes ([`remove_or_retry`]), so that storage coming back soon ends the disagreement. What
//! is left after that, or by a process that died or a request cut off by its timeout, is
//! finished by the cleanup pass (`cleanup.rs`): it removes objects that no record names, and
//! completes marked deletions.

use std::{sync::Arc, time::Duration};

use anyhow::anyhow;
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    STORAGE_PREFIX, db, detect,
    error::FileError,
    quota::{self, Quota, Usage},
    upload::ReceivedFile,
};
use crate::{
    backends::storage::{ObjectKey, Storage},
    error::AppError,
    monitoring,
};

/// Stores the files and records them as `owner`'s, if they fit in `quota`; returns their
/// names.
pub async fn save(
    db: &PgPool,
    storage: &Arc<Storage>,
    owner: Uuid,
    quota: Quota,
    files: Vec<ReceivedFile>,
) -> Result<Vec<String>, FileError> {
    let mut stored: Vec<ObjectKey> = Vec::new();
    let mut records = Vec::with_capacity(files.len());
    for file in files {
        let ReceivedFile {
            spool,
            name,
            size,
            sha256,
            content_type,
            thumbnail,
        } = file;
        let key = ObjectKey::random(STORAGE_PREFIX);
        let served_as = detect::served_content_type(content_type);
        if let Err(error) = storage.put_file(&key, spool, &served_as).await {
            remove_or_retry(storage, stored).await;
            return Err(FileError::storage(NOTHING_UPLOADED)(error));
        }
        stored.push(key.clone());
        let thumbnail_key = match thumbnail {
            Some(made) => {
                let thumbnail_key = key.variant(made.encoding.key_variant());
                let put = storage
                    .put_bytes(&thumbnail_key, &made.bytes, made.encoding.content_type())
                    .await;
                if let Err(error) = put {
                    remove_or_retry(storage, stored).await;
                    return Err(FileError::storage(NOTHING_UPLOADED)(error));
                }
                stored.push(thumbnail_key.clone());
                Some(thumbnail_key)
            }
            None => None,
        };
        records.push(StoredFile {
            name,
            size,
            sha256,
            content_type,
            key,
            thumbnail_key,
        });
    }

    let adding = Usage {
        bytes: records.iter().map(|file| file.size).sum(),
        files: records.len() as u64,
    };
    let inserted = async {
        let mut tx = db.begin().await?;
        db::lock_owner(&mut *tx, owner).await?;
        let used = quota::usage(&mut *tx, owner).await?;
        quota.admit(used, adding).map_err(FileError::OverQuota)?;
        for file in &records {
            db::insert(&mut *tx, &file.new_record(owner)).await?;
        }
        tx.commit().await?;
        Ok::<_, FileError>(())
    }
    .await;
    if let Err(error) = inserted {
        remove_or_retry(storage, stored).await;
        return Err(error);
    }
    metrics::counter!(monitoring::UPLOAD_BYTES).increment(adding.bytes);
    metrics::counter!(monitoring::UPLOAD_FILES).increment(adding.files);
    Ok(records.into_iter().map(|file| file.name).collect())
}

const NOTHING_UPLOADED: &str = "nothing was uploaded";

/// A file in storage, waiting for its record.
struct StoredFile {
    name: String,
    size: u64,
    sha256: [u8; 32],
    content_type: &'static str,
    key: ObjectKey,
    thumbnail_key: Option<ObjectKey>,
}

impl StoredFile {
    fn new_record(&self, owner: Uuid) -> db::NewFile<'_> {
        db::NewFile {
            owner_id: owner,
            original_name: &self.name,
            content_type: self.content_type,
            size_bytes: i64::try_from(self.size).unwrap_or(i64::MAX),
            sha256: &self.sha256,
            storage_key: self.key.as_str(),
            thumbnail_key: self.thumbnail_key.as_ref().map(ObjectKey::as_str),
        }
    }
}

/// Deletes `owner`'s file `id`; returns its name.
pub async fn delete(
    db: &PgPool,
    storage: &Arc<Storage>,
    owner: Uuid,
    id: Uuid,
) -> Result<String, FileError> {
    let record = db::start_deleting(db, owner, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = stored_key(&record.storage_key)?;
    if let Err(error) = storage.delete(&key).await {
        if let Err(db_error) = db::cancel_deleting(db, id).await {
            // The file stays hidden, and the cleanup pass deletes it as asked.
            tracing::warn!(%db_error, %id, "could not unmark a file whose deletion failed");
        }
        return Err(FileError::storage("the file was not deleted")(error));
    }
    // From here on the file is gone for its owner: what fails is repaired later.
    if let Some(thumbnail_key) = record.thumbnail_key.as_deref().and_then(ObjectKey::parse) {
        remove_or_retry(storage, vec![thumbnail_key]).await;
    }
    if let Err(error) = db::remove(db, id).await {
        tracing::warn!(%error, %id, "deleted file's record left for the cleanup pass");
    }
    Ok(record.original_name)
}

/// A key read from the table; one that does not parse was never written by the app.
pub fn stored_key(key: &str) -> Result<ObjectKey, AppError> {
    ObjectKey::parse(key)
        .ok_or_else(|| AppError::Internal(anyhow!("malformed storage key {key:?}")))
}

/// The first wait before retrying a removal; it doubles each time, up to [`LAST_RETRY_WAIT`]
/// (about eight minutes of retries in all).
const FIRST_RETRY_WAIT: Duration = Duration::from_secs(1);
const LAST_RETRY_WAIT: Duration = Duration::from_secs(256);

/// Removes objects that no record will name. Those that cannot be removed now (storage is
/// probably down) are retried in the background while storage comes back, then left to the
/// cleanup pass.
pub async fn remove_or_retry(storage: &Arc<Storage>, keys: Vec<ObjectKey>) {
    let failed = remove_all(storage, keys).await;
    if !failed.is_empty() {
        tokio::spawn(retry_removal(storage.clone(), failed));
    }
}

/// The keys that could not be removed.
async fn remove_all(storage: &Storage, keys: Vec<ObjectKey>) -> Vec<ObjectKey> {
    let mut failed = Vec::new();
    for key in keys {
        if let Err(error) = storage.delete(&key).await {
            tracing::warn!(%error, %key, "could not remove an object; retrying later");
            failed.push(key);
        }
    }
    failed
}

async fn retry_removal(storage: Arc<Storage>, mut keys: Vec<ObjectKey>) {
    let mut wait = FIRST_RETRY_WAIT;
    while !keys.is_empty() && wait <= LAST_RETRY_WAIT {
        tokio::time::sleep(wait).await;
        keys = remove_all(&storage, keys).await;
        wait *= 2;
    }
    for key in keys {
        tracing::warn!(%key, "could not remove an object: left for the cleanup pass");
    }
}
