//! [`RecordId`]: the `{id}` of a record's URL, for any module whose records have UUIDs.

use axum::{
    extract::{FromRequestParts, Path},
    http::request::Parts,
};
use uuid::Uuid;

use crate::error::AppError;

/// The `{id}` segment of the path, as a UUID. One that is not a UUID names no record: a 404,
/// the same answer as for the id of a record that is someone else's, so a URL never tells
/// the two apart.
pub struct RecordId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for RecordId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        id.parse().map(Self).map_err(|_| AppError::NotFound)
    }
}
