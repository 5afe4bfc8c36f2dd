//! A small cache of text values with a time to live: in Valkey when `VALKEY_URL` is set (shared
//! by every instance and kept across restarts), in this process otherwise.
//!
//! It only ever saves work: a value missing, expired or unreachable (Valkey down) is computed
//! again by the caller, so nothing may live only here. Keys are namespaced by the caller
//! (`"breached-passwords:range:ABCDE"`).

use std::time::{Duration, Instant};

use super::valkey::Valkey;

/// Values kept at most this many at once in process; the least recently used go first.
const MAX_LOCAL_ENTRIES: u64 = 10_000;

/// Cheap to clone.
#[derive(Clone)]
pub struct Cache {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Shared(Valkey),
    Local(moka::sync::Cache<String, Entry>),
}

#[derive(Clone)]
struct Entry {
    value: String,
    ttl: Duration,
}

/// Each entry expires after its own time to live.
struct PerEntryTtl;

impl moka::Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _: &String, entry: &Entry, _: Instant) -> Option<Duration> {
        Some(entry.ttl)
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backend = match self.backend {
            Backend::Shared(_) => "valkey",
            Backend::Local(_) => "in-process",
        };
        f.debug_struct("Cache").field("backend", &backend).finish()
    }
}

impl Cache {
    pub fn in_process() -> Self {
        Self {
            backend: Backend::Local(
                moka::sync::Cache::builder()
                    .max_capacity(MAX_LOCAL_ENTRIES)
                    .expire_after(PerEntryTtl)
                    .build(),
            ),
        }
    }

    pub fn shared(valkey: Valkey) -> Self {
        Self {
            backend: Backend::Shared(valkey),
        }
    }

    /// The value under `key`, unless it expired (or Valkey cannot be reached).
    pub async fn get(&self, key: &str) -> Option<String> {
        match &self.backend {
            Backend::Shared(valkey) => valkey
                .run::<Option<String>>(redis::cmd("GET").arg(key))
                .await
                .flatten(),
            Backend::Local(entries) => entries.get(key).map(|entry| entry.value),
        }
    }

    /// Keeps `value` under `key` for `ttl` (best effort: an unreachable Valkey keeps nothing).
    pub async fn set(&self, key: &str, value: &str, ttl: Duration) {
        match &self.backend {
            Backend::Shared(valkey) => {
                let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
                let _: Option<()> = valkey
                    .run(redis::cmd("SET").arg(key).arg(value).arg("PX").arg(millis))
                    .await;
            }
            Backend::Local(entries) => entries.insert(
                key.to_owned(),
                Entry {
                    value: value.to_owned(),
                    ttl,
                },
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_value_is_kept_for_its_time_to_live() {
        let cache = Cache::in_process();
        cache.set("short", "1", Duration::from_millis(30)).await;
        cache.set("long", "2", Duration::from_secs(60)).await;
        assert_eq!(cache.get("short").await.as_deref(), Some("1"));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(cache.get("short").await, None);
        assert_eq!(cache.get("long").await.as_deref(), Some("2"));
        assert_eq!(cache.get("never set").await, None);
    }
}
