//! The administrators' list of users, newest first, a page at a time (`web::keyset`), as
//! the files list: the "more" row links to the next page, and with JavaScript loads it in
//! place as it scrolls into view.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::{
    auth::{
        RequireAdmin,
        db::{self, UsersCursor},
        fields::ids::USERS_MORE,
        paths::AdminUsersPath,
        views,
    },
    error::AppError,
    state::AppState,
    web::{layout::PageLayout, query::Query},
};

/// `?after=` the cursor of the page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UsersQuery {
    after: Option<String>,
}

pub async fn users(
    _: AdminUsersPath,
    State(state): State<AppState>,
    RequireAdmin(_): RequireAdmin,
    layout: PageLayout,
    Query(query): Query<UsersQuery>,
) -> Result<Response, AppError> {
    let after = UsersCursor::from_param(query.after.as_deref())?;
    let page = db::users_page(&state.db, after.as_ref()).await?;
    if layout.wants().fragment_for(USERS_MORE) {
        return Ok(layout
            .fragment(views::admin_user_rows(&page))
            .into_response());
    }
    let content = views::admin_users(&page, after.is_some());
    Ok(layout.render("Users", content).await.into_response())
}
