//! Session storage: the `tower_sessions.session` table in PostgreSQL, with a short-lived copy
//! in this process so that a signed-in page view usually reads nothing from the database.
//!
//! The rules that keep the copy honest:
//!
//! - **A request that changes something reads PostgreSQL.** POST, PUT, PATCH and DELETE load
//!   the session from the table, never from the copy (see [`session_scope`]), so every change
//!   is authorised against the current state. Page views (GET, HEAD) may use a copy up to
//!   `SESSION_CACHE_SECS` old: a logout made on another instance is honoured here that much
//!   later, for page views only.
//! - **A session that ended stays ended.** Saving updates an existing row and never inserts
//!   one, so an instance holding an old copy cannot bring back a session that was logged out
//!   elsewhere; only a new session (a new id) is inserted.
//! - **PostgreSQL first.** Every write goes to the table and only then to the copy, so a
//!   failed write never leaves the copy ahead of the database; and a copy read while the
//!   session was being deleted is dropped, not kept.
//! - **A session that takes a new id checks first that it still exists** ([`Sessions::take`]),
//!   so a new id never outlives a logout that raced it.
//! - **Every instance drops its copy of a session that changed or ended** when this one
//!   announces it (`backends::invalidation`, through Valkey's pub/sub when it is set up), so
//!   a logout is honoured everywhere within milliseconds; the time to live only bounds how
//!   stale a copy gets when announcements are lost (Valkey down).
//! - **A row that cannot be read back is no session**: it is deleted, and the browser starts
//!   over, rather than being refused on every page until its cookie expires.
//!
//! When the table cannot be reached while tower-sessions saves a session, the session layer
//! answers a bare 500 of its own; [`session_scope`] turns it into the 503 outage page every
//! other unreachable-database error gets.
//!
//! (tower-sessions' own sqlx store saves with an upsert, which would let an old copy bring a
//! logged-out session back; this store keeps its table and encoding.)

