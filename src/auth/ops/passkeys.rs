//! Passkeys: adding one to an account (a mail tells the owner), signing in with one, naming
//! and removing them.
//!
//! Every ceremony starts here with a challenge kept in PostgreSQL ([`passkey_db`]) and ends
//! with it taken, so an answer counts once, on any instance, within the ceremony's timeout.
//! A sign-in needs user verification on the authenticator (a PIN, a fingerprint): a passkey
//! is then two factors on its own, and signs in fully, two-factor or not. Signing in with a
//! passkey counts against the client's sign-in budget like a password attempt.
//!
//! [`passkey_db`]: crate::auth::passkey_db

use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    auth::{
        AuthUser,
        db::{self, User},
        emails::{self, PasskeyAdded},
        links::mailbox,
        passkey_db::{self as store, MAX_PER_ACCOUNT, NewPasskey, Purpose},
        paths,
        rate_limits::{self, Form, Who},
        webauthn::{Existing, Refusal, RelyingParty, Started, StoredCredential},
    },
    backends::rate_limit::RateLimiter,
    email::Mailer,
    error::AppError,
};

pub const ADDED: &str = "Passkey added. You can sign in with it from now on.";
pub const RENAMED: &str = "Passkey renamed.";
pub const REMOVED: &str = "Passkey removed. It no longer signs you in.";
/// The name of a passkey added without one.
pub const DEFAULT_NAME: &str = "Passkey";
pub const TOO_MANY: &str = "You have as many passkeys as an account may hold: remove one first.";

/// Options for the browser to create a passkey for `user`: JSON, or why not.
pub async fn start_registration(
    db: &PgPool,
    party: &RelyingParty,
    user: &AuthUser,
) -> Result<Result<String, &'static str>, AppError> {
    let existing: Vec<Existing> = store::existing(db, user.id)
        .await?
        .into_iter()
        .map(|(credential_id, transports)| Existing {
            credential_id,
            transports,
        })
        .collect();
    if i64::try_from(existing.len()).unwrap_or(i64::MAX) >= MAX_PER_ACCOUNT {
        return Ok(Err(TOO_MANY));
    }
    let started = party.start_registration(user.id, &user.email, &existing)?;
    Ok(Ok(
        keep(db, Purpose::Register, Some(user.id), started).await?
    ))
}

