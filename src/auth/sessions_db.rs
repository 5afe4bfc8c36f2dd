//! The `user_sessions` table: one row per sign-in, linked to its session's row (see the
//! migration), so that a user's sessions can be listed and ended one by one. Every query
//! takes the user: another user's session is not there.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// One signed-in session as the sessions page shows it.
#[derive(Debug, Clone)]
pub struct SignedInSession {
    /// The row's id: the public handle of the session (its own id is its secret).
    pub id: Uuid,
    pub device: String,
    pub network: Option<String>,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

/// What is recorded of a sign-in.
#[derive(Debug, Clone, Copy)]
pub struct NewSignIn<'a> {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_id: &'a str,
    pub epoch: i32,
    pub user_agent: &'a str,
    pub device: &'a str,
    pub network: Option<&'a str>,
}

pub async fn insert(db: impl PgExecutor<'_>, sign_in: &NewSignIn<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        INSERT INTO user_sessions (id, user_id, session_id, epoch, user_agent, device, network)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        "#,
        sign_in.id,
        sign_in.user_id,
        sign_in.session_id,
        sign_in.epoch,
        sign_in.user_agent,
        sign_in.device,
        sign_in.network,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Whether the user signed in before (any row, even of a session long over).
pub async fn any(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM user_sessions WHERE user_id = $1) AS "any!""#,
        user_id
    )
    .fetch_one(db)
    .await
}

/// Whether the user was seen with this device label from this address family (IPv6 or not)
/// within the last `within`.
pub async fn seen_recently(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    device: &str,
    ipv6: bool,
    within: std::time::Duration,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        SELECT EXISTS (
            SELECT 1 FROM user_sessions
            WHERE user_id = $1 AND device = $2
              AND coalesce(strpos(network, ':') > 0, false) = $3
              AND last_seen_at > now() - make_interval(secs => $4)
        ) AS "seen!"
        "#,
        user_id,
        device,
        ipv6,
        within.as_secs_f64(),
    )
    .fetch_one(db)
    .await
}

/// Forgets the sign-ins of sessions over for longer than `older_than`.
pub async fn prune(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    older_than: std::time::Duration,
) -> Result<u64, sqlx::Error> {
    let pruned = sqlx::query!(
        r#"
        DELETE FROM user_sessions
        WHERE user_id = $1 AND session_id IS NULL
          AND last_seen_at < now() - make_interval(secs => $2)
        "#,
        user_id,
        older_than.as_secs_f64(),
    )
    .execute(db)
    .await?;
    Ok(pruned.rows_affected())
}

/// The user's sessions still signed in, most recently used first, at most `limit`: linked
/// to a session row that has not expired, at the user's current epoch.
pub async fn signed_in(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    limit: i64,
) -> Result<Vec<SignedInSession>, sqlx::Error> {
    sqlx::query_as!(
        SignedInSession,
        r#"
        SELECT us.id, us.device, us.network, us.created_at, us.last_seen_at
        FROM user_sessions AS us
        JOIN tower_sessions.session AS s ON s.id = us.session_id
        JOIN users AS u ON u.id = us.user_id
        WHERE us.user_id = $1 AND s.expiry_date > now() AND us.epoch = u.session_epoch
        ORDER BY us.last_seen_at DESC, us.id
        LIMIT $2
        "#,
        user_id,
        limit,
    )
    .fetch_all(db)
    .await
}

/// The session id behind the user's session `id`: `None` when the row is not the user's,
/// `Some(None)` when its session is over.
pub async fn session_id(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<Option<String>>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT session_id FROM user_sessions WHERE id = $1 AND user_id = $2",
        id,
        user_id,
    )
    .fetch_optional(db)
    .await
}

/// Notes that session `id` of the user was used now, by the session `session_id` at `epoch`
/// (which may have a new id, or a new epoch, since its row was last written: the row follows
/// it). `false` when there is no such row.
pub async fn touch(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    id: Uuid,
    session_id: &str,
    epoch: i32,
) -> Result<bool, sqlx::Error> {
    let touched = sqlx::query!(
        r#"
        UPDATE user_sessions SET last_seen_at = now(), session_id = $3, epoch = $4
        WHERE id = $1 AND user_id = $2
        "#,
        id,
        user_id,
        session_id,
        epoch,
    )
    .execute(db)
    .await?;
    Ok(touched.rows_affected() == 1)
}
