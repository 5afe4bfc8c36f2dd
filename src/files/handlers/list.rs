//! The list of the user's files, and uploads, which answer with the list.

use axum::{
    extract::{Multipart, Query, State},
    response::{IntoResponse, Response},
};
use axum_extra::routing::TypedPath;
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    auth::AuthUser,
    error::AppError,
    files::{
        db,
        error::FileError,
        ops,
        paths::ListPath,
        upload,
        views::{self, list::ListPage},
    },
    state::AppState,
    web::{
        flash::Flash,
        form::unprocessable,
        htmx::{Wants, redirect},
        layout::{Page, PageLayout},
    },
};

const TITLE: &str = "Your files";
/// Files per page of the list.
const PAGE_SIZE: usize = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// The last file of the previous page.
    after: Option<Uuid>,
}

pub async fn list(
    _: ListPath,
    State(state): State<AppState>,
    user: AuthUser,
    layout: PageLayout,
    Query(query): Query<ListQuery>,
) -> Result<Page, AppError> {
    let page = list_page(&state, &user, query.after, &[]).await?;
    Ok(layout.render(TITLE, page).await)
}

/// The list page's content, with `problems` of the last upload shown in the form.
async fn list_page(
    state: &AppState,
    user: &AuthUser,
    after: Option<Uuid>,
    problems: &[String],
) -> Result<maud::Markup, AppError> {
    // One more than a page: whether it comes tells whether there is an older page.
    let mut files = db::page(&state.db, user.id, after, PAGE_SIZE as i64 + 1).await?;
    let has_older = files.len() > PAGE_SIZE;
    files.truncate(PAGE_SIZE);
    let older = files
        .last()
        .filter(|_| has_older)
        .map(|last| format!("{ListPath}?after={}", last.id));
    Ok(views::list::page(&ListPage {
        files: &files,
        older,
        config: &state.config.uploads,
        problems,
    }))
}

/// Receives the files, then stores them all or none (see `ops`). A plain form is redirected to
/// the list; htmx gets the list's content at once. Problems with the files re-render the form
/// with a 422.
pub async fn upload(
    _: ListPath,
    State(state): State<AppState>,
    user: AuthUser,
    flash: Flash,
    wants: Wants,
    layout: PageLayout,
    mut multipart: Multipart,
) -> Result<Response, FileError> {
    let config = &state.config.uploads;
    let received = upload::receive(&mut multipart, &state.storage, config).await?;
    let checked = upload::make_thumbnails(received).await;
    if checked.accepted.is_empty() || !checked.refused.is_empty() {
        let mut problems: Vec<String> = checked
            .refused
            .iter()
            .map(|refused| refused.message(&config.allowed_types))
            .collect();
        if problems.is_empty() {
            problems.push("Choose a file to upload.".into());
        }
        let page = list_page(&state, &user, None, &problems).await?;
        return Ok(unprocessable(layout.render(TITLE, page).await));
    }
    let names = ops::save(&state.db, &state.storage, user.id, checked.accepted).await?;
    flash.success(uploaded_message(&names)).await?;
    // The upload form's own htmx request targets the page's content; a plain or boosted
    // post is sent to the list.
    if wants == Wants::Fragment {
        let page = list_page(&state, &user, None, &[]).await?;
        Ok(layout.render(TITLE, page).await.into_response())
    } else {
        Ok(redirect(wants, ListPath::PATH))
    }
}

fn uploaded_message(names: &[String]) -> String {
    match names {
        [name] => format!("Uploaded {name}."),
        names => format!("Uploaded {} files: {}.", names.len(), names.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_what_was_uploaded() {
        assert_eq!(uploaded_message(&["a.png".into()]), "Uploaded a.png.");
        assert_eq!(
            uploaded_message(&["a.png".into(), "b.pdf".into()]),
            "Uploaded 2 files: a.png, b.pdf."
        );
    }
}
