//! Composing and queueing messages: every one is `multipart/alternative` with the plain-text
//! part first and the HTML part second (clients show the last part they understand), with
//! `From`, `Message-ID` and `Date` set. lettre encodes headers, so a display name or subject
//! with non-ASCII or special characters is carried safely. Queueing writes the outbox row and
//! its delivery job together.

use lettre::{
    Message,
    message::{Mailbox, MultiPart},
};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use super::{
    EmailError, db, jobs,
    message::{EmailContent, OutgoingEmail},
};
use crate::config::Config;

/// Builds and queues messages. Cheap to clone; handlers take it as `State<Mailer>`.
#[derive(Debug, Clone)]
pub struct Mailer {
    from: Mailbox,
    base_url: String,
    /// Delivery attempts before a message is recorded failed (`EMAIL_MAX_ATTEMPTS`).
    max_attempts: i32,
}

impl Mailer {
    pub fn new(config: &Config) -> Self {
        Self {
            from: config.email.from.clone(),
            base_url: config.base_url.clone(),
            max_attempts: config.email.max_attempts,
        }
    }

    /// An absolute link into the app (`APP_BASE_URL` + `path`), for use in messages.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn compose(&self, to: Mailbox, content: EmailContent) -> Result<OutgoingEmail, EmailError> {
        // A subject never spans lines, whatever a caller put in it.
        let subject: String = content
            .subject
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let html = content.html.into_string();
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.clone())
            .subject(subject.clone())
            .message_id(None)
            .date_now()
            .multipart(MultiPart::alternative_plain_html(
                content.text.clone(),
                html.clone(),
            ))?;
        Ok(OutgoingEmail {
            template: content.template,
            from: self.from.email.to_string(),
            to: vec![to.email.to_string()],
            subject,
            text: content.text,
            html,
            raw: message.formatted(),
        })
    }

    /// Composes the message and writes it to the outbox on `conn`, with the job that delivers
    /// it: pass the transaction of the change that causes the message, so that the change, the
    /// message and its delivery are committed together or not at all. The jobs worker sends
    /// it once the transaction commits.
    pub async fn enqueue(
        &self,
        conn: &mut PgConnection,
        to: Mailbox,
        content: EmailContent,
    ) -> Result<Uuid, EmailError> {
        let email = self.compose(to, content)?;
        // A savepoint inside the caller's transaction (or a transaction of its own on a bare
        // connection): a message without its job would never be sent.
        let mut both = conn.begin().await?;
        let id = db::insert(&mut both, &email).await?;
        crate::jobs::db::enqueue(&mut both, &jobs::new_job(id, self.max_attempts)).await?;
        both.commit().await?;
        tracing::info!(%id, template = email.template, "email queued");
        Ok(id)
    }
}
