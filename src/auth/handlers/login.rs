//! Logging in and out.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use crate::{
    auth::{
        AuthUser, LOCK_AFTER_FAILURES, LOCK_FOR, db,
        emails::{self, AccountLocked},
        forms::LoginForm,
        links::mailbox,
        password, paths,
        rate_limits::{self, Form, Who},
        session::{self, safe_next},
        views,
    },
    error::AppError,
    live::Toast,
    state::AppState,
    web::{
        client_ip::ClientIp,
        flash::Flash,
        form::{ValidatedForm, unprocessable},
        htmx::{Wants, redirect},
        layout::PageLayout,
        query::Query,
    },
};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn show(
    _: paths::LoginPath,

    layout: PageLayout,
    user: Option<AuthUser>,
    Query(query): Query<NextQuery>,
) -> Response {
    let next = safe_next(query.next.as_deref());
    if user.is_some() {
        return redirect(layout.wants(), next);
    }
    layout
        .render("Log in", views::login("", next, None))
        .await
        .into_response()
}

pub async fn login(
    _: paths::LoginPath,

    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
    flash: Flash,
    layout: PageLayout,
    form: ValidatedForm<LoginForm>,
) -> Result<Response, AppError> {
    rate_limits::check(&state.rate_limiter, Form::Login, Who::Ip(&ip)).await?;
    let (form, errors) = form.into_parts();
    let next = safe_next(form.next.as_deref()).to_owned();
    // A malformed address never reaches the database; the answer is the usual one.
    if !errors.is_empty() {
        return Ok(invalid(layout, &form.email, &next).await);
    }
    rate_limits::check(&state.rate_limiter, Form::Login, Who::Address(&form.email)).await?;

    let Some(user) = db::find_by_email(&state.db, &form.email).await? else {
        // Same work as for a real account, so timing does not tell them apart.
        password::verify(&form.password, password::dummy_hash().await).await?;
        return Ok(invalid(layout, &form.email, &next).await);
    };
    if !password::verify(&form.password, &user.password_hash).await? {
        let mut tx = state.db.begin().await?;
        let locked =
            db::record_failed_login(&mut tx, user.id, LOCK_AFTER_FAILURES, LOCK_FOR).await?;
        if locked {
            tracing::warn!(user_id = %user.id, "account locked after failed sign-ins");
            let reset_link = state.mailer.url(paths::PASSWORD_FORGOT);
            let content = emails::account_locked(&AccountLocked {
                name: None,
                reset_link: &reset_link,
            });
            state
                .mailer
                .enqueue(&mut tx, mailbox(&user.email)?, content)
                .await?;
        }
        tx.commit().await?;
        if locked {
            // Whoever is signed in as this user somewhere sees it at once, not only by mail.
            let notice = Toast::new(format!(
                "Your account was locked after repeated failed sign-ins from elsewhere. \
                 Sign-ins are refused for {} minutes; you stay signed in here.",
                LOCK_FOR.as_secs() / 60
            ))
            .link(paths::PASSWORD_FORGOT, "Reset your password");
            state.live.toast(user.id, notice).await;
        }
        return Ok(invalid(layout, &form.email, &next).await);
    }
    // The lock is checked after the hash, and in the same statement that clears the count,
    // so neither timing nor a concurrent failure lets a locked account in.
    if !db::record_successful_login(&state.db, user.id).await? {
        return Ok(invalid(layout, &form.email, &next).await);
    }
    session::log_in(&session, &user, form.remember.is_some()).await?;
    flash.success("You are logged in.").await?;
    Ok(redirect(layout.wants(), &next))
}

async fn invalid(layout: PageLayout, email: &str, next: &str) -> Response {
    let page = views::login(email, next, Some("Invalid email or password."));
    unprocessable(layout.render("Log in", page).await)
}

pub async fn logout(
    _: paths::LogoutPath,
    wants: Wants,
    session: Session,
) -> Result<Response, AppError> {
    session::log_out(&session).await?;
    Ok(redirect(&wants, paths::SITE_ROOT))
}
