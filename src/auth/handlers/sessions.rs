//! The sessions page and ending one session, with the answers of `ops::sessions`; and the
//! record every sign-in leaves for that page ([`record_sign_in`]).

use axum::{
    extract::State,
    http::{HeaderMap, header::USER_AGENT},
    response::Response,
};
use tower_sessions::Session;
use uuid::Uuid;

use crate::{
    auth::{
        AuthUser,
        db::User,
        ops::sessions::{self, Client, Ended},
        paths, session,
        views::sessions as views,
    },
    error::AppError,
    state::AppState,
    web::{
        flash::Flash,
        htmx::{Wants, redirect},
        layout::{Page, PageLayout},
        public_id::PublicId,
    },
};

const TITLE: &str = "Your sessions";

pub async fn show(
    _: paths::SessionsPath,

    State(db): State<sqlx::PgPool>,
    user: AuthUser,
    session: Session,
    layout: PageLayout,
) -> Result<Page, AppError> {
    let (list, more) = sessions::list(&db, &user).await?;
    let this = session::device(&session).await?;
    Ok(layout
        .render(TITLE, views::sessions(&list, this, more))
        .await)
}

pub async fn end(
    paths::EndSessionPath { id: PublicId(id) }: paths::EndSessionPath,

    State(state): State<AppState>,
    user: AuthUser,
    session: Session,
    flash: Flash,
    wants: Wants,
) -> Result<Response, AppError> {
    let this = session::device(&session).await?;
    match sessions::end(&state.db, &state.sessions, &user, id, this).await? {
        Ended::Other(message) => {
            flash.success(message).await?;
            Ok(redirect(&wants, paths::ACCOUNT_SESSIONS))
        }
        Ended::ThisOne => {
            session::log_out(&session).await?;
            Ok(redirect(&wants, paths::SITE_ROOT))
        }
    }
}

/// Records a completed sign-in of `user` on `session` for the sessions page (and the
/// new-device notice): call it once the session is signed in, whatever the way in.
pub async fn record_sign_in(
    state: &AppState,
    session: &Session,
    user: &User,
    headers: &HeaderMap,
    client_ip: &str,
) -> Result<(), AppError> {
    let device = Uuid::new_v4();
    session::attach_device(session, device).await?;
    // Saved now rather than after the response, so the row can name the session's new id.
    session.save().await?;
    let Some(id) = session.id() else {
        return Ok(());
    };
    let session_id = id.to_string();
    let user_agent = headers
        .get(USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let client = Client {
        user_agent,
        ip: client_ip,
    };
    sessions::record_sign_in(&state.db, &state.mailer, user, device, &session_id, client).await?;
    state.users.noted_seen(id);
    Ok(())
}
