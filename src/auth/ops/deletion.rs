//! Deleting an account, and everything of it.
//!
//! One transaction removes the user's rows: the user, and with it (foreign keys `ON DELETE
//! CASCADE`) their contacts, files' records, search words, tokens, jobs (exports) and
//! sessions' rows; their sessions themselves; every message to them in the outbox, queued or
//! sent, with its delivery job (a message still queued is never sent); and their name from the
//! administrators' record of job actions. In the same transaction it queues the removal of
//! their objects from storage (`auth::jobs`), named by each feature that keeps some
//! ([`StoredObjects`]), and the message that confirms the deletion, queued after the others
//! were dropped.
//!
//! Once committed: every instance is told the user and their sessions are gone (their copies
//! drop them, the live streams of those sessions close), and the rate limits that counted
//! them are forgotten.

use std::time::Duration;

use futures_util::future::BoxFuture;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use tower_sessions::{SessionStore, session::Id};
use uuid::Uuid;

use crate::{
    auth::{
        AuthUser, UserCache, db, deletion_db,
        emails::{self, AccountDeleted},
        jobs::removal_jobs,
        links::mailbox,
        paths, rate_limits,
    },
    backends::{rate_limit::RateLimiter, sessions::Sessions},
    email::Mailer,
    error::AppError,
    jobs,
};

/// The flash message once the account is gone.
pub const DELETED: &str = "Your account was deleted. A last message confirms it.";

/// How long after the deletion its objects are removed a second time: an upload or an
/// export that was under way when the account went may store its object just after.
pub const LATE_WRITES: Duration = Duration::from_secs(15 * 60);

/// Objects a feature keeps in storage for a user, so that deleting the account removes them:
/// registered by the feature beside its code, as jobs are.
///
/// ```ignore
/// inventory::submit! { StoredObjects { feature: "files", keys: object_keys } }
/// ```
pub struct StoredObjects {
    pub feature: &'static str,
    /// The keys of every object the feature stores for the user, read in the deletion's
    /// transaction (before their records go).
    pub keys: KeysOf,
}

inventory::collect!(StoredObjects);

/// How a feature reads the keys of a user's objects (see [`StoredObjects`]).
pub type KeysOf =
    for<'c> fn(&'c mut PgConnection, Uuid) -> BoxFuture<'c, Result<Vec<String>, sqlx::Error>>;

/// What deleting the account did.
#[derive(Debug)]
pub enum Outcome {
    /// Gone; the handler ends this session (already deleted on the server) in the browser.
    Deleted,
    /// This session was ended by a change made meanwhile: nothing was deleted.
    SessionEnded,
}

/// The services the deletion reaches besides the database.
pub struct Services<'a> {
    pub mailer: &'a Mailer,
    pub users: &'a UserCache,
    pub sessions: &'a Sessions,
    pub limiter: &'a RateLimiter,
}

/// Deletes `user`'s account. The caller has asked, and made sure it is them (sudo mode).
pub async fn delete(
    db: &PgPool,
    services: &Services<'_>,
    user: &AuthUser,
) -> Result<Outcome, AppError> {
    let mut tx = db.begin().await?;
    // Only from a session that is still current; the row lock keeps a concurrent password
    // change, or a second deletion, out until this one is done.
    if db::lock_epoch(&mut tx, user.id).await? != Some(user.session_epoch) {
        return Ok(Outcome::SessionEnded);
    }
    let mut keys = Vec::new();
    for objects in inventory::iter::<StoredObjects> {
        let found = (objects.keys)(&mut tx, user.id).await?;
        tracing::debug!(
            feature = objects.feature,
            objects = found.len(),
            "account objects"
        );
        keys.extend(found);
    }
    let addresses = deletion_db::addresses(&mut tx, user.id, &user.email).await?;
    let sessions = deletion_db::end_sessions(&mut tx, user.id).await?;
    let delivery = crate::email::jobs::DELIVERY.name();
    let dropped = deletion_db::drop_mail(&mut tx, &addresses, delivery).await?;
    deletion_db::anonymise_admin_actions(&mut tx, user.id, &user.email).await?;
    if !deletion_db::delete_user(&mut tx, user.id).await? {
        return Ok(Outcome::SessionEnded);
    }
    let later = OffsetDateTime::now_utc() + LATE_WRITES;
    for job in removal_jobs(&keys, None)
        .into_iter()
        .chain(removal_jobs(&keys, Some(later)))
    {
        jobs::db::enqueue(&mut tx, &job).await?;
    }
    let register_link = services.mailer.url(paths::REGISTER);
    let content = emails::account_deleted(&AccountDeleted {
        name: None,
        register_link: &register_link,
    });
    services
        .mailer
        .enqueue(&mut tx, mailbox(&user.email)?, content)
        .await?;
    tx.commit().await?;
    tracing::info!(
        user_id = %user.id,
        objects = keys.len(),
        sessions = sessions.len(),
        messages_dropped = dropped,
        "account deleted"
    );

    services.users.forget(user.id).await;
    for id in sessions.iter().filter_map(|id| id.parse::<Id>().ok()) {
        // The row is gone already; this tells every instance, and the session's streams.
        if let Err(error) = services.sessions.delete(&id).await {
            tracing::warn!(%error, "could not announce the end of a deleted account's session");
        }
    }
    rate_limits::forget(services.limiter, user.id, &addresses).await;
    Ok(Outcome::Deleted)
}
