//! The administrators' list of users.

use axum::extract::State;

use crate::{
    auth::{RequireAdmin, db, views},
    error::AppError,
    state::AppState,
    web::layout::{Page, PageLayout},
};

pub async fn users(
    _: crate::auth::paths::AdminUsersPath,

    State(state): State<AppState>,
    RequireAdmin(_): RequireAdmin,
    layout: PageLayout,
) -> Result<Page, AppError> {
    let users = db::list(&state.db).await?;
    Ok(layout.render("Users", views::admin_users(&users)).await)
}
