//! Email machinery: composition with lettre, the outbox that makes delivery durable, the
//! delivery worker, the building blocks of templates, and the dev mailbox with previews.
//! The messages themselves live with the feature that sends them (`auth/emails.rs`).
//!
//! Sending a message from a handler:
//!
//! ```text
//! let mut tx = db.begin().await?;
//! /* ...the change that causes the message... */
//! let link = mailer.url("/confirm?token=...");
//! let content = emails::confirm_email(&ConfirmEmail { name: None, link: &link });
//! mailer.enqueue(&mut tx, recipient, content).await?;
//! tx.commit().await?;
//! ```
//!
//! Nothing is sent inside the request: the message is committed with the change (or not at
//! all), and the worker delivers it, retrying while SMTP is down.

pub mod db;
mod error;
pub mod mailbox;
pub mod message;
pub mod templates;
pub mod worker;

use std::sync::Arc;

use axum::{
    Router,
    extract::FromRef,
    routing::{get, post},
};
use sqlx::PgPool;

pub use self::{
    error::EmailError,
    message::{EmailContent, Mailer},
};
use crate::{config::Config, web::layout::PageFrame};

/// The dev mailbox's paths, written once. Pages under `DEV_PREFIX` do not exist in production.
pub mod paths {
    use uuid::Uuid;

    pub const DEV_PREFIX: &str = "/dev/";
    pub const MAILBOX: &str = "/dev/mailbox";
    pub const MAILBOX_CLEAR: &str = "/dev/mailbox/clear";
    pub const PREVIEWS: &str = "/dev/mailbox/previews";

    pub fn message(id: Uuid) -> String {
        format!("{MAILBOX}/{id}")
    }

    pub fn message_html(id: Uuid) -> String {
        format!("{MAILBOX}/{id}/html")
    }

    pub fn preview_html(name: &str) -> String {
        format!("{PREVIEWS}/{name}/html")
    }
}

/// The dev mailbox's pages (404 in production).
pub fn routes<S>() -> Router<S>
where
    PgPool: FromRef<S>,
    Mailer: FromRef<S>,
    Arc<Config>: FromRef<S>,
    PageFrame: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route(paths::MAILBOX, get(mailbox::index))
        .route(paths::MAILBOX_CLEAR, post(mailbox::clear))
        .route(paths::PREVIEWS, get(mailbox::previews))
        .route(
            "/dev/mailbox/previews/{name}/html",
            get(mailbox::preview_html),
        )
        .route("/dev/mailbox/{id}", get(mailbox::show))
        .route("/dev/mailbox/{id}/html", get(mailbox::message_html))
}
