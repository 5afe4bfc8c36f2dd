//! Who is signed in: the session's record of it, the middleware that loads the user for each
//! request, and the extractors handlers take ([`AuthUser`], [`RequireAdmin`]).
//!
//! A session stores the user's id and the user's *session epoch* at sign-in. Changing or
//! resetting the password, or "log out other sessions", moves the epoch in the database; a
//! session whose epoch no longer matches is over, wherever it lives.
//!
//! A warm page view costs no database round trip: the session and the user both come from
//! this instance's short-lived copies (`backends::sessions`, [`UserCache`]), and nothing is
//! written unless the session changed.
//!
//! Over 400 lines, kept whole: the session's record and every extractor reading it must agree
//! on one format (epoch, remember, when the user last proved who they are).

use std::sync::Arc;

use axum::{
    extract::{FromRef, FromRequestParts, OptionalFromRequestParts, Request, State},
    http::request::Parts,
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tower_sessions::{Expiry, Session};
use uuid::Uuid;

use super::{
    REMEMBER_FOR, UserCache,
    db::{Role, User},
    paths,
};
use crate::{
    backends::sessions::{Sessions, needs_fresh_reads},
    config::Config,
    error::AppError,
    web::{
        current_user::CurrentUser,
        error_pages::SignedInSlot,
        flash::Flash,
        htmx::{Wants, redirect, same_site_path},
    },
};

const SESSION_KEY: &str = "auth.user";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SessionUser {
    id: Uuid,
    epoch: i32,
    /// "Remember me": the cookie outlives the browser, until `REMEMBER_FOR` after the last
    /// save. tower-sessions keeps an expiry only for the request that set it, so it is set
    /// again whenever such a session is saved (see [`load_current_user`]).
    #[serde(default)]
    remember: bool,
    /// The day (days since 1970) the session was last saved: saving it once a day keeps the
    /// record (and a remembered cookie) alive without a write on every request.
    #[serde(default)]
    saved_on: i64,
    /// This sign-in's row in `user_sessions` (the sessions page); `None` for a session
    /// signed in before there were rows.
    #[serde(default)]
    device: Option<Uuid>,
    /// When the user last proved who they are on this session (Unix seconds): at sign-in and
    /// at each sudo confirmation (see `auth::sudo`). A session from before this was recorded
    /// reads 0: long ago, so its next sensitive action asks.
    #[serde(default)]
    authenticated_at: i64,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn today() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp() / 86_400
}

fn expiry(remember: bool) -> Expiry {
    if remember {
        Expiry::OnInactivity(time::Duration::seconds(
            i64::try_from(REMEMBER_FOR.as_secs()).unwrap_or(i64::MAX),
        ))
    } else {
        Expiry::OnSessionEnd
    }
}

/// Signs `user` in on this session: a new session id (so one planted before sign-in is
/// useless), and a cookie that ends with the browser unless `remember` is set.
pub async fn log_in(session: &Session, user: &User, remember: bool) -> Result<(), AppError> {
    session.cycle_id().await?;
    let signed_in = SessionUser {
        id: user.id,
        epoch: user.session_epoch,
        remember,
        saved_on: today(),
        device: None,
        authenticated_at: now(),
    };
    session.insert(SESSION_KEY, signed_in).await?;
    session.set_expiry(Some(expiry(remember)));
    Ok(())
}

/// Links the signed-in session to its row in `user_sessions` (see `ops::sessions`).
pub async fn attach_device(session: &Session, device: Uuid) -> Result<(), AppError> {
    if let Some(signed_in) = session.get::<SessionUser>(SESSION_KEY).await? {
        let attached = SessionUser {
            device: Some(device),
            ..signed_in
        };
        session.insert(SESSION_KEY, attached).await?;
    }
    Ok(())
}

/// When the signed-in user of `session` last proved who they are (signed in, or confirmed a
/// sensitive action), in Unix seconds; `None` when no one is signed in.
pub async fn authenticated_at(session: &Session) -> Result<Option<i64>, AppError> {
    let signed_in = session.get::<SessionUser>(SESSION_KEY).await?;
    Ok(signed_in.map(|signed_in| signed_in.authenticated_at))
}

/// Records that the signed-in user of `session` has just proved who they are again (sudo
/// mode). Nothing happens when no one is signed in.
pub async fn reauthenticated(session: &Session) -> Result<(), AppError> {
    if let Some(signed_in) = session.get::<SessionUser>(SESSION_KEY).await? {
        let renewed = SessionUser {
            authenticated_at: now(),
            ..signed_in
        };
        session.insert(SESSION_KEY, renewed).await?;
    }
    Ok(())
}

/// The signed-in session's row in `user_sessions`, if it has one.
pub async fn device(session: &Session) -> Result<Option<Uuid>, AppError> {
    let signed_in = session.get::<SessionUser>(SESSION_KEY).await?;
    Ok(signed_in.and_then(|signed_in| signed_in.device))
}

/// Ends the session on the server, not just in the browser.
pub async fn log_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(AppError::from)
}

