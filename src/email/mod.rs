//! Email: Maud templates, composition with lettre, the outbox that makes delivery durable, the
//! delivery worker, and the dev mailbox with template previews.
//!
//! Sending a message from a handler:
//!
//! ```text
//! let mut tx = state.db.begin().await?;
//! /* ...the change that causes the message... */
//! let link = state.mailer.url("/confirm?token=...");
//! let content = templates::confirm_email(&ConfirmEmail { name: None, link: &link });
//! state.mailer.enqueue(&mut tx, recipient, content).await?;
//! tx.commit().await?;
//! ```
//!
//! Nothing is sent inside the request: the message is committed with the change (or not at
//! all), and the worker delivers it, retrying while SMTP is down.

pub mod db;
pub mod mailbox;
pub mod message;
pub mod templates;
pub mod worker;

use axum::{
    Router,
    routing::{get, post},
};

pub use self::message::{EmailContent, Mailer};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dev/mailbox", get(mailbox::index))
        .route("/dev/mailbox/clear", post(mailbox::clear))
        .route("/dev/mailbox/previews", get(mailbox::previews))
        .route(
            "/dev/mailbox/previews/{name}/html",
            get(mailbox::preview_html),
        )
        .route("/dev/mailbox/{id}", get(mailbox::show))
        .route("/dev/mailbox/{id}/html", get(mailbox::message_html))
}
