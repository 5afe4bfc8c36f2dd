//! Whose rows changed, told by PostgreSQL itself.
//!
//! Tables whose rows belong to a user (`owner_id`) carry statement triggers that NOTIFY
//! `owner_rows_changed` with "<table> <owner id>" when a change commits (the migration
//! `owner_rows_changed` says how a table joins). Each instance listens on one connection of
//! its own and passes what it hears to its watchers ([`RowChanges::watch`]): the page cache
//! (`web::page_cache`) drops what it rendered from those rows.
//!
//! Because the database speaks, nothing can change rows unheard: a request on any instance,
//! a background job, `db seed` or psql. A notification is sent on commit, so a watcher never
//! hears of a change before it is visible. Notifications are not kept while nobody listens,
//! so whenever the connection drops watchers are told that anything may have changed
//! ([`RowChange::All`]), and [`RowChanges::is_listening`] is false until it is back: a cache
//! must not keep anything meanwhile. A connection pooler in transaction mode (PgBouncer)
//! cannot carry LISTEN; point `DATABASE_URL` at PostgreSQL itself or at a session-mode pool.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use sqlx::{
    PgPool,
    postgres::{PgListener, PgPoolOptions},
};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The channel the trigger function `notify_owner_rows_changed` sends on.
const CHANNEL: &str = "owner_rows_changed";

/// Changes a watcher may fall behind by before it is told that anything may have changed.
const BUFFER: usize = 1024;

/// How long to wait before listening again after the connection failed: doubling from the
/// first to the last.
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowChange {
    /// Some of `owner`'s rows of `table`.
    Owner { table: Arc<str>, owner: Uuid },
    /// Any row of `table` (it was truncated).
    Table(Arc<str>),
    /// Anything: changes may have been missed.
    All,
}

/// The changes heard by this instance. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RowChanges {
    sender: broadcast::Sender<RowChange>,
    listening: Arc<AtomicBool>,
}

impl RowChanges {
    /// Starts listening on a connection of its own (besides `db`'s), until `shutdown`.
    /// It is not listening yet when this returns: see [`RowChanges::is_listening`].
    pub fn start(db: &PgPool, shutdown: CancellationToken) -> Self {
        let this = Self {
            sender: broadcast::channel(BUFFER).0,
            listening: Arc::new(AtomicBool::new(false)),
        };
        let relay = this.clone();
        let db = db.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = shutdown.cancelled() => {}
                () = relay.listen(db) => {}
            }
            relay.lost();
        });
        this
    }

    /// Whether changes are being heard now. While not, any change may go unheard.
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }

    /// Every change heard from now on. A watcher that falls behind gets [`RowChange::All`]
    /// from [`next`].
    pub fn watch(&self) -> broadcast::Receiver<RowChange> {
        self.sender.subscribe()
    }

    /// Listens, and listens again after each failure, for ever, on a connection of its own:
    /// taken from the app's pool, it would be one fewer for requests for as long as the
    /// app runs.
    async fn listen(&self, db: PgPool) {
        let db = PgPoolOptions::new()
            .max_connections(1)
            .connect_lazy_with(db.connect_options().as_ref().clone());
        let mut backoff = MIN_BACKOFF;
        // Whether the failure to connect again was already logged.
        let mut quiet = false;
        loop {
            let outcome = self.listen_once(&db).await;
            let was_listening = self.is_listening();
            self.lost();
            if was_listening {
                backoff = MIN_BACKOFF;
                quiet = false;
            }
            if !quiet {
                match outcome {
                    Err(error) => {
                        tracing::warn!(%error, "not hearing of changed rows: cached pages are not kept until it is back")
                    }
                    Ok(()) => tracing::warn!(
                        "the connection hearing of changed rows dropped: cached pages are not kept until it is back"
                    ),
                }
                quiet = !was_listening;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// One connection: listens until it drops (`Ok`) or cannot be made (`Err`).
    async fn listen_once(&self, db: &PgPool) -> Result<(), sqlx::Error> {
        let mut listener = PgListener::connect_with(db).await?;
        listener.listen(CHANNEL).await?;
        // Changes made before this point were not heard.
        let _ = self.sender.send(RowChange::All);
        self.listening.store(true, Ordering::Release);
        tracing::debug!("hearing of changed rows");
        // `None`: the connection dropped; notifications sent meanwhile are lost.
        while let Some(notification) = listener.try_recv().await? {
            if let Some(change) = parse(notification.payload()) {
                let _ = self.sender.send(change);
            }
        }
        Ok(())
    }

    /// From now on changes may go unheard.
    fn lost(&self) {
        self.listening.store(false, Ordering::Release);
        let _ = self.sender.send(RowChange::All);
    }
}

/// Waits for the next change; `None` once nothing will be heard any more.
pub async fn next(watcher: &mut broadcast::Receiver<RowChange>) -> Option<RowChange> {
    match watcher.recv().await {
        Ok(change) => Some(change),
        Err(broadcast::error::RecvError::Lagged(_)) => Some(RowChange::All),
        Err(broadcast::error::RecvError::Closed) => None,
    }
}

/// "contacts 0b9f…" or "contacts *"; `None` for anything else.
fn parse(payload: &str) -> Option<RowChange> {
    let (table, owner) = payload.split_once(' ')?;
    if owner == "*" {
        return Some(RowChange::Table(table.into()));
    }
    Some(RowChange::Owner {
        table: table.into(),
        owner: owner.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_name_a_table_and_an_owner_or_all_of_it() {
        let owner = Uuid::new_v4();
        assert_eq!(
            parse(&format!("contacts {owner}")),
            Some(RowChange::Owner {
                table: "contacts".into(),
                owner
            })
        );
        assert_eq!(
            parse("contacts *"),
            Some(RowChange::Table("contacts".into()))
        );
        assert_eq!(parse("contacts"), None);
        assert_eq!(parse("contacts not-a-uuid"), None);
    }
}