/// Keeps this session alive across an epoch change it made itself (a password change ends
/// every *other* session), under a new id: whoever else held the old one (a stolen cookie)
/// is out. `false` when the session was ended meanwhile (a logout raced this request): it
/// stays ended.
pub async fn adopt_epoch(
    session: &Session,
    sessions: &Sessions,
    epoch: i32,
) -> Result<bool, AppError> {
    let (Some(id), Some(signed_in)) =
        (session.id(), session.get::<SessionUser>(SESSION_KEY).await?)
    else {
        return Ok(false);
    };
    if !sessions.take(&id).await? {
        return Ok(false);
    }
    session.cycle_id().await?;
    let adopted = SessionUser {
        epoch,
        saved_on: today(),
        ..signed_in
    };
    session.insert(SESSION_KEY, adopted).await?;
    Ok(true)
}

/// The signed-in user, for handlers that need one. Without one, pages redirect to the login
/// page (with `next` to come back), htmx requests get `HX-Redirect` to it.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub email_confirmed_at: Option<time::OffsetDateTime>,
    pub created_at: time::OffsetDateTime,
    /// The epoch this user's sessions must carry (see the module's comment).
    pub(in crate::auth) session_epoch: i32,
}

impl From<User> for AuthUser {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            email: user.email,
            role: user.role,
            email_confirmed_at: user.email_confirmed_at,
            created_at: user.created_at,
            session_epoch: user.session_epoch,
        }
    }
}

impl AuthUser {
    pub fn confirmed(&self) -> bool {
        self.email_confirmed_at.is_some()
    }

    /// For actions that need a confirmed address (see the README).
    pub fn require_confirmed(&self) -> Result<(), AppError> {
        if self.confirmed() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AuthUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        if let Some(user) = parts.extensions.get::<AuthUser>() {
            return Ok(user.clone());
        }
        // Only a page can be returned to: after a POST the browser would GET its URL.
        let back = match parts.method {
            axum::http::Method::GET => parts
                .uri
                .path_and_query()
                .map_or(paths::SITE_ROOT, |path| path.as_str()),
            _ => paths::SITE_ROOT,
        };
        let login = format!("{}?next={}", paths::LOGIN, encode_query_value(back));
        let Ok(wants) = Wants::from_request_parts(parts, &()).await;
        Err(redirect(&wants, &login))
    }
}

/// A live event stream belongs to the signed-in user, and lasts while its session does.
impl crate::live::StreamOwner for AuthUser {
    fn user_id(&self) -> Uuid {
        self.id
    }
    fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    fn signed_in_user<'a>(
        state: &'a crate::AppState,
        id: &'a tower_sessions::session::Id,
    ) -> futures_util::future::BoxFuture<'a, Result<Option<Uuid>, AppError>> {
        Box::pin(signed_in_user(state, id))
    }
}

/// `Option<AuthUser>`: the user if someone is signed in, without redirecting otherwise.
impl<S: Send + Sync> OptionalFromRequestParts<S> for AuthUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &S,
    ) -> Result<Option<Self>, std::convert::Infallible> {
        Ok(parts.extensions.get::<AuthUser>().cloned())
    }
}

/// A signed-in administrator; anyone else signed in gets a 403. With
/// `REQUIRE_TWO_FACTOR_FOR_ADMINS=on`, an administrator without two-factor authentication is
/// sent to set it up first.
pub struct RequireAdmin(pub AuthUser);

impl<S> FromRequestParts<S> for RequireAdmin
where
    S: Send + Sync,
    PgPool: FromRef<S>,
    Arc<Config>: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let user = <AuthUser as FromRequestParts<S>>::from_request_parts(parts, state).await?;
        if user.role != Role::Admin {
            return Err(AppError::Forbidden.into_response());
        }
        if Arc::<Config>::from_ref(state)
            .accounts
            .require_two_factor_for_admins
        {
            let db = PgPool::from_ref(state);
            let enabled = super::two_factor::is_enabled(&db, user.id)
                .await
                .map_err(|error| AppError::from(error).into_response())?;
            if !enabled {
                let flash = Flash::from_request_parts(parts, state)
                    .await
                    .map_err(IntoResponse::into_response)?;
                flash
                    .error(ADMINS_NEED_TWO_FACTOR)
                    .await
                    .map_err(IntoResponse::into_response)?;
                let Ok(wants) = Wants::from_request_parts(parts, state).await;
                return Err(redirect(&wants, paths::ACCOUNT_TWO_FACTOR));
            }
        }
        Ok(Self(user))
    }
}

