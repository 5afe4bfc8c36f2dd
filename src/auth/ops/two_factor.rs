//! Two-factor authentication's rules: setting it up (a secret shown, one code confirms it, ten
//! recovery codes given once), the second step of a sign-in, new recovery codes, and turning it
//! off (with a code, noticed by mail).
//!
//! A six-digit code is accepted within one step (30 s) of the server's clock either way, and
//! once: the step of the last accepted code is stored, and no code of that step or an earlier
//! one passes again. A recovery code works once. A wrong code at sign-in, in sudo mode or when
//! turning it off counts toward the account's lock as a wrong password does, within the same
//! rate limits (per client and per user).

use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    auth::{
        AuthUser,
        db::{self, User},
        emails::{self, TwoFactorDisabled},
        links::mailbox,
        paths,
        rate_limits::{self, Form, Who},
        two_factor::{self, SecretsKey},
    },
    backends::rate_limit::RateLimiter,
    email::Mailer,
    error::AppError,
    live::Live,
};

pub const WRONG_CODE: &str = "That code is not right (or was already used). Try the current one.";
pub const TURNED_OFF: &str = "Two-factor authentication is off.";
pub const ALREADY_ON: &str = "Two-factor authentication is already on.";

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Checks `code` for `user_id`, who has two-factor on: a six-digit code from the app (used up
/// for its step), or a recovery code (used up). No limit and no counting here: the callers
/// below do both.
pub async fn check_code(
    db: &PgPool,
    key: &SecretsKey,
    user_id: Uuid,
    code: &str,
) -> Result<bool, AppError> {
    if two_factor::looks_like_recovery_code(code) {
        if !two_factor::is_enabled(db, user_id).await? {
            return Ok(false);
        }
        let hash = two_factor::recovery_code_hash(user_id, code);
        return Ok(two_factor::use_recovery_code(db, user_id, &hash).await?);
    }
    let Some(row) = two_factor::find(db, user_id).await? else {
        return Ok(false);
    };
    if row.enabled_at.is_none() {
        return Ok(false);
    }
    let Some(secret) = key.decrypt(user_id, &row.secret) else {
        tracing::warn!(%user_id, "a two-factor secret does not decrypt: SECRET_KEY changed?");
        return Ok(false);
    };
    let Some(step) = two_factor::matching_step(&secret, code, now()) else {
        return Ok(false);
    };
    Ok(two_factor::use_step(db, user_id, step).await?)
}

/// [`check_code`] within the limits, a wrong code counted toward the lock of `account`.
pub async fn check_code_counted(
    db: &PgPool,
    mailer: &Mailer,
    live: &Live,
    limiter: &RateLimiter,
    key: &SecretsKey,
    client_ip: &str,
    account: &User,
    code: &str,
) -> Result<bool, AppError> {
    rate_limits::check(limiter, Form::SecondFactor, Who::Ip(client_ip)).await?;
    rate_limits::check(limiter, Form::SecondFactor, Who::User(account.id)).await?;
    if check_code(db, key, account.id, code).await? {
        return Ok(true);
    }
    super::login::count_failure(db, mailer, live, account).await?;
    Ok(false)
}

/// How the second step of a sign-in ended.
#[derive(Debug)]
pub enum SecondStep {
    /// The code is right and the account not locked: sign them in.
    Allowed(User),
    /// Wrong, used, or the account is locked or changed since the password was given.
    Refused,
}

/// The second step of a sign-in by `user_id`, whose password was right at `epoch`.
pub async fn second_step(
    db: &PgPool,
    mailer: &Mailer,
    live: &Live,
    limiter: &RateLimiter,
    key: &SecretsKey,
    client_ip: &str,
    (user_id, epoch): (Uuid, i32),
    code: &str,
) -> Result<SecondStep, AppError> {
    let Some(user) = db::find(db, user_id).await? else {
        return Ok(SecondStep::Refused);
    };
    // A password change since the first step ends the sign-in, as it ends sessions.
    if user.session_epoch != epoch || user.is_locked() {
        rate_limits::check(limiter, Form::SecondFactor, Who::Ip(client_ip)).await?;
        return Ok(SecondStep::Refused);
    }
    if !check_code_counted(db, mailer, live, limiter, key, client_ip, &user, code).await? {
        return Ok(SecondStep::Refused);
    }
    if !db::record_successful_login(db, user.id).await? {
        return Ok(SecondStep::Refused);
    }
    Ok(SecondStep::Allowed(user))
}

/// A new secret to set up (replacing one not confirmed yet); `None` when it is on already.
pub async fn begin_setup(
    db: &PgPool,
    key: &SecretsKey,
    user_id: Uuid,
) -> Result<Option<Vec<u8>>, AppError> {
    let secret = two_factor::new_secret();
    let sealed = key.encrypt(user_id, &secret)?;
    if two_factor::store_pending(db, user_id, &sealed).await? {
        Ok(Some(secret))
    } else {
        Ok(None)
    }
}

/// The secret being set up, if any (and readable with this key).
pub async fn pending_secret(
    db: &PgPool,
    key: &SecretsKey,
    user_id: Uuid,
) -> Result<Option<Vec<u8>>, AppError> {
    let row = two_factor::find(db, user_id).await?;
    Ok(row
        .filter(|row| row.enabled_at.is_none())
        .and_then(|row| key.decrypt(user_id, &row.secret)))
}

/// How confirming the setup ended.
#[derive(Debug)]
pub enum Enable {
    /// On: the recovery codes, to show once.
    Enabled(Vec<String>),
    /// The code does not match the secret being set up: show it again.
    WrongCode(Vec<u8>),
    /// Nothing is being set up (it is on already, or the setup was never begun).
    NothingPending,
}

/// Turns two-factor on for `user` if `code` is the pending secret's current one.
pub async fn enable(
    db: &PgPool,
    limiter: &RateLimiter,
    key: &SecretsKey,
    user: &AuthUser,
    code: &str,
) -> Result<Enable, AppError> {
    rate_limits::check(limiter, Form::SecondFactor, Who::User(user.id)).await?;
    let Some(secret) = pending_secret(db, key, user.id).await? else {
        return Ok(Enable::NothingPending);
    };
    let Some(step) = two_factor::matching_step(&secret, code, now()) else {
        return Ok(Enable::WrongCode(secret));
    };
    let codes = new_recovery_codes(user.id);
    let mut tx = db.begin().await?;
    if !two_factor::enable(&mut tx, user.id, step).await? {
        return Ok(Enable::NothingPending);
    }
    two_factor::replace_recovery_codes(&mut tx, user.id, &codes.1).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, "two-factor authentication turned on");
    Ok(Enable::Enabled(codes.0))
}

