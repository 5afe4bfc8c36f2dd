//! Saving and deleting: each spans storage and the database, and is written so that a
//! failure of either leaves nothing the other does not know about.
//!
//! - **Saving**: every object is stored first, then every record is inserted in one
//!   transaction. If storage fails, the objects stored so far are removed and no record is
//!   written; if the insert fails, every object stored is removed.
//! - **Deleting**: the record is marked (hidden from its owner at once), the objects are
//!   removed, then the record. If storage fails before anything was removed, the mark is lifted
//!   and the owner told; if the work is cut short after that, the mark stays.
//!
//! What cannot be undone on the spot (a removal that fails because storage went away, a
//! request cut off by its timeout) is finished by the cleanup pass (`cleanup.rs`): it removes
//! objects that no record names, and completes marked deletions.

use anyhow::anyhow;
use sqlx::PgPool;
use uuid::Uuid;

use super::{STORAGE_PREFIX, db, detect, error::FileError, thumbnail, upload::ReceivedFile};
use crate::{
    backends::storage::{ObjectKey, Storage},
    error::AppError,
};

/// Stores the files and records them as `owner`'s; returns their names.
pub async fn save(
    db: &PgPool,
    storage: &Storage,
    owner: Uuid,
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
            remove_objects(storage, &stored).await;
            return Err(FileError::storage(NOTHING_UPLOADED)(error));
        }
        stored.push(key.clone());
        let thumbnail_key = match thumbnail {
            Some(webp) => {
                let thumbnail_key = key.variant("thumbnail");
                let put = storage
                    .put_bytes(&thumbnail_key, &webp, thumbnail::CONTENT_TYPE)
                    .await;
                if let Err(error) = put {
                    remove_objects(storage, &stored).await;
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

    let inserted = async {
        let mut tx = db.begin().await?;
        for file in &records {
            db::insert(&mut *tx, &file.new_record(owner)).await?;
        }
        tx.commit().await
    }
    .await;
    if let Err(error) = inserted {
        remove_objects(storage, &stored).await;
        return Err(error.into());
    }
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
    storage: &Storage,
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
    // From here on the file is gone for its owner: what fails is left to the cleanup pass.
    if let Some(thumbnail_key) = record.thumbnail_key.as_deref().and_then(ObjectKey::parse)
        && let Err(error) = storage.delete(&thumbnail_key).await
    {
        tracing::warn!(%error, key = %thumbnail_key, "thumbnail left for the cleanup pass");
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

/// Removes what an upload stored before failing. What cannot be removed now (storage is
/// probably down) is an orphan for the cleanup pass.
async fn remove_objects(storage: &Storage, keys: &[ObjectKey]) {
    for key in keys {
        if let Err(error) = storage.delete(key).await {
            tracing::warn!(%error, %key, "object of a failed upload left for the cleanup pass");
        }
    }
}