/// Stores the passkey `credential` (the browser's JSON answer) for `user`, named `name`, once
/// it checks out, and mails the owner.
pub async fn finish_registration(
    db: &PgPool,
    mailer: &Mailer,
    party: &RelyingParty,
    user: &AuthUser,
    name: Option<&str>,
    credential: &str,
) -> Result<Result<Uuid, Refusal>, AppError> {
    let answer = match RelyingParty::parse_registration(credential) {
        Ok(answer) => answer,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let Ok(challenge) = answer.challenge() else {
        return Ok(Err(Refusal::Malformed));
    };
    let Some(state) =
        store::take_challenge(db, Purpose::Register, Some(user.id), &challenge).await?
    else {
        return Ok(Err(Refusal::Expired));
    };
    let credential = match party.finish_registration(&state, &answer) {
        Ok(credential) => credential,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let name = name.unwrap_or(DEFAULT_NAME);
    let mut tx = db.begin().await?;
    let new = NewPasskey {
        user_id: user.id,
        name,
        credential_id: &credential.credential_id,
        static_state: &credential.static_state,
        dynamic_state: &credential.dynamic_state,
        transports: credential.transports,
    };
    let Some(id) = store::insert(&mut tx, &new).await? else {
        return Ok(Err(Refusal::AlreadyRegistered));
    };
    let content = emails::passkey_added(&PasskeyAdded {
        name: None,
        passkey: name,
        manage_link: &mailer.url(paths::ACCOUNT_PASSKEYS),
    });
    mailer
        .enqueue(&mut tx, mailbox(&user.email)?, content)
        .await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// Options for the browser to sign in with any passkey of this site.
pub async fn start_sign_in(
    db: &PgPool,
    limiter: &RateLimiter,
    party: &RelyingParty,
    client_ip: &str,
) -> Result<String, AppError> {
    rate_limits::check(limiter, Form::Login, Who::Ip(client_ip)).await?;
    let started = party.start_sign_in()?;
    keep(db, Purpose::SignIn, None, started).await
}

/// The account whose passkey signed `credential` (the browser's JSON answer), once it checks
/// out: its signature, this site's origin, the challenge (unused, not expired), user
/// verification, and the signature counter.
pub async fn finish_sign_in(
    db: &PgPool,
    limiter: &RateLimiter,
    party: &RelyingParty,
    client_ip: &str,
    credential: &str,
) -> Result<Result<User, Refusal>, AppError> {
    rate_limits::check(limiter, Form::Login, Who::Ip(client_ip)).await?;
    let user_id = match verify(db, party, Purpose::SignIn, None, credential).await? {
        Ok(user_id) => user_id,
        Err(refusal) => return Ok(Err(refusal)),
    };
    match db::find(db, user_id).await? {
        Some(user) => Ok(Ok(user)),
        None => Ok(Err(Refusal::Rejected)),
    }
}

/// Options for the browser to confirm, with one of `user`'s passkeys, that it is them (sudo
/// mode), counted against the user's confirmations.
pub async fn start_confirmation(
    db: &PgPool,
    limiter: &RateLimiter,
    party: &RelyingParty,
    user_id: Uuid,
) -> Result<String, AppError> {
    rate_limits::check(limiter, Form::Sudo, Who::User(user_id)).await?;
    let started = party.start_sign_in()?;
    keep(db, Purpose::Confirm, Some(user_id), started).await
}

/// Options for the second step of `user_id`'s sign-in (its password was right), counted
/// against the client's sign-in budget.
pub async fn start_second_factor(
    db: &PgPool,
    limiter: &RateLimiter,
    party: &RelyingParty,
    client_ip: &str,
    user_id: Uuid,
) -> Result<String, AppError> {
    rate_limits::check(limiter, Form::Login, Who::Ip(client_ip)).await?;
    let started = party.start_sign_in()?;
    keep(db, Purpose::SecondFactor, Some(user_id), started).await
}

/// The account, when `credential` is a passkey of `user_id`'s answering the second step its
/// sign-in began, and the account's sessions were not ended meanwhile (`epoch`).
pub async fn finish_second_factor(
    db: &PgPool,
    limiter: &RateLimiter,
    party: &RelyingParty,
    client_ip: &str,
    (user_id, epoch): (Uuid, i32),
    credential: &str,
) -> Result<Result<User, Refusal>, AppError> {
    rate_limits::check(limiter, Form::Login, Who::Ip(client_ip)).await?;
    if let Err(refusal) =
        verify(db, party, Purpose::SecondFactor, Some(user_id), credential).await?
    {
        return Ok(Err(refusal));
    }
    match db::find(db, user_id).await? {
        Some(user) if user.session_epoch == epoch => Ok(Ok(user)),
        _ => Ok(Err(Refusal::Expired)),
    }
}

/// Whether `credential` is a passkey of `user_id`'s answering a confirmation it began.
pub async fn confirm(
    db: &PgPool,
    party: &RelyingParty,
    user_id: Uuid,
    credential: &str,
) -> Result<Result<(), Refusal>, AppError> {
    Ok(
        verify(db, party, Purpose::Confirm, Some(user_id), credential)
            .await?
            .map(|_| ()),
    )
}

/// Checks an assertion against the ceremony `purpose` began (for `user_id`, when the ceremony
/// was one user's) and the stored passkey it names, and records the passkey's use; the
/// passkey's account.
async fn verify(
    db: &PgPool,
    party: &RelyingParty,
    purpose: Purpose,
    user_id: Option<Uuid>,
    credential: &str,
) -> Result<Result<Uuid, Refusal>, AppError> {
    let answer = match RelyingParty::parse_sign_in(credential) {
        Ok(answer) => answer,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let Ok(challenge) = answer.challenge() else {
        return Ok(Err(Refusal::Malformed));
    };
    let Some(state) = store::take_challenge(db, purpose, user_id, &challenge).await? else {
        return Ok(Err(Refusal::Expired));
    };
    // A passkey removed from the account is unknown here, whatever the authenticator keeps.
    let Some(stored) = store::by_credential_id(db, answer.credential_id()).await? else {
        return Ok(Err(Refusal::Rejected));
    };
    if stored.user_id != answer.user_id() || user_id.is_some_and(|id| id != stored.user_id) {
        return Ok(Err(Refusal::Rejected));
    }
    let checked = party.finish_sign_in(
        &state,
        &answer,
        &StoredCredential {
            credential_id: &stored.credential_id,
            user_id: stored.user_id,
            static_state: &stored.static_state,
            dynamic_state: &stored.dynamic_state,
        },
    );
    let new_state = match checked {
        Ok(new_state) => new_state.unwrap_or_else(|| stored.dynamic_state.clone()),
        Err(refusal) => return Ok(Err(refusal)),
    };
    if !store::record_use(db, stored.id, &stored.dynamic_state, &new_state).await? {
        return Ok(Err(Refusal::Rejected));
    }
    Ok(Ok(stored.user_id))
}

/// Renames `user`'s passkey `id`; a passkey that is not theirs is a 404.
pub async fn rename(db: &PgPool, user: &AuthUser, id: Uuid, name: &str) -> Result<(), AppError> {
    if store::rename(db, user.id, id, name).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Removes `user`'s passkey `id`; a passkey that is not theirs is a 404.
pub async fn remove(db: &PgPool, user: &AuthUser, id: Uuid) -> Result<(), AppError> {
    if store::delete(db, user.id, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Keeps the ceremony's state; its options for the browser.
async fn keep(
    db: &PgPool,
    purpose: Purpose,
    user_id: Option<Uuid>,
    started: Started,
) -> Result<String, AppError> {
    let mut conn = db.acquire().await?;
    store::save_challenge(
        &mut conn,
        purpose,
        user_id,
        &started.challenge,
        &started.state,
        started.expires_at,
    )
    .await?;
    Ok(started.options)
}