/// New recovery codes and their hashes.
fn new_recovery_codes(user_id: Uuid) -> (Vec<String>, Vec<Vec<u8>>) {
    let codes: Vec<String> = (0..two_factor::RECOVERY_CODES)
        .map(|_| two_factor::new_recovery_code())
        .collect();
    let hashes = codes
        .iter()
        .map(|code| two_factor::recovery_code_hash(user_id, code))
        .collect();
    (codes, hashes)
}

/// New recovery codes for `user_id`, the old ones no longer valid; `None` when two-factor is
/// off.
pub async fn regenerate_recovery_codes(
    db: &PgPool,
    user_id: Uuid,
) -> Result<Option<Vec<String>>, AppError> {
    let (codes, hashes) = new_recovery_codes(user_id);
    let mut tx = db.begin().await?;
    if !two_factor::is_enabled(&mut *tx, user_id).await? {
        return Ok(None);
    }
    two_factor::replace_recovery_codes(&mut tx, user_id, &hashes).await?;
    tx.commit().await?;
    Ok(Some(codes))
}

/// Turns two-factor off for `user`, given a code or a recovery code, and tells them by mail.
/// `Err(message)` when the code is wrong.
pub async fn disable(
    db: &PgPool,
    mailer: &Mailer,
    live: &Live,
    limiter: &RateLimiter,
    key: &SecretsKey,
    client_ip: &str,
    user: &AuthUser,
    code: &str,
) -> Result<Result<&'static str, &'static str>, AppError> {
    let account = db::find(db, user.id).await?.ok_or(AppError::NotFound)?;
    if !check_code_counted(db, mailer, live, limiter, key, client_ip, &account, code).await? {
        return Ok(Err(WRONG_CODE));
    }
    let mut tx = db.begin().await?;
    if two_factor::disable(&mut tx, account.id).await? {
        let content = emails::two_factor_disabled(&TwoFactorDisabled {
            name: None,
            reset_link: &mailer.url(paths::PASSWORD_FORGOT),
            settings_link: &mailer.url(paths::ACCOUNT_TWO_FACTOR),
        });
        mailer
            .enqueue(&mut tx, mailbox(&account.email)?, content)
            .await?;
    }
    tx.commit().await?;
    tracing::info!(user_id = %user.id, "two-factor authentication turned off");
    Ok(Ok(TURNED_OFF))
}
