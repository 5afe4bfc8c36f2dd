//! `mail-test ADDRESS`: checks the mail configuration end to end, through the same outbox,
//! delivery job and worker as the app's own mail.

use anyhow::Context;
use lettre::message::Mailbox;
use tokio_util::sync::CancellationToken;

use crate::{
    AppState,
    config::Config,
    email::{
        self,
        db::EmailStatus,
        templates::{self, TestMessage},
    },
    jobs,
};

/// Queues a test message and makes one delivery attempt right here (at any mail queued and
/// due, as the app's worker would; no other kind of job).
pub(super) async fn run(config: Config, address: &str) -> anyhow::Result<()> {
    let recipient: Mailbox = address
        .parse()
        .with_context(|| format!("{address:?} is not an email address"))?;
    let database = super::migrated_database(&config).await?;
    let state = AppState::new(config, database.pool.clone())?;
    let link = state.mailer.url("/");
    let content = templates::test_message(&TestMessage {
        name: None,
        app_link: &link,
    });
    let mut conn = database.pool.acquire().await?;
    let id = state.mailer.enqueue(&mut conn, recipient, content).await?;
    drop(conn);

    jobs::Worker::new(state.clone())
        .only(&email::jobs::DELIVERY)
        .run_due(&CancellationToken::new())
        .await?;
    let message = email::db::find(&database.pool, id).await?;
    match message.status {
        EmailStatus::Sent => {
            println!(
                "sent to {address} via {}",
                message.delivered_via.as_deref().unwrap_or("?")
            );
            Ok(())
        }
        _ => anyhow::bail!(
            "not delivered ({}); the message stays queued and the app's worker will retry it",
            message.last_error.as_deref().unwrap_or("unknown error")
        ),
    }
}
