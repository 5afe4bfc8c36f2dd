//! Email machinery: what a message is (`message.rs`), composing and queueing it with lettre
//! (`mailer.rs`), the outbox that records every
//! message (`db.rs`), its delivery as a kind of background job (`jobs.rs`), the building
//! blocks of templates (`templates.rs`), and the dev mailbox with previews (`mailbox/`).
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
//! Nothing is sent inside the request: the message and its delivery job are committed with the
//! change (or not at all), and the jobs worker delivers it, retrying while SMTP is down.

pub mod db;
mod error;
pub mod jobs;
pub mod mailbox;
mod mailer;
pub mod message;
pub mod templates;

use std::sync::Arc;

use crate::web::routes::RouterExt;
use axum::{Router, extract::FromRef};
use sqlx::PgPool;

pub use self::{error::EmailError, mailer::Mailer, message::EmailContent};
use crate::{config::Config, web::layout::PageFrame};

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
        .typed_get(mailbox::index)
        .typed_post(mailbox::clear)
        .typed_get(mailbox::previews)
        .typed_get(mailbox::preview_html)
        .typed_get(mailbox::show)
        .typed_get(mailbox::message_html)
}
