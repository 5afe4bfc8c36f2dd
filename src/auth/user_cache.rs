//! The signed-in users this instance has seen in the last few seconds, so that a page view
//! does not read the users table: the session says who it is, this says whether that
//! session is still current and what the pages show of the user.
//!
//! Every change to a user is followed by [`UserCache::forget`] after its commit, which drops
//! the copy here at once and announces the change to every other instance (see
//! `backends::invalidation`), so that a password change or "log out other sessions" ends the
//! user's sessions everywhere within milliseconds. A change no instance announced (the
//! `admin` command, an announcement lost while Valkey was down) takes effect within the
//! cache's time to live, `SESSION_CACHE_SECS`.
//!
//! It also remembers which sessions it has recently noted as used ([`UserCache::note_seen`]),
//! so that the sessions page's "last used" costs one write per session every
//! [`LAST_SEEN_EVERY`], not one per page view.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use sqlx::PgPool;
use tower_sessions::session::Id;
use uuid::Uuid;

use super::{AuthUser, db, sessions_db};
use crate::backends::invalidation::{Change, Invalidations, on_remote_change};

/// Users kept at most this many at once; the least recently used go first.
const MAX_CACHED: u64 = 100_000;

/// A session's "last used" is written at most this often (per instance): the sessions page
/// shows it to the nearest few minutes, and the signed-in path stays free of writes.
pub const LAST_SEEN_EVERY: Duration = Duration::from_secs(5 * 60);

/// Cheap to clone (the session layers take one per request): everything inside is shared.
#[derive(Clone)]
pub struct UserCache(Arc<Kept>);

struct Kept {
    db: PgPool,
    users: moka::sync::Cache<Uuid, Option<AuthUser>>,
    /// Moves on every `forget`: a row read before a change committed must not be cached
    /// after the change dropped the entry.
    generation: Arc<AtomicU64>,
    /// Users changed, announced to every instance.
    changes: Invalidations<Uuid>,
    /// Sessions (by their current id) whose use was written less than [`LAST_SEEN_EVERY`]
    /// ago by this instance.
    seen: moka::sync::Cache<Id, ()>,
}

impl UserCache {
    pub fn new(db: PgPool, ttl: Duration, changes: Invalidations<Uuid>) -> Self {
        let cache = Kept {
            db,
            users: moka::sync::Cache::builder()
                .max_capacity(MAX_CACHED)
                .time_to_live(ttl)
                .build(),
            generation: Arc::new(AtomicU64::new(0)),
            changes,
            seen: moka::sync::Cache::builder()
                .max_capacity(MAX_CACHED)
                .time_to_live(LAST_SEEN_EVERY)
                .build(),
        };
        let users = cache.users.clone();
        let generation = cache.generation.clone();
        on_remote_change(&cache.changes, move |change| {
            generation.fetch_add(1, Ordering::AcqRel);
            match change {
                Change::One(id) => users.invalidate(&id),
                Change::All => users.invalidate_all(),
            }
        });
        Self(Arc::new(cache))
    }

    /// Users changed from now on, on any instance.
    pub fn changes(&self) -> &Invalidations<Uuid> {
        &self.0.changes
    }

    /// The user with this id (`None`: no such user): from memory when seen recently, unless
    /// `fresh` asks for PostgreSQL's answer.
    pub async fn get(&self, id: Uuid, fresh: bool) -> Result<Option<AuthUser>, sqlx::Error> {
        if !fresh {
            let cached = self.0.users.get(&id);
            crate::monitoring::cache_lookup("users", cached.is_some());
            if let Some(user) = cached {
                return Ok(user);
            }
        }
        let generation = self.0.generation.load(Ordering::Acquire);
        let user = db::find(&self.0.db, id).await?.map(AuthUser::from);
        self.0.users.insert(id, user.clone());
        // A change committed while this row was read in flight: the row may predate it.
        if self.0.generation.load(Ordering::Acquire) != generation {
            self.0.users.invalidate(&id);
        }
        Ok(user)
    }

    /// Drops what is known of the user, here and on every other instance; call it after
    /// committing a change to them.
    pub async fn forget(&self, id: Uuid) {
        self.0.generation.fetch_add(1, Ordering::AcqRel);
        self.0.users.invalidate(&id);
        self.0.changes.announce(id).await;
    }

    /// Notes that the signed-in session `session_id` (row `device` of `user_id`'s sessions)
    /// is in use at `epoch`: written to PostgreSQL unless this instance did so in the last
    /// [`LAST_SEEN_EVERY`]. Keyed by the session's current id, so a session that took a new
    /// id (an epoch adopted after a password change) has its row follow it on its next
    /// request. A failure is logged, never the request's.
    pub async fn note_seen(&self, user_id: Uuid, device: Uuid, session_id: Id, epoch: i32) {
        if self.0.seen.contains_key(&session_id) {
            return;
        }
        self.0.seen.insert(session_id, ());
        let id = session_id.to_string();
        if let Err(error) = sessions_db::touch(&self.0.db, user_id, device, &id, epoch).await {
            // Tried again after LAST_SEEN_EVERY, not on every request while it fails.
            tracing::warn!(%error, "could not note a session's last use");
        }
    }

    /// Records that `session_id` was just written (at sign-in), so the next page view does not.
    pub fn noted_seen(&self, session_id: Id) {
        self.0.seen.insert(session_id, ());
    }
}
