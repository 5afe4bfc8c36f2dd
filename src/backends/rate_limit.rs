//! Rate limits: fixed windows counted per key. Callers build their keys in one place per
//! feature (see `auth::rate_limits`) and call [`RateLimiter::hit`] with a scope (the form
//! and what is counted, named in code) and a subject (whom: an email address, an IP).
//!
//! **Subjects are never stored in clear.** A key is the scope followed by an HMAC-SHA256 of
//! scope and subject under `SECRET_KEY`: whoever reads Valkey (or this process's memory) sees
//! `login:address:3f9a…`, not an email address, and cannot test guesses without the key. The
//! same subject gives the same key on every instance that shares `SECRET_KEY`, so budgets
//! still count together; the hash also bounds the length of keys made from user input.
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

use anyhow::Context;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

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
    keys: KeyHasher,
}

/// Makes a window's key from a scope and a subject: the subject only as a keyed hash.
struct KeyHasher(Hmac<Sha256>);

#[derive(Default)]
struct LocalWindows {
    windows: Mutex<HashMap<String, Window>>,
}

struct Window {
    started: Instant,
    per: Duration,
    hits: u32,
}

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
    /// Counts in this process only; subjects hashed under `secret`.
    pub fn in_process(secret: &SecretString) -> anyhow::Result<Self> {
        Ok(Self {
            shared: None,
            local: LocalWindows::default(),
            keys: KeyHasher::new(secret)?,
        })
    }

    /// Counts in Valkey, shared by every instance (with the same `secret`).
    pub fn shared(valkey: Valkey, secret: &SecretString) -> anyhow::Result<Self> {
        Ok(Self {
            shared: Some(valkey),
            local: LocalWindows::default(),
            keys: KeyHasher::new(secret)?,
        })
    }

    /// Counts a hit on `subject` within `scope` (e.g. `login:address` and an email address);
    /// `Err(retry_after)` when the limit is exceeded.
    pub async fn hit(&self, scope: &str, subject: &str, limit: Limit) -> Result<(), Duration> {
        let key = self.keys.key(scope, subject);
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

    /// Forgets the count of `subject` within `scope` (an account that was deleted), in
    /// Valkey and in this process.
    pub async fn forget(&self, scope: &str, subject: &str) {
        let key = self.keys.key(scope, subject);
        if let Some(valkey) = &self.shared {
            let _: Option<i64> = valkey
                .run(redis::cmd("DEL").arg(format!("rate-limit:{key}")))
                .await;
        }
        self.local
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&key);
    }
}

impl KeyHasher {
    fn new(secret: &SecretString) -> anyhow::Result<Self> {
        let mac = Hmac::new_from_slice(secret.expose_secret().as_bytes())
            .context("keying the rate limits' hash with SECRET_KEY")?;
        Ok(Self(mac))
    }

    /// `{scope}:{hex of HMAC(scope NUL subject)}`. The scope is in the hash too, so one
    /// address does not give the same hash in every form's keys.
    fn key(&self, scope: &str, subject: &str) -> String {
        let mut mac = self.0.clone();
        mac.update(scope.as_bytes());
        mac.update(&[0]);
        mac.update(subject.as_bytes());
        let hash = mac.finalize().into_bytes();
        format!("{scope}:{}", hex::encode(hash))
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

    fn keyed_by(secret: &str) -> RateLimiter {
        RateLimiter::in_process(&SecretString::from(secret)).unwrap()
    }

    #[tokio::test]
    async fn keys_hold_a_keyed_hash_of_the_subject_never_the_subject() {
        let limiter = keyed_by("one secret key of thirty-two characters");
        let limit = Limit {
            max: 5,
            per: Duration::from_secs(60),
        };
        limiter
            .hit("login:address", "ada@example.com", limit)
            .await
            .unwrap();
        let keys: Vec<String> = limiter
            .local
            .windows
            .lock()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys.len(), 1);
        let key = &keys[0];
        assert!(key.starts_with("login:address:"), "{key}");
        assert!(!key.contains("ada") && !key.contains("example"), "{key}");
        assert_eq!(key.len(), "login:address:".len() + 64);

        // The same subject and key: the same window, on any instance.
        let again = keyed_by("one secret key of thirty-two characters");
        assert_eq!(again.keys.key("login:address", "ada@example.com"), *key);
        // Another key, another scope or another subject: unrelated windows.
        let other = keyed_by("another secret key, thirty-two chars");
        assert_ne!(other.keys.key("login:address", "ada@example.com"), *key);
        let hash = &key["login:address:".len()..];
        assert!(
            !limiter
                .keys
                .key("register:address", "ada@example.com")
                .ends_with(hash)
        );
        assert_ne!(limiter.keys.key("login:address", "bob@example.com"), *key);
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
