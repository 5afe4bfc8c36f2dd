//! One file's routes: its page, its bytes (downloaded or shown), its thumbnail, and deleting
//! it (after asking).

use axum::{extract::State, response::Response};
use axum_extra::routing::TypedPath;

use super::find;
use crate::{
    auth::AuthUser,
    error::AppError,
    files::{
        error::FileError,
        ops,
        paths::{
            DeletePath, DownloadPath, FilePath, ListPath, PreviewPath, ThumbnailPath, ViewPath,
        },
        serving::{self, Purpose},
        views,
    },
    state::AppState,
    web::{
        flash::Flash,
        htmx::{Wants, redirect},
        layout::{Page, PageLayout},
        public_id::PublicId,
    },
};

pub async fn show(
    FilePath { id: PublicId(id) }: FilePath,
    State(state): State<AppState>,
    user: AuthUser,
    layout: PageLayout,
) -> Result<Page, AppError> {
    let file = find(&state, &user, id).await?;
    // The page is worth more than its preview: a storage hiccup leaves the preview out.
    let text = serving::text_preview(&state.storage, &file)
        .await
        .inspect_err(|error| tracing::warn!(%error, "no preview of a text file"))
        .ok()
        .flatten();
    Ok(layout
        .render(&file.original_name, views::file::page(&file, text.as_ref()))
        .await)
}

pub async fn download(
    DownloadPath { id: PublicId(id) }: DownloadPath,
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Response, FileError> {
    let file = find(&state, &user, id).await?;
    serving::file(&state.storage, &file, Purpose::Download).await
}

pub async fn view(
    ViewPath { id: PublicId(id) }: ViewPath,
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Response, FileError> {
    let file = find(&state, &user, id).await?;
    serving::file(&state.storage, &file, Purpose::View).await
}

pub async fn thumbnail(
    ThumbnailPath { id: PublicId(id) }: ThumbnailPath,
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Response, FileError> {
    let file = find(&state, &user, id).await?;
    serving::thumbnail(&state.storage, &file).await
}

/// An image, whole, for its page to show large.
pub async fn preview(
    PreviewPath { id: PublicId(id) }: PreviewPath,
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Response, FileError> {
    let file = find(&state, &user, id).await?;
    serving::preview(&state.storage, &file).await
}

/// The page that asks before deleting, for browsers without JavaScript.
pub async fn confirm_delete(
    DeletePath { id: PublicId(id) }: DeletePath,
    State(state): State<AppState>,
    user: AuthUser,
    layout: PageLayout,
) -> Result<Page, AppError> {
    let file = find(&state, &user, id).await?;
    Ok(layout
        .render(
            &views::delete::question(&file),
            views::delete::confirm_delete(&file),
        )
        .await)
}

/// `POST` from the confirmation page, or from the file's page once the user said yes.
pub async fn delete(
    DeletePath { id: PublicId(id) }: DeletePath,
    State(state): State<AppState>,
    user: AuthUser,
    flash: Flash,
    wants: Wants,
) -> Result<Response, FileError> {
    let name = ops::delete(&state.db, &state.storage, user.id, id).await?;
    state.pages.forget(user.id);
    flash.success(format!("Deleted {name}.")).await?;
    Ok(redirect(&wants, ListPath::PATH))
}