use std::{
    cell::Cell,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use axum::{
    extract::Request,
    http::{Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sqlx::PgPool;
use time::OffsetDateTime;
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store::{self, Error},
};

use super::invalidation::{Change, Invalidations, on_remote_change};
use crate::error::AppError;

/// Sessions kept at most this many at once in memory; the least recently used go first.
const MAX_CACHED: u64 = 100_000;

/// Whether a request must read the session and the user from PostgreSQL rather than from a
/// copy: any request that may change something.
pub fn needs_fresh_reads(method: &Method) -> bool {
    !method.is_safe()
}

/// The session store the session layer uses. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Sessions {
    db: PgPool,
    recent: moka::sync::Cache<Id, Record>,
    /// Moves on every delete: a copy read or written while a delete ran is not kept.
    deletions: Arc<AtomicU64>,
    /// Sessions changed or ended, announced to every instance.
    changes: Invalidations<Id>,
}

impl Sessions {
    pub fn new(db: PgPool, cache_ttl: Duration, changes: Invalidations<Id>) -> Self {
        let sessions = Self {
            db,
            recent: moka::sync::Cache::builder()
                .max_capacity(MAX_CACHED)
                .time_to_live(cache_ttl)
                .build(),
            deletions: Arc::new(AtomicU64::new(0)),
            changes,
        };
        let recent = sessions.recent.clone();
        let deletions = sessions.deletions.clone();
        on_remote_change(&sessions.changes, move |change| {
            deletions.fetch_add(1, Ordering::AcqRel);
            match change {
                Change::One(id) => recent.invalidate(&id),
                Change::All => recent.invalidate_all(),
            }
        });
        sessions
    }

    /// Sessions changed or ended from now on, on any instance.
    pub fn changes(&self) -> &Invalidations<Id> {
        &self.changes
    }

    fn cached(&self, id: &Id) -> Option<Record> {
        self.recent
            .get(id)
            .filter(|record| record.expiry_date > OffsetDateTime::now_utc())
    }

    /// Keeps `record` as the copy, unless a delete ran since `deletions_before` was read (it
    /// may have deleted this very session after the database answered).
    fn remember(&self, record: &Record, deletions_before: u64) {
        self.recent.insert(record.id, record.clone());
        if self.deletions.load(Ordering::Acquire) != deletions_before {
            self.recent.invalidate(&record.id);
        }
    }

    async fn forget(&self, id: &Id) {
        self.deletions.fetch_add(1, Ordering::AcqRel);
        self.recent.invalidate(id);
        self.changes.announce(*id).await;
    }

    /// Deletes the session's row and says whether it was still there. A session about to
    /// take a new id (`Session::cycle_id`, which deletes the old row and inserts the new one
    /// when the response is saved) calls this first: `false` means a logout or an expiry
    /// ended it meanwhile, and it must not come back under a new id.
    pub async fn take(&self, id: &Id) -> Result<bool, sqlx::Error> {
        let deleted = sqlx::query!(
            "DELETE FROM tower_sessions.session WHERE id = $1 AND expiry_date > now()",
            id.to_string()
        )
        .execute(&self.db)
        .await?;
        self.forget(id).await;
        Ok(deleted.rows_affected() == 1)
    }

    /// The session as PostgreSQL has it now, whatever the copy says.
    pub async fn load_fresh(&self, id: &Id) -> Result<Option<Record>, sqlx::Error> {
        let data = sqlx::query_scalar!(
            "SELECT data FROM tower_sessions.session WHERE id = $1 AND expiry_date > now()",
            id.to_string(),
        )
        .fetch_optional(&self.db)
        .await?;
        Ok(data.and_then(|data| decode(&data).ok()))
    }

    /// Deletes expired sessions every ten minutes, for as long as it runs.
    pub async fn delete_expired_continuously(self) {
        loop {
            if let Err(error) =
                sqlx::query!("DELETE FROM tower_sessions.session WHERE expiry_date < now()")
                    .execute(&self.db)
                    .await
            {
                tracing::warn!(%error, "could not delete expired sessions");
            }
            tokio::time::sleep(Duration::from_secs(600)).await;
        }
    }
}

fn encode(record: &Record) -> session_store::Result<Vec<u8>> {
    rmp_serde::to_vec(record).map_err(|error| Error::Encode(error.to_string()))
}

fn decode(data: &[u8]) -> session_store::Result<Record> {
    rmp_serde::from_slice(data).map_err(|error| Error::Decode(error.to_string()))
}

/// A database error as the session layer sees it, noted for [`session_scope`].
fn backend(error: sqlx::Error) -> Error {
    note_failure();
    Error::Backend(error.to_string())
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A random 128-bit id; on the rare collision, another one.
        loop {
            let inserted = sqlx::query!(
                r#"
                INSERT INTO tower_sessions.session (id, data, expiry_date) VALUES ($1, $2, $3)
                ON CONFLICT (id) DO NOTHING
                "#,
                record.id.to_string(),
                encode(record)?,
                record.expiry_date,
            )
            .execute(&self.db)
            .await
            .map_err(backend)?;
            if inserted.rows_affected() == 1 {
                break;
            }
            record.id = Id::default();
        }
        // A brand-new id: no delete can concern it.
        self.recent.insert(record.id, record.clone());
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let deletions_before = self.deletions.load(Ordering::Acquire);
        let updated = sqlx::query!(
            r#"
            UPDATE tower_sessions.session SET data = $2, expiry_date = $3
            WHERE id = $1 AND expiry_date > now()
            "#,
            record.id.to_string(),
            encode(record)?,
            record.expiry_date,
        )
        .execute(&self.db)
        .await
        .map_err(backend)?;
        if updated.rows_affected() == 1 {
            self.remember(record, deletions_before);
            // Other instances' copies are behind now.
            self.changes.announce(record.id).await;
        } else {
            // Ended meanwhile (a logout, the expiry): it stays ended, and what this request
            // wrote into it (a flash message, say) goes with it.
            self.recent.invalidate(&record.id);
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        // A read that must be fresh is neither a hit nor a miss: the copy was not asked.
        if !in_request_needing_fresh_reads() {
            let cached = self.cached(id);
            crate::monitoring::cache_lookup("sessions", cached.is_some());
            if let Some(record) = cached {
                return Ok(Some(record));
            }
        }
        let deletions_before = self.deletions.load(Ordering::Acquire);
        let data = sqlx::query_scalar!(
            "SELECT data FROM tower_sessions.session WHERE id = $1 AND expiry_date > now()",
            id.to_string(),
        )
        .fetch_optional(&self.db)
        .await
        .map_err(backend)?;
        let Some(data) = data else {
            self.recent.invalidate(id);
            return Ok(None);
        };
        match decode(&data) {
            Ok(record) => {
                self.remember(&record, deletions_before);
                Ok(Some(record))
            }
            Err(error) => {
                // Written by another version, or damaged: start over rather than refuse
                // this browser on every page until its cookie expires.
                tracing::warn!(%error, "unreadable session deleted");
                self.delete(id).await?;
                Ok(None)
            }
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query!(
            "DELETE FROM tower_sessions.session WHERE id = $1",
            id.to_string()
        )
        .execute(&self.db)
        .await
        .map_err(backend)?;
        self.forget(id).await;
        Ok(())
    }
}

/// What the store knows of the request it serves.
struct RequestScope {
    fresh_reads: bool,
    store_failed: Cell<bool>,
}

tokio::task_local! {
    static REQUEST: RequestScope;
}

fn in_request_needing_fresh_reads() -> bool {
    // Outside a request (a command, the sweep) there is no copy worth trusting either.
    REQUEST.try_with(|scope| scope.fresh_reads).unwrap_or(true)
}

fn note_failure() {
    // Outside a request there is nobody to tell.
    let _ = REQUEST.try_with(|scope| scope.store_failed.set(true));
}

/// Middleware, directly outside the session layer: tells the store whether this request may
/// use its copy, and turns a 500 answered while the store was failing into a 503 (the store
/// is unavailable, not the app broken).
pub async fn session_scope(request: Request, next: Next) -> Response {
    let scope = RequestScope {
        fresh_reads: needs_fresh_reads(request.method()),
        store_failed: Cell::new(false),
    };
    REQUEST
        .scope(scope, async move {
            let response = next.run(request).await;
            let failed = REQUEST.with(|scope| scope.store_failed.get());
            if response.status() == StatusCode::INTERNAL_SERVER_ERROR && failed {
                return AppError::Unavailable("session store").into_response();
            }
            response
        })
        .await
}
