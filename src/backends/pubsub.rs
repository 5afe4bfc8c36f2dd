//! Publish and subscribe by channel name, across every instance of the app when `VALKEY_URL`
//! is set, within this process otherwise.
//!
//! Each instance keeps one subscriber connection to Valkey, whatever the number of listeners:
//! a channel is subscribed when its first local listener arrives and unsubscribed when its
//! last one leaves, and messages fan out to local listeners through one broadcast channel per
//! Valkey channel (a listener only ever sees the channels it asked for). When the connection
//! drops, the subscriber reconnects with backoff, subscribes again to every channel in use and
//! tells each listener that messages may have been missed ([`Delivery::Gap`]), so that what
//! they show can catch up.
//!
//! Pub/sub is fire-and-forget, as in Valkey: a message published while nobody listens, or
//! while Valkey is unreachable, is gone. A publish that cannot reach Valkey still reaches this
//! instance's own listeners.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use futures_util::StreamExt;
use tokio::sync::{broadcast, mpsc, oneshot};

use super::valkey::Valkey;

/// Messages a slow listener may fall behind by before it is told of a gap.
const BUFFER: usize = 64;
/// How long a new listener waits for Valkey to confirm its subscription.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(1);
/// Between two attempts to reconnect the subscriber.
const RECONNECT_MIN: Duration = Duration::from_millis(200);
const RECONNECT_MAX: Duration = Duration::from_secs(5);
/// How often an idle subscriber connection is checked.
const PING_EVERY: Duration = Duration::from_secs(10);
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// What a listener receives.
#[derive(Debug, Clone)]
pub enum Delivery {
    Message(Arc<str>),
    /// Messages may have been missed (Valkey was unreachable, or the listener fell behind).
    Gap,
}

type Channels = Arc<Mutex<HashMap<String, broadcast::Sender<Delivery>>>>;

enum Command {
    Subscribe(String, oneshot::Sender<()>),
    Unsubscribe(String),
}

/// The publish/subscribe hub. Cheap to clone.
#[derive(Clone)]
pub struct PubSub {
    channels: Channels,
    valkey: Option<(Valkey, mpsc::UnboundedSender<Command>)>,
}

impl std::fmt::Debug for PubSub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PubSub")
            .field("valkey", &self.valkey.is_some())
            .finish_non_exhaustive()
    }
}

fn lock(channels: &Channels) -> MutexGuard<'_, HashMap<String, broadcast::Sender<Delivery>>> {
    channels
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl PubSub {
    /// Messages stay in this process: right for one instance only.
    pub fn in_process() -> Self {
        Self {
            channels: Channels::default(),
            valkey: None,
        }
    }

    /// Messages go through Valkey. Starts this instance's subscriber, which runs for as long
    /// as the hub has clones.
    pub fn through(valkey: Valkey) -> Self {
        let channels = Channels::default();
        let (commands, receiver) = mpsc::unbounded_channel();
        tokio::spawn(relay(valkey.clone(), channels.clone(), receiver));
        Self {
            channels,
            valkey: Some((valkey, commands)),
        }
    }

    /// Sends `message` to everyone listening on `channel`, on every instance.
    pub async fn publish(&self, channel: &str, message: &str) {
        if let Some((valkey, _)) = &self.valkey {
            let published: Option<i64> = valkey
                .run(redis::cmd("PUBLISH").arg(channel).arg(message))
                .await;
            if published.is_some() {
                return;
            }
        }
        deliver(&self.channels, channel, Delivery::Message(message.into()));
    }

    /// Starts listening on `channel`. Returns once Valkey has confirmed the subscription (or
    /// after a second if it is unreachable: messages arrive once it is back), so that a
    /// message published after this returns is received.
    pub async fn subscribe(&self, channel: &str) -> Subscription {
        let (receiver, confirmed) = {
            let mut channels = lock(&self.channels);
            match channels.get(channel) {
                Some(sender) => (sender.subscribe(), None),
                None => {
                    let (sender, receiver) = broadcast::channel(BUFFER);
                    channels.insert(channel.to_owned(), sender);
                    let confirmed = self.valkey.as_ref().map(|(_, commands)| {
                        let (done, confirmed) = oneshot::channel();
                        let _ = commands.send(Command::Subscribe(channel.to_owned(), done));
                        confirmed
                    });
                    (receiver, confirmed)
                }
            }
        };
        if let Some(confirmed) = confirmed {
            let _ = tokio::time::timeout(CONFIRM_TIMEOUT, confirmed).await;
        }
        Subscription {
            channel: channel.to_owned(),
            receiver,
            hub: self.clone(),
        }
    }
}

/// One listener on one channel; it stops listening when dropped.
pub struct Subscription {
    channel: String,
    receiver: broadcast::Receiver<Delivery>,
    hub: PubSub,
}

