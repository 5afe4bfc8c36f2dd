//! Files: each user uploads files (several at once, with a progress bar, by choosing or
//! dropping them), sees them listed with thumbnails of images, and downloads, views or deletes
//! them. Nobody else can reach them.
//!
//! The rules:
//!
//! - **Owner only.** Every query names the owner; another user's file is a 404 on every route,
//!   exactly like one that does not exist.
//! - **Bytes, not claims.** A file's type is detected from its first bytes (`detect.rs`), then
//!   checked against `UPLOAD_ALLOWED_TYPES`; the name and the browser's stated type are ignored.
//!   Names are cleaned for display (`names.rs`) and never become storage keys, which are random.
//! - **Bounded memory.** Uploads stream to a spool file on disk while they are counted and
//!   hashed, then to storage (`upload.rs`); over `UPLOAD_MAX_BYTES` is a 413. Only this route
//!   accepts a body that large (`upload_routes`).
//! - **A quota per account** in bytes and files, checked while an upload arrives and again,
//!   with the owner's row locked, when it is recorded (`quota.rs`); uploads are rate limited
//!   per account, ten times more tightly before the address is confirmed (`rate_limits.rs`).
//! - **All or nothing, no orphans.** An upload stores every file or none, and storage and the
//!   table never disagree for long (`ops.rs`, `cleanup.rs`).
//! - **Nothing uploaded runs as this site.** Files are served with the detected type,
//!   `nosniff`, a sandboxing policy, and only images, text and PDFs inline (`serving.rs`).
//! - **Thumbnails** of JPEG, PNG, GIF and WebP images, made off the async runtime within one
//!   memory budget; images over the pixel limits are refused, those that would cost more
//!   memory than the budget are kept without a thumbnail (`thumbnail.rs`).
//!
//! Where things are: `paths.rs` every path; `fields.rs` the upload form's field and every DOM
//! id; `handlers/` the routes; `views/` the pages; `db.rs` the SQL; `ops.rs` saving and
//! deleting; `quota.rs` and `rate_limits.rs` what an account may store and how often it may
//! upload; `error.rs` the 413 and storage-failure answers. Storage itself is
//! `backends::storage`.

pub mod cleanup;
pub mod db;
pub mod detect;
pub mod error;
pub mod fields;
mod handlers;
pub mod names;
pub mod ops;
pub mod paths;
pub mod quota;
mod rate_limits;
mod serving;
pub mod thumbnail;
pub mod upload;
mod views;

use crate::web::routes::RouterExt;
use axum::{Router, extract::DefaultBodyLimit};
use tower_http::limit::RequestBodyLimitLayer;

use crate::{config::UploadConfig, state::AppState};

/// Every object this module stores has a key under this prefix (`files/{uuid}`), so that the
/// cleanup pass never touches another module's objects in a shared bucket.
pub const STORAGE_PREFIX: &str = "files";

/// Every route but the upload, under the app's default body limit.
pub fn routes() -> Router<AppState> {
    use self::handlers::{file, list};
    Router::new()
        .typed_get(list::list)
        .typed_get(file::show)
        .typed_get(file::download)
        .typed_get(file::view)
        .typed_get(file::thumbnail)
        .typed_get(file::preview)
        .typed_get(file::confirm_delete)
        .typed_post(file::delete)
}

/// The upload, with a body limit of its own: `UPLOAD_MAX_BYTES` plus room for the multipart
/// framing, checked against `Content-Length` before any of the body is read, and while it is
/// read when that header is absent or lies. Any 413 gets this module's message. It must sit
/// outside the app's default limit, which would cap it too (`lib.rs` merges it there).
pub fn upload_routes(config: &UploadConfig) -> Router<AppState> {
    let limit = config.max_bytes;
    let body_limit =
        usize::try_from(limit.saturating_add(upload::MULTIPART_OVERHEAD)).unwrap_or(usize::MAX);
    Router::new()
        .typed_post(handlers::list::upload)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(axum::middleware::map_response(move |response| {
            error::explain_too_large(limit, response)
        }))
}
