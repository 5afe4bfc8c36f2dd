//! Forgotten passwords: asking for a link, and choosing a new password with it.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use maud::Markup;

use super::{BAD_LINK, TokenQuery, answer_no_sooner_than, link_problem};
use crate::{
    auth::{
        db,
        fields::ids,
        forms::{EmailForm, NewPasswordForm},
        links, password, paths,
        rate_limits::{self, Form, Who},
        tokens::{self, TokenPurpose},
        views,
    },
    error::AppError,
    humanize,
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

pub async fn show_forgot(_: crate::auth::paths::PasswordForgotPath, layout: PageLayout) -> Page {
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
    let started = tokio::time::Instant::now();
    let form = match form.valid() {
        Ok(form) => form,
        Err(invalid) => {
            let page = forgot_form(&invalid.input.email, &invalid.errors);
            return Ok(unprocessable(
                layout.render("Reset your password", page).await,
            ));
        }
    };
    // Counted once the form is valid: a typo costs no budget.
    let limiter = &state.rate_limiter;
    rate_limits::check(limiter, Form::PasswordForgot, Who::Ip(&ip)).await?;
    rate_limits::check(limiter, Form::PasswordForgot, Who::Address(&form.email)).await?;
    if let Some(account) = db::find_by_email(&state.db, &form.email).await? {
        let mut tx = state.db.begin().await?;
        links::send_password_reset(&state.mailer, &mut tx, account.id, &account.email).await?;
        tx.commit().await?;
    }
    answer_no_sooner_than(started).await;
    let message = format!(
        "If an account uses {}, a link to choose a new password is on its way. It works once, \
         within {}.",
        form.email,
        humanize::duration(TokenPurpose::ResetPassword.valid_for())
    );
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
    let mut tx = state.db.begin().await?;
    let purposes = [TokenPurpose::ResetPassword];
    let valid = tokens::find_valid(&mut tx, query.token.as_deref(), &purposes).await?;
    // The account's address goes in the form for password managers; the link proves it.
    let account = match &valid {
        Some(valid) => db::find(&mut *tx, valid.user_id).await?,
        None => None,
    };
    tx.rollback().await?;
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
    let purposes = [TokenPurpose::ResetPassword];
    let token = query.token.as_deref();
    // Checked first without holding anything: the hash below takes a while, and neither a
    // connection nor the token's row lock may be held through it.
    let checked = {
        let mut conn = state.db.acquire().await?;
        match tokens::find_valid(&mut conn, token, &purposes).await? {
            Some(valid) => db::find(&mut *conn, valid.user_id).await?,
            None => None,
        }
    };
    let Some(user) = checked else {
        let who = Who::Ip(&ip);
        rate_limits::check(&state.rate_limiter, Form::PasswordResetBadLink, who).await?;
        return Ok(link_problem(layout, BAD_LINK).await);
    };
    let (form, mut errors) = form.into_parts();
    if let Some(problem) = password::same_as_email(&form.password, &user.email) {
        errors.add("password", problem);
    }
    if errors.is_empty()
        && let Some(problem) = state.breach_check.problem(&form.password).await
    {
        errors.add("password", problem);
    }
    if !errors.is_empty() {
        let page = views::reset_password(token.unwrap_or_default(), &user.email, &errors);
        return Ok(unprocessable(
            layout.render("Choose a new password", page).await,
        ));
    }
    let hash = password::hash(&form.password).await?;

    let mut tx = state.db.begin().await?;
    // Again, locked this time: a concurrent request may have used the link meanwhile.
    let Some(valid) = tokens::find_valid(&mut tx, token, &purposes).await? else {
        return Ok(link_problem(layout, BAD_LINK).await);
    };
    // A new password ends every session of the account; the link proved the address too.
    db::set_password(&mut tx, valid.user_id, &hash, None).await?;
    db::confirm_email(&mut tx, valid.user_id).await?;
    tokens::use_up(&mut tx, &valid.id).await?;
    tokens::revoke_all(&mut tx, valid.user_id).await?;
    tx.commit().await?;
    state.users.forget(valid.user_id).await;
    flash
        .success("Your password was changed. Log in with the new one.")
        .await?;
    Ok(redirect(layout.wants(), paths::LOGIN))
}
