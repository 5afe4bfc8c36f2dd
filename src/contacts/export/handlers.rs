//! The export's routes: start one, watch it, download it. Each is the signed-in user's only:
//! another user's export, or an id that is not one, is a 404.

use anyhow::Context;
use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use time::OffsetDateTime;

use super::{
    ExportResult,
    job::{self, CONTENT_TYPE},
    status::{ExportStatus, Stage},
    views,
};
use crate::{
    AppState,
    auth::AuthUser,
    backends::storage::{Delivery, ObjectKey, Presentation, StorageError},
    contacts::paths::{ExportDownloadPath, ExportPath, ExportStatusPath},
    error::AppError,
    jobs::db::{self as jobs_db, Job, NewJob},
    web::{
        flash::Flash,
        htmx::{self, Wants},
        layout::PageLayout,
        public_id::PublicId,
    },
};

/// The file is personal: no cache keeps it.
const NOT_STORED: &str = "private, no-store";

/// Starts an export, or goes to the one already queued or running (one at a time per user),
/// or to the last one made when no contact changed since.
pub async fn start(
    _: ExportPath,
    State(state): State<AppState>,
    user: AuthUser,
    flash: Flash,
    wants: Wants,
) -> Result<Response, AppError> {
    if let Some(id) = super::reusable(&state.db, user.id).await? {
        flash
            .success("Your contacts have not changed since this export: here it is again.")
            .await?;
        let path = ExportStatusPath { id: id.into() };
        return Ok(htmx::redirect(&wants, &path.to_string()));
    }
    let job = NewJob {
        owner_id: Some(user.id),
        unique_key: Some(user.id.to_string()),
        ..NewJob::new(&job::KIND)
    };
    let mut conn = state.db.acquire().await?;
    let enqueued = jobs_db::enqueue(&mut conn, &job).await?;
    let path = ExportStatusPath {
        id: enqueued.id().into(),
    };
    Ok(htmx::redirect(&wants, &path.to_string()))
}

async fn find(state: &AppState, user: &AuthUser, id: uuid::Uuid) -> Result<Job, AppError> {
    jobs_db::find_owned(&state.db, user.id, &job::KIND, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// 410, with a page that says so and offers a new export.
async fn gone(layout: PageLayout) -> Response {
    (
        StatusCode::GONE,
        layout.render("Export expired", views::expired()).await,
    )
        .into_response()
}

/// The export's page, or, for htmx's polling, its progress fragment.
pub async fn show(
    ExportStatusPath { id: PublicId(id) }: ExportStatusPath,
    State(state): State<AppState>,
    user: AuthUser,
    layout: PageLayout,
) -> Result<Response, AppError> {
    let status = ExportStatus::from_job(&find(&state, &user, id).await?);
    if status.is_expired(OffsetDateTime::now_utc()) {
        return Ok(gone(layout).await);
    }
    Ok(if layout.wants().is_fragment() {
        layout.fragment(views::progress(&status)).into_response()
    } else {
        layout
            .render("Export contacts", views::page(&status))
            .await
            .into_response()
    })
}

/// The CSV, as an attachment named after the day it was made.
pub async fn download(
    path: ExportDownloadPath,
    State(state): State<AppState>,
    user: AuthUser,
    layout: PageLayout,
) -> Result<Response, AppError> {
    let PublicId(id) = path.id;
    let job = find(&state, &user, id).await?;
    let status = ExportStatus::from_job(&job);
    if status.is_expired(OffsetDateTime::now_utc()) {
        return Ok(gone(layout).await);
    }
    let (Stage::Done { .. }, Some(finished), Some(result)) =
        (&status.stage, job.finished_at, job.result)
    else {
        // Not ready (or failed): its page says which.
        let status = ExportStatusPath { id: path.id };
        return Ok(htmx::redirect(layout.wants(), &status.to_string()));
    };
    if *layout.wants() != Wants::Document {
        // An htmx request (a boosted link, a toast's) would swap the CSV into the page: a
        // full load instead, which the browser turns into a download and stays on the page.
        return Ok(htmx::full_load(&path.to_string()));
    }
    let result: ExportResult =
        serde_json::from_value(result).context("reading a finished export's result")?;
    let key = ObjectKey::parse(&result.key)
        .with_context(|| format!("export {id} names no valid storage key"))?;
    let disposition = format!("attachment; filename=\"{}\"", filename(finished));
    let presentation = Presentation {
        content_type: CONTENT_TYPE,
        content_disposition: &disposition,
    };
    match state.storage.deliver(&key, &presentation).await {
        Ok(Delivery::Redirect(link)) => {
            Ok(([(header::CACHE_CONTROL, NOT_STORED)], Redirect::to(&link)).into_response())
        }
        Ok(Delivery::Stream(object)) => {
            let mut response = (StatusCode::OK, object.body).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition).context("a Content-Disposition header")?,
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(NOT_STORED));
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            if let Some(length) = object.length {
                headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
            }
            Ok(response)
        }
        // Removed by the housekeeping between the check above and now.
        Err(StorageError::NotFound(_)) => Ok(gone(layout).await),
        Err(StorageError::Failed(error)) => {
            tracing::error!(%id, error = format!("{error:#}"), "export cannot be fetched");
            Err(AppError::Unavailable("file storage"))
        }
    }
}

/// `contacts-2026-11-27.csv`, after the day (UTC) the export finished.
fn filename(finished: OffsetDateTime) -> String {
    let day = finished.to_offset(time::UtcOffset::UTC).date();
    format!(
        "contacts-{:04}-{:02}-{:02}.csv",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}
