//! Forgotten passwords: asking for a link (the same answer, in the same time, whether or not
//! an account has the address), and choosing a new password with it (a valid link is all it
//! takes; only attempts with a bad link are limited).

use sqlx::PgPool;
use tokio::time::Instant;

use super::answer_no_sooner_than;
use crate::{
    auth::{
        UserCache,
        breached::BreachCheck,
        db::{self, User},
        forms::NewPasswordForm,
        links, password,
        rate_limits::{self, Form, Who},
        tokens::{self, TokenPurpose},
    },
    backends::rate_limit::RateLimiter,
    email::Mailer,
    error::AppError,
    web::{form::FieldErrors, humanize},
};

/// The flash message after a reset, on the login page.
pub const PASSWORD_CHANGED: &str = "Your password was changed. Log in with the new one.";

/// Mails a reset link for a valid `email` typed by `client_ip`, if an account has it. The
/// text to show, the same either way.
pub async fn request_link(
    db: &PgPool,
    mailer: &Mailer,
    limiter: &RateLimiter,
    client_ip: &str,
    email: &str,
) -> Result<String, AppError> {
    let started = Instant::now();
    // Counted once the form is valid: a typo costs no budget.
    rate_limits::check(limiter, Form::PasswordForgot, Who::Ip(client_ip)).await?;
    rate_limits::check(limiter, Form::PasswordForgot, Who::Address(email)).await?;
    if let Some(account) = db::find_by_email(db, email).await? {
        let mut tx = db.begin().await?;
        links::send_password_reset(mailer, &mut tx, account.id, &account.email).await?;
        tx.commit().await?;
    }
    answer_no_sooner_than(started).await;
    Ok(format!(
        "If an account uses {email}, a link to choose a new password is on its way. It works \
         once, within {}.",
        humanize::duration(TokenPurpose::ResetPassword.valid_for())
    ))
}

/// The account a reset link's `token` is for, while the link is usable (the page shows its
/// address to password managers). Changes nothing.
pub async fn account_of_link(db: &PgPool, token: Option<&str>) -> Result<Option<User>, AppError> {
    let mut conn = db.acquire().await?;
    let purposes = [TokenPurpose::ResetPassword];
    Ok(
        match tokens::find_valid(&mut conn, token, &purposes).await? {
            Some(valid) => db::find(&mut *conn, valid.user_id).await?,
            None => None,
        },
    )
}

/// What choosing a new password with a link did.
#[derive(Debug)]
pub enum Reset {
    /// The link is invalid, has expired, or was already used (perhaps by a concurrent
    /// request).
    BadLink,
    /// The new password is refused; `email` is the account's address, for the form.
    Invalid { email: String, errors: FieldErrors },
    /// The password is changed, every session of the account ended, the address confirmed
    /// (the link proved it) and every other link retired.
    Done,
}

/// Sets the new password of `form` with the link's `token`; `errors` are the form's own.
pub async fn reset(
    db: &PgPool,
    users: &UserCache,
    limiter: &RateLimiter,
    breach_check: &BreachCheck,
    client_ip: &str,
    token: Option<&str>,
    form: &NewPasswordForm,
    mut errors: FieldErrors,
) -> Result<Reset, AppError> {
    // Checked first without holding anything: the hash below takes a while, and neither a
    // connection nor the token's row lock may be held through it.
    let Some(user) = account_of_link(db, token).await? else {
        rate_limits::check(limiter, Form::PasswordResetBadLink, Who::Ip(client_ip)).await?;
        return Ok(Reset::BadLink);
    };
    if let Some(problem) = password::same_as_email(&form.password, &user.email) {
        errors.add("password", problem);
    }
    if errors.is_empty()
        && let Some(problem) = breach_check.problem(&form.password).await
    {
        errors.add("password", problem);
    }
    if !errors.is_empty() {
        return Ok(Reset::Invalid {
            email: user.email,
            errors,
        });
    }
    let hash = password::hash(&form.password).await?;

    let mut tx = db.begin().await?;
    // Again, locked this time: a concurrent request may have used the link meanwhile.
    let purposes = [TokenPurpose::ResetPassword];
    let Some(valid) = tokens::find_valid(&mut tx, token, &purposes).await? else {
        return Ok(Reset::BadLink);
    };
    // A new password ends every session of the account; the link proved the address too.
    db::set_password(&mut tx, valid.user_id, &hash, None).await?;
    db::confirm_email(&mut tx, valid.user_id).await?;
    tokens::use_up(&mut tx, &valid.id).await?;
    tokens::revoke_all(&mut tx, valid.user_id).await?;
    tx.commit().await?;
    users.forget(valid.user_id).await;
    Ok(Reset::Done)
}
