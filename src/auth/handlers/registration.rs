//! Signing up, confirming an address (the account's own, or a new one after a change), and
//! asking for a new confirmation link: the pages, and the answers of `ops::registration`.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use maud::Markup;
use tower_sessions::Session;

use super::{BAD_LINK, TokenQuery, link_problem};
use crate::{
    auth::{
        AuthUser,
        fields::ids,
        forms::{EmailForm, RegisterForm},
        ops::registration::{self, Confirmation, Registration},
        paths, session, views,
    },
    error::AppError,
    state::AppState,
    web::{
        client_ip::ClientIp,
        flash::Flash,
        form::{FieldErrors, ValidatedForm, unprocessable},
        htmx::redirect,
        layout::{Page, PageLayout},
        query::Query,
    },
};

/// Someone signed in already has an account: they go home, as from the login page.
pub async fn show(_: paths::RegisterPath, layout: PageLayout, user: Option<AuthUser>) -> Response {
    if user.is_some() {
        return redirect(layout.wants(), paths::SITE_ROOT);
    }
    layout
        .render("Sign up", views::register("", &FieldErrors::default()))
        .await
        .into_response()
}

pub async fn register(
    _: paths::RegisterPath,

    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    layout: PageLayout,
    form: ValidatedForm<RegisterForm>,
) -> Result<Response, AppError> {
    let form = match form.valid() {
        Ok(form) => form,
        Err(invalid) => {
            let page = views::register(&invalid.input.email, &invalid.errors);
            return Ok(unprocessable(layout.render("Sign up", page).await));
        }
    };
    let (db, mailer, limiter) = (&state.db, &state.mailer, &state.rate_limiter);
    match registration::register(db, mailer, limiter, &state.breach_check, &ip, &form).await? {
        Registration::Mailed(message) => Ok(check_your_email(layout, &message).await),
        Registration::BreachedPassword(problem) => {
            let mut errors = FieldErrors::default();
            errors.add("password", problem);
            let page = views::register(&form.email, &errors);
            Ok(unprocessable(layout.render("Sign up", page).await))
        }
    }
}

async fn check_your_email(layout: PageLayout, message: &str) -> Response {
    layout
        .render("Check your email", views::check_your_email(message))
        .await
        .into_response()
}

/// Confirms an address: the account's own after sign-up, or a new one after a change.
pub async fn confirm(
    _: paths::ConfirmPath,

    State(state): State<AppState>,
    user: Option<AuthUser>,
    session: Session,
    layout: PageLayout,
    Query(query): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let token = query.token.as_deref();
    let title = match registration::confirm(&state.db, &state.mailer, &state.users, token).await? {
        Confirmation::BadLink => return Ok(link_problem(layout, BAD_LINK).await),
        Confirmation::AddressTaken => {
            let message = "That address now belongs to another account.";
            return Ok(link_problem(layout, message).await);
        }
        Confirmation::EmailChanged => "Your email address was changed",
        Confirmation::Confirmed { user_id, new_epoch } => {
            // Sessions from before the confirmation ended; the owner's own, if this is it,
            // carries on.
            if let (Some(epoch), Some(user)) = (new_epoch, &user)
                && user.id == user_id
                && !session::adopt_epoch(&session, &state.sessions, epoch).await?
            {
                // Logged out meanwhile: the address is confirmed all the same.
                session::log_out(&session).await?;
            }
            "Your email address is confirmed"
        }
    };
    Ok(layout
        .render(title, views::confirmed(user.is_some(), title))
        .await
        .into_response())
}

pub async fn show_resend(_: paths::ConfirmResendPath, layout: PageLayout) -> Page {
    layout
        .render(
            "New confirmation link",
            resend_form("", &FieldErrors::default()),
        )
        .await
}

fn resend_form(email: &str, errors: &FieldErrors) -> Markup {
    views::request_link(
        "Get a new confirmation link",
        (ids::CONFIRM_RESEND, paths::CONFIRM_RESEND),
        "Enter the address you signed up with and we will send a new link.",
        email,
        errors,
    )
}

/// A new confirmation link: for the signed-in user, or for the address in the form.
pub async fn resend(
    _: paths::ConfirmResendPath,

    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: Option<AuthUser>,
    flash: Flash,
    layout: PageLayout,
    form: ValidatedForm<EmailForm>,
) -> Result<Response, AppError> {
    let (db, mailer, limiter) = (&state.db, &state.mailer, &state.rate_limiter);
    if let Some(user) = user {
        if let Some(sent) = registration::resend_to_user(db, mailer, limiter, &ip, &user).await? {
            flash.success(sent).await?;
        }
        return Ok(redirect(layout.wants(), paths::ACCOUNT));
    }
    let form = match form.valid() {
        Ok(form) => form,
        Err(invalid) => {
            let page = resend_form(&invalid.input.email, &invalid.errors);
            return Ok(unprocessable(
                layout.render("New confirmation link", page).await,
            ));
        }
    };
    let message = registration::resend(db, mailer, limiter, &ip, &form.email).await?;
    Ok(check_your_email(layout, &message).await)
}