impl Subscription {
    /// The next message, or a gap.
    pub async fn recv(&mut self) -> Delivery {
        match self.receiver.recv().await {
            Ok(delivery) => delivery,
            Err(broadcast::error::RecvError::Lagged(_)) => Delivery::Gap,
            // The sender lives as long as this subscription is in the hub's table.
            Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut channels = lock(&self.hub.channels);
        // This subscription's own receiver is still counted.
        let last = channels
            .get(&self.channel)
            .is_some_and(|sender| sender.receiver_count() <= 1);
        if last {
            channels.remove(&self.channel);
            if let Some((_, commands)) = &self.hub.valkey {
                let _ = commands.send(Command::Unsubscribe(std::mem::take(&mut self.channel)));
            }
        }
    }
}

fn deliver(channels: &Channels, channel: &str, delivery: Delivery) {
    if let Some(sender) = lock(channels).get(channel) {
        // No receivers left is not an error: the message had nobody to reach.
        let _ = sender.send(delivery);
    }
}

fn tell_everyone_of_a_gap(channels: &Channels) {
    metrics::counter!(crate::monitoring::PUBSUB_GAPS).increment(1);
    for sender in lock(channels).values() {
        let _ = sender.send(Delivery::Gap);
    }
}

/// This instance's subscriber: keeps Valkey subscribed to the channels in use and hands each
/// message to the channel's local listeners. Ends when the hub is dropped.
async fn relay(valkey: Valkey, channels: Channels, mut commands: mpsc::UnboundedReceiver<Command>) {
    let mut wait = RECONNECT_MIN;
    let mut reconnecting = false;
    loop {
        if commands.is_closed() {
            return;
        }
        let connection = match valkey.subscriber().await {
            Ok(connection) => connection,
            Err(error) => {
                valkey.failed(&error);
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RECONNECT_MAX);
                continue;
            }
        };
        let (mut sink, mut messages) = connection.split();
        // What was asked for while disconnected is in the table already.
        let mut pending_confirmations = Vec::new();
        while let Ok(command) = commands.try_recv() {
            if let Command::Subscribe(_, done) = command {
                pending_confirmations.push(done);
            }
        }
        let in_use: Vec<String> = lock(&channels).keys().cloned().collect();
        if !in_use.is_empty()
            && let Err(error) = sink.subscribe(&in_use).await
        {
            valkey.failed(&error);
            continue;
        }
        valkey.succeeded();
        wait = RECONNECT_MIN;
        for done in pending_confirmations {
            let _ = done.send(());
        }
        if reconnecting {
            tell_everyone_of_a_gap(&channels);
        }
        reconnecting = true;

        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await;
        let outcome: Result<(), redis::RedisError> = loop {
            tokio::select! {
                message = messages.next() => match message {
                    Some(message) => {
                        let text = String::from_utf8_lossy(message.get_payload_bytes());
                        deliver(&channels, message.get_channel_name(), Delivery::Message(text.into()));
                    }
                    None => break Err(redis::RedisError::from((
                        redis::ErrorKind::Io,
                        "subscriber connection closed",
                    ))),
                },
                command = commands.recv() => match command {
                    Some(Command::Subscribe(channel, done)) => match sink.subscribe(&channel).await {
                        Ok(()) => { let _ = done.send(()); }
                        Err(error) => break Err(error),
                    },
                    Some(Command::Unsubscribe(channel)) => {
                        // Subscribed again since: keep it.
                        if lock(&channels).contains_key(&channel) {
                            continue;
                        }
                        if let Err(error) = sink.unsubscribe(&channel).await {
                            break Err(error);
                        }
                    }
                    None => return,
                },
                _ = ping.tick() => {
                    match tokio::time::timeout(PING_TIMEOUT, sink.ping::<redis::Value>()).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(error)) => break Err(error),
                        Err(_) => break Err(redis::RedisError::from((
                            redis::ErrorKind::Io,
                            "no answer to a ping",
                        ))),
                    }
                }
            }
        };
        if let Err(error) = outcome {
            valkey.failed(&error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn next(subscription: &mut Subscription) -> Option<Delivery> {
        tokio::time::timeout(Duration::from_millis(100), subscription.recv())
            .await
            .ok()
    }

    #[tokio::test]
    async fn a_message_reaches_the_listeners_of_its_channel_only() {
        let hub = PubSub::in_process();
        let mut ada = hub.subscribe("user:ada").await;
        let mut ada_again = hub.subscribe("user:ada").await;
        let mut bob = hub.subscribe("user:bob").await;
        hub.publish("user:ada", "hello").await;
        for listener in [&mut ada, &mut ada_again] {
            assert!(matches!(next(listener).await, Some(Delivery::Message(m)) if &*m == "hello"));
        }
        assert!(next(&mut bob).await.is_none());
    }

    #[tokio::test]
    async fn a_channel_is_dropped_with_its_last_listener() {
        let hub = PubSub::in_process();
        let first = hub.subscribe("user:ada").await;
        let second = hub.subscribe("user:ada").await;
        drop(first);
        assert!(lock(&hub.channels).contains_key("user:ada"));
        drop(second);
        assert!(!lock(&hub.channels).contains_key("user:ada"));
        // Publishing to nobody is no error.
        hub.publish("user:ada", "anyone?").await;
    }

    #[tokio::test]
    async fn a_listener_that_falls_behind_is_told_of_the_gap() {
        let hub = PubSub::in_process();
        let mut slow = hub.subscribe("user:ada").await;
        for n in 0..BUFFER + 10 {
            hub.publish("user:ada", &n.to_string()).await;
        }
        assert!(matches!(next(&mut slow).await, Some(Delivery::Gap)));
    }
}
