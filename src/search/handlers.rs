//! `GET /search`: the page, or for htmx's search as you type, the results alone.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use sqlx::PgPool;

use super::{
    paths::SearchPath,
    query::{SearchQuery, TooLong},
    results,
    views::{self, Shown, targets},
};
use crate::{
    auth::AuthUser,
    error::AppError,
    web::{layout::PageLayout, query::Query},
};

/// The last page a link may ask for. Pages of results end at [`super::db::MAX_RANKED`]
/// (page 50); this is where they ended when 5,000 results were ranked, so a page bookmarked
/// then answers with the way back to the first page, not an error.
const LAST_PAGE: u32 = 250;

/// `?q=` what to search for, `?page=` which page of the results (from 1), and `?as_typed=true`
/// for the words as typed, never corrected ("Search instead for").
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchParams {
    q: String,
    page: Option<String>,
    as_typed: bool,
}

pub async fn index(
    _: SearchPath,
    State(db): State<PgPool>,
    user: AuthUser,
    layout: PageLayout,
    Query(params): Query<SearchParams>,
) -> Result<Response, AppError> {
    let page = page_number(params.page.as_deref())?;
    let shown = match SearchQuery::parse(&params.q) {
        Ok(Some(query)) if params.as_typed => {
            Shown::Found(results::find_as_typed(&db, user.id, &query, page).await?)
        }
        Ok(Some(query)) => Shown::Found(results::find(&db, user.id, &query, page).await?),
        Ok(None) => Shown::NoQuery,
        Err(TooLong(length)) => Shown::TooLong(length),
    };
    let results = views::results(&params.q, &shown);
    Ok(if layout.wants().fragment_for(targets::RESULTS) {
        layout.fragment(results).into_response()
    } else {
        layout
            .render("Search", views::page(&params.q, results))
            .await
            .into_response()
    })
}

/// The page asked for: 1 when none is; a clear 400 for one that is not a page of results.
fn page_number(page: Option<&str>) -> Result<u32, AppError> {
    let last = LAST_PAGE;
    match page.map(str::trim).filter(|page| !page.is_empty()) {
        None => Ok(1),
        Some(page) => page
            .parse::<u32>()
            .ok()
            .filter(|page| (1..=last).contains(page))
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "Results go by pages numbered 1 to {last}: “{page}” is not one of them."
                ))
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_numbered_from_one_to_the_last_ranked() {
        assert_eq!(page_number(None).unwrap(), 1);
        assert_eq!(page_number(Some(" ")).unwrap(), 1);
        assert_eq!(page_number(Some("3")).unwrap(), 3);
        for bad in ["0", "-1", "x", "251", "99999999999"] {
            assert!(page_number(Some(bad)).is_err(), "{bad}");
        }
    }
}
