//! Search: one box, on every page for a signed-in user, that finds their records by any word
//! in them, ranked, highlighted, and forgiving of typos.
//!
//! How it works, from the bottom up: the migrations give each contact a weighted `tsvector`
//! (name above address and company above notes) and its leading parts (the name; the name,
//! address and company), each with a GIN index, and keep a per-user vocabulary of words with a
//! trigram index. `query.rs` turns what was typed into a `websearch_to_tsquery` text plus a
//! prefix for the word still being typed; `db.rs` finds, ranks (by where the words match,
//! then by name), counts and highlights one page of matches in one statement;
//! `results.rs` corrects typos against the vocabulary when the words as typed find next to
//! nothing; `highlight.rs` makes `ts_headline`'s output safe to show; `views.rs` and
//! `handlers.rs` are the page and the fragment, `paths.rs` its path. The benchmark of
//! `starter bench search` is `dev::search_bench`.
//!
//! Only contacts exist so far. Results come in sections, one per kind of record
//! (`results::Kind`): adding files (by original name) is a generated `tsvector` and an
//! index on their table, their words in the vocabulary's trigger, one query in `db.rs`, and
//! one more section in `results::sections`. The page, counts and highlighting follow.
//!
//! Every query is scoped to the signed-in user: another user's records are never matched,
//! counted or used to correct a typo.

pub mod db;
mod handlers;
pub mod highlight;
pub mod paths;
pub mod query;
pub mod results;
pub(crate) mod views;

use crate::web::routes::RouterExt;
use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().typed_get(handlers::index)
}
