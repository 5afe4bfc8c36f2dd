//! What a search finds: a section of results per kind of record, and, when the words as
//! typed find next to nothing, the same search with its typos corrected.
//!
//! Full-text search matches whole words (or the prefix of the last one), so "jonh smtih"
//! finds nothing. Then each word is replaced by the closest word of the user's own vocabulary
//! (trigram similarity, see `db::closest_words`) and the corrected words are searched for the
//! usual way, ranked and highlighted like any other result. With no match at all, the page
//! shows the corrected results and says so; with a few, it keeps them and offers the
//! correction as "Did you mean"; with none, the page offers the words as typed
//! ([`find_as_typed`], "Search instead for"). Queries with operators (quotes, `-`, `or`) are
//! taken as written.

use sqlx::PgPool;
use uuid::Uuid;

use super::{
    db::{self, MAX_RANKED},
    highlight::Highlighted,
    query::SearchQuery,
};
use crate::contacts;

/// Fewer matches than this, and a correction is looked for.
const FEW: u32 = 3;

/// The results of one kind of record.
#[derive(Debug, Clone)]
pub struct Section {
    pub kind: Kind,
    pub hits: Vec<Hit>,
    /// Which page of the results `hits` are, from 1.
    pub page: u32,
    /// How many match in all, up to [`MAX_RANKED`] + 1 (see [`Section::more_than_ranked`]).
    pub total: u32,
}

impl Section {
    /// Whether more match than were ranked: the total is then "more than [`MAX_RANKED`]".
    pub fn more_than_ranked(&self) -> bool {
        self.total > MAX_RANKED
    }

    /// The number of pages of results.
    pub fn pages(&self) -> u32 {
        self.total.min(MAX_RANKED).div_ceil(db::PAGE_SIZE)
    }
}

/// The kinds of record a search looks through, in the order the page shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Contacts,
}

impl Kind {
    /// The section's heading, and its count's nouns.
    pub fn names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Contacts => ("Contacts", "contact", "contacts"),
        }
    }
}

/// One result: a link to the record, its highlighted title, a line of details and, when it
/// has some, an excerpt.
#[derive(Debug, Clone)]
pub struct Hit {
    pub href: String,
    pub title: Highlighted,
    pub details: Highlighted,
    pub excerpt: Option<Highlighted>,
}

/// A query corrected for typos, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Correction {
    /// Nothing matched the query as typed: the results are this query's.
    ShowingInstead(String),
    /// A few results matched as typed; this query finds more.
    DidYouMean(String),
}

/// What the page shows for a query.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub sections: Vec<Section>,
    pub correction: Option<Correction>,
}

impl Outcome {
    pub fn total(&self) -> u32 {
        self.sections.iter().map(|section| section.total).sum()
    }

    /// The query the results are for: the corrected one when it replaced what was typed.
    pub fn searched<'a>(&'a self, typed: &'a str) -> &'a str {
        match &self.correction {
            Some(Correction::ShowingInstead(corrected)) => corrected,
            _ => typed,
        }
    }
}

/// Page `page` (from 1) of what `query` finds among `owner`'s records.
pub async fn find(
    db: &PgPool,
    owner: Uuid,
    query: &SearchQuery,
    page: u32,
) -> Result<Outcome, sqlx::Error> {
    let as_typed = Outcome {
        sections: sections(db, owner, query, page).await?,
        correction: None,
    };
    let total = as_typed.total();
    // A later page was reached through the results of page 1, corrected or not.
    if total >= FEW || page > 1 || query.words().is_empty() {
        return Ok(as_typed);
    }
    let Some((text, corrected_query)) = correct(db, owner, query.words()).await? else {
        return Ok(as_typed);
    };
    let corrected = Outcome {
        sections: sections(db, owner, &corrected_query, 1).await?,
        correction: None,
    };
    Ok(if corrected.total() <= total {
        as_typed
    } else if total == 0 {
        Outcome {
            correction: Some(Correction::ShowingInstead(text)),
            ..corrected
        }
    } else {
        Outcome {
            correction: Some(Correction::DidYouMean(text)),
            ..as_typed
        }
    })
}

/// A section per kind of record. Another kind (files, say) is one more query here, a
/// [`Kind`], and its hits: the page, its counts and its highlighting follow.
async fn sections(
    db: &PgPool,
    owner: Uuid,
    query: &SearchQuery,
    page: u32,
) -> Result<Vec<Section>, sqlx::Error> {
    let mut found = db::contacts(db, owner, query, page).await?;
    if found.matches.is_empty() && page > 1 {
        // Past the last page the statement returns no row to carry the total; the page says
        // there are no more results, and how many there are.
        found.total = db::contacts(db, owner, query, 1).await?.total;
    }
    Ok(vec![Section {
        kind: Kind::Contacts,
        page,
        total: found.total,
        hits: found
            .matches
            .into_iter()
            .map(|contact| Hit {
                href: contacts::paths::ContactPath {
                    id: contact.id.into(),
                }
                .to_string(),
                title: contact.name,
                details: contact.details,
                excerpt: contact.notes,
            })
            .collect(),
    }])
}

/// Page `page` (from 1) of what `query` finds as typed, never corrected: what someone asks
/// for after a correction they did not want.
pub async fn find_as_typed(
    db: &PgPool,
    owner: Uuid,
    query: &SearchQuery,
    page: u32,
) -> Result<Outcome, sqlx::Error> {
    Ok(Outcome {
        sections: sections(db, owner, query, page).await?,
        correction: None,
    })
}

/// `words` with each replaced by the closest word the user's records contain, as text and as
/// a query; `None` when none changes.
async fn correct(
    db: &PgPool,
    owner: Uuid,
    words: &[String],
) -> Result<Option<(String, SearchQuery)>, sqlx::Error> {
    let closest = db::closest_words(db, owner, words).await?;
    let corrected: Vec<&str> = words
        .iter()
        .zip(&closest)
        .map(|(typed, closest)| closest.as_deref().unwrap_or(typed))
        .collect();
    if corrected.iter().eq(words.iter()) {
        return Ok(None);
    }
    // Whole words, as the vocabulary holds them: searched for exactly, not as a prefix.
    let text = corrected.join(" ");
    Ok(SearchQuery::parse(&format!("{text} "))
        .ok()
        .flatten()
        .map(|query| (text, query)))
}
