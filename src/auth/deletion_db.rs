//! The SQL of deleting an account (see `ops::deletion`): what the foreign keys do not remove
//! by themselves. Every function runs in the deletion's transaction.

use sqlx::PgConnection;
use uuid::Uuid;

/// The addresses mail to the user may have gone to: theirs, and any new one they asked to
/// move to (its confirmation link is waiting in the outbox, or was sent).
pub async fn addresses(
    conn: &mut PgConnection,
    user_id: Uuid,
    email: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let mut addresses = sqlx::query_scalar!(
        r#"
        SELECT DISTINCT new_email AS "email!" FROM auth_tokens
        WHERE user_id = $1 AND new_email IS NOT NULL
        "#,
        user_id
    )
    .fetch_all(&mut *conn)
    .await?;
    addresses.push(email.to_owned());
    Ok(addresses)
}

/// Deletes every session signed in as the user: those with a row on the sessions page, and
/// any other whose data names the user (one signed in before the rows were kept). Returns
/// their ids, for the store to announce.
///
/// The second half reads every session's data: deleting an account is rare, and the sessions
/// table small next to what it costs to leave one behind.
pub async fn end_sessions(
    conn: &mut PgConnection,
    user_id: Uuid,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        DELETE FROM tower_sessions.session
        WHERE id IN (SELECT session_id FROM user_sessions WHERE user_id = $1)
           OR position(convert_to($1::text, 'UTF8') IN data) > 0
        RETURNING id
        "#,
        user_id
    )
    .fetch_all(conn)
    .await
}

/// Drops every message to any of `addresses` from the outbox, sent or not, with its
/// delivery job (`delivery_kind`): a message still queued is never sent. Returns how many.
pub async fn drop_mail(
    conn: &mut PgConnection,
    addresses: &[String],
    delivery_kind: &str,
) -> Result<u64, sqlx::Error> {
    let dropped = sqlx::query_scalar!(
        r#"
        WITH gone AS (
            DELETE FROM email_outbox WHERE to_addresses && $1::text[] RETURNING id
        ), jobs_gone AS (
            DELETE FROM jobs
            WHERE kind = $2 AND payload->>'email_id' IN (SELECT id::text FROM gone)
        )
        SELECT count(*) AS "count!" FROM gone
        "#,
        addresses,
        delivery_kind,
    )
    .fetch_one(conn)
    .await?;
    Ok(u64::try_from(dropped).unwrap_or(0))
}

/// The administrators' record of job actions keeps what was done, not who did it, once the
/// account is gone.
pub async fn anonymise_admin_actions(
    conn: &mut PgConnection,
    user_id: Uuid,
    email: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE job_actions SET admin_email = 'a deleted account', admin_id = NULL
        WHERE admin_id = $1 OR admin_email = $2
        "#,
        user_id,
        email,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes the user; their rows in every table that references them go with them (`ON
/// DELETE CASCADE`: contacts, files, search words, tokens, jobs, sessions' rows, and those
/// of later features). `false` when they were gone already.
pub async fn delete_user(conn: &mut PgConnection, user_id: Uuid) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query!("DELETE FROM users WHERE id = $1", user_id)
        .execute(conn)
        .await?;
    Ok(deleted.rows_affected() == 1)
}
