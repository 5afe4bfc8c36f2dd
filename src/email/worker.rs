//! The delivery worker: sends what the outbox holds, with retries and exponential backoff.
//!
//! Several app instances may each run one. A message is claimed with `FOR UPDATE SKIP LOCKED`
//! and a lease, so no two workers send it; if a worker dies mid-send the lease lapses and
//! another retries it. The worker wakes on `NOTIFY email_outbox` (sent when a message is
//! queued) and otherwise polls, so retries go out when due. On shutdown it finishes the
//! message in hand and stops.

use std::{sync::Arc, time::Duration};

use lettre::{Address, address::Envelope};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use super::db::{self, Claimed};
use crate::{
    backends::{database::Wakeup, mail::MailTransport},
    config::EmailConfig,
};

/// How often the outbox is checked when no notification arrives.
const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// How long a claim lasts.
const LEASE: Duration = Duration::from_secs(120);
/// The longest one delivery may take: well inside the lease, so that a claim never lapses
/// while its worker is still sending.
const SEND_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base: Duration,
}

impl RetryPolicy {
    pub fn from_config(config: &EmailConfig) -> Self {
        Self {
            max_attempts: config.max_attempts,
            base: config.retry_base,
        }
    }

    /// The wait after failed attempt number `attempt` (1-based): base, 2×base, 4×base, ...
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
        self.base.saturating_mul(factor).min(MAX_BACKOFF)
    }
}

#[derive(Clone)]
pub struct DeliveryWorker {
    pool: PgPool,
    transport: Arc<MailTransport>,
    policy: RetryPolicy,
}

impl DeliveryWorker {
    pub fn new(pool: PgPool, transport: Arc<MailTransport>, policy: RetryPolicy) -> Self {
        Self {
            pool,
            transport,
            policy,
        }
    }

    /// Runs until `shutdown` is cancelled.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut wakeup = Wakeup::listen(&self.pool, "email_outbox", POLL_INTERVAL).await;
        while !shutdown.is_cancelled() {
            if let Err(error) = self.deliver_due(&shutdown).await {
                tracing::warn!(%error, "email worker: outbox unavailable; retrying");
            }
            wakeup.wait(&shutdown).await;
        }
        tracing::info!("email worker stopped");
    }

    /// Makes one attempt at every message due now; returns how many. Stops early, between
    /// messages, when `shutdown` is cancelled.
    pub async fn deliver_due(&self, shutdown: &CancellationToken) -> Result<usize, sqlx::Error> {
        let mut attempted = 0;
        while !shutdown.is_cancelled() {
            let Some(message) = db::claim_next(&self.pool, LEASE.as_secs_f64()).await? else {
                break;
            };
            self.attempt(message).await?;
            attempted += 1;
        }
        Ok(attempted)
    }

    async fn attempt(&self, message: Claimed) -> Result<(), sqlx::Error> {
        let attempt = u32::try_from(message.attempts).unwrap_or(u32::MAX);
        let envelope = match envelope(&message) {
            Ok(envelope) => envelope,
            Err(error) => {
                // A bad address never gets better: no retries.
                tracing::error!(id = %message.id, template = %message.template, %error,
                    "email failed: invalid envelope");
                return db::mark_failed(&self.pool, &message, &error.to_string()).await;
            }
        };
        let sent = tokio::time::timeout(
            SEND_TIMEOUT,
            self.transport.send(&envelope, &message.raw_message),
        )
        .await
        .unwrap_or_else(|_| Err(anyhow::anyhow!("no answer within {SEND_TIMEOUT:?}")));
        match sent {
            Ok(()) => {
                tracing::info!(id = %message.id, template = %message.template, attempt,
                    via = self.transport.name(), "email delivered");
                db::mark_sent(&self.pool, &message, self.transport.name()).await
            }
            Err(error) if attempt >= self.policy.max_attempts => {
                let error = format!("{error:#}");
                tracing::error!(id = %message.id, template = %message.template, attempt, %error,
                    "email failed: giving up after the last attempt");
                db::mark_failed(&self.pool, &message, &error).await
            }
            Err(error) => {
                let error = format!("{error:#}");
                let delay = self.policy.backoff(attempt);
                tracing::warn!(id = %message.id, template = %message.template, attempt, %error,
                    retry_in_secs = delay.as_secs_f64(), "email not delivered; will retry");
                db::schedule_retry(&self.pool, &message, delay.as_secs_f64(), &error).await
            }
        }
    }
}

fn envelope(message: &Claimed) -> anyhow::Result<Envelope> {
    let from: Address = message.from_address.parse()?;
    let to = message
        .to_addresses
        .iter()
        .map(|address| address.parse())
        .collect::<Result<Vec<Address>, _>>()?;
    Ok(Envelope::new(Some(from), to)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        let policy = RetryPolicy {
            max_attempts: 12,
            base: Duration::from_secs(5),
        };
        assert_eq!(policy.backoff(1), Duration::from_secs(5));
        assert_eq!(policy.backoff(2), Duration::from_secs(10));
        assert_eq!(policy.backoff(4), Duration::from_secs(40));
        assert_eq!(policy.backoff(30), MAX_BACKOFF);
    }
}
