//! Sudo mode's rule: a signed-in user proves again who they are before a sensitive action
//! (see `auth::sudo` for which, and for the page). The proof is checked as a sign-in is: the
//! attempts count against the client's and the user's budgets, a wrong one counts toward the
//! account's lock (which mails the owner), and a locked account cannot confirm anything.

use sqlx::PgPool;

use crate::{
    auth::{
        AuthUser, db,
        ops::passkeys,
        password,
        rate_limits::{self, Form, Who},
        two_factor::SecretsKey,
        webauthn::{Refusal, RelyingParty},
    },
    backends::rate_limit::RateLimiter,
    email::Mailer,
    error::AppError,
    live::Live,
};

/// What the user offered as proof.
#[derive(Debug, Clone, Copy)]
pub enum Proof<'a> {
    Password(&'a str),
    /// A two-factor code or a recovery code (used up like at sign-in).
    Code(&'a str),
    /// A passkey's answer (WebAuthn's JSON) to a confirmation this user began; `party` is
    /// `None` where the site cannot have passkeys.
    Passkey {
        credential: &'a str,
        party: Option<&'a RelyingParty>,
    },
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
pub const PASSKEY_REFUSED: &str =
    "That passkey could not be used. Try again, or enter your password.";
/// The flash message when a confirmation was asked for nothing in particular.
pub const CONFIRMED: &str = "Confirmed. You can carry on.";

/// Checks `proof` for `user`, from `client_ip`.
pub async fn confirm(
    db: &PgPool,
    mailer: &Mailer,
    live: &Live,
    limiter: &RateLimiter,
    key: &SecretsKey,
    client_ip: &str,
    user: &AuthUser,
    proof: Proof<'_>,
) -> Result<Confirmation, AppError> {
    rate_limits::check(limiter, Form::Sudo, Who::Ip(client_ip)).await?;
    rate_limits::check(limiter, Form::Sudo, Who::User(user.id)).await?;
    let account = db::find(db, user.id).await?.ok_or(AppError::NotFound)?;
    let right = match proof {
        Proof::Password(password) => password::verify(password, &account.password_hash).await?,
        Proof::Code(code) => super::two_factor::check_code(db, key, user.id, code).await?,
        Proof::Passkey { credential, party } => {
            let confirmed = match party {
                Some(party) => passkeys::confirm(db, party, user.id, credential).await?,
                None => Err(Refusal::Rejected),
            };
            // Not a guess at a secret: refused, but not counted toward the lock.
            if confirmed.is_err() {
                return Ok(Confirmation::Refused(PASSKEY_REFUSED));
            }
            true
        }
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
