//! The signed-in users this instance has seen in the last few seconds, so that a page view
//! does not read the users table: the session says who it is, this says whether that
//! session is still current and what the pages show of the user.
//!
//! Every change to a user on this instance is followed by [`UserCache::forget`] after its
//! commit, so it takes effect here at once. A change made by another instance (or the
//! `admin` command) takes effect here within the cache's time to live,
//! `SESSION_CACHE_SECS`.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use sqlx::PgPool;
use uuid::Uuid;

use super::{AuthUser, db};

/// Users kept at most this many at once; the least recently used go first.
const MAX_CACHED: u64 = 100_000;

#[derive(Clone)]
pub struct UserCache {
    db: PgPool,
    users: moka::sync::Cache<Uuid, Option<AuthUser>>,
    /// Moves on every `forget`: a row read before a change committed must not be cached
    /// after the change dropped the entry.
    generation: Arc<AtomicU64>,
}

impl UserCache {
    pub fn new(db: PgPool, ttl: Duration) -> Self {
        Self {
            db,
            users: moka::sync::Cache::builder()
                .max_capacity(MAX_CACHED)
                .time_to_live(ttl)
                .build(),
            generation: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The user with this id (`None`: no such user): from memory when seen recently, unless
    /// `fresh` asks for PostgreSQL's answer.
    pub async fn get(&self, id: Uuid, fresh: bool) -> Result<Option<AuthUser>, sqlx::Error> {
        if !fresh && let Some(user) = self.users.get(&id) {
            return Ok(user);
        }
        let generation = self.generation.load(Ordering::Acquire);
        let user = db::find(&self.db, id).await?.map(AuthUser::from);
        self.users.insert(id, user.clone());
        // A change committed while this row was read in flight: the row may predate it.
        if self.generation.load(Ordering::Acquire) != generation {
            self.users.invalidate(&id);
        }
        Ok(user)
    }

    /// Drops what is known of the user; call it after committing a change to them.
    pub fn forget(&self, id: Uuid) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.users.invalidate(&id);
    }
}
