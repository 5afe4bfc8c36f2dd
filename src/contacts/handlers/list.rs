//! The list: a page of contacts (or the next page, or search results, for htmx) and the
//! count.

use axum::{extract::State, response::IntoResponse, response::Response};
use serde::Deserialize;
use sqlx::PgPool;

use crate::{
    auth::AuthUser,
    contacts::{
        db::{self, Cursor, SEARCH_MAX_LEN, Search, TooLong},
        fields::ids,
        paths::{CountPath, ListPath},
        views::{self, Listing},
    },
    error::AppError,
    web::{layout::PageLayout, query::Query},
};

/// `?q=` the search box, `?after=` the cursor of the page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    after: Option<String>,
}

pub async fn index(
    _: ListPath,
    State(db): State<PgPool>,
    user: AuthUser,
    layout: PageLayout,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let search = parse(&query.q)?;
    let after = match &query.after {
        Some(cursor) => Some(Cursor::decode(cursor).ok_or_else(|| {
            AppError::BadRequest("That page link is broken. Start again from the list.".into())
        })?),
        None => None,
    };
    let page = db::page(&db, user.id, search.as_ref(), after.as_ref()).await?;
    let listing = Listing {
        query: &query.q,
        page: &page,
        later_page: after.is_some(),
    };
    let wants = layout.wants();
    Ok(if wants.fragment_for(ids::MORE) {
        layout.fragment(views::rows(&query.q, &page))
    } else if wants.fragment_for(ids::RESULTS) {
        layout.fragment(views::results(&listing))
    } else {
        layout.render("Contacts", views::index(&listing)).await
    }
    .into_response())
}

/// `?q=` the search whose matches to count.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CountQuery {
    q: String,
}

/// The number of contacts (or matches): the text alone for htmx (its element loads it into
/// itself), a page without it.
pub async fn count(
    _: CountPath,
    State(db): State<PgPool>,
    user: AuthUser,
    layout: PageLayout,
    Query(query): Query<CountQuery>,
) -> Result<Response, AppError> {
    let search = parse(&query.q)?;
    let count = db::count(&db, user.id, search.as_ref()).await?;
    let text = views::count(&query.q, u64::try_from(count).unwrap_or_default());
    Ok(if layout.wants().is_fragment() {
        layout.fragment(maud::html! { (text) }).into_response()
    } else {
        let content = maud::html! { h1 { "Contacts" } p { (text) } };
        layout.render("Contacts", content).await.into_response()
    })
}

fn parse(query: &str) -> Result<Option<Search>, AppError> {
    Search::parse(query).map_err(|TooLong| {
        AppError::BadRequest(format!("Search with at most {SEARCH_MAX_LEN} characters."))
    })
}
