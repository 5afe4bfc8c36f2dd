//! The account page: its summary, and changing the password, changing the address, and
//! ending the other sessions, with the answers of `ops::account`. The first two need a recent
//! sign-in (sudo mode).

use axum::{extract::State, response::Response};
use tower_sessions::Session;

use crate::{
    auth::{
        AuthUser, RequireSudo,
        forms::{ChangeEmailForm, NewPasswordForm},
        ops::account::{self, Outcome},
        paths, session,
        views::{self, AccountForms},
    },
    error::AppError,
    state::AppState,
    web::{
        client_ip::ClientIp,
        flash::Flash,
        form::{ValidatedForm, unprocessable},
        htmx::{Wants, redirect},
        layout::{Page, PageLayout},
    },
};

const TITLE: &str = "Your account";

/// Everything shown comes with the signed-in user: no query.
pub async fn show(_: paths::AccountPath, user: AuthUser, layout: PageLayout) -> Page {
    layout
        .render(TITLE, views::account(&user, &AccountForms::default()))
        .await
}

pub async fn change_password(
    _: paths::AccountPasswordPath,

    State(state): State<AppState>,
    session: Session,
    flash: Flash,
    layout: PageLayout,
    RequireSudo(user, form): RequireSudo<ValidatedForm<NewPasswordForm>>,
) -> Result<Response, AppError> {
    let (form, errors) = form.into_parts();
    let (db, users, limiter) = (&state.db, &state.users, &state.rate_limiter);
    let breach_check = &state.breach_check;
    match account::change_password(db, users, limiter, breach_check, &user, &form, errors).await? {
        Ok(outcome) => answer(&state, &user, &session, flash, layout.wants(), outcome).await,
        Err(errors) => {
            let forms = AccountForms {
                password_errors: errors,
                ..Default::default()
            };
            let page = views::account(&user, &forms);
            Ok(unprocessable(layout.render(TITLE, page).await))
        }
    }
}

pub async fn change_email(
    _: paths::AccountEmailPath,

    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
    flash: Flash,
    layout: PageLayout,
    RequireSudo(user, form): RequireSudo<ValidatedForm<ChangeEmailForm>>,
) -> Result<Response, AppError> {
    let (form, errors) = form.into_parts();
    let (db, mailer, limiter) = (&state.db, &state.mailer, &state.rate_limiter);
    match account::change_email(db, mailer, limiter, &ip, &user, &form, errors).await? {
        Ok(outcome) => answer(&state, &user, &session, flash, layout.wants(), outcome).await,
        Err(errors) => {
            let forms = AccountForms {
                email_value: &form.email,
                email_errors: errors,
                ..Default::default()
            };
            let page = views::account(&user, &forms);
            Ok(unprocessable(layout.render(TITLE, page).await))
        }
    }
}

pub async fn end_other_sessions(
    _: paths::EndOtherSessionsPath,

    State(state): State<AppState>,
    user: AuthUser,
    session: Session,
    flash: Flash,
    wants: Wants,
) -> Result<Response, AppError> {
    let outcome = account::end_other_sessions(&state.db, &state.users, &user).await?;
    answer(&state, &user, &session, flash, &wants, outcome).await
}

/// Back to the account page with the change's message; or, when this session was ended by a
/// change made meanwhile (through another session), to the login page: it may not make
/// changes of its own, so it ends here too.
async fn answer(
    state: &AppState,
    user: &AuthUser,
    session: &Session,
    flash: Flash,
    wants: &Wants,
    outcome: Outcome,
) -> Result<Response, AppError> {
    let message = match outcome {
        Outcome::OthersEnded { epoch, message }
            if session::adopt_epoch(session, &state.sessions, epoch).await? =>
        {
            message.to_owned()
        }
        Outcome::LinkSent(message) => message,
        Outcome::OthersEnded { .. } | Outcome::SessionEnded => {
            state.users.forget(user.id).await;
            session::log_out(session).await?;
            return Ok(redirect(wants, paths::LOGIN));
        }
    };
    flash.success(message).await?;
    Ok(redirect(wants, paths::ACCOUNT))
}
