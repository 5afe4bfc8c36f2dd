//! What can go wrong when queueing a message, and how the web edge shows it.

use crate::error::AppError;

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// The message could not be built (an address or header lettre refuses).
    #[error("composing the message")]
    Compose(#[from] lettre::error::Error),
    /// The outbox could not be written.
    #[error("writing to the outbox")]
    Outbox(#[from] sqlx::Error),
}

impl From<EmailError> for AppError {
    fn from(error: EmailError) -> Self {
        match error {
            // An unreachable database is a 503, like any other query.
            EmailError::Outbox(error) => AppError::from(error),
            compose @ EmailError::Compose(_) => AppError::Internal(compose.into()),
        }
    }
}
