//! The list: a page of contacts (or, for htmx, the next page, the search results or the whole
//! page without the layout) and the count.

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
    web::{layout::PageLayout, page_cache::PageCache, query::Query},
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
    State(pages): State<PageCache>,
    user: AuthUser,
    layout: PageLayout,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let wants = layout.wants();
    // The first page, unsearched, is what most visits see: it is kept as rendered until the
    // user's contacts change (`web::page_cache`).
    if query.q.is_empty() && query.after.is_none() && !wants.fragment_for(ids::MORE) {
        let results = wants.fragment_for(ids::RESULTS);
        let view = if results { "results" } else { "index" };
        let content = pages
            .get_or_render(db::TABLE, user.id, view, || async {
                let page = db::page(&db, user.id, None, None).await?;
                let listing = Listing {
                    query: "",
                    page: &page,
                    later_page: false,
                };
                Ok::<_, AppError>(if results {
                    views::results(&listing)
                } else {
                    views::index(&listing)
                })
            })
            .await?;
        return Ok(if results || wants.fragment_for(ids::PAGE) {
            layout.fragment(content)
        } else {
            layout.render("Contacts", content).await
        }
        .into_response());
    }
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
    Ok(if wants.fragment_for(ids::MORE) {
        layout.fragment(views::rows(&query.q, &page))
    } else if wants.fragment_for(ids::RESULTS) {
        layout.fragment(views::results(&listing))
    } else if wants.fragment_for(ids::PAGE) {
        layout.fragment(views::index(&listing))
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
