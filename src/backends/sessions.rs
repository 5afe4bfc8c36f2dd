//! Session storage: PostgreSQL (tower-sessions' sqlx store), with a short-lived in-process
//! copy in front so that a signed-in page view reads nothing from the database when the same
//! session was seen in the last few seconds.
//!
//! Writes go to PostgreSQL first and then to the copy, and a logout deletes both, so this
//! instance is always current. Another instance's copy may lag by at most
//! `SESSION_CACHE_SECS` (see [`SessionConfig`](crate::config::SessionConfig)): a session
//! ended there is still honoured here for that long.
//!
//! When PostgreSQL fails while tower-sessions saves a session, the session layer answers a
//! bare 500 of its own. [`report_store_outages`] notices that the store failed during the
//! request and turns the answer into the 503 outage page every other unreachable-database
//! error gets.

use std::{cell::Cell, time::Duration};

use async_trait::async_trait;
use axum::{
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use sqlx::PgPool;
use time::OffsetDateTime;
use tower_sessions::{
    CachingSessionStore, SessionStore,
    session::{Id, Record},
    session_store,
};
use tower_sessions_sqlx_store::PostgresStore;

use crate::error::AppError;

/// The store the session layer uses.
pub type Store = CachingSessionStore<RecentSessions, Reporting<PostgresStore>>;

/// Sessions kept at most this many at once in memory; the least recently used go first.
const MAX_CACHED: u64 = 100_000;

pub fn store(db: PgPool, cache_ttl: Duration) -> Store {
    CachingSessionStore::new(
        RecentSessions::new(cache_ttl),
        Reporting(PostgresStore::new(db)),
    )
}

/// Sessions read or written on this instance in the last `ttl`.
#[derive(Debug, Clone)]
pub struct RecentSessions {
    records: moka::sync::Cache<Id, Record>,
}

impl RecentSessions {
    fn new(ttl: Duration) -> Self {
        Self {
            records: moka::sync::Cache::builder()
                .max_capacity(MAX_CACHED)
                .time_to_live(ttl)
                .build(),
        }
    }
}

#[async_trait]
impl SessionStore for RecentSessions {
    /// PostgreSQL has already given the record its unique id; the copy just follows.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.records.insert(record.id, record.clone());
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.records.insert(record.id, record.clone());
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        Ok(self
            .records
            .get(id)
            .filter(|record| record.expiry_date > OffsetDateTime::now_utc()))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.records.invalidate(id);
        Ok(())
    }
}

tokio::task_local! {
    /// Set when the session store failed during the current request.
    static STORE_FAILED: Cell<bool>;
}

/// A store that marks the current request when it fails (see [`report_store_outages`]).
#[derive(Debug, Clone)]
pub struct Reporting<S>(S);

impl<S> Reporting<S> {
    fn noted<T>(result: session_store::Result<T>) -> session_store::Result<T> {
        if result.is_err() {
            // Outside a request (the expiry sweep) there is nobody to tell.
            let _ = STORE_FAILED.try_with(|failed| failed.set(true));
        }
        result
    }
}

#[async_trait]
impl<S: SessionStore> SessionStore for Reporting<S> {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        Self::noted(self.0.create(record).await)
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        Self::noted(self.0.save(record).await)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        Self::noted(self.0.load(id).await)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        Self::noted(self.0.delete(id).await)
    }
}

/// Middleware, directly outside the session layer: a 500 answered while the session store
/// was failing becomes a 503 (the store is unavailable, not the app broken).
pub async fn report_store_outages(request: Request, next: Next) -> Response {
    STORE_FAILED
        .scope(Cell::new(false), async move {
            let response = next.run(request).await;
            if response.status() == StatusCode::INTERNAL_SERVER_ERROR
                && STORE_FAILED.with(Cell::get)
            {
                tracing::warn!("session store unavailable");
                return AppError::Unavailable("session store").into_response();
            }
            response
        })
        .await
}

/// Deletes expired sessions from PostgreSQL every ten minutes, for as long as it runs.
pub async fn delete_expired_sessions(db: PgPool) {
    use tower_sessions::ExpiredDeletion;
    if let Err(error) = PostgresStore::new(db)
        .continuously_delete_expired(Duration::from_secs(600))
        .await
    {
        tracing::error!(%error, "deleting expired sessions stopped");
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn record(expires_in: time::Duration) -> Record {
        Record {
            id: Id::default(),
            data: HashMap::new(),
            expiry_date: OffsetDateTime::now_utc() + expires_in,
        }
    }

    #[tokio::test]
    async fn a_copy_lives_as_long_as_the_ttl_and_never_past_its_expiry() {
        let recent = RecentSessions::new(Duration::from_millis(50));
        let live = record(time::Duration::hours(1));
        let expired = record(time::Duration::seconds(-1));
        recent.save(&live).await.unwrap();
        recent.save(&expired).await.unwrap();
        assert!(recent.load(&live.id).await.unwrap().is_some());
        assert!(recent.load(&expired.id).await.unwrap().is_none());

        recent.delete(&live.id).await.unwrap();
        assert!(recent.load(&live.id).await.unwrap().is_none());

        recent.save(&live).await.unwrap();
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert!(recent.load(&live.id).await.unwrap().is_none());
    }
}
