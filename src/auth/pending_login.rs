//! A sign-in half done: the password was right, the two-factor code is still to come.
//!
//! It is kept in the session under a key of its own, which the middleware that loads the
//! signed-in user never reads: until the second step calls `handlers::login::finish_sign_in`,
//! the session reaches no page a signed-out visitor cannot. It lasts [`VALID_FOR`], and carries
//! the account's session epoch, so that a password change meanwhile ends it as it ends
//! sessions.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use super::db::User;
use crate::error::AppError;

const KEY: &str = "auth.pending_login";

/// How long the second step may wait.
pub const VALID_FOR: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    pub user_id: Uuid,
    pub epoch: i32,
    pub remember: bool,
    /// Where to go once signed in (already checked by `safe_next`).
    pub next: String,
    /// Unix seconds.
    started_at: i64,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Records that `user` gave the right password, under a new session id.
pub async fn begin(
    session: &Session,
    user: &User,
    remember: bool,
    next: &str,
) -> Result<(), AppError> {
    session.cycle_id().await?;
    let pending = PendingLogin {
        user_id: user.id,
        epoch: user.session_epoch,
        remember,
        next: next.to_owned(),
        started_at: now(),
    };
    session.insert(KEY, pending).await?;
    Ok(())
}

/// The sign-in waiting for its second step, unless there is none or it took too long.
pub async fn current(session: &Session) -> Result<Option<PendingLogin>, AppError> {
    let Some(pending) = session.get::<PendingLogin>(KEY).await? else {
        return Ok(None);
    };
    let valid_for = i64::try_from(VALID_FOR.as_secs()).unwrap_or(i64::MAX);
    if now().saturating_sub(pending.started_at) >= valid_for {
        clear(session).await?;
        return Ok(None);
    }
    Ok(Some(pending))
}

pub async fn clear(session: &Session) -> Result<(), AppError> {
    session.remove_value(KEY).await?;
    Ok(())
}
