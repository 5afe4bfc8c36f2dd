//! Every path of the files module, declared once as a typed path: the router mounts each
//! handler on its type (`typed_get`), the handler receives the parsed path (an id that is not
//! one is a 404, like a file that is someone else's), and a link is the same type displayed
//! (`DownloadPath { id: file.id.into() }.to_string()`). Ids are [`PublicId`]s, a UUID in 22
//! characters. No path of this module is written anywhere else.

use axum_extra::routing::TypedPath;
use serde::Deserialize;

use crate::{error::AppError, web::public_id::PublicId};

/// `/files`: the list with the upload form (GET, with `?after=` for a later page), and where
/// uploads are posted.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/files")]
pub struct ListPath;

/// A file's own page: its details, and the links to download, open or delete it.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/files/{id}", rejection(AppError))]
pub struct FilePath {
    pub id: PublicId,
}

/// The file itself, as an attachment.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/files/{id}/download", rejection(AppError))]
pub struct DownloadPath {
    pub id: PublicId,
}

/// The file shown in the browser, for the types that may be (see `serving`).
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/files/{id}/view", rejection(AppError))]
pub struct ViewPath {
    pub id: PublicId,
}

/// The thumbnail of an image.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/files/{id}/thumbnail", rejection(AppError))]
pub struct ThumbnailPath {
    pub id: PublicId,
}

/// An image shown large on its page: the file itself, always through the app (pages may show
/// images from this origin only; S3's presigned links are another).
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/files/{id}/preview", rejection(AppError))]
pub struct PreviewPath {
    pub id: PublicId,
}

/// Deleting a file: the page that asks first (GET), and where it and the file's page post.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/files/{id}/delete", rejection(AppError))]
pub struct DeletePath {
    pub id: PublicId,
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn links_are_the_routes_filled_in() {
        let id = PublicId(Uuid::nil());
        assert_eq!(ListPath.to_string(), "/files");
        assert_eq!(FilePath { id }.to_string(), "/files/AAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(
            ThumbnailPath { id }.to_string(),
            "/files/AAAAAAAAAAAAAAAAAAAAAA/thumbnail"
        );
    }
}
