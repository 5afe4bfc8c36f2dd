//! Rate limits: fixed windows counted per key. Callers build their keys in one place per
//! feature (see `auth::rate_limits`) and call [`RateLimiter::hit`].
//!
//! With `VALKEY_URL` set the counts live in Valkey, so every instance counts against the same
//! budget. Without it they live in this process, which is right for one instance only (behind
//! a proxy, N instances would allow N times the limit).
//!
//! **When Valkey is unreachable**, every limit counts in this process instead: neither open
//! (an attacker could otherwise guess passwords unhindered by taking Valkey down) nor closed
//! (nobody could sign in for the length of the outage). A client then gets up to the limit on
//! each instance, until Valkey is back.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use super::valkey::Valkey;

/// At most `max` hits per `per`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: u32,
    pub per: Duration,
}

pub struct RateLimiter {
    shared: Option<Valkey>,
    local: LocalWindows,
}

#[derive(Default)]
struct LocalWindows {
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

/// Counts a hit in Valkey and returns the count so far and the window's remaining time in
/// milliseconds: the first hit of a window starts its expiry.
const HIT_SCRIPT: &str = r"
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {hits, left}
";

impl RateLimiter {
    /// Counts in this process only.
    pub fn in_process() -> Self {
        Self {
            shared: None,
            local: LocalWindows::default(),
        }
    }

    /// Counts in Valkey, shared by every instance.
    pub fn shared(valkey: Valkey) -> Self {
        Self {
            shared: Some(valkey),
            local: LocalWindows::default(),
        }
    }

    /// Counts a hit on `key`; `Err(retry_after)` when the limit is exceeded.
    pub async fn hit(&self, key: &str, limit: Limit) -> Result<(), Duration> {
        let key: String = key.chars().take(MAX_KEY_LEN).collect();
        if let Some(valkey) = &self.shared {
            let window_ms = u64::try_from(limit.per.as_millis())
                .unwrap_or(u64::MAX)
                .max(1);
            let counted: Option<(u64, u64)> = valkey
                .run(
                    redis::cmd("EVAL")
                        .arg(HIT_SCRIPT)
                        .arg(1)
                        .arg(format!("rate-limit:{key}"))
                        .arg(window_ms),
                )
                .await;
            if let Some((hits, left_ms)) = counted {
                return if hits > u64::from(limit.max) {
                    Err(Duration::from_millis(left_ms))
                } else {
                    Ok(())
                };
            }
        }
        self.local.hit(key, limit)
    }
}

impl LocalWindows {
    fn hit(&self, key: String, limit: Limit) -> Result<(), Duration> {
        let now = Instant::now();
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, window| now.duration_since(window.started) < window.per);
        }
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
        let limiter = LocalWindows::default();
        let limit = Limit {
            max: 2,
            per: Duration::from_secs(60),
        };
        assert!(limiter.hit("a".into(), limit).is_ok());
        assert!(limiter.hit("a".into(), limit).is_ok());
        let retry_after = limiter.hit("a".into(), limit).unwrap_err();
        assert!(retry_after > Duration::from_secs(58) && retry_after <= limit.per);
        assert!(limiter.hit("b".into(), limit).is_ok());
    }

    #[test]
    fn a_new_window_starts_after_the_old_one() {
        let limiter = LocalWindows::default();
        let limit = Limit {
            max: 1,
            per: Duration::from_millis(30),
        };
        assert!(limiter.hit("a".into(), limit).is_ok());
        assert!(limiter.hit("a".into(), limit).is_err());
        std::thread::sleep(Duration::from_millis(40));
        assert!(limiter.hit("a".into(), limit).is_ok());
    }
}
