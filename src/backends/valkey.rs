//! The connection to Valkey (or Redis: they speak the same protocol), shared by the parts that
//! keep their state there when `VALKEY_URL` is set: pub/sub (`backends::pubsub`), rate limits
//! (`backends::rate_limit`) and the cache (`backends::cache`).
//!
//! Commands go through one managed connection that reconnects by itself; a subscriber holds
//! its own connection (Valkey cannot run other commands on a subscribed one). Every command has
//! a short timeout, so that an unreachable Valkey costs a request milliseconds, not seconds.
//!
//! An outage is logged once when it starts and once when it ends, never per request: see
//! [`Valkey::failed`] and [`Valkey::succeeded`]. During one, commands are not even tried
//! more than once per [`RETRY_AFTER`], so that a Valkey that does not answer at all (a network
//! partition, where every try would wait for the timeout) costs requests nothing.
//!
//! While traces are exported each command is a span named by the command (never its keys).

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tracing::Instrument as _;

use crate::telemetry::traces::traced_span;

use crate::monitoring;

/// The longest a command or a connection attempt may take before it counts as failed.
const TIMEOUT: Duration = Duration::from_millis(500);
/// During an outage, how often one command is let through to see whether Valkey is back.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

/// A handle on Valkey. Cheap to clone.
#[derive(Clone)]
pub struct Valkey {
    client: redis::Client,
    commands: ConnectionManager,
    down: Arc<AtomicBool>,
    /// When the last try during an outage was let through, in milliseconds since `started`.
    last_try: Arc<AtomicU64>,
    started: Instant,
}

impl std::fmt::Debug for Valkey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Valkey")
            .field("down", &self.down.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Valkey {
    /// A handle on the server at `url`. Connects lazily: the app starts even while Valkey is
    /// down, and catches up when it comes back.
    pub fn new(url: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|error| anyhow::anyhow!("VALKEY_URL is not usable: {error}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(TIMEOUT);
        let commands = ConnectionManager::new_lazy_with_config(client.clone(), config)
            .map_err(|error| anyhow::anyhow!("cannot set up the Valkey connection: {error}"))?;
        // Up until a command says otherwise, as `down` starts.
        metrics::gauge!(monitoring::VALKEY_UP).set(1.0);
        Ok(Self {
            client,
            commands,
            down: Arc::new(AtomicBool::new(false)),
            last_try: Arc::new(AtomicU64::new(0)),
            started: Instant::now(),
        })
    }

    /// The managed connection for commands (not for subscribing). Note the outcome of what
    /// you run on it with [`Self::failed`] or [`Self::succeeded`].
    pub fn commands(&self) -> ConnectionManager {
        self.commands.clone()
    }

    /// A new connection of its own, for subscribing.
    pub async fn subscriber(&self) -> redis::RedisResult<redis::aio::PubSub> {
        tokio::time::timeout(TIMEOUT, self.client.get_async_pubsub())
            .await
            .unwrap_or_else(|_| {
                Err(redis::RedisError::from((
                    redis::ErrorKind::Io,
                    "connection timed out",
                )))
            })
    }

    /// Notes a failed command; the first failure of an outage is logged.
    pub fn failed(&self, error: &redis::RedisError) {
        if !self.down.swap(true, Ordering::AcqRel) {
            metrics::gauge!(monitoring::VALKEY_UP).set(0.0);
            tracing::error!(
                service = "valkey",
                %error,
                "Valkey is unreachable: the cache is bypassed, rate limits count on this \
                 instance alone and live updates pause until it is back"
            );
        }
    }

    /// Notes a command that worked; the first success after an outage is logged.
    pub fn succeeded(&self) {
        if self.down.swap(false, Ordering::AcqRel) {
            metrics::gauge!(monitoring::VALKEY_UP).set(1.0);
            tracing::info!(service = "valkey", "Valkey is reachable again");
        }
    }

    /// Whether the last command failed.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    /// Whether a command should be tried now: always while Valkey answers, once per
    /// [`RETRY_AFTER`] while it does not.
    fn worth_trying(&self) -> bool {
        if !self.is_down() {
            return true;
        }
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.last_try.load(Ordering::Acquire);
        let wait = u64::try_from(RETRY_AFTER.as_millis()).unwrap_or(u64::MAX);
        now.saturating_sub(last) >= wait
            && self
                .last_try
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }

    /// Runs one command, noting the outcome; `None` when it failed or Valkey is known to be
    /// down.
    pub async fn run<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> Option<T> {
        if !self.worth_trying() {
            return None;
        }
        let mut connection = self.commands();
        let span = traced_span!(
            "valkey",
            otel.name = command_name(command),
            otel.kind = "client",
            db.system.name = "redis",
        );
        match command.query_async(&mut connection).instrument(span).await {
            Ok(value) => {
                self.succeeded();
                Some(value)
            }
            Err(error) => {
                self.failed(&error);
                None
            }
        }
    }
}

/// The command's name (`GET`, `EVALSHA`), never its arguments: keys name users.
fn command_name(command: &redis::Cmd) -> String {
    match command.args_iter().next() {
        Some(redis::Arg::Simple(name)) => String::from_utf8_lossy(name).into_owned(),
        _ => "command".to_owned(),
    }
}
