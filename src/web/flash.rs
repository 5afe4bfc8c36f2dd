//! Flash messages: one-time notices that survive a redirect (Post/Redirect/Get).
//!
//! A handler pushes a message into the session with the [`Flash`] extractor; the next page
//! rendered through [`PageLayout::render`](super::layout::PageLayout::render) takes and shows
//! it. Because they
//! live in the PostgreSQL session, they reach the next request whichever instance serves it.

use axum::{extract::FromRequestParts, http::request::Parts};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::error::AppError;

const SESSION_KEY: &str = "flash";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlashLevel {
    Success,
    Error,
}

impl FlashLevel {
    /// The RSCSS variant class of the alert.
    pub fn class(self) -> &'static str {
        match self {
            Self::Success => "__success",
            Self::Error => "__error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlashMessage {
    pub level: FlashLevel,
    pub text: String,
}

/// Writes flash messages for the next page the user sees.
pub struct Flash(Session);

impl<S: Send + Sync> FromRequestParts<S> for Flash {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Session::from_request_parts(parts, state)
            .await
            .map(Flash)
            .map_err(|(_, message)| AppError::Internal(anyhow::anyhow!(message)))
    }
}

impl Flash {
    pub async fn push(&self, level: FlashLevel, text: impl Into<String>) -> Result<(), AppError> {
        let mut messages: Vec<FlashMessage> = self.0.get(SESSION_KEY).await?.unwrap_or_default();
        messages.push(FlashMessage {
            level,
            text: text.into(),
        });
        self.0
            .insert(SESSION_KEY, messages)
            .await
            .map_err(AppError::from)
    }

    pub async fn success(&self, text: impl Into<String>) -> Result<(), AppError> {
        self.push(FlashLevel::Success, text).await
    }

    pub async fn error(&self, text: impl Into<String>) -> Result<(), AppError> {
        self.push(FlashLevel::Error, text).await
    }
}

/// Removes and returns the pending messages. Removing marks the session changed (a write when
/// the response goes out), so it happens only when there is something to remove: most pages
/// have no message, and a page view must not cost a session write. A session store failure
/// costs the messages, never the page, so it is logged rather than returned.
pub async fn take(session: &Session) -> Vec<FlashMessage> {
    let pending = match session.get::<Vec<FlashMessage>>(SESSION_KEY).await {
        Ok(pending) => pending,
        Err(error) => {
            tracing::warn!(%error, "could not read flash messages from the session");
            return Vec::new();
        }
    };
    let Some(messages) = pending else {
        return Vec::new();
    };
    if let Err(error) = session.remove_value(SESSION_KEY).await {
        tracing::warn!(%error, "could not clear flash messages from the session");
    }
    messages
}
