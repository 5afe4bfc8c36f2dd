//! The users table. Queries that a handler may run inside its transaction take any executor
//! (`&PgPool` or `&mut *tx`), so a request never holds two connections at once.

use sqlx::{PgConnection, PgExecutor, PgPool};
use time::{OffsetDateTime, PrimitiveDateTime};
use uuid::Uuid;

use crate::web::keyset;

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "user_role", rename_all = "lowercase")]
pub enum Role {
    User,
    Admin,
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

pub async fn find_by_email(
    db: impl PgExecutor<'_>,
    email: &str,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"
        SELECT id, email, password_hash, role AS "role: Role", email_confirmed_at,
               failed_logins, locked_until, session_epoch, created_at
        FROM users WHERE email = $1
        "#,
        email,
    )
    .fetch_optional(db)
    .await
}

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"
        SELECT id, email, password_hash, role AS "role: Role", email_confirmed_at,
               failed_logins, locked_until, session_epoch, created_at
        FROM users WHERE id = $1
        "#,
        id,
    )
    .fetch_optional(db)
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

/// Counts a failed sign-in, unless the account is locked (failures while locked do not
/// count). At `limit` in a row the account locks and the count starts over, so every lock
/// takes another `limit` failures. Returns whether this failure locked it (so that its owner
/// is told each time). One statement, so concurrent failures count exactly once each.
pub async fn record_failed_login(
    conn: &mut PgConnection,
    id: Uuid,
    limit: i32,
    lock_for: std::time::Duration,
) -> Result<bool, sqlx::Error> {
    let locked_now = sqlx::query_scalar!(
        r#"
        UPDATE users
        SET failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
            locked_until = CASE WHEN failed_logins + 1 >= $2
                                THEN now() + make_interval(secs => $3) END
        WHERE id = $1 AND (locked_until IS NULL OR locked_until <= now())
        RETURNING failed_logins = 0 AS "locked_now!"
        "#,
        id,
        limit,
        lock_for.as_secs_f64(),
    )
    .fetch_optional(conn)
    .await?;
    Ok(locked_now.unwrap_or(false))
}

/// Clears the failure count after a correct password, unless the account is locked: checked
/// and changed in one statement, so a lock set by a concurrent failure is never skipped.
/// Returns whether the sign-in may proceed.
pub async fn record_successful_login(pool: &PgPool, id: Uuid) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query!(
        r#"
        UPDATE users SET failed_logins = 0, locked_until = NULL
        WHERE id = $1 AND (locked_until IS NULL OR locked_until <= now())
        "#,
        id
    )
    .execute(pool)
    .await?;
    Ok(updated.rows_affected() == 1)
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

/// Sets a new password and ends every session of the user (by moving its epoch); returns the
/// new epoch, which the session making the change adopts when it should survive.
///
/// With `from_epoch` (a change made from a session), only if the account is still at that
/// epoch: a session that another change has already ended cannot change the password, nor
/// end the sessions that ended it. `None` then.
pub async fn set_password(
    conn: &mut PgConnection,
    id: Uuid,
    password_hash: &str,
    from_epoch: Option<i32>,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        UPDATE users
        SET password_hash = $2, session_epoch = session_epoch + 1, failed_logins = 0,
            locked_until = NULL, updated_at = now()
        WHERE id = $1 AND ($3::int IS NULL OR session_epoch = $3)
        RETURNING session_epoch
        "#,
        id,
        password_hash,
        from_epoch,
    )
    .fetch_optional(conn)
    .await
}

/// Locks the user's row for the rest of the transaction and returns its session epoch: the
/// transaction then sees the epoch it acts on until it commits.
pub async fn lock_epoch(conn: &mut PgConnection, id: Uuid) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT session_epoch FROM users WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(conn)
    .await
}

/// Ends every session of the user but the caller's, if the account is still at `from_epoch`
/// (see [`set_password`]); returns the new epoch.
pub async fn end_sessions(
    pool: &PgPool,
    id: Uuid,
    from_epoch: i32,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        UPDATE users SET session_epoch = session_epoch + 1
        WHERE id = $1 AND session_epoch = $2
        RETURNING session_epoch
        "#,
        id,
        from_epoch,
    )
    .fetch_optional(pool)
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

/// Users on one page of the administrators' list.
pub const USERS_PAGE_SIZE: usize = 50;

/// Where a page of the users' list starts: after the user who signed up at this moment.
pub type UsersCursor = keyset::Cursor<OffsetDateTime>;
pub type UsersPage = keyset::Page<User, OffsetDateTime>;

/// The page of users after `after` (from the newest with none), newest first: a range of the
/// `(created_at DESC, id DESC)` index, so every page costs what the first does.
pub async fn users_page(
    db: impl PgExecutor<'_>,
    after: Option<&UsersCursor>,
) -> Result<UsersPage, sqlx::Error> {
    // After every user: no one signs up later than the last moment `time` can hold.
    let start = UsersCursor {
        key: PrimitiveDateTime::MAX.assume_utc(),
        id: Uuid::max(),
    };
    let after = after.unwrap_or(&start);
    let rows = sqlx::query_as!(
        User,
        r#"
        SELECT id, email, password_hash, role AS "role: Role", email_confirmed_at,
               failed_logins, locked_until, session_epoch, created_at
        FROM users
        WHERE (created_at, id) < ($1, $2)
        ORDER BY created_at DESC, id DESC
        LIMIT $3
        "#,
        after.key,
        after.id,
        keyset::limit(USERS_PAGE_SIZE),
    )
    .fetch_all(db)
    .await?;
    Ok(UsersPage::from_rows(rows, USERS_PAGE_SIZE, |user| {
        UsersCursor {
            key: user.created_at,
            id: user.id,
        }
    }))
}
