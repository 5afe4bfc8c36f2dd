//! The account page: its summary, and changing the password, changing the address, and
//! ending the other sessions.

use axum::{extract::State, response::Response};
use tower_sessions::Session;

use crate::{
    auth::{
        AuthUser, db,
        forms::{ChangeEmailForm, NewPasswordForm},
        links, password, paths,
        rate_limits::{self, Form, Who},
        session,
        tokens::{self, TokenPurpose},
        views::{self, AccountForms},
    },
    error::AppError,
    state::AppState,
    web::{
        client_ip::ClientIp,
        flash::Flash,
        form::{FieldErrors, ValidatedForm, unprocessable},
        htmx::{Wants, redirect},
        layout::{Page, PageLayout},
    },
};

const TITLE: &str = "Your account";
const WRONG_PASSWORD: &str = "That is not your current password.";

/// Everything shown comes with the signed-in user: no query.
pub async fn show(_: crate::auth::paths::AccountPath, user: AuthUser, layout: PageLayout) -> Page {
    layout
        .render(TITLE, views::account(&user, &AccountForms::default()))
        .await
}

pub async fn change_password(
    _: paths::AccountPasswordPath,

    State(state): State<AppState>,
    user: AuthUser,
    session: Session,
    flash: Flash,
    layout: PageLayout,
    form: ValidatedForm<NewPasswordForm>,
) -> Result<Response, AppError> {
    let account = db::find(&state.db, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (form, mut errors) = form.into_parts();
    if let Some(problem) = password::same_as_email(&form.password, &account.email) {
        errors.add("password", problem);
    }
    rate_limits::check(
        &state.rate_limiter,
        Form::CurrentPassword,
        Who::User(user.id),
    )
    .await?;
    if !password::verify(&form.current_password, &account.password_hash).await? {
        errors.add("current_password", WRONG_PASSWORD);
    }
    if errors.is_empty()
        && let Some(problem) = state.breach_check.problem(&form.password).await
    {
        errors.add("password", problem);
    }
    if !errors.is_empty() {
        let forms = AccountForms {
            password_errors: errors,
            ..Default::default()
        };
        let page = views::account(&user, &forms);
        return Ok(unprocessable(layout.render(TITLE, page).await));
    }
    let hash = password::hash(&form.password).await?;
    let mut tx = state.db.begin().await?;
    let from_epoch = Some(user.session_epoch);
    let Some(epoch) = db::set_password(&mut tx, account.id, &hash, from_epoch).await? else {
        return session_ended(&state, &session, user.id, layout.wants()).await;
    };
    // A pending reset or address change from before must not undo this one.
    tokens::revoke_all(&mut tx, account.id).await?;
    tx.commit().await?;
    state.users.forget(account.id).await;
    if !session::adopt_epoch(&session, &state.sessions, epoch).await? {
        return session_ended(&state, &session, user.id, layout.wants()).await;
    }
    flash
        .success("Your password was changed. Other sessions were logged out.")
        .await?;
    Ok(redirect(layout.wants(), paths::ACCOUNT))
}

pub async fn change_email(
    _: paths::AccountEmailPath,

    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: AuthUser,
    session: Session,
    flash: Flash,
    layout: PageLayout,
    form: ValidatedForm<ChangeEmailForm>,
) -> Result<Response, AppError> {
    let account = db::find(&state.db, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (form, form_errors) = form.into_parts();
    let mut errors = FieldErrors::default();
    if !user.confirmed() {
        errors.add("email", "Confirm your current address first.");
    } else if form_errors.is_empty() && form.email == account.email {
        errors.add("email", "That is already your address.");
    }
    errors.merge(form_errors);
    rate_limits::check(
        &state.rate_limiter,
        Form::CurrentPassword,
        Who::User(user.id),
    )
    .await?;
    if !password::verify(&form.current_password, &account.password_hash).await? {
        errors.add("current_password", WRONG_PASSWORD);
    }
    if !errors.is_empty() {
        let forms = AccountForms {
            email_value: &form.email,
            email_errors: errors,
            ..Default::default()
        };
        let page = views::account(&user, &forms);
        return Ok(unprocessable(layout.render(TITLE, page).await));
    }
    let limiter = &state.rate_limiter;
    rate_limits::check(limiter, Form::ChangeEmail, Who::Ip(&ip)).await?;
    rate_limits::check(limiter, Form::ChangeEmail, Who::User(user.id)).await?;
    rate_limits::check(limiter, Form::ChangeEmail, Who::Address(&form.email)).await?;
    // An address taken by another account gets no link; the answer does not say so.
    if db::find_by_email(&state.db, &form.email).await?.is_none() {
        let mut tx = state.db.begin().await?;
        // Only from a session that is still current, checked under the row lock a password
        // change takes too: a link issued here can never outlive a password change that
        // committed meanwhile (its revocation would not have seen this link).
        if db::lock_epoch(&mut tx, account.id).await? != Some(user.session_epoch) {
            return session_ended(&state, &session, user.id, layout.wants()).await;
        }
        let purpose = TokenPurpose::ChangeEmail;
        links::send_confirmation(&state.mailer, &mut tx, account.id, &form.email, purpose).await?;
        tx.commit().await?;
    }
    flash
        .success(format!(
            "We sent a link to {}. Your address changes when you open it.",
            form.email
        ))
        .await?;
    Ok(redirect(layout.wants(), paths::ACCOUNT))
}

/// This session was ended by a change made meanwhile (through another session): it may not
/// make changes of its own, so it ends here too.
async fn session_ended(
    state: &AppState,
    session: &Session,
    user_id: uuid::Uuid,
    wants: &Wants,
) -> Result<Response, AppError> {
    state.users.forget(user_id).await;
    session::log_out(session).await?;
    Ok(redirect(wants, paths::LOGIN))
}

pub async fn end_other_sessions(
    _: paths::EndOtherSessionsPath,

    State(state): State<AppState>,
    user: AuthUser,
    session: Session,
    flash: Flash,
    wants: Wants,
) -> Result<Response, AppError> {
    let Some(epoch) = db::end_sessions(&state.db, user.id, user.session_epoch).await? else {
        return session_ended(&state, &session, user.id, &wants).await;
    };
    state.users.forget(user.id).await;
    if !session::adopt_epoch(&session, &state.sessions, epoch).await? {
        return session_ended(&state, &session, user.id, &wants).await;
    }
    flash.success("Every other session was logged out.").await?;
    Ok(redirect(&wants, paths::ACCOUNT))
}
