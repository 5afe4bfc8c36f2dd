//! The module's failures that need words of their own: an upload over the size or file-count
//! limit or past the account's quota (413), and file storage failing (503). They render through the error pages like any [`AppError`]:
//! a page, or a notice in `#alerts` for htmx, with the cause in the log only.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

use super::quota::OverQuota;
use crate::{
    backends::storage::StorageError,
    error::{AppError, ErrorPage},
    web::humanize,
};

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("upload over the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("upload of more than {limit} files")]
    TooManyFiles { limit: usize },
    #[error("upload past the account's quota")]
    OverQuota(OverQuota),
    /// `consequence` tells the user what did not happen ("nothing was uploaded").
    #[error("file storage failed: {consequence}")]
    Storage {
        consequence: &'static str,
        #[source]
        source: StorageError,
    },
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<sqlx::Error> for FileError {
    fn from(error: sqlx::Error) -> Self {
        Self::App(error.into())
    }
}

impl FileError {
    /// Why an upload was refused, as `/metrics` counts it; `None` for what is no refusal.
    pub fn refusal_reason(&self) -> Option<&'static str> {
        match self {
            Self::TooLarge { .. } => Some("too-large"),
            Self::TooManyFiles { .. } => Some("too-many-files"),
            Self::OverQuota(_) => Some("over-quota"),
            Self::Storage { .. } | Self::App(_) => None,
        }
    }

    pub fn storage(consequence: &'static str) -> impl FnOnce(StorageError) -> Self {
        move |source| Self::Storage {
            consequence,
            source,
        }
    }
}

/// What a 413 says, wherever it comes from (this module's check, or the body limit layers).
pub fn too_large_message(limit: u64) -> String {
    format!(
        "That is too large: files can be at most {}, together when you send several at once.",
        humanize::bytes(limit)
    )
}

impl IntoResponse for FileError {
    fn into_response(self) -> Response {
        let (status, message, detail) = match self {
            Self::TooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                too_large_message(limit),
                None,
            ),
            Self::TooManyFiles { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("That is too many files at once: send at most {limit} together."),
                None,
            ),
            Self::OverQuota(refusal) => (StatusCode::PAYLOAD_TOO_LARGE, refusal.message(), None),
            // A record whose object is gone is our inconsistency, not an outage.
            Self::Storage {
                source: source @ StorageError::NotFound(_),
                ..
            } => {
                let error = anyhow::Error::new(source).context("a file's record has no object");
                return AppError::Internal(error).into_response();
            }
            Self::Storage {
                consequence,
                source,
            } => (
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "File storage is not answering, so {consequence}. Please try again in a \
                     moment."
                ),
                Some(format!("{:#}", anyhow::Error::new(source))),
            ),
            Self::App(error) => return error.into_response(),
        };
        let mut response = status.into_response();
        response
            .extensions_mut()
            .insert(ErrorPage { message, detail });
        response
    }
}

/// Gives a 413 from the body limit layers (which know nothing of files) this module's message.
pub async fn explain_too_large(limit: u64, mut response: Response) -> Response {
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE
        && response.extensions().get::<ErrorPage>().is_none()
    {
        response.extensions_mut().insert(ErrorPage {
            message: too_large_message(limit),
            detail: None,
        });
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(error: FileError) -> (StatusCode, ErrorPage) {
        let response = error.into_response();
        let page = response.extensions().get::<ErrorPage>().cloned().unwrap();
        (response.status(), page)
    }

    #[test]
    fn each_failure_has_its_status_and_words() {
        let (status, page) = render(FileError::TooLarge { limit: 25 << 20 });
        assert_eq!(status, 413);
        assert!(page.message.contains("25 MB"), "{}", page.message);

        let down = StorageError::Failed(anyhow::anyhow!("connection refused to 10.0.0.9"));
        let (status, page) = render(FileError::storage("nothing was uploaded")(down));
        assert_eq!(status, 503);
        assert!(page.message.contains("nothing was uploaded"));
        assert!(!page.message.contains("10.0.0.9"));
        assert!(page.detail.unwrap().contains("connection refused"));

        let missing = StorageError::NotFound(crate::backends::storage::ObjectKey::random("files"));
        let (status, page) = render(FileError::storage("x")(missing));
        assert_eq!(status, 500);
        assert!(!page.message.contains("files/"));
    }
}
