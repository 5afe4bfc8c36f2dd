//! Telling every instance that something it may hold a copy of has changed.
//!
//! The signed-in path keeps short-lived copies of sessions and users in each process
//! (`backends::sessions`, `auth::UserCache`). When one instance changes a session or a user, it
//! drops its own copy at once and [`Invalidations::announce`]s the change: the other instances
//! drop theirs when the announcement arrives through pub/sub (Valkey), so a logout or a "log
//! out other sessions" is honoured everywhere within milliseconds rather than after the
//! copies' time to live.
//!
//! Announcements also reach this instance's own watchers (the live event streams, which end
//! when their session does). After a Valkey outage, when announcements may have been missed,
//! watchers are told to drop everything ([`Change::All`]).

use std::{fmt::Display, str::FromStr, sync::Arc};

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::pubsub::{Delivery, PubSub};

/// Announcements a watcher may fall behind by before it is told to drop everything.
const BUFFER: usize = 256;

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change<K> {
    One(K),
    /// Anything may have changed: announcements were missed.
    All,
}

/// One announcement as watchers receive it.
#[derive(Debug, Clone)]
pub struct Announced<K> {
    pub change: Change<K>,
    /// Announced by this instance (which has already dropped its own copy).
    pub here: bool,
}

/// The announcements about one kind of thing (`"sessions"`, `"users"`). Cheap to clone.
#[derive(Clone)]
pub struct Invalidations<K> {
    channel: Arc<str>,
    pubsub: PubSub,
    /// This process, so that it can tell its own announcements from the others'.
    origin: Arc<str>,
    local: broadcast::Sender<Announced<K>>,
}

impl<K> std::fmt::Debug for Invalidations<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invalidations")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

impl<K> Invalidations<K>
where
    K: Display + FromStr + Clone + Send + 'static,
{
    /// Starts relaying other instances' announcements about `kind` to this instance's
    /// watchers, until `shutdown`.
    pub fn start(kind: &str, pubsub: PubSub, shutdown: CancellationToken) -> Self {
        let (local, _) = broadcast::channel(BUFFER);
        let this = Self {
            channel: format!("invalidate:{kind}").into(),
            pubsub,
            origin: uuid::Uuid::new_v4().to_string().into(),
            local,
        };
        let relay = this.clone();
        tokio::spawn(async move {
            let mut subscription = relay.pubsub.subscribe(&relay.channel).await;
            loop {
                let delivery = tokio::select! {
                    () = shutdown.cancelled() => return,
                    delivery = subscription.recv() => delivery,
                };
                let change = match delivery {
                    Delivery::Gap => Change::All,
                    Delivery::Message(text) => match relay.parse(&text) {
                        Some(key) => Change::One(key),
                        None => continue,
                    },
                };
                let _ = relay.local.send(Announced {
                    change,
                    here: false,
                });
            }
        });
        this
    }

    /// Announces that `key` changed, to this instance's watchers and to every other
    /// instance.
    pub async fn announce(&self, key: K) {
        let message = format!("{} {key}", self.origin);
        let _ = self.local.send(Announced {
            change: Change::One(key),
            here: true,
        });
        self.pubsub.publish(&self.channel, &message).await;
    }

    /// Every announcement from now on, this instance's and the others'.
    pub fn watch(&self) -> broadcast::Receiver<Announced<K>> {
        self.local.subscribe()
    }

    /// The key of another instance's announcement; `None` for this instance's own (already
    /// handled when it was made) and for anything unreadable.
    fn parse(&self, message: &str) -> Option<K> {
        let (origin, key) = message.split_once(' ')?;
        if origin == &*self.origin {
            return None;
        }
        key.parse().ok()
    }
}

/// Waits for the next announcement (a lagging watcher is told to drop everything); `None`
/// once the app is gone.
pub async fn next<K: Clone>(
    watcher: &mut broadcast::Receiver<Announced<K>>,
) -> Option<Announced<K>> {
    match watcher.recv().await {
        Ok(announced) => Some(announced),
        Err(broadcast::error::RecvError::Lagged(_)) => Some(Announced {
            change: Change::All,
            here: false,
        }),
        Err(broadcast::error::RecvError::Closed) => None,
    }
}

/// Runs `drop_copy` for every change announced by another instance, for as long as the app
/// lives: how a cache keeps in step with the others.
pub fn on_remote_change<K, F>(invalidations: &Invalidations<K>, drop_copy: F)
where
    K: Display + FromStr + Clone + Send + 'static,
    F: Fn(Change<K>) + Send + 'static,
{
    let mut watcher = invalidations.watch();
    tokio::spawn(async move {
        while let Some(announced) = next(&mut watcher).await {
            if !announced.here {
                drop_copy(announced.change);
            }
        }
    });
}