pub const ADMINS_NEED_TWO_FACTOR: &str =
    "Administrators must turn two-factor authentication on before using the admin pages.";

/// Middleware: finds the session's user, checks the session is still current, and makes the
/// user available to extractors, to the layout and to the error pages.
///
/// A page view may take the session and the user from this instance's copies; a request
/// that changes something reads both from PostgreSQL (`needs_fresh_reads`). A session is
/// only ended on what PostgreSQL says, never on a copy that may be behind the session.
pub async fn load_current_user(
    State(users): State<UserCache>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return next.run(request).await;
    };
    let fresh = needs_fresh_reads(request.method());
    let signed_in = match session.get::<SessionUser>(SESSION_KEY).await {
        Ok(signed_in) => signed_in,
        Err(error) => return AppError::from(error).into_response(),
    };
    if let Some(signed_in) = signed_in {
        match current_user(&users, &signed_in, fresh).await {
            Ok(Some(user)) => {
                // At most one write every few minutes per session (see `note_seen`).
                if let (Some(device), Some(id)) = (signed_in.device, session.id()) {
                    users.note_seen(user.id, device, id, signed_in.epoch).await;
                }
                if signed_in.saved_on != today() {
                    let refreshed = SessionUser {
                        saved_on: today(),
                        ..signed_in
                    };
                    if let Err(error) = session.insert(SESSION_KEY, refreshed).await {
                        tracing::warn!(%error, "could not refresh the session");
                    }
                }
                let current = CurrentUser {
                    email: user.email.clone(),
                    confirmed: user.confirmed(),
                    is_admin: user.role == Role::Admin,
                };
                let extensions = request.extensions_mut();
                // An error page, even one for a timeout or a panic, keeps the user's header.
                SignedInSlot::note(extensions, &current);
                extensions.insert(current);
                extensions.insert(user);
            }
            Ok(None) => {
                // Ended elsewhere (password changed, account gone): forget it here too.
                if let Err(error) = session.flush().await {
                    tracing::warn!(%error, "could not end a stale session");
                }
            }
            Err(error) => return AppError::from(error).into_response(),
        }
    }
    let response = next.run(request).await;
    // Saved by this request (a login, a flash, the daily refresh): a remembered session
    // gets its long expiry again, or the save would make it end with the browser.
    if session.is_modified()
        && let Ok(Some(signed_in)) = session.get::<SessionUser>(SESSION_KEY).await
        && signed_in.remember
    {
        session.set_expiry(Some(expiry(true)));
    }
    response
}

/// The user of a session that is still current, `None` when the session is over.
async fn current_user(
    users: &UserCache,
    signed_in: &SessionUser,
    fresh: bool,
) -> Result<Option<AuthUser>, sqlx::Error> {
    let current = |user: &AuthUser| user.session_epoch == signed_in.epoch;
    let user = users.get(signed_in.id, fresh).await?;
    if fresh || user.as_ref().is_some_and(current) {
        return Ok(user.filter(current));
    }
    // The copy disagrees with the session: the session may be ahead of it (a password
    // changed through another instance). Only PostgreSQL can say which is right.
    users.forget(signed_in.id).await;
    Ok(users.get(signed_in.id, true).await?.filter(current))
}

/// Who the session `id` is signed in as, by PostgreSQL (no copies): `None` once it was logged
/// out, expired or ended by a password change. For long-lived responses (the live event
/// streams) that must stop when their session does.
async fn signed_in_user(
    state: &crate::AppState,
    id: &tower_sessions::session::Id,
) -> Result<Option<Uuid>, AppError> {
    let Some(record) = state.sessions.load_fresh(id).await? else {
        return Ok(None);
    };
    let Some(value) = record.data.get(SESSION_KEY) else {
        return Ok(None);
    };
    let Ok(signed_in) = serde_json::from_value::<SessionUser>(value.clone()) else {
        return Ok(None);
    };
    let user = current_user(&state.users, &signed_in, true).await?;
    Ok(user.map(|user| user.id))
}

/// Only local paths may follow a sign-in: `/account`, never `//evil.example` or
/// `https://evil.example`, which browsers would treat as another site.
pub fn safe_next(next: Option<&str>) -> &str {
    same_site_path(next).unwrap_or(paths::SITE_ROOT)
}

/// Percent-encodes a query parameter value.
pub fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_accepts_only_local_paths() {
        assert_eq!(safe_next(Some("/account?tab=email")), "/account?tab=email");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "evil",
            "/a\\b",
            "/a\nb",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode_query_value("/a?b=c&d"), "/a%3Fb%3Dc%26d");
    }
}
