//! The list of the user's files, and uploads, which answer with the list.

use axum::{
    extract::{Multipart, State},
    response::{IntoResponse, Response},
};
use axum_extra::routing::TypedPath;
use serde::Deserialize;

use crate::{
    auth::AuthUser,
    error::AppError,
    files::{
        db::{self, Cursor},
        error::FileError,
        fields::MORE,
        ops,
        paths::ListPath,
        quota::{self, Quota},
        rate_limits, upload,
        views::{self, list::ListPage},
    },
    state::AppState,
    web::{flash::Flash, form::unprocessable, htmx::redirect, layout::PageLayout, query::Query},
};

const TITLE: &str = "Your files";

/// `?after=` the cursor of the page (`web::keyset`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    after: Option<String>,
}

/// The list: the page, or for htmx's "more" row (infinite scroll), the next rows alone.
pub async fn list(
    _: ListPath,
    State(state): State<AppState>,
    user: AuthUser,
    layout: PageLayout,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let after = Cursor::from_param(query.after.as_deref())?;
    let page = db::page(&state.db, user.id, after.as_ref()).await?;
    if layout.wants().fragment_for(MORE) {
        return Ok(layout.fragment(views::list::rows(&page)).into_response());
    }
    let content = views::list::page(&ListPage {
        page: &page,
        later_page: after.is_some(),
        config: &state.config.uploads,
        usage: quota::usage(&state.db, user.id).await?,
        problems: &[],
    });
    Ok(layout.render(TITLE, content).await.into_response())
}

/// The first page of the list, with `problems` of the last upload shown in the form.
async fn first_page(
    state: &AppState,
    user: &AuthUser,
    problems: &[String],
) -> Result<maud::Markup, AppError> {
    let page = db::page(&state.db, user.id, None).await?;
    Ok(views::list::page(&ListPage {
        page: &page,
        later_page: false,
        config: &state.config.uploads,
        usage: quota::usage(&state.db, user.id).await?,
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
    layout: PageLayout,
    mut multipart: Multipart,
) -> Result<Response, FileError> {
    rate_limits::check_upload(&state.rate_limiter, &user).await?;
    let config = &state.config.uploads;
    let used = quota::usage(&state.db, user.id).await?;
    let received = upload::receive(&mut multipart, &state.storage, config, used)
        .await
        .inspect_err(count_refusal)?;
    let checked = upload::make_thumbnails(received).await;
    for refused in &checked.refused {
        upload::count_refusal(refused.refusal.reason());
    }
    if checked.accepted.is_empty() || !checked.refused.is_empty() {
        let mut problems: Vec<String> = checked
            .refused
            .iter()
            .map(|refused| refused.message(&config.allowed_types))
            .collect();
        if problems.is_empty() {
            problems.push("Choose a file to upload.".into());
        }
        let page = first_page(&state, &user, &problems).await?;
        return Ok(unprocessable(layout.render(TITLE, page).await));
    }
    let quota = Quota::of(config);
    let names = ops::save(&state.db, &state.storage, user.id, quota, checked.accepted)
        .await
        .inspect_err(count_refusal)?;
    // The home page counts them: the next one shows them without waiting for PostgreSQL's
    // notification (`web::page_cache`).
    state.pages.forget(user.id);
    flash.success(uploaded_message(&names)).await?;
    // The upload form's own htmx request targets the page's content; a plain or boosted
    // post is sent to the list.
    if layout.wants().is_fragment() {
        let page = first_page(&state, &user, &[]).await?;
        Ok(layout.render(TITLE, page).await.into_response())
    } else {
        Ok(redirect(layout.wants(), ListPath::PATH))
    }
}

fn count_refusal(error: &FileError) {
    if let Some(reason) = error.refusal_reason() {
        upload::count_refusal(reason);
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
