//! The files table. Every query a user's request runs names the owner, so another user's file
//! is simply not found; a file being deleted (`deleting_since` set) is hidden from them all.
//! The list goes by keyset (`web::keyset`), newest first.

use sqlx::PgExecutor;
use time::{OffsetDateTime, PrimitiveDateTime};
use uuid::Uuid;

use crate::web::keyset;

#[derive(Debug, Clone)]
pub struct FileRecord {
    pub id: Uuid,
    /// Cleaned for display when it was uploaded (see `names`).
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: Vec<u8>,
    pub storage_key: String,
    pub thumbnail_key: Option<String>,
    pub created_at: OffsetDateTime,
}

pub struct NewFile<'a> {
    pub owner_id: Uuid,
    pub original_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a [u8],
    pub storage_key: &'a str,
    pub thumbnail_key: Option<&'a str>,
}

pub async fn insert(db: impl PgExecutor<'_>, file: &NewFile<'_>) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        INSERT INTO files (owner_id, original_name, content_type, size_bytes, sha256,
                           storage_key, thumbnail_key)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        RETURNING id
        "#,
        file.owner_id,
        file.original_name,
        file.content_type,
        file.size_bytes,
        file.sha256,
        file.storage_key,
        file.thumbnail_key,
    )
    .fetch_one(db)
    .await
}

/// The total size and the number of `owner_id`'s files (those being deleted are gone for
/// them): what their quota counts. A range of the list's index.
pub async fn usage(db: impl PgExecutor<'_>, owner_id: Uuid) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT coalesce(sum(size_bytes), 0)::bigint AS "bytes!", count(*) AS "files!"
        FROM files
        WHERE owner_id = $1 AND deleting_since IS NULL
        "#,
        owner_id,
    )
    .fetch_one(db)
    .await?;
    Ok((row.bytes, row.files))
}

/// Locks `owner_id`'s account row until the transaction ends, so that uploads by the same
/// owner record their files one at a time and each checks the quota against the last one's.
/// `NO KEY UPDATE`: inserting files (whose foreign key takes a key-share lock) and everything
/// else that reads the row goes on.
pub async fn lock_owner(db: impl PgExecutor<'_>, owner_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "SELECT 1 AS locked FROM users WHERE id = $1 FOR NO KEY UPDATE",
        owner_id
    )
    .fetch_optional(db)
    .await?;
    Ok(())
}

/// Files on one page of the list.
pub const PAGE_SIZE: usize = 50;

/// Where a page of the list starts: after the file uploaded at this moment with this id.
pub type Cursor = keyset::Cursor<OffsetDateTime>;

/// One page of the list.
pub type Page = keyset::Page<FileRecord, OffsetDateTime>;

/// After every file in the list's order (newest first): no file is uploaded later than the
/// last moment `time` can hold.
fn start() -> Cursor {
    Cursor {
        key: PrimitiveDateTime::MAX.assume_utc(),
        id: Uuid::max(),
    }
}

/// The page of `owner_id`'s files after `after` (from the newest with none), newest first: a
/// range of the `(owner_id, created_at DESC, id DESC)` index (a keyset page, see
/// `web::keyset`), so every page costs what the first does.
pub async fn page(
    db: impl PgExecutor<'_>,
    owner_id: Uuid,
    after: Option<&Cursor>,
) -> Result<Page, sqlx::Error> {
    let start = start();
    let after = after.unwrap_or(&start);
    let rows = sqlx::query_as!(
        FileRecord,
        r#"
        SELECT id, original_name, content_type, size_bytes, sha256, storage_key, thumbnail_key,
               created_at
        FROM files
        WHERE owner_id = $1 AND deleting_since IS NULL AND (created_at, id) < ($2, $3)
        ORDER BY created_at DESC, id DESC
        LIMIT $4
        "#,
        owner_id,
        after.key,
        after.id,
        keyset::limit(PAGE_SIZE),
    )
    .fetch_all(db)
    .await?;
    Ok(Page::from_rows(rows, PAGE_SIZE, |file| Cursor {
        key: file.created_at,
        id: file.id,
    }))
}

pub async fn find(
    db: impl PgExecutor<'_>,
    owner_id: Uuid,
    id: Uuid,
) -> Result<Option<FileRecord>, sqlx::Error> {
    sqlx::query_as!(
        FileRecord,
        r#"
        SELECT id, original_name, content_type, size_bytes, sha256, storage_key, thumbnail_key,
               created_at
        FROM files
        WHERE id = $1 AND owner_id = $2 AND deleting_since IS NULL
        "#,
        id,
        owner_id,
    )
    .fetch_optional(db)
    .await
}

/// Hides the file from its owner and marks it for deletion; `None` if it is not theirs (or
/// already going).
pub async fn start_deleting(
    db: impl PgExecutor<'_>,
    owner_id: Uuid,
    id: Uuid,
) -> Result<Option<FileRecord>, sqlx::Error> {
    sqlx::query_as!(
        FileRecord,
        r#"
        UPDATE files SET deleting_since = now()
        WHERE id = $1 AND owner_id = $2 AND deleting_since IS NULL
        RETURNING id, original_name, content_type, size_bytes, sha256, storage_key,
                  thumbnail_key, created_at
        "#,
        id,
        owner_id,
    )
    .fetch_optional(db)
    .await
}

/// Shows the file again: its deletion failed before anything was removed.
pub async fn cancel_deleting(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE files SET deleting_since = NULL WHERE id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn remove(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM files WHERE id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

/// A deletion that started before `before` and never finished.
pub struct StalledDeletion {
    pub id: Uuid,
    pub storage_key: String,
    pub thumbnail_key: Option<String>,
}

pub async fn stalled_deletions(
    db: impl PgExecutor<'_>,
    before: OffsetDateTime,
) -> Result<Vec<StalledDeletion>, sqlx::Error> {
    sqlx::query_as!(
        StalledDeletion,
        "SELECT id, storage_key, thumbnail_key FROM files WHERE deleting_since < $1",
        before,
    )
    .fetch_all(db)
    .await
}

/// Those of `keys` that no record names, as original or thumbnail.
pub async fn unreferenced_keys(
    db: impl PgExecutor<'_>,
    keys: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        SELECT key AS "key!"
        FROM unnest($1::text[]) AS key
        WHERE NOT EXISTS (
            SELECT 1 FROM files WHERE storage_key = key OR thumbnail_key = key
        )
        "#,
        keys,
    )
    .fetch_all(db)
    .await
}

/// The keys of every object stored for `owner_id`'s files, originals and thumbnails (for
/// deleting the account: see [`crate::auth::ops::deletion::StoredObjects`]).
pub async fn owner_keys(
    db: impl PgExecutor<'_>,
    owner_id: Uuid,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        SELECT key AS "key!"
        FROM files, LATERAL (VALUES (storage_key), (thumbnail_key)) AS keys (key)
        WHERE owner_id = $1 AND key IS NOT NULL
        "#,
        owner_id,
    )
    .fetch_all(db)
    .await
}

inventory::submit! {
    crate::auth::ops::deletion::StoredObjects { feature: "files", keys: |conn, owner| Box::pin(owner_keys(conn, owner)) }
}
