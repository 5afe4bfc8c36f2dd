//! The sessions page's rules: recording a sign-in (and telling the owner when it comes from a
//! device they have not used lately), listing the signed-in sessions, and ending one.
//!
//! Each sign-in has a row in `user_sessions` (`sessions_db.rs`), linked to its session's row,
//! which says where and when it started and when it was last used. Ending one deletes its
//! session through the session store, which announces it to every instance: their copies
//! drop it, and the live streams of that session close.

use std::{str::FromStr, time::Duration};

use sqlx::PgPool;
use time::OffsetDateTime;
use tower_sessions::{SessionStore, session::Id};
use uuid::Uuid;

use crate::{
    auth::{
        AuthUser,
        db::User,
        devices,
        emails::{self, NewSignIn},
        links::mailbox,
        paths,
        sessions_db::{self, SignedInSession},
    },
    backends::sessions::Sessions,
    email::Mailer,
    error::AppError,
};

/// How long a device is remembered after its last use: a sign-in from one not seen for
/// longer is "new" and noticed by mail; older rows of ended sessions are forgotten.
pub const DEVICE_MEMORY: Duration = Duration::from_secs(90 * 24 * 3600);
/// The sessions the page lists at most (the most recently used); "End all others" ends the
/// rest too.
pub const MAX_LISTED: usize = 50;

const ENDED: &str = "That session was signed out.";
const ALREADY_ENDED: &str = "That session had already ended.";

/// Where a sign-in came from.
#[derive(Debug, Clone, Copy)]
pub struct Client<'a> {
    /// The `User-Agent` header, as sent (empty without one).
    pub user_agent: &'a str,
    /// `web::client_ip::ClientIp`'s text.
    pub ip: &'a str,
}

/// Records the sign-in of `user` as session `session_id` (row `device`), and mails the owner
/// when it comes from a device (browser and system, over IPv4 or IPv6) none of their sessions
/// used within [`DEVICE_MEMORY`]; never on their very first sign-in.
pub async fn record_sign_in(
    db: &PgPool,
    mailer: &Mailer,
    user: &User,
    device: Uuid,
    session_id: &str,
    client: Client<'_>,
) -> Result<(), AppError> {
    let label = devices::describe(client.user_agent);
    let network = devices::network(client.ip);
    let mut tx = db.begin().await?;
    let signed_in_before = sessions_db::any(&mut *tx, user.id).await?;
    let ipv6 = devices::is_ipv6(network.as_deref());
    let known = sessions_db::seen_recently(&mut *tx, user.id, &label, ipv6, DEVICE_MEMORY).await?;
    sessions_db::prune(&mut *tx, user.id, DEVICE_MEMORY).await?;
    let user_agent = devices::stored(client.user_agent);
    let sign_in = sessions_db::NewSignIn {
        id: device,
        user_id: user.id,
        session_id,
        epoch: user.session_epoch,
        user_agent: &user_agent,
        device: &label,
        network: network.as_deref(),
    };
    sessions_db::insert(&mut *tx, &sign_in).await?;
    if signed_in_before && !known {
        let sessions_link = mailer.url(paths::ACCOUNT_SESSIONS);
        let reset_link = mailer.url(paths::PASSWORD_FORGOT);
        let at = when(OffsetDateTime::now_utc());
        let content = emails::new_sign_in(&NewSignIn {
            name: None,
            device: &label,
            network: network.as_deref(),
            at: &at,
            sessions_link: &sessions_link,
            reset_link: &reset_link,
        });
        mailer
            .enqueue(&mut tx, mailbox(&user.email)?, content)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A moment as the page and the mail say it, the same in every time zone:
/// "2026-12-07 12:34 UTC".
pub fn when(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{}-{:02}-{:02} {:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// The user's signed-in sessions, most recently used first, and whether there are more than
/// [`MAX_LISTED`].
pub async fn list(db: &PgPool, user: &AuthUser) -> Result<(Vec<SignedInSession>, bool), AppError> {
    let limit = i64::try_from(MAX_LISTED + 1).unwrap_or(i64::MAX);
    let mut sessions = sessions_db::signed_in(db, user.id, limit).await?;
    let more = sessions.len() > MAX_LISTED;
    sessions.truncate(MAX_LISTED);
    Ok((sessions, more))
}

/// What ending a session did.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// Another session of the user's: signed out everywhere. The message says so.
    Other(&'static str),
    /// The one making the request: the handler signs it out as a logout would.
    ThisOne,
}

/// Ends `user`'s session `id` (its row on the sessions page); `this` is the row of the
/// session asking. A session that is not the user's is a 404.
pub async fn end(
    db: &PgPool,
    sessions: &Sessions,
    user: &AuthUser,
    id: Uuid,
    this: Option<Uuid>,
) -> Result<Ended, AppError> {
    if this == Some(id) {
        return Ok(Ended::ThisOne);
    }
    let Some(session_id) = sessions_db::session_id(db, user.id, id).await? else {
        return Err(AppError::NotFound);
    };
    let Some(session_id) = session_id.and_then(|id| Id::from_str(&id).ok()) else {
        return Ok(Ended::Other(ALREADY_ENDED));
    };
    // Deleted through the store: every instance drops its copy, and the session's live
    // streams close, as after a logout.
    sessions
        .delete(&session_id)
        .await
        .map_err(|error| AppError::from(tower_sessions::session::Error::Store(error)))?;
    Ok(Ended::Other(ENDED))
}
