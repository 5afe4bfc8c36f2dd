//! The account page's changes: the password, the address, and ending the other sessions.
//! Each asks for the current password where it matters (with a limit on guesses), and each is
//! refused to a session that another change has ended meanwhile.

use sqlx::PgPool;

use crate::{
    auth::{
        AuthUser, UserCache,
        breached::BreachCheck,
        db,
        forms::{ChangeEmailForm, NewPasswordForm},
        links, password,
        rate_limits::{self, Form, Who},
        tokens::{self, TokenPurpose},
    },
    backends::rate_limit::RateLimiter,
    email::Mailer,
    error::AppError,
    web::form::FieldErrors,
};

pub const WRONG_PASSWORD: &str = "That is not your current password.";
const PASSWORD_CHANGED: &str = "Your password was changed. Other sessions were logged out.";
const SESSIONS_ENDED: &str = "Every other session was logged out.";

/// What a change from the account page did, once its form was accepted. (A refused form is
/// the `Err` of its function's `Ok`: an error per field, nothing changed.)
#[derive(Debug)]
pub enum Outcome {
    /// This session was ended by a change made meanwhile (through another session): it may
    /// not make changes of its own, so it ends too.
    SessionEnded,
    /// Done, and every other session of the account ended: this one carries on by adopting
    /// `epoch`. `message` says so.
    OthersEnded { epoch: i32, message: &'static str },
    /// A link is on its way to the new address (or, unsaid, nothing: another account has
    /// it); `message` says what happens next.
    LinkSent(String),
}

/// Changes `user`'s password to `form`'s, given their current one; `errors` are the form's
/// own. Every other session ends, and every link sent before (a reset, an address change)
/// stops working.
pub async fn change_password(
    db: &PgPool,
    users: &UserCache,
    limiter: &RateLimiter,
    breach_check: &BreachCheck,
    user: &AuthUser,
    form: &NewPasswordForm,
    mut errors: FieldErrors,
) -> Result<Result<Outcome, FieldErrors>, AppError> {
    let account = db::find(db, user.id).await?.ok_or(AppError::NotFound)?;
    if let Some(problem) = password::same_as_email(&form.password, &account.email) {
        errors.add("password", problem);
    }
    rate_limits::check(limiter, Form::CurrentPassword, Who::User(user.id)).await?;
    if !password::verify(&form.current_password, &account.password_hash).await? {
        errors.add("current_password", WRONG_PASSWORD);
    }
    if errors.is_empty()
        && let Some(problem) = breach_check.problem(&form.password).await
    {
        errors.add("password", problem);
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let hash = password::hash(&form.password).await?;
    let mut tx = db.begin().await?;
    let from_epoch = Some(user.session_epoch);
    let Some(epoch) = db::set_password(&mut tx, account.id, &hash, from_epoch).await? else {
        return Ok(Ok(Outcome::SessionEnded));
    };
    // A pending reset or address change from before must not undo this one.
    tokens::revoke_all(&mut tx, account.id).await?;
    tx.commit().await?;
    users.forget(account.id).await;
    Ok(Ok(Outcome::OthersEnded {
        epoch,
        message: PASSWORD_CHANGED,
    }))
}

/// Mails a link to `form`'s new address that moves `user`'s account to it, given their
/// current password; `form_errors` are the form's own. An address another account has gets
/// no link, and the answer does not say so.
pub async fn change_email(
    db: &PgPool,
    mailer: &Mailer,
    limiter: &RateLimiter,
    client_ip: &str,
    user: &AuthUser,
    form: &ChangeEmailForm,
    form_errors: FieldErrors,
) -> Result<Result<Outcome, FieldErrors>, AppError> {
    let account = db::find(db, user.id).await?.ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    if !user.confirmed() {
        errors.add("email", "Confirm your current address first.");
    } else if form_errors.is_empty() && form.email == account.email {
        errors.add("email", "That is already your address.");
    }
    errors.merge(form_errors);
    rate_limits::check(limiter, Form::CurrentPassword, Who::User(user.id)).await?;
    if !password::verify(&form.current_password, &account.password_hash).await? {
        errors.add("current_password", WRONG_PASSWORD);
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    rate_limits::check(limiter, Form::ChangeEmail, Who::Ip(client_ip)).await?;
    rate_limits::check(limiter, Form::ChangeEmail, Who::User(user.id)).await?;
    rate_limits::check(limiter, Form::ChangeEmail, Who::Address(&form.email)).await?;
    if db::find_by_email(db, &form.email).await?.is_none() {
        let mut tx = db.begin().await?;
        // Only from a session that is still current, checked under the row lock a password
        // change takes too: a link issued here can never outlive a password change that
        // committed meanwhile (its revocation would not have seen this link).
        if db::lock_epoch(&mut tx, account.id).await? != Some(user.session_epoch) {
            return Ok(Ok(Outcome::SessionEnded));
        }
        let purpose = TokenPurpose::ChangeEmail;
        links::send_confirmation(mailer, &mut tx, account.id, &form.email, purpose).await?;
        tx.commit().await?;
    }
    Ok(Ok(Outcome::LinkSent(format!(
        "We sent a link to {}. Your address changes when you open it.",
        form.email
    ))))
}

/// Ends every session of `user` but this one.
pub async fn end_other_sessions(
    db: &PgPool,
    users: &UserCache,
    user: &AuthUser,
) -> Result<Outcome, AppError> {
    let Some(epoch) = db::end_sessions(db, user.id, user.session_epoch).await? else {
        return Ok(Outcome::SessionEnded);
    };
    users.forget(user.id).await;
    Ok(Outcome::OthersEnded {
        epoch,
        message: SESSIONS_ENDED,
    })
}
