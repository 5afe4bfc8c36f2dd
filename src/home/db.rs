//! What the signed-in home shows, in two queries: the counts, and the latest records.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// How many contacts and files a user has, and the files' total size.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    pub contacts: i64,
    pub files: i64,
    pub file_bytes: i64,
}

/// The counts in one statement: the contacts' an index-only count of the list's index, the
/// files' a range of theirs (the sum reads the rows, as the quota does).
pub async fn counts(db: impl PgExecutor<'_>, owner_id: Uuid) -> Result<Counts, sqlx::Error> {
    sqlx::query_as!(
        Counts,
        r#"
        SELECT c.count AS "contacts!", f.count AS "files!", f.bytes AS "file_bytes!"
        FROM (SELECT count(*) FROM contacts WHERE owner_id = $1) AS c,
             (SELECT count(*), coalesce(sum(size_bytes), 0)::bigint AS bytes
              FROM files WHERE owner_id = $1 AND deleting_since IS NULL) AS f
        "#,
        owner_id,
    )
    .fetch_one(db)
    .await
}

/// A contact or a file among the latest.
#[derive(Debug, Clone)]
pub struct Recent {
    pub id: Uuid,
    /// The contact's name, or the file's.
    pub name: String,
    /// When the contact was added or last edited, or the file uploaded.
    pub at: OffsetDateTime,
    /// The file's size; none for a contact.
    pub size_bytes: Option<i64>,
}

/// The latest records of a user, newest first.
#[derive(Debug, Clone, Default)]
pub struct Latest {
    pub contacts: Vec<Recent>,
    pub files: Vec<Recent>,
}

/// The `limit` contacts last added or edited and the `limit` files last uploaded, in one
/// statement: each a range of its owner's index by time.
pub async fn latest(
    db: impl PgExecutor<'_>,
    owner_id: Uuid,
    limit: i64,
) -> Result<Latest, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        (SELECT id AS "id!", first_name || coalesce(' ' || last_name, '') AS "name!",
                updated_at AS "at!", NULL::bigint AS size_bytes
         FROM contacts WHERE owner_id = $1
         ORDER BY updated_at DESC, id DESC LIMIT $2)
        UNION ALL
        (SELECT id, original_name, created_at, size_bytes
         FROM files WHERE owner_id = $1 AND deleting_since IS NULL
         ORDER BY created_at DESC, id DESC LIMIT $2)
        "#,
        owner_id,
        limit,
    )
    .fetch_all(db)
    .await?;
    let mut latest = Latest::default();
    for row in rows {
        let recent = Recent {
            id: row.id,
            name: row.name,
            at: row.at,
            size_bytes: row.size_bytes,
        };
        // Only files have a size (it is never null in their table).
        match recent.size_bytes {
            Some(_) => latest.files.push(recent),
            None => latest.contacts.push(recent),
        }
    }
    Ok(latest)
}
