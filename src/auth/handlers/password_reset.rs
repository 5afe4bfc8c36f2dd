//! Forgotten passwords: asking for a link, and choosing a new password with it; the pages,
//! and the answers of `ops::password_reset`.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use maud::Markup;

use super::{BAD_LINK, TokenQuery, link_problem};
use crate::{
    auth::{
        fields::ids,
        forms::{EmailForm, NewPasswordForm},
        ops::password_reset::{self, Reset},
        paths, views,
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

fn forgot_form(email: &str, errors: &FieldErrors) -> Markup {
    views::request_link(
        "Reset your password",
        (ids::PASSWORD_FORGOT, paths::PASSWORD_FORGOT),
        "Enter your account's email address and we will send you a link to choose a new \
         password.",
        email,
        errors,
    )
}

pub async fn show_forgot(_: paths::PasswordForgotPath, layout: PageLayout) -> Page {
    layout
        .render(
            "Reset your password",
            forgot_form("", &FieldErrors::default()),
        )
        .await
}

pub async fn forgot(
    _: paths::PasswordForgotPath,

    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    layout: PageLayout,
    form: ValidatedForm<EmailForm>,
) -> Result<Response, AppError> {
    let form = match form.valid() {
        Ok(form) => form,
        Err(invalid) => {
            let page = forgot_form(&invalid.input.email, &invalid.errors);
            return Ok(unprocessable(
                layout.render("Reset your password", page).await,
            ));
        }
    };
    let (db, mailer, limiter) = (&state.db, &state.mailer, &state.rate_limiter);
    let message = password_reset::request_link(db, mailer, limiter, &ip, &form.email).await?;
    Ok(layout
        .render("Check your email", views::check_your_email(&message))
        .await
        .into_response())
}

pub async fn show_reset(
    _: paths::PasswordResetPath,

    State(state): State<AppState>,
    layout: PageLayout,
    Query(query): Query<TokenQuery>,
) -> Result<Response, AppError> {
    // The account's address goes in the form for password managers; the link proves it.
    let account = password_reset::account_of_link(&state.db, query.token.as_deref()).await?;
    Ok(match (account, query.token) {
        (Some(account), Some(token)) => layout
            .render(
                "Choose a new password",
                views::reset_password(&token, &account.email, &FieldErrors::default()),
            )
            .await
            .into_response(),
        _ => link_problem(layout, BAD_LINK).await,
    })
}

/// Sets the new password. A valid link is all it takes (it proves the address); only
/// attempts with a bad link are rate limited.
pub async fn reset(
    _: paths::PasswordResetPath,

    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    flash: Flash,
    layout: PageLayout,
    Query(query): Query<TokenQuery>,
    form: ValidatedForm<NewPasswordForm>,
) -> Result<Response, AppError> {
    let token = query.token.as_deref();
    let (form, errors) = form.into_parts();
    let reset = password_reset::reset(
        &state.db,
        &state.users,
        &state.rate_limiter,
        &state.breach_check,
        &ip,
        token,
        &form,
        errors,
    )
    .await?;
    match reset {
        Reset::BadLink => Ok(link_problem(layout, BAD_LINK).await),
        Reset::Invalid { email, errors } => {
            let page = views::reset_password(token.unwrap_or_default(), &email, &errors);
            Ok(unprocessable(
                layout.render("Choose a new password", page).await,
            ))
        }
        Reset::Done => {
            flash.success(password_reset::PASSWORD_CHANGED).await?;
            Ok(redirect(layout.wants(), paths::LOGIN))
        }
    }
}
