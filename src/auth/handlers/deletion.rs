//! Deleting the account: the page that asks, and the deletion, with the answers of
//! `ops::deletion`. Both need a recent sign-in (sudo mode): past the window, the page sends to
//! the confirmation and back, and the deletion asks for the password in place first.

use axum::{extract::State, response::Response};
use tower_sessions::Session;

use crate::{
    auth::{
        RequireSudo,
        ops::deletion::{self, Outcome, Services},
        paths, session,
        views::deletion as views,
    },
    error::AppError,
    state::AppState,
    web::{
        flash::Flash,
        htmx::{Wants, redirect},
        layout::{Page, PageLayout},
    },
};

const TITLE: &str = "Delete your account";

pub async fn show(
    _: paths::DeleteAccountPath,
    layout: PageLayout,
    RequireSudo(user, _): RequireSudo,
) -> Page {
    layout.render(TITLE, views::confirm_delete(&user)).await
}

pub async fn delete(
    _: paths::DeleteAccountPath,

    State(state): State<AppState>,
    session: Session,
    flash: Flash,
    wants: Wants,
    RequireSudo(user, _): RequireSudo,
) -> Result<Response, AppError> {
    let services = Services {
        mailer: &state.mailer,
        users: &state.users,
        sessions: &state.sessions,
        limiter: &state.rate_limiter,
    };
    match deletion::delete(&state.db, &services, &user).await? {
        Outcome::Deleted => {
            session::log_out(&session).await?;
            flash.success(deletion::DELETED).await?;
            Ok(redirect(&wants, paths::SITE_ROOT))
        }
        Outcome::SessionEnded => {
            state.users.forget(user.id).await;
            session::log_out(&session).await?;
            Ok(redirect(&wants, paths::LOGIN))
        }
    }
}
