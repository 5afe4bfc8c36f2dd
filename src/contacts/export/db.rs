//! The export's reads of the contacts table, scoped by owner like every other.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::contacts::db::Contact;

pub async fn count(db: impl PgExecutor<'_>, owner: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM contacts WHERE owner_id = $1"#,
        owner
    )
    .fetch_one(db)
    .await
}

/// Up to `limit` of `owner`'s contacts after (`sort_name`, `id`), in the list's order: a range
/// of the list's index, so the last batch costs what the first does.
pub async fn batch_after(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    after: (&str, Uuid),
    limit: i64,
) -> Result<Vec<Contact>, sqlx::Error> {
    sqlx::query_as!(
        Contact,
        r#"
        SELECT id, first_name, last_name, email, phone, company, notes,
               sort_name AS "sort_name!", created_at, updated_at
        FROM contacts
        WHERE owner_id = $1 AND (sort_name, id) > ($2, $3)
        ORDER BY sort_name, id
        LIMIT $4
        "#,
        owner,
        after.0,
        after.1,
        limit,
    )
    .fetch_all(db)
    .await
}
