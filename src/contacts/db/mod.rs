//! The contacts table. Every query takes the owner's id and filters on it, so a contact that
//! is not the signed-in user's is never read, changed or counted: to its handlers it does not
//! exist (a 404).
//!
//! The list goes by keyset (`web::keyset`): a page is "the next 25 after this (name, id)", a
//! range of the `(owner_id, sort_name, id)` index, so the 4,000th page costs what the first
//! does. Listing and searching are separate queries rather than one with optional
//! conditions: PostgreSQL plans a prepared statement once, and a plan that must work for
//! both uses neither index well.
//!
//! The list's search box is matched by [`page`] and [`count`] as `LIKE` patterns, which
//! `matching.rs` makes of the words typed ([`Search`]).

mod matching;

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

pub use self::matching::{SEARCH_MAX_LEN, Search, TooLong};
use super::forms::ContactForm;
use crate::web::keyset;

/// The table, as PostgreSQL names it in the notifications of changed rows
/// (`backends::row_changes`).
pub const TABLE: &str = "contacts";

/// Contacts on one page of the list.
pub const PAGE_SIZE: usize = 25;

#[derive(Debug, Clone)]
pub struct Contact {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub notes: Option<String>,
    /// The list's order (see the migration); the cursor of the page after this contact.
    pub sort_name: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl Contact {
    /// "First Last", or the first name alone.
    pub fn name(&self) -> String {
        match &self.last_name {
            Some(last) => format!("{} {last}", self.first_name),
            None => self.first_name.clone(),
        }
    }

    /// The form, filled with this contact, to edit it.
    pub fn to_form(&self) -> ContactForm {
        ContactForm {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            company: self.company.clone(),
            notes: self.notes.clone(),
        }
    }
}

/// Where a page of the list starts: after the contact with this sort name and id.
pub type Cursor = keyset::Cursor<String>;

/// One page of the list.
pub type Page = keyset::Page<Contact, String>;

/// Before every contact: sort names are never empty (a first name is required), so every row
/// compares after it.
pub fn start() -> Cursor {
    Cursor {
        key: String::new(),
        id: Uuid::nil(),
    }
}

/// The page of `owner`'s contacts after `after` (from the start with none), matching
/// `search` if there is one.
pub async fn page(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    search: Option<&Search>,
    after: Option<&Cursor>,
) -> Result<Page, sqlx::Error> {
    let start = start();
    let after = after.unwrap_or(&start);
    let limit = keyset::limit(PAGE_SIZE);
    let rows = match search {
        None => batch(db, owner, after, limit).await?,
        // A word of three letters or more has trigrams: the index finds every match, however
        // rare, and the page is sorted from those. (Walking the list in order and filtering
        // would read a user's whole book for a word that matches nothing.)
        Some(search) if search.has_trigrams() => {
            sqlx::query_as!(
                Contact,
                r#"
                WITH matches AS MATERIALIZED (
                    SELECT id, first_name, last_name, email, phone, company, notes,
                           sort_name, created_at, updated_at
                    FROM contacts
                    WHERE owner_id = $1 AND search_text LIKE $4 AND search_text LIKE ALL ($5)
                )
                SELECT id AS "id!", first_name AS "first_name!", last_name, email, phone,
                       company, notes, sort_name AS "sort_name!",
                       created_at AS "created_at!", updated_at AS "updated_at!"
                FROM matches
                WHERE (sort_name, id) > ($2, $3)
                ORDER BY sort_name, id
                LIMIT $6
                "#,
                owner,
                after.key,
                after.id,
                search.leading_pattern(),
                search.other_patterns(),
                limit,
            )
            .fetch_all(db)
            .await?
        }
        // Shorter words match so much that walking the list in order finds a page at once.
        Some(search) => {
            sqlx::query_as!(
                Contact,
                r#"
                SELECT id, first_name, last_name, email, phone, company, notes,
                       sort_name AS "sort_name!", created_at, updated_at
                FROM contacts
                WHERE owner_id = $1 AND (sort_name, id) > ($2, $3)
                  AND search_text LIKE $4 AND search_text LIKE ALL ($5)
                ORDER BY sort_name, id
                LIMIT $6
                "#,
                owner,
                after.key,
                after.id,
                search.leading_pattern(),
                search.other_patterns(),
                limit,
            )
            .fetch_all(db)
            .await?
        }
    };
    Ok(Page::from_rows(rows, PAGE_SIZE, |contact| Cursor {
        key: contact.sort_name.clone(),
        id: contact.id,
    }))
}

/// Up to `limit` of `owner`'s contacts after `after`, in the list's order: a range of the
/// list's index, so the last batch costs what the first does. The list's pages and the
/// export's batches are both read with it.
pub async fn batch(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    after: &Cursor,
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
        after.key,
        after.id,
        limit,
    )
    .fetch_all(db)
    .await
}

