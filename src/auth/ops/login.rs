//! Signing in: the rate limits, the same work for an unknown address as for a known one, and
//! the lock after [`LOCK_AFTER_FAILURES`] wrong passwords in a row.

use sqlx::PgPool;

use crate::{
    auth::{
        LOCK_AFTER_FAILURES, LOCK_FOR,
        db::{self, User},
        emails::{self, AccountLocked},
        links::mailbox,
        password, paths,
        rate_limits::{self, Form, Who},
        two_factor,
    },
    backends::rate_limit::RateLimiter,
    email::Mailer,
    error::AppError,
    live::{Live, Toast},
};

/// The flash message after signing in.
pub const SIGNED_IN: &str = "You are logged in.";

/// What a sign-in form sent, once it reads as an address and a password.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    pub email: &'a str,
    pub password: &'a str,
}

/// How a sign-in ended.
#[derive(Debug)]
pub enum Login {
    /// The password is right and the account not locked: sign them in.
    Allowed(User),
    /// The password is right and two-factor authentication is on: ask for a code (see
    /// `ops::two_factor::second_step`) before signing them in.
    SecondFactor(User),
    /// One answer for a malformed address, an unknown one, a wrong password and a locked
    /// account alike, so that the answer never says which.
    Refused,
}

/// Checks a sign-in from `client_ip`. `credentials` is `None` when the form did not hold a
/// well-formed address: the attempt still counts against the client's budget, and the
/// database is not asked. A wrong password counts toward the account's lock; the failure
/// that locks it mails the owner and tells their open pages.
pub async fn log_in(
    db: &PgPool,
    mailer: &Mailer,
    live: &Live,
    limiter: &RateLimiter,
    client_ip: &str,
    credentials: Option<Credentials<'_>>,
) -> Result<Login, AppError> {
    rate_limits::check(limiter, Form::Login, Who::Ip(client_ip)).await?;
    let Some(Credentials { email, password }) = credentials else {
        return Ok(Login::Refused);
    };
    rate_limits::check(limiter, Form::Login, Who::Address(email)).await?;

    let Some(user) = db::find_by_email(db, email).await? else {
        // Same work as for a real account, so timing does not tell them apart.
        password::verify(password, password::dummy_hash().await).await?;
        return Ok(Login::Refused);
    };
    if !password::verify(password, &user.password_hash).await? {
        count_failure(db, mailer, live, &user).await?;
        return Ok(Login::Refused);
    }
    if two_factor::is_enabled(db, user.id).await? {
        // The count of failures is cleared only once the code is right too: a password alone
        // must not wipe out the wrong codes that lead to the lock.
        if user.is_locked() {
            return Ok(Login::Refused);
        }
        return Ok(Login::SecondFactor(user));
    }
    // The lock is checked after the hash, and in the same statement that clears the count,
    // so neither timing nor a concurrent failure lets a locked account in.
    if !db::record_successful_login(db, user.id).await? {
        return Ok(Login::Refused);
    }
    Ok(Login::Allowed(user))
}

/// Counts a wrong password, or a wrong two-factor code (at sign-in, or confirming in sudo
/// mode); the failure that locks the account tells its owner, by mail (queued with the lock)
/// and on any page they have open.
pub(super) async fn count_failure(
    db: &PgPool,
    mailer: &Mailer,
    live: &Live,
    user: &User,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let locked = db::record_failed_login(&mut tx, user.id, LOCK_AFTER_FAILURES, LOCK_FOR).await?;
    if locked {
        tracing::warn!(user_id = %user.id, "account locked after failed sign-ins");
        let reset_link = mailer.url(paths::PASSWORD_FORGOT);
        let content = emails::account_locked(&AccountLocked {
            name: None,
            reset_link: &reset_link,
        });
        mailer
            .enqueue(&mut tx, mailbox(&user.email)?, content)
            .await?;
    }
    tx.commit().await?;
    if locked {
        // Whoever is signed in as this user somewhere sees it at once, not only by mail.
        live.toast(user.id, locked_toast()).await;
    }
    Ok(())
}

fn locked_toast() -> Toast {
    Toast::new(format!(
        "Your account was locked after repeated failed sign-ins from elsewhere. \
         Sign-ins are refused for {} minutes; you stay signed in here.",
        LOCK_FOR.as_secs() / 60
    ))
    .link(paths::PASSWORD_FORGOT, "Reset your password")
}
