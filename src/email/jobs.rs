//! Email delivery as a kind of background job: each message queued in the outbox has a job
//! (queued with it by `Mailer::enqueue`), and the jobs worker claims, leases and retries it
//! like any other. An attempt sends the stored message through the mail transport and records
//! the outcome on the outbox row, which stays the record of the message that the dev mailbox
//! shows.
//!
//! Delivery is at least once: if the instance dies after the SMTP server accepted a message
//! but before it was recorded sent, the job's next attempt sends it again.

use std::time::Duration;

use anyhow::Context;
use lettre::{Address, address::Envelope};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::db::{self, Outgoing};
use crate::{
    AppState,
    jobs::{
        self, Job, JobContext, JobKind, Permanent,
        db::{Claimed, NewJob},
    },
};

/// Delivering one message, as a kind of background job.
pub static DELIVERY: JobKind = JobKind::new("email-delivery", &Delivery);

inventory::submit! { jobs::Registered(&DELIVERY) }

/// The longest one attempt may take to send: an SMTP server that accepts the connection and
/// then says nothing must not hold the worker (and the queue behind it) for ever.
const SEND_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a finished delivery job is kept; the outbox row is the lasting record.
const KEEP_FINISHED: Duration = Duration::from_secs(24 * 3600);
/// Finished jobs removed per housekeeping query.
const HOUSEKEEPING_BATCH: i64 = 1000;

/// What the job row holds: which message to send.
#[derive(Debug, Deserialize)]
struct Payload {
    email_id: Uuid,
}

/// The delivery job of message `email_id`, keyed by it: at most one is under way at a time.
pub(super) fn new_job(email_id: Uuid, max_attempts: i32) -> NewJob {
    NewJob {
        payload: json!({ "email_id": email_id }),
        unique_key: Some(email_id.to_string()),
        max_attempts,
        ..NewJob::new(&DELIVERY)
    }
}

struct Delivery;

#[async_trait::async_trait]
impl Job for Delivery {
    async fn run(&self, job: &JobContext<'_>) -> anyhow::Result<Value> {
        let Payload { email_id } = payload(job.job)?;
        deliver(job.state, email_id, job.job.attempts).await
    }

    async fn failed(&self, state: &AppState, job: &Claimed) {
        let Ok(Payload { email_id }) = payload(job) else {
            return;
        };
        if let Err(error) = db::mark_failed(&state.db, email_id).await {
            tracing::error!(%email_id, %error, "could not record an email as failed");
        }
    }

    async fn housekeeping(&self, state: &AppState) -> anyhow::Result<()> {
        loop {
            let ids = jobs::db::finished_before(
                &state.db,
                &DELIVERY,
                KEEP_FINISHED.as_secs_f64(),
                HOUSEKEEPING_BATCH,
            )
            .await?;
            if ids.is_empty() {
                return Ok(());
            }
            jobs::db::delete_finished(&state.db, &ids).await?;
        }
    }
}

fn payload(job: &Claimed) -> anyhow::Result<Payload> {
    serde_json::from_value(job.payload.clone())
        .map_err(|error| Permanent(anyhow::Error::new(error).context("reading the payload")).into())
}

/// One attempt at sending message `email_id`.
async fn deliver(state: &AppState, email_id: Uuid, attempt: i32) -> anyhow::Result<Value> {
    let Some(message) = db::start_attempt(&state.db, email_id, attempt)
        .await
        .with_context(|| format!("reading email {email_id}"))?
    else {
        tracing::info!(%email_id, "email not sent: already sent, or cleared from the mailbox");
        return Ok(json!({ "sent": false }));
    };
    let transport = &state.mail_transport;
    let sent = match envelope(&message) {
        Ok(envelope) => tokio::time::timeout(
            SEND_TIMEOUT,
            transport.send(&envelope, &message.raw_message),
        )
        .await
        .unwrap_or_else(|_| Err(anyhow::anyhow!("no answer within {SEND_TIMEOUT:?}"))),
        // A bad address never gets better: no retries.
        Err(error) => Err(Permanent(error.context("invalid envelope")).into()),
    };
    match sent {
        Ok(()) => {
            db::mark_sent(&state.db, email_id, attempt, transport.name())
                .await
                .with_context(|| format!("recording email {email_id} sent"))?;
            tracing::info!(%email_id, template = %message.template, attempt,
                via = transport.name(), "email delivered");
            Ok(json!({ "sent": true, "delivered_via": transport.name() }))
        }
        Err(error) => {
            db::record_error(&state.db, email_id, attempt, &format!("{error:#}"))
                .await
                .with_context(|| format!("recording why email {email_id} was not sent"))?;
            Err(error.context(format!("sending {} email {email_id}", message.template)))
        }
    }
}

fn envelope(message: &Outgoing) -> anyhow::Result<Envelope> {
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
    fn the_job_carries_the_message_it_delivers() {
        let email_id = Uuid::new_v4();
        let job = new_job(email_id, 3);
        let claimed = Claimed {
            id: Uuid::new_v4(),
            kind: job.kind.name().to_owned(),
            owner_id: None,
            payload: job.payload,
            attempts: 1,
            max_attempts: job.max_attempts,
            traceparent: None,
        };
        assert_eq!(payload(&claimed).unwrap().email_id, email_id);
        assert_eq!(job.unique_key, Some(email_id.to_string()));
    }

    #[test]
    fn a_payload_it_cannot_read_is_not_retried() {
        let claimed = Claimed {
            id: Uuid::new_v4(),
            kind: DELIVERY.name().to_owned(),
            owner_id: None,
            payload: json!({ "email": "nope" }),
            attempts: 1,
            max_attempts: 5,
            traceparent: None,
        };
        assert!(payload(&claimed).unwrap_err().is::<Permanent>());
    }
}
