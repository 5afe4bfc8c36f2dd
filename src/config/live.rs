//! The Valkey and live updates section: the Valkey server shared by instances (or none), and
//! the live event streams (`backends::valkey`, `live`).

use std::time::Duration;

use secrecy::SecretString;

use super::{ConfigError, env::Env};

/// `VALKEY_URL`. `None`: pub/sub, rate limits and the cache stay in this process (one
/// instance only).
pub(super) fn valkey_url(env: &Env<'_>) -> Result<Option<SecretString>, ConfigError> {
    let valkey_url = env.get("VALKEY_URL");
    if let Some(url) = &valkey_url
        && !(url.starts_with("redis://") || url.starts_with("rediss://"))
    {
        return Err(ConfigError {
            variable: "VALKEY_URL",
            problem: "expected a redis:// or rediss:// URL".into(),
        });
    }
    Ok(valkey_url.map(SecretString::from))
}

/// The live event streams (`live`).
#[derive(Debug, Clone)]
pub struct LiveConfig {
    /// Between two keep-alive comments on an idle stream: under every proxy's idle timeout.
    pub keep_alive: Duration,
    /// How often a stream checks that its session is still signed in (it also checks at once
    /// when the session or the user changes).
    pub recheck: Duration,
    /// Open streams per user on one instance; one more is refused with a 429.
    pub max_streams_per_user: usize,
}

impl LiveConfig {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            keep_alive: env.seconds_or("LIVE_KEEP_ALIVE_SECS", 15)?,
            recheck: env.seconds_or("LIVE_RECHECK_SECS", 60)?,
            max_streams_per_user: env.parse_or(
                "LIVE_MAX_STREAMS_PER_USER",
                "a whole number",
                10,
            )?,
        })
    }
}