/// How many contacts `owner` has, or how many match `search`.
/// How many contacts `owner` has and when the last of them was added or edited: the address
/// book is unchanged while both are (an insert or an edit moves the second, a delete the
/// first). The export compares them to reuse a file of the same contacts.
pub async fn summary(
    db: impl PgExecutor<'_>,
    owner: Uuid,
) -> Result<(i64, Option<OffsetDateTime>), sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT count(*) AS "count!", max(updated_at) AS latest FROM contacts WHERE owner_id = $1"#,
        owner,
    )
    .fetch_one(db)
    .await?;
    Ok((row.count, row.latest))
}

pub async fn count(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    search: Option<&Search>,
) -> Result<i64, sqlx::Error> {
    match search {
        None => {
            sqlx::query_scalar!(
                r#"SELECT count(*) AS "count!" FROM contacts WHERE owner_id = $1"#,
                owner,
            )
            .fetch_one(db)
            .await
        }
        Some(search) => {
            sqlx::query_scalar!(
                r#"
                SELECT count(*) AS "count!" FROM contacts
                WHERE owner_id = $1 AND search_text LIKE $2 AND search_text LIKE ALL ($3)
                "#,
                owner,
                search.leading_pattern(),
                search.other_patterns(),
            )
            .fetch_one(db)
            .await
        }
    }
}

pub async fn find(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    id: Uuid,
) -> Result<Option<Contact>, sqlx::Error> {
    sqlx::query_as!(
        Contact,
        r#"
        SELECT id, first_name, last_name, email, phone, company, notes,
               sort_name AS "sort_name!", created_at, updated_at
        FROM contacts WHERE owner_id = $1 AND id = $2
        "#,
        owner,
        id,
    )
    .fetch_optional(db)
    .await
}

/// Whether another of `owner`'s contacts (not `except`) has this address.
pub async fn email_taken(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    email: &str,
    except: Option<Uuid>,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        SELECT EXISTS (
            SELECT 1 FROM contacts
            WHERE owner_id = $1 AND email = $2 AND id IS DISTINCT FROM $3
        ) AS "taken!"
        "#,
        owner,
        email,
        except,
    )
    .fetch_one(db)
    .await
}

/// Whether `error` is the insert or update of an address `owner` already has on another
/// contact (two requests racing past [`email_taken`]).
pub fn is_duplicate_email(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db)
        if db.constraint() == Some("contacts_owner_email_key"))
}

pub async fn insert(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    contact: &ContactForm,
) -> Result<Contact, sqlx::Error> {
    sqlx::query_as!(
        Contact,
        r#"
        INSERT INTO contacts (owner_id, first_name, last_name, email, phone, company, notes)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        RETURNING id, first_name, last_name, email, phone, company, notes,
                  sort_name AS "sort_name!", created_at, updated_at
        "#,
        owner,
        contact.first_name,
        contact.last_name,
        contact.email,
        contact.phone,
        contact.company,
        contact.notes,
    )
    .fetch_one(db)
    .await
}

/// The contact as changed; `None` if `owner` has no contact `id`.
pub async fn update(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    id: Uuid,
    contact: &ContactForm,
) -> Result<Option<Contact>, sqlx::Error> {
    sqlx::query_as!(
        Contact,
        r#"
        UPDATE contacts
        SET first_name = $3, last_name = $4, email = $5, phone = $6, company = $7,
            notes = $8, updated_at = now()
        WHERE owner_id = $1 AND id = $2
        RETURNING id, first_name, last_name, email, phone, company, notes,
                  sort_name AS "sort_name!", created_at, updated_at
        "#,
        owner,
        id,
        contact.first_name,
        contact.last_name,
        contact.email,
        contact.phone,
        contact.company,
        contact.notes,
    )
    .fetch_optional(db)
    .await
}

/// The deleted contact; `None` if `owner` has no contact `id`.
pub async fn delete(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    id: Uuid,
) -> Result<Option<Contact>, sqlx::Error> {
    sqlx::query_as!(
        Contact,
        r#"
        DELETE FROM contacts WHERE owner_id = $1 AND id = $2
        RETURNING id, first_name, last_name, email, phone, company, notes,
                  sort_name AS "sort_name!", created_at, updated_at
        "#,
        owner,
        id,
    )
    .fetch_optional(db)
    .await
}

/// Deletes those of `ids` that are `owner`'s contacts; the others are left alone. Returns how
/// many were deleted.
pub async fn delete_many(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    ids: &[Uuid],
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query!(
        "DELETE FROM contacts WHERE owner_id = $1 AND id = ANY ($2)",
        owner,
        ids,
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// The names of those of `ids` that are `owner`'s contacts, for a confirmation.
pub async fn names(
    db: impl PgExecutor<'_>,
    owner: Uuid,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        SELECT id, first_name || coalesce(' ' || last_name, '') AS "name!"
        FROM contacts WHERE owner_id = $1 AND id = ANY ($2)
        ORDER BY sort_name, id
        "#,
        owner,
        ids,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|row| (row.id, row.name)).collect())
}
