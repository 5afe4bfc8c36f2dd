//! Single-use tokens for links in email, all in one place: making them, storing them,
//! checking them and using them up.
//!
//! A token is `<id>.<secret>`: the id finds the row, and only a SHA-256 of the secret is
//! stored, so a database leak yields no usable link. The secret is compared in constant time.

use std::time::Duration;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use subtle::ConstantTimeEq;
use uuid::Uuid;

/// What a link is for; each has its lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "auth_token_purpose", rename_all = "snake_case")]
pub enum TokenPurpose {
    ConfirmEmail,
    ResetPassword,
    ChangeEmail,
}

impl TokenPurpose {
    /// How long a link stays usable (the messages say so, from this same value).
    pub const fn valid_for(self) -> Duration {
        match self {
            Self::ConfirmEmail | Self::ChangeEmail => Duration::from_secs(48 * 3600),
            Self::ResetPassword => Duration::from_secs(30 * 60),
        }
    }
}

/// Stores a new token for `user_id` on `conn` (the transaction that also queues the message
/// carrying it) and returns the string for the link. `new_email` is the address a
/// [`TokenPurpose::ChangeEmail`] link moves the account to.
pub async fn issue(
    conn: &mut PgConnection,
    user_id: Uuid,
    purpose: TokenPurpose,
    new_email: Option<&str>,
) -> Result<String, sqlx::Error> {
    let id = random_hex(16);
    let secret = random_hex(32);
    sqlx::query!(
        r#"
        INSERT INTO auth_tokens (id, user_id, purpose, verifier_hash, new_email, expires_at)
        VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
        "#,
        id,
        user_id,
        purpose as TokenPurpose,
        digest(&secret),
        new_email,
        purpose.valid_for().as_secs_f64(),
    )
    .execute(conn)
    .await?;
    Ok(format!("{id}.{secret}"))
}

/// A token that checked out.
#[derive(Debug)]
pub struct ValidToken {
    pub id: String,
    pub user_id: Uuid,
    pub purpose: TokenPurpose,
    pub new_email: Option<String>,
}

/// The token of a link, if it is well formed, known, unused, unexpired, for one of
/// `purposes`, and its secret matches. Locks the row for the rest of `conn`'s transaction, so
/// two requests cannot both use it.
pub async fn find_valid(
    conn: &mut PgConnection,
    token: Option<&str>,
    purposes: &[TokenPurpose],
) -> Result<Option<ValidToken>, sqlx::Error> {
    let Some((id, secret)) = token.and_then(split) else {
        return Ok(None);
    };
    let stored = sqlx::query!(
        r#"
        SELECT user_id, purpose AS "purpose: TokenPurpose", verifier_hash, new_email,
               expires_at <= now() AS "expired!", used_at IS NOT NULL AS "used!"
        FROM auth_tokens WHERE id = $1
        FOR UPDATE
        "#,
        id,
    )
    .fetch_optional(conn)
    .await?;
    Ok(stored.and_then(|stored| {
        let valid = !stored.used
            && !stored.expired
            && purposes.contains(&stored.purpose)
            && matches(secret, &stored.verifier_hash);
        valid.then(|| ValidToken {
            id: id.to_owned(),
            user_id: stored.user_id,
            purpose: stored.purpose,
            new_email: stored.new_email,
        })
    }))
}

/// Marks a token used.
pub async fn use_up(conn: &mut PgConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE auth_tokens SET used_at = now() WHERE id = $1", id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Retires every unused link of the user: after a password or address change, a link sent
/// before it must not undo it.
pub async fn revoke_all(conn: &mut PgConnection, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE auth_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL",
        user_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The id and secret of a token from a link, if it has the right shape.
fn split(token: &str) -> Option<(&str, &str)> {
    let (id, secret) = token.split_once('.')?;
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(id, 32) && hex(secret, 64)).then_some((id, secret))
}

fn matches(secret: &str, stored_hash: &[u8]) -> bool {
    digest(secret).ct_eq(stored_hash).into()
}

fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// `bytes` random bytes as hex (also the source of generated passwords).
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buffer);
    hex::encode(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_matches_only_its_own_hash() {
        let secret = random_hex(32);
        let stored = digest(&secret);
        assert!(matches(&secret, &stored));
        assert!(!matches(&random_hex(32), &stored));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let good = format!("{}.{}", random_hex(16), random_hex(32));
        assert!(split(&good).is_some());
        for token in [
            "",
            "abc",
            "abc.def",
            &format!("{}.", "a".repeat(32)),
            "zz.zz",
        ] {
            assert!(split(token).is_none(), "{token}");
        }
    }
}
