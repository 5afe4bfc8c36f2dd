//! The dev mailbox's paths, declared once as typed paths: the router mounts each handler on
//! its type (`typed_get`), the handler receives the parsed path (an id that is not one is
//! a 404), and a link is the same type displayed. Every one lies under [`DEV_PREFIX`], whose
//! pages do not exist in production (the home page hides its links to them there).

use axum_extra::routing::TypedPath;
use serde::Deserialize;

use crate::{error::AppError, web::public_id::PublicId};

/// What every development-only path starts with.
pub const DEV_PREFIX: &str = "/dev/";

/// `/dev/mailbox`: every message of the outbox, newest first.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/dev/mailbox")]
pub struct MailboxPath;

/// Where the mailbox's "Clear all" form posts.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/dev/mailbox/clear")]
pub struct ClearPath;

/// Every email template rendered with sample data.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/dev/mailbox/previews")]
pub struct PreviewsPath;

/// One template's HTML, for the frame of the previews page.
#[derive(Debug, Clone, TypedPath, Deserialize)]
#[typed_path("/dev/mailbox/previews/{name}/html", rejection(AppError))]
pub struct PreviewHtmlPath {
    pub name: String,
}

/// One message: its headers, text and raw MIME, its HTML in a frame.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/dev/mailbox/{id}", rejection(AppError))]
pub struct MessagePath {
    pub id: PublicId,
}

/// A message's own HTML document, for the frame of its page.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/dev/mailbox/{id}/html", rejection(AppError))]
pub struct MessageHtmlPath {
    pub id: PublicId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_under_the_dev_prefix() {
        for path in [
            MailboxPath::PATH,
            ClearPath::PATH,
            PreviewsPath::PATH,
            PreviewHtmlPath::PATH,
            MessagePath::PATH,
            MessageHtmlPath::PATH,
        ] {
            assert!(path.starts_with(DEV_PREFIX), "{path}");
        }
        assert_eq!(
            PreviewHtmlPath {
                name: "confirm-email".into()
            }
            .to_string(),
            "/dev/mailbox/previews/confirm-email/html"
        );
    }
}
