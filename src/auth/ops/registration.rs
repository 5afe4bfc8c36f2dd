//! Signing up, confirming an address (the account's own, or a new one after a change), and
//! new confirmation links. Neither sign-up nor a resend tells whether an address has an
//! account: both answer the same, in the same time, and the address's owner learns the rest
//! by mail.

use sqlx::PgPool;
use tokio::time::Instant;
use uuid::Uuid;

use super::answer_no_sooner_than;
use crate::{
    auth::{
        AuthUser, UserCache,
        breached::BreachCheck,
        db::{self, Role},
        emails::{self, EmailChanged, RegistrationAttempt},
        forms::RegisterForm,
        links::{self, mailbox},
        password, paths,
        rate_limits::{self, Form, Who},
        tokens::{self, TokenPurpose},
    },
    backends::rate_limit::RateLimiter,
    email::Mailer,
    error::AppError,
};

/// How a sign-up ended.
#[derive(Debug)]
pub enum Registration {
    /// A message is on its way to the address: a confirmation link for a new account, or
    /// for an address that has one already, a note saying so with a reset link. The text
    /// says to check the mail, the same either way.
    Mailed(String),
    /// The password is known from breaches (the message says so); nothing was written.
    BreachedPassword(String),
}

/// Signs up with a valid form from `client_ip`.
pub async fn register(
    db: &PgPool,
    mailer: &Mailer,
    limiter: &RateLimiter,
    breach_check: &BreachCheck,
    client_ip: &str,
    form: &RegisterForm,
) -> Result<Registration, AppError> {
    let started = Instant::now();
    rate_limits::check(limiter, Form::Register, Who::Ip(client_ip)).await?;
    rate_limits::check(limiter, Form::Register, Who::Address(&form.email)).await?;
    if let Some(problem) = breach_check.problem(&form.password).await {
        return Ok(Registration::BreachedPassword(problem));
    }

    // Hashing happens whether or not the address is taken, so both answers take as long.
    let hash = password::hash(&form.password).await?;
    let mut tx = db.begin().await?;
    match db::insert(&mut tx, &form.email, &hash, Role::User, false).await? {
        Some(user_id) => {
            let purpose = TokenPurpose::ConfirmEmail;
            links::send_confirmation(mailer, &mut tx, user_id, &form.email, purpose).await?;
        }
        None => {
            let login_link = mailer.url(paths::LOGIN);
            let reset_link = mailer.url(paths::PASSWORD_FORGOT);
            let content = emails::registration_attempt(&RegistrationAttempt {
                name: None,
                login_link: &login_link,
                reset_link: &reset_link,
            });
            mailer
                .enqueue(&mut tx, mailbox(&form.email)?, content)
                .await?;
        }
    }
    tx.commit().await?;
    answer_no_sooner_than(started).await;
    Ok(Registration::Mailed(format!(
        "We sent a message to {}. Open the link in it to confirm your address, then log in.",
        form.email
    )))
}

/// What opening a confirmation link did.
#[derive(Debug)]
pub enum Confirmation {
    /// It is invalid, has expired, or was already used.
    BadLink,
    /// A change of address whose new address another account took meanwhile.
    AddressTaken,
    /// The account moved to the new address; the old one was told, and every other link
    /// of the account retired.
    EmailChanged,
    /// The account's own address is confirmed. Its first confirmation ends the sessions
    /// opened before it: `new_epoch` is then the epoch a session of `user_id` that should
    /// carry on adopts.
    Confirmed {
        user_id: Uuid,
        new_epoch: Option<i32>,
    },
}

/// Uses a confirmation link's `token`: the account's own address after sign-up, or a new one
/// after a change.
pub async fn confirm(
    db: &PgPool,
    mailer: &Mailer,
    users: &UserCache,
    token: Option<&str>,
) -> Result<Confirmation, AppError> {
    let mut tx = db.begin().await?;
    let purposes = [TokenPurpose::ConfirmEmail, TokenPurpose::ChangeEmail];
    let Some(token) = tokens::find_valid(&mut tx, token, &purposes).await? else {
        return Ok(Confirmation::BadLink);
    };
    if let (TokenPurpose::ChangeEmail, Some(new_email)) = (token.purpose, token.new_email) {
        let account = db::find(&mut *tx, token.user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !db::change_email(&mut tx, token.user_id, &new_email).await? {
            return Ok(Confirmation::AddressTaken);
        }
        let reset_link = mailer.url(paths::PASSWORD_FORGOT);
        let notice = emails::email_changed(&EmailChanged {
            name: None,
            new_email: &new_email,
            reset_link: &reset_link,
        });
        mailer
            .enqueue(&mut tx, mailbox(&account.email)?, notice)
            .await?;
        // Links sent to the old address (a reset, say) no longer apply; this one is used up
        // with them.
        tokens::revoke_all(&mut tx, token.user_id).await?;
        tx.commit().await?;
        users.forget(token.user_id).await;
        return Ok(Confirmation::EmailChanged);
    }
    let new_epoch = db::confirm_email(&mut tx, token.user_id).await?;
    tokens::use_up(&mut tx, &token.id).await?;
    tx.commit().await?;
    users.forget(token.user_id).await;
    Ok(Confirmation::Confirmed {
        user_id: token.user_id,
        new_epoch,
    })
}

/// A new confirmation link for a signed-in `user` whose address is not confirmed yet; the
/// flash message saying so, or `None` when the address is confirmed already (nothing sent).
pub async fn resend_to_user(
    db: &PgPool,
    mailer: &Mailer,
    limiter: &RateLimiter,
    client_ip: &str,
    user: &AuthUser,
) -> Result<Option<String>, AppError> {
    if user.confirmed() {
        return Ok(None);
    }
    rate_limits::check(limiter, Form::ConfirmResend, Who::Ip(client_ip)).await?;
    rate_limits::check(limiter, Form::ConfirmResend, Who::Address(&user.email)).await?;
    let mut tx = db.begin().await?;
    let purpose = TokenPurpose::ConfirmEmail;
    links::send_confirmation(mailer, &mut tx, user.id, &user.email, purpose).await?;
    tx.commit().await?;
    Ok(Some(format!("We sent a new link to {}.", user.email)))
}

/// A new confirmation link for a valid address typed by someone not signed in: sent only if
/// an account with that address waits for confirmation. The text to show, the same either
/// way.
pub async fn resend(
    db: &PgPool,
    mailer: &Mailer,
    limiter: &RateLimiter,
    client_ip: &str,
    email: &str,
) -> Result<String, AppError> {
    let started = Instant::now();
    // Counted once the form is valid: a typo costs no budget.
    rate_limits::check(limiter, Form::ConfirmResend, Who::Ip(client_ip)).await?;
    rate_limits::check(limiter, Form::ConfirmResend, Who::Address(email)).await?;
    if let Some(account) = db::find_by_email(db, email).await?
        && account.email_confirmed_at.is_none()
    {
        let mut tx = db.begin().await?;
        let purpose = TokenPurpose::ConfirmEmail;
        links::send_confirmation(mailer, &mut tx, account.id, &account.email, purpose).await?;
        tx.commit().await?;
    }
    answer_no_sooner_than(started).await;
    Ok(format!(
        "If an account with {email} is waiting for confirmation, a new link is on its way."
    ))
}
