//! Signing up, confirming an address (the account's own, or a new one after a change), and
//! asking for a new confirmation link.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use maud::Markup;
use tower_sessions::Session;

use super::{BAD_LINK, TokenQuery, answer_no_sooner_than, link_problem};
use crate::{
    auth::{
        AuthUser,
        db::{self, Role},
        emails::{self, EmailChanged, RegistrationAttempt},
        fields::ids,
        forms::{EmailForm, RegisterForm},
        links::{self, mailbox},
        password, paths,
        rate_limits::{self, Form, Who},
        session,
        tokens::{self, TokenPurpose},
        views,
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
    let started = tokio::time::Instant::now();
    let form = match form.valid() {
        Ok(form) => form,
        Err(invalid) => {
            let page = views::register(&invalid.input.email, &invalid.errors);
            return Ok(unprocessable(layout.render("Sign up", page).await));
        }
    };
    rate_limits::check(&state.rate_limiter, Form::Register, Who::Ip(&ip)).await?;
    rate_limits::check(
        &state.rate_limiter,
        Form::Register,
        Who::Address(&form.email),
    )
    .await?;
    if let Some(problem) = state.breach_check.problem(&form.password).await {
        let mut errors = FieldErrors::default();
        errors.add("password", problem);
        let page = views::register(&form.email, &errors);
        return Ok(unprocessable(layout.render("Sign up", page).await));
    }

    // Hashing happens whether or not the address is taken, so both answers take as long.
    let hash = password::hash(&form.password).await?;
    let mut tx = state.db.begin().await?;
    match db::insert(&mut tx, &form.email, &hash, Role::User, false).await? {
        Some(user_id) => {
            let purpose = TokenPurpose::ConfirmEmail;
            links::send_confirmation(&state.mailer, &mut tx, user_id, &form.email, purpose).await?;
        }
        None => {
            let login_link = state.mailer.url(paths::LOGIN);
            let reset_link = state.mailer.url(paths::PASSWORD_FORGOT);
            let content = emails::registration_attempt(&RegistrationAttempt {
                name: None,
                login_link: &login_link,
                reset_link: &reset_link,
            });
            state
                .mailer
                .enqueue(&mut tx, mailbox(&form.email)?, content)
                .await?;
        }
    }
    tx.commit().await?;
    answer_no_sooner_than(started).await;
    let message = format!(
        "We sent a message to {}. Open the link in it to confirm your address, then log in.",
        form.email
    );
    Ok(layout
        .render("Check your email", views::check_your_email(&message))
        .await
        .into_response())
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
    let mut tx = state.db.begin().await?;
    let purposes = [TokenPurpose::ConfirmEmail, TokenPurpose::ChangeEmail];
    let Some(token) = tokens::find_valid(&mut tx, query.token.as_deref(), &purposes).await? else {
        return Ok(link_problem(layout, BAD_LINK).await);
    };
    let title = match (token.purpose, token.new_email.as_deref()) {
        (TokenPurpose::ChangeEmail, Some(new_email)) => {
            let account = db::find(&mut *tx, token.user_id)
                .await?
                .ok_or(AppError::NotFound)?;
            if !db::change_email(&mut tx, token.user_id, new_email).await? {
                let message = "That address now belongs to another account.";
                return Ok(link_problem(layout, message).await);
            }
            let reset_link = state.mailer.url(paths::PASSWORD_FORGOT);
            let notice = emails::email_changed(&EmailChanged {
                name: None,
                new_email,
                reset_link: &reset_link,
            });
            state
                .mailer
                .enqueue(&mut tx, mailbox(&account.email)?, notice)
                .await?;
            // Links sent to the old address (a reset, say) no longer apply; this one is
            // used up with them.
            tokens::revoke_all(&mut tx, token.user_id).await?;
            tx.commit().await?;
            state.users.forget(token.user_id).await;
            "Your email address was changed"
        }
        _ => {
            let new_epoch = db::confirm_email(&mut tx, token.user_id).await?;
            tokens::use_up(&mut tx, &token.id).await?;
            tx.commit().await?;
            state.users.forget(token.user_id).await;
            // Sessions from before the confirmation ended; the owner's own, if this is it,
            // carries on.
            if let (Some(epoch), Some(user)) = (new_epoch, &user)
                && user.id == token.user_id
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

pub async fn show_resend(_: crate::auth::paths::ConfirmResendPath, layout: PageLayout) -> Page {
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
    let limiter = &state.rate_limiter;
    if let Some(user) = user {
        if !user.confirmed() {
            rate_limits::check(limiter, Form::ConfirmResend, Who::Ip(&ip)).await?;
            rate_limits::check(limiter, Form::ConfirmResend, Who::Address(&user.email)).await?;
            let mut tx = state.db.begin().await?;
            let purpose = TokenPurpose::ConfirmEmail;
            links::send_confirmation(&state.mailer, &mut tx, user.id, &user.email, purpose).await?;
            tx.commit().await?;
            flash
                .success(format!("We sent a new link to {}.", user.email))
                .await?;
        }
        return Ok(redirect(layout.wants(), paths::ACCOUNT));
    }

    let started = tokio::time::Instant::now();
    let form = match form.valid() {
        Ok(form) => form,
        Err(invalid) => {
            let page = resend_form(&invalid.input.email, &invalid.errors);
            return Ok(unprocessable(
                layout.render("New confirmation link", page).await,
            ));
        }
    };
    // Counted once the form is valid: a typo costs no budget.
    rate_limits::check(limiter, Form::ConfirmResend, Who::Ip(&ip)).await?;
    rate_limits::check(limiter, Form::ConfirmResend, Who::Address(&form.email)).await?;
    if let Some(account) = db::find_by_email(&state.db, &form.email).await?
        && account.email_confirmed_at.is_none()
    {
        let mut tx = state.db.begin().await?;
        let purpose = TokenPurpose::ConfirmEmail;
        links::send_confirmation(&state.mailer, &mut tx, account.id, &account.email, purpose)
            .await?;
        tx.commit().await?;
    }
    answer_no_sooner_than(started).await;
    let message = format!(
        "If an account with {} is waiting for confirmation, a new link is on its way.",
        form.email
    );
    Ok(layout
        .render("Check your email", views::check_your_email(&message))
        .await
        .into_response())
}
