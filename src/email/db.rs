//! The outbox table: writing messages, claiming them for delivery, recording the outcome, and
//! reading them for the dev mailbox.

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
    let id = sqlx::query_scalar!(
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
    .await?;
    // Wakes the delivery workers at commit (NOTIFY is transactional) instead of their next poll.
    sqlx::query!("SELECT pg_notify('email_outbox', '')")
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// A message claimed by one worker for one delivery attempt.
#[derive(Debug)]
pub struct Claimed {
    pub id: Uuid,
    pub template: String,
    pub from_address: String,
    pub to_addresses: Vec<String>,
    pub raw_message: Vec<u8>,
    /// Including this one.
    pub attempts: i32,
}

/// Claims the next due message: pending and due, or `sending` with a lapsed claim (its worker
/// died mid-delivery). `SKIP LOCKED` lets any number of workers claim concurrently without
/// ever taking the same message; the claim lasts `lease_secs`.
pub async fn claim_next(pool: &PgPool, lease_secs: f64) -> Result<Option<Claimed>, sqlx::Error> {
    sqlx::query_as!(
        Claimed,
        r#"
        UPDATE email_outbox
        SET status = 'sending',
            attempts = attempts + 1,
            locked_until = now() + make_interval(secs => $1)
        WHERE id = (
            SELECT id FROM email_outbox
            WHERE (status = 'pending' AND next_attempt_at <= now())
               OR (status = 'sending' AND locked_until < now())
            ORDER BY next_attempt_at
            LIMIT 1
            FOR UPDATE SKIP LOCKED
        )
        RETURNING id, template, from_address, to_addresses, raw_message, attempts
        "#,
        lease_secs,
    )
    .fetch_optional(pool)
    .await
}

// The outcome updates below apply only while the claim is still this worker's (same
// attempt, still `sending`): a worker whose lease lapsed mid-send must not overwrite what the
// worker that took the message over has recorded since.

pub async fn mark_sent(
    pool: &PgPool,
    claim: &Claimed,
    delivered_via: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE email_outbox
        SET status = 'sent', sent_at = now(), locked_until = NULL, last_error = NULL,
            delivered_via = $3
        WHERE id = $1 AND attempts = $2 AND status = 'sending'
        "#,
        claim.id,
        claim.attempts,
        delivered_via,
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn schedule_retry(
    pool: &PgPool,
    claim: &Claimed,
    delay_secs: f64,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE email_outbox
        SET status = 'pending', locked_until = NULL, last_error = $4,
            next_attempt_at = now() + make_interval(secs => $3)
        WHERE id = $1 AND attempts = $2 AND status = 'sending'
        "#,
        claim.id,
        claim.attempts,
        delay_secs,
        error,
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn mark_failed(pool: &PgPool, claim: &Claimed, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE email_outbox
        SET status = 'failed', locked_until = NULL, last_error = $3
        WHERE id = $1 AND attempts = $2 AND status = 'sending'
        "#,
        claim.id,
        claim.attempts,
        error,
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
