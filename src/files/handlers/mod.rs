//! The files routes, one file per part of the flow: `list.rs` the list and the upload (which
//! answers with the list), `file.rs` one file's page, bytes, thumbnail and deletion. Each
//! takes its typed path first (`paths`), then finds the file by id *and* owner: another
//! user's file, like one that does not exist, is a 404 on every route, before storage is
//! touched.

pub mod file;
pub mod list;

use uuid::Uuid;

use super::db::{self, FileRecord};
use crate::{auth::AuthUser, error::AppError, state::AppState};

async fn find(state: &AppState, user: &AuthUser, id: Uuid) -> Result<FileRecord, AppError> {
    db::find(&state.db, user.id, id)
        .await?
        .ok_or(AppError::NotFound)
}
