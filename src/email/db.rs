//! The outbox table, the record of every message: writing it, recording each delivery attempt
//! and its outcome (the delivery job in `jobs.rs` does the claiming and retrying), and reading
//! it for the dev mailbox and `/health/ready`.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::message::OutgoingEmail;

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "email_status", rename_all = "lowercase")]
pub enum EmailStatus {
    Pending,
    Sending,
    Sent,
    Failed,
}

impl EmailStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }
}

pub async fn insert(conn: &mut PgConnection, email: &OutgoingEmail) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        INSERT INTO email_outbox
            (template, from_address, to_addresses, subject, text_body, html_body, raw_message)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        RETURNING id
        "#,
        email.template,
        email.from,
        &email.to,
        email.subject,
        email.text,
        email.html,
        email.raw,
    )
    .fetch_one(&mut *conn)
    .await
}

/// What one delivery attempt sends.
#[derive(Debug)]
pub struct Outgoing {
    pub id: Uuid,
    pub template: String,
    pub from_address: String,
    pub to_addresses: Vec<String>,
    pub raw_message: Vec<u8>,
}

// The delivery job's attempt number is copied onto the message when the attempt starts, and
// every outcome below applies only while it is still that attempt's: an attempt whose job was
// taken over by another worker must not overwrite what the newer attempt has recorded since.

/// Marks message `id` as being sent by attempt `attempt`; `None` when there is nothing to
/// send: it was sent already (an attempt that died before its job was recorded done), or the
/// dev mailbox was cleared.
pub async fn start_attempt(
    pool: &PgPool,
    id: Uuid,
    attempt: i32,
) -> Result<Option<Outgoing>, sqlx::Error> {
    sqlx::query_as!(
        Outgoing,
        r#"
        UPDATE email_outbox SET status = 'sending', attempts = $2
        WHERE id = $1 AND status <> 'sent'
        RETURNING id, template, from_address, to_addresses, raw_message
        "#,
        id,
        attempt,
    )
    .fetch_optional(pool)
    .await
}

pub async fn mark_sent(
    pool: &PgPool,
    id: Uuid,
    attempt: i32,
    delivered_via: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE email_outbox
        SET status = 'sent', sent_at = now(), last_error = NULL, delivered_via = $3
        WHERE id = $1 AND attempts = $2 AND status = 'sending'
        "#,
        id,
        attempt,
        delivered_via,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Records why attempt `attempt` failed; the message waits for the job's next attempt.
pub async fn record_error(
    pool: &PgPool,
    id: Uuid,
    attempt: i32,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE email_outbox SET status = 'pending', last_error = $3
        WHERE id = $1 AND attempts = $2 AND status = 'sending'
        "#,
        id,
        attempt,
        error,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Records that the delivery was given up on (its job failed). A message still `sending` was
/// in the hands of a worker that stopped: that is its error.
pub async fn mark_failed(pool: &PgPool, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE email_outbox
        SET status = 'failed',
            last_error = CASE WHEN status = 'sending'
                              THEN 'its worker stopped during the last attempt'
                              ELSE last_error END
        WHERE id = $1 AND status <> 'sent'
        "#,
        id,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Messages waiting and messages given up on, for `/health/ready`.
pub struct OutboxCounts {
    pub waiting: i64,
    pub failed: i64,
}

pub async fn counts(pool: &PgPool) -> Result<OutboxCounts, sqlx::Error> {
    sqlx::query_as!(
        OutboxCounts,
        r#"
        SELECT count(*) FILTER (WHERE status IN ('pending', 'sending')) AS "waiting!",
               count(*) FILTER (WHERE status = 'failed') AS "failed!"
        FROM email_outbox
        "#
    )
    .fetch_one(pool)
    .await
}

/// A line of the mailbox list.
pub struct MailboxEntry {
    pub id: Uuid,
    pub template: String,
    pub to_addresses: Vec<String>,
    pub subject: String,
    pub status: EmailStatus,
    pub attempts: i32,
    pub created_at: OffsetDateTime,
}

pub async fn list(pool: &PgPool, limit: i64) -> Result<Vec<MailboxEntry>, sqlx::Error> {
    sqlx::query_as!(
        MailboxEntry,
        r#"
        SELECT id, template, to_addresses, subject, status AS "status: EmailStatus", attempts,
               created_at
        FROM email_outbox
        ORDER BY created_at DESC, id
        LIMIT $1
        "#,
        limit,
    )
    .fetch_all(pool)
    .await
}

/// One message in full.
pub struct StoredEmail {
    pub id: Uuid,
    pub template: String,
    pub from_address: String,
    pub to_addresses: Vec<String>,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub raw_message: Vec<u8>,
    pub status: EmailStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub delivered_via: Option<String>,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
}

pub async fn find(pool: &PgPool, id: Uuid) -> Result<StoredEmail, sqlx::Error> {
    sqlx::query_as!(
        StoredEmail,
        r#"
        SELECT id, template, from_address, to_addresses, subject, text_body, html_body,
               raw_message, status AS "status: EmailStatus", attempts, last_error, delivered_via,
               created_at, sent_at
        FROM email_outbox
        WHERE id = $1
        "#,
        id,
    )
    .fetch_one(pool)
    .await
}

pub async fn delete_all(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let result = sqlx::query!("DELETE FROM email_outbox")
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}
