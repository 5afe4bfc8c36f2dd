//! The search's SQL. Every query takes the owner's id and filters on it: another user's
//! records are never matched, counted, or used to correct a typo.
//!
//! A page of matches is one statement (`sql/contacts.sql`). It ranks by where the words match,
//! in tiers: the name, then the name with the address and company, then the whole record with
//! the notes; within a tier, by name. Each tier has a GIN index of its own, and a lower tier is
//! read only when the ones above do not fill the page, so a broad query reads a bounded number
//! of rows and scores none (`ts_rank_cd` over every match cost 37 ms at p95 for a phrase
//! matching 4,200 contacts). It counts up to [`MAX_RANKED`], and highlights only the rows of
//! the page, since `ts_headline` parses the whole text again for every row it is given. The
//! statement lives in a file of its own so that the benchmark can `EXPLAIN` the very text the
//! app runs.

use sqlx::PgPool;
use uuid::Uuid;

use super::{highlight::Highlighted, query::SearchQuery};

/// Results on one page.
pub const PAGE_SIZE: u32 = 20;

/// The most matches counted, and put in order per tier, for one query; pages end there too.
/// A query that matches more (a surname shared by 2,000 contacts, a company's name) reads this
/// many of each tier the page needs, in the order the index gives them, and the page says
/// "more than 1,000": a few more words narrow it. Counting or sorting every match of a broad
/// query is what made it slow; 1,000 is 50 pages, more than anyone reads.
pub const MAX_RANKED: u32 = 1_000;

/// The SQL of [`contacts`], for the benchmark's `EXPLAIN`.
pub const CONTACTS_SQL: &str = include_str!("sql/contacts.sql");

const FORCE_CUSTOM_PLAN: &str = "SET LOCAL plan_cache_mode = force_custom_plan";

/// A word with no match is replaced by a known word at least this similar (trigram
/// similarity, 0 to 1). Low, because transposed letters cost a short word most of its
/// trigrams: "smtih" and "smith" share 2 of 10 (0.2). A correction is only tried when the
/// query as typed finds next to nothing, so a loose one costs little.
const SET_CORRECTION_THRESHOLD: &str = "SET LOCAL pg_trgm.similarity_threshold = 0.19";

/// A contact that matches, highlighted.
#[derive(Debug, Clone)]
pub struct ContactMatch {
    pub id: Uuid,
    pub name: Highlighted,
    /// The email address and company, " · " between them.
    pub details: Highlighted,
    /// The notes, or the parts of them that match, with an ellipsis wherever text is left out.
    pub notes: Option<Highlighted>,
}

/// A page of matching contacts and how many match in all.
#[derive(Debug, Clone, Default)]
pub struct ContactPage {
    pub matches: Vec<ContactMatch>,
    /// Up to [`MAX_RANKED`] + 1: more than [`MAX_RANKED`] means "more than that".
    pub total: u32,
}

/// Page `page` (from 1) of `owner`'s contacts matching `query`, best first.
pub async fn contacts(
    db: &PgPool,
    owner: Uuid,
    query: &SearchQuery,
    page: u32,
) -> Result<ContactPage, sqlx::Error> {
    let offset = page.saturating_sub(1).saturating_mul(PAGE_SIZE);
    let mut tx = db.begin().await?;
    // Planned for this query's words every time. After a few runs of a prepared statement
    // PostgreSQL may switch to a generic plan, made without the parameters; it cannot tell how
    // many rows a text query matches and reads all 100,000 (measured: 5 ms became 90 ms).
    sqlx::query(FORCE_CUSTOM_PLAN).execute(&mut *tx).await?;
    let rows = sqlx::query_file!(
        "src/search/sql/contacts.sql",
        owner,
        query.websearch(),
        query.prefix(),
        i64::from(MAX_RANKED) + 1,
        i64::from(PAGE_SIZE),
        i64::from(offset),
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let total = rows
        .first()
        .map_or(0, |row| u32::try_from(row.total).unwrap_or(u32::MAX));
    let matches = rows
        .into_iter()
        .map(|row| ContactMatch {
            id: row.id,
            name: Highlighted::from_markers(&row.name),
            details: Highlighted::from_markers(&row.details),
            notes: row.notes.as_deref().map(|notes| {
                Highlighted::excerpt(notes, row.notes_cut_before, row.notes_cut_after)
            }),
        })
        .collect();
    Ok(ContactPage { matches, total })
}

/// For each of `words`, the most similar word of `owner`'s vocabulary (the words of their
/// contacts' names, addresses and companies), if one is similar enough: first a word with the
/// same letters (a transposition), then the most similar, then the most used. A word that is
/// in the vocabulary is its own closest word.
pub async fn closest_words(
    db: &PgPool,
    owner: Uuid,
    words: &[String],
) -> Result<Vec<Option<String>>, sqlx::Error> {
    let mut tx = db.begin().await?;
    // The `%` operator, the one the trigram index serves, compares with this setting;
    // `SET LOCAL` ends with the transaction, so the pooled connection keeps its default.
    sqlx::query(SET_CORRECTION_THRESHOLD)
        .execute(&mut *tx)
        .await?;
    let closest = sqlx::query_scalar!(
        r#"
        SELECT (
            SELECT known.word FROM search_words AS known
            WHERE known.owner_id = $1 AND known.word % typed.word
            ORDER BY search_sorted_letters(known.word) = search_sorted_letters(typed.word) DESC,
                similarity(known.word, typed.word) DESC, known.contacts DESC, known.word
            LIMIT 1
        )
        FROM unnest($2::text[]) WITH ORDINALITY AS typed (word, position)
        ORDER BY typed.position
        "#,
        owner,
        words,
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(closest)
}
