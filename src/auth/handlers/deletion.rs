//! Deleting the account: the page that asks, and the deletion, with the answers of
//! `ops::deletion`.

use axum::{extract::State, response::Response};
use tower_sessions::Session;

use crate::{
    auth::{
        AuthUser,
        forms::DeleteAccountForm,
        ops::deletion::{self, Outcome, Services},
        paths, session,
        views::deletion as views,
    },
    error::AppError,
    state::AppState,
    web::{
        flash::Flash,
        form::{FieldErrors, ValidatedForm, unprocessable},
        htmx::redirect,
        layout::{Page, PageLayout},
    },
};

const TITLE: &str = "Delete your account";

pub async fn show(_: paths::DeleteAccountPath, user: AuthUser, layout: PageLayout) -> Page {
    let page = views::confirm_delete(&user, &FieldErrors::default());
    layout.render(TITLE, page).await
}

pub async fn delete(
    _: paths::DeleteAccountPath,

    State(state): State<AppState>,
    user: AuthUser,
    session: Session,
    flash: Flash,
    layout: PageLayout,
    form: ValidatedForm<DeleteAccountForm>,
) -> Result<Response, AppError> {
    let (form, _) = form.into_parts();
    let services = Services {
        mailer: &state.mailer,
        users: &state.users,
        sessions: &state.sessions,
        limiter: &state.rate_limiter,
    };
    match deletion::delete_account(&state.db, &services, &user, &form).await? {
        Ok(Outcome::Deleted) => {
            session::log_out(&session).await?;
            flash.success(deletion::DELETED).await?;
            Ok(redirect(layout.wants(), paths::SITE_ROOT))
        }
        Ok(Outcome::SessionEnded) => {
            state.users.forget(user.id).await;
            session::log_out(&session).await?;
            Ok(redirect(layout.wants(), paths::LOGIN))
        }
        Err(errors) => {
            let page = views::confirm_delete(&user, &errors);
            Ok(unprocessable(layout.render(TITLE, page).await))
        }
    }
}
