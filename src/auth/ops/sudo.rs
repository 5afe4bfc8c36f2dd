//! Sudo mode's rule: a signed-in user proves again who they are before a sensitive action
//! (see `auth::sudo` for which, and for the page). The proof is checked as a sign-in is: the
//! attempts count against the client's and the user's budgets, a wrong one counts toward the
//! account's lock (which mails the owner), and a locked account cannot confirm anything.

use sqlx::PgPool;

use crate::{
    auth::{
        AuthUser, db, password,
        rate_limits::{self, Form, Who},
    },
    backends::rate_limit::RateLimiter,
    email::Mailer,
    error::AppError,
    live::Live,
};

/// What the user offered as proof. A passkey assertion is the next kind (its own variant,
/// checked in [`confirm`], read from its own `sudo_*` field by `auth::sudo::Offered`).
#[derive(Debug, Clone, Copy)]
pub enum Proof<'a> {
    Password(&'a str),
}

/// How a confirmation ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Confirmation {
    /// It is them: record it on the session and carry on.
    Confirmed,
    /// Wrong, or the account is locked: the page says `message` (one for every reason).
    Refused(&'static str),
}

pub const REFUSED: &str = "That did not match. Try again.";
/// The flash message when a confirmation was asked for nothing in particular.
pub const CONFIRMED: &str = "Confirmed. You can carry on.";

/// Checks `proof` for `user`, from `client_ip`.
pub async fn confirm(
    db: &PgPool,
    mailer: &Mailer,
    live: &Live,
    limiter: &RateLimiter,
    client_ip: &str,
    user: &AuthUser,
    proof: Proof<'_>,
) -> Result<Confirmation, AppError> {
    rate_limits::check(limiter, Form::Sudo, Who::Ip(client_ip)).await?;
    rate_limits::check(limiter, Form::Sudo, Who::User(user.id)).await?;
    let account = db::find(db, user.id).await?.ok_or(AppError::NotFound)?;
    let right = match proof {
        Proof::Password(password) => password::verify(password, &account.password_hash).await?,
    };
    if !right {
        super::login::count_failure(db, mailer, live, &account).await?;
        return Ok(Confirmation::Refused(REFUSED));
    }
    // As at sign-in: the lock is checked in the statement that clears the count.
    if !db::record_successful_login(db, account.id).await? {
        return Ok(Confirmation::Refused(REFUSED));
    }
    Ok(Confirmation::Confirmed)
}
