//! The passkeys' SQL: an account's passkeys (every query takes the owner, but the sign-in's
//! lookup by credential id, which is how a discoverable sign-in finds the account), and the
//! challenges of ceremonies under way (taken once: taking deletes).

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// How many passkeys one account may hold: plenty for every device someone owns, and a
/// bound on the list and on what registration sends the authenticator.
pub const MAX_PER_ACCOUNT: i64 = 50;

/// A passkey as its owner's list shows it.
#[derive(Debug, Clone)]
pub struct Passkey {
    pub id: Uuid,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
}

/// A passkey as a sign-in checks it.
#[derive(Debug, Clone)]
pub struct Credential {
    pub id: Uuid,
    pub user_id: Uuid,
    pub credential_id: Vec<u8>,
    pub static_state: Vec<u8>,
    pub dynamic_state: Vec<u8>,
}

/// The account's passkeys, oldest first (at most [`MAX_PER_ACCOUNT`]: one page).
pub async fn list(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Vec<Passkey>, sqlx::Error> {
    sqlx::query_as!(
        Passkey,
        r#"
        SELECT id, name, created_at, last_used_at FROM passkeys
        WHERE user_id = $1 ORDER BY created_at, id LIMIT $2
        "#,
        user_id,
        MAX_PER_ACCOUNT,
    )
    .fetch_all(db)
    .await
}

pub async fn find(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<Passkey>, sqlx::Error> {
    sqlx::query_as!(
        Passkey,
        "SELECT id, name, created_at, last_used_at FROM passkeys WHERE user_id = $1 AND id = $2",
        user_id,
        id,
    )
    .fetch_optional(db)
    .await
}

/// The account's credential ids and transports, for registration to exclude.
pub async fn existing(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Vec<(Vec<u8>, i16)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT credential_id, transports FROM passkeys WHERE user_id = $1 LIMIT $2",
        user_id,
        MAX_PER_ACCOUNT,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.credential_id, row.transports))
        .collect())
}

pub async fn count(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<i64, sqlx::Error> {
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM passkeys WHERE user_id = $1"#,
        user_id
    )
    .fetch_one(db)
    .await?;
    Ok(count)
}

/// The new passkey fields, as registration verified them.
pub struct NewPasskey<'a> {
    pub user_id: Uuid,
    pub name: &'a str,
    pub credential_id: &'a [u8],
    pub static_state: &'a [u8],
    pub dynamic_state: &'a [u8],
    pub transports: i16,
}

/// Stores a passkey; `None` when its credential id is already registered (to anyone).
pub async fn insert(
    conn: &mut PgConnection,
    passkey: &NewPasskey<'_>,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        INSERT INTO passkeys (user_id, name, credential_id, static_state, dynamic_state, transports)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (credential_id) DO NOTHING
        RETURNING id
        "#,
        passkey.user_id,
        passkey.name,
        passkey.credential_id,
        passkey.static_state,
        passkey.dynamic_state,
        passkey.transports,
    )
    .fetch_optional(conn)
    .await
}

/// The passkey with this credential id, whoever's it is.
pub async fn by_credential_id(
    db: impl PgExecutor<'_>,
    credential_id: &[u8],
) -> Result<Option<Credential>, sqlx::Error> {
    sqlx::query_as!(
        Credential,
        r#"
        SELECT id, user_id, credential_id, static_state, dynamic_state FROM passkeys
        WHERE credential_id = $1
        "#,
        credential_id,
    )
    .fetch_optional(db)
    .await
}

/// Records a sign-in with the passkey: its new dynamic state (signature counter), only if
/// nobody changed it since it was read; `false` when someone did (the same passkey used
/// twice at once, or a clone racing the original: either way, this use is refused).
pub async fn record_use(
    db: impl PgExecutor<'_>,
    id: Uuid,
    read_state: &[u8],
    new_state: &[u8],
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query!(
        r#"
        UPDATE passkeys SET dynamic_state = $3, last_used_at = now()
        WHERE id = $1 AND dynamic_state = $2
        "#,
        id,
        read_state,
        new_state,
    )
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Renames the owner's passkey; `false` when it is not theirs (or gone).
pub async fn rename(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    id: Uuid,
    name: &str,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query!(
        "UPDATE passkeys SET name = $3 WHERE user_id = $1 AND id = $2",
        user_id,
        id,
        name,
    )
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Removes the owner's passkey; `false` when it is not theirs (or gone).
pub async fn delete(db: impl PgExecutor<'_>, user_id: Uuid, id: Uuid) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query!(
        "DELETE FROM passkeys WHERE user_id = $1 AND id = $2",
        user_id,
        id
    )
    .execute(db)
    .await?;
    Ok(deleted.rows_affected() == 1)
}

/// What a ceremony is for; the challenge only answers for the same purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Register,
    SignIn,
    /// Sudo mode's confirmation, by the signed-in user.
    Confirm,
    /// The second step of a sign-in whose password was right (two-factor on).
    SecondFactor,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::SignIn => "sign-in",
            Self::Confirm => "confirm",
            Self::SecondFactor => "second-factor",
        }
    }
}

/// Keeps a ceremony's state until its answer comes back; clears expired ones on the way, so
/// abandoned ceremonies do not pile up.
pub async fn save_challenge(
    conn: &mut PgConnection,
    purpose: Purpose,
    user_id: Option<Uuid>,
    challenge: &[u8],
    state: &[u8],
    expires_at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM passkey_challenges WHERE expires_at < now()")
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        r#"
        INSERT INTO passkey_challenges (challenge, purpose, user_id, state, expires_at)
        VALUES ($1, $2, $3, $4, $5)
        "#,
        challenge,
        purpose.as_str(),
        user_id,
        state,
        expires_at,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Takes the ceremony `challenge` began, if it is for `purpose` and `user_id` and has not
/// expired: deleted as it is read, so that an answer is accepted once.
pub async fn take_challenge(
    db: impl PgExecutor<'_>,
    purpose: Purpose,
    user_id: Option<Uuid>,
    challenge: &[u8],
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        DELETE FROM passkey_challenges
        WHERE challenge = $1 AND purpose = $2 AND user_id IS NOT DISTINCT FROM $3
          AND expires_at > now()
        RETURNING state
        "#,
        challenge,
        purpose.as_str(),
        user_id,
    )
    .fetch_optional(db)
    .await
}
