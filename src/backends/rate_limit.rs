//! Rate limits: fixed windows counted per key. Callers build their keys in one place per
//! feature (see `auth::rate_limits`) and call [`RateLimiter::hit`].
//!
//! The counts live in this process, which is right for one instance. Several instances
//! behind a proxy each count on their own, so a client gets up to N times the limit; a
//! shared backend in Valkey is planned (with the Valkey module) behind this same `hit`
//! call, so callers will not change.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// At most `max` hits per `per`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: u32,
    pub per: Duration,
}

#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, Window>>,
}

struct Window {
    started: Instant,
    per: Duration,
    hits: u32,
}

/// Keys longer than this are cut: they come partly from user input.
const MAX_KEY_LEN: usize = 300;

/// Past this many keys, expired windows are swept on the next hit.
const SWEEP_ABOVE: usize = 10_000;

impl RateLimiter {
    pub fn new() -> Self {
        tracing::info!(
            service = "rate-limits",
            backend = "in-process",
            "rate limits: in-process"
        );
        Self::default()
    }

    /// Counts a hit on `key`; `Err(retry_after)` when the limit is exceeded.
    pub fn hit(&self, key: &str, limit: Limit) -> Result<(), Duration> {
        let now = Instant::now();
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, window| now.duration_since(window.started) < window.per);
        }
        let key: String = key.chars().take(MAX_KEY_LEN).collect();
        let fresh = Window {
            started: now,
            per: limit.per,
            hits: 0,
        };
        let window = windows.entry(key).or_insert(fresh);
        if now.duration_since(window.started) >= limit.per {
            *window = Window {
                started: now,
                per: limit.per,
                hits: 0,
            };
        }
        if window.hits >= limit.max {
            return Err(limit.per.saturating_sub(now.duration_since(window.started)));
        }
        window.hits += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_applies_per_key_and_says_when_to_retry() {
        let limiter = RateLimiter::default();
        let limit = Limit {
            max: 2,
            per: Duration::from_secs(60),
        };
        assert!(limiter.hit("a", limit).is_ok());
        assert!(limiter.hit("a", limit).is_ok());
        let retry_after = limiter.hit("a", limit).unwrap_err();
        assert!(retry_after > Duration::from_secs(58) && retry_after <= limit.per);
        assert!(limiter.hit("b", limit).is_ok());
    }

    #[test]
    fn a_new_window_starts_after_the_old_one() {
        let limiter = RateLimiter::default();
        let limit = Limit {
            max: 1,
            per: Duration::from_millis(30),
        };
        assert!(limiter.hit("a", limit).is_ok());
        assert!(limiter.hit("a", limit).is_err());
        std::thread::sleep(Duration::from_millis(40));
        assert!(limiter.hit("a", limit).is_ok());
    }
}
