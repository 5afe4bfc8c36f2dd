//! Mailing a link: a token issued and its message queued on the caller's transaction, so
//! that both are committed or neither is.

use lettre::message::Mailbox;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    emails::{self, ConfirmEmail, PasswordReset},
    paths,
    tokens::{self, TokenPurpose},
};
use crate::{email::Mailer, error::AppError};

/// The mailbox of a stored, already validated address.
pub fn mailbox(email: &str) -> Result<Mailbox, AppError> {
    let address = email
        .parse()
        .map_err(|error| AppError::Internal(anyhow::anyhow!("stored email {email:?}: {error}")))?;
    Ok(Mailbox::new(None, address))
}

/// A confirmation link for `to`: the account's own address after sign-up
/// ([`TokenPurpose::ConfirmEmail`]), or the new one of an address change
/// ([`TokenPurpose::ChangeEmail`]).
pub async fn send_confirmation(
    mailer: &Mailer,
    conn: &mut PgConnection,
    user_id: Uuid,
    to: &str,
    purpose: TokenPurpose,
) -> Result<(), AppError> {
    let new_email = (purpose == TokenPurpose::ChangeEmail).then_some(to);
    let token = tokens::issue(conn, user_id, purpose, new_email).await?;
    let link = mailer.url(&format!("{}?token={token}", paths::CONFIRM));
    let content = emails::confirm_email(&ConfirmEmail {
        name: None,
        link: &link,
    });
    mailer.enqueue(conn, mailbox(to)?, content).await?;
    Ok(())
}

/// A password reset link for the account's address.
pub async fn send_password_reset(
    mailer: &Mailer,
    conn: &mut PgConnection,
    user_id: Uuid,
    to: &str,
) -> Result<(), AppError> {
    let token = tokens::issue(conn, user_id, TokenPurpose::ResetPassword, None).await?;
    let link = mailer.url(&format!("{}?token={token}", paths::PASSWORD_RESET));
    let content = emails::password_reset(&PasswordReset {
        name: None,
        link: &link,
    });
    mailer.enqueue(conn, mailbox(to)?, content).await?;
    Ok(())
}
