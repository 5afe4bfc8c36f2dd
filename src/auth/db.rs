//! Users and their tokens.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "user_role", rename_all = "lowercase")]
pub enum Role {
    User,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "auth_token_purpose", rename_all = "snake_case")]
pub enum TokenPurpose {
    ConfirmEmail,
    ResetPassword,
    ChangeEmail,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub email_confirmed_at: Option<OffsetDateTime>,
    pub failed_logins: i32,
    pub locked_until: Option<OffsetDateTime>,
    pub session_epoch: i32,
    pub created_at: OffsetDateTime,
}

impl User {
    pub fn is_locked(&self) -> bool {
        self.locked_until
            .is_some_and(|until| until > OffsetDateTime::now_utc())
    }
}

pub async fn find_by_email(pool: &PgPool, email: &str) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"
        SELECT id, email, password_hash, role AS "role: Role", email_confirmed_at,
               failed_logins, locked_until, session_epoch, created_at
        FROM users WHERE email = $1
        "#,
        email,
    )
    .fetch_optional(pool)
    .await
}

pub async fn find(pool: &PgPool, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"
        SELECT id, email, password_hash, role AS "role: Role", email_confirmed_at,
               failed_logins, locked_until, session_epoch, created_at
        FROM users WHERE id = $1
        "#,
        id,
    )
    .fetch_optional(pool)
    .await
}

/// Inserts a user unless the email is taken (then `None`).
pub async fn insert(
    conn: &mut PgConnection,
    email: &str,
    password_hash: &str,
    role: Role,
    confirmed: bool,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        INSERT INTO users (email, password_hash, role, email_confirmed_at)
        VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END)
        ON CONFLICT (email) DO NOTHING
        RETURNING id
        "#,
        email,
        password_hash,
        role as Role,
        confirmed,
    )
    .fetch_optional(conn)
    .await
}

pub async fn set_role(pool: &PgPool, id: Uuid, role: Role) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET role = $2, updated_at = now() WHERE id = $1",
        id,
        role as Role
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Counts a failed sign-in; at `limit` in a row the account locks and the count starts over,
/// so every lock takes another `limit` failures. Returns whether this failure locked it (so
/// that its owner is told each time).
pub async fn record_failed_login(
    conn: &mut PgConnection,
    id: Uuid,
    limit: i32,
    lock_secs: f64,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        UPDATE users
        SET failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
            locked_until = CASE WHEN failed_logins + 1 >= $2
                                THEN now() + make_interval(secs => $3) ELSE locked_until END
        WHERE id = $1
        RETURNING failed_logins = 0 AS "locked_now!"
        "#,
        id,
        limit,
        lock_secs,
    )
    .fetch_one(conn)
    .await
}

pub async fn record_successful_login(pool: &PgPool, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
        id
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Marks the address confirmed. The first confirmation also ends every session opened before
/// it (someone who registered the address before its owner must not stay signed in); returns
/// the new session epoch then, `None` when it was already confirmed.
pub async fn confirm_email(conn: &mut PgConnection, id: Uuid) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        UPDATE users SET email_confirmed_at = now(), session_epoch = session_epoch + 1,
                         updated_at = now()
        WHERE id = $1 AND email_confirmed_at IS NULL
        RETURNING session_epoch
        "#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// Retires every unused link of the user: after a password or address change, a link sent
/// before it must not undo it.
pub async fn revoke_tokens(conn: &mut PgConnection, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE auth_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL",
        user_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets a new password and ends every session of the user (by moving its epoch); returns the
/// new epoch, which the session making the change adopts when it should survive.
pub async fn set_password(
    conn: &mut PgConnection,
    id: Uuid,
    password_hash: &str,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        UPDATE users
        SET password_hash = $2, session_epoch = session_epoch + 1, failed_logins = 0,
            locked_until = NULL, updated_at = now()
        WHERE id = $1
        RETURNING session_epoch
        "#,
        id,
        password_hash,
    )
    .fetch_one(conn)
    .await
}

/// Ends every session of the user; returns the new epoch.
pub async fn end_sessions(pool: &PgPool, id: Uuid) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1 RETURNING session_epoch",
        id
    )
    .fetch_one(pool)
    .await
}

/// Moves the account to a confirmed new address; `false` if another account has it now.
pub async fn change_email(
    conn: &mut PgConnection,
    id: Uuid,
    email: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        r#"
        UPDATE users SET email = $2, email_confirmed_at = now(), updated_at = now()
        WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM users WHERE email = $2)
        "#,
        id,
        email,
    )
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn list(pool: &PgPool) -> Result<Vec<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"
        SELECT id, email, password_hash, role AS "role: Role", email_confirmed_at,
               failed_logins, locked_until, session_epoch, created_at
        FROM users ORDER BY created_at DESC LIMIT 500
        "#
    )
    .fetch_all(pool)
    .await
}

pub struct StoredToken {
    pub user_id: Uuid,
    pub purpose: TokenPurpose,
    pub verifier_hash: Vec<u8>,
    pub new_email: Option<String>,
    pub expired: bool,
    pub used: bool,
}

pub async fn insert_token(
    conn: &mut PgConnection,
    id: &str,
    user_id: Uuid,
    purpose: TokenPurpose,
    verifier_hash: &[u8],
    new_email: Option<&str>,
    valid_secs: f64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        INSERT INTO auth_tokens (id, user_id, purpose, verifier_hash, new_email, expires_at)
        VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
        "#,
        id,
        user_id,
        purpose as TokenPurpose,
        verifier_hash,
        new_email,
        valid_secs,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Finds a token by id, locking it for the transaction that uses it up.
pub async fn find_token(
    conn: &mut PgConnection,
    id: &str,
) -> Result<Option<StoredToken>, sqlx::Error> {
    sqlx::query_as!(
        StoredToken,
        r#"
        SELECT user_id, purpose AS "purpose: TokenPurpose", verifier_hash, new_email,
               expires_at <= now() AS "expired!", used_at IS NOT NULL AS "used!"
        FROM auth_tokens WHERE id = $1
        FOR UPDATE
        "#,
        id,
    )
    .fetch_optional(conn)
    .await
}

pub async fn use_token(conn: &mut PgConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE auth_tokens SET used_at = now() WHERE id = $1", id)
        .execute(conn)
        .await?;
    Ok(())
}
