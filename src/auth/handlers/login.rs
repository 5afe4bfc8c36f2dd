//! Logging in and out: the page, the form's answer from `ops::login`, the second step when
//! two-factor authentication is on (`ops::two_factor::second_step`), and
//! [`finish_sign_in`], where every way of signing in ends.

use axum::{
    extract::State,
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use crate::{
    auth::{
        AuthUser,
        db::User,
        forms::{CodeForm, LoginForm},
        ops::{
            login::{self, Credentials, Login},
            two_factor::{self, SecondStep},
        },
        paths, pending_login,
        session::{self, safe_next},
        two_factor::SecretsKey,
        views,
    },
    error::AppError,
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
    headers: HeaderMap,
    session: Session,
    flash: Flash,
    layout: PageLayout,
    form: ValidatedForm<LoginForm>,
) -> Result<Response, AppError> {
    let (form, errors) = form.into_parts();
    let next = safe_next(form.next.as_deref()).to_owned();
    // A malformed address never reaches the database; the answer is the usual one.
    let credentials = errors.is_empty().then_some(Credentials {
        email: &form.email,
        password: &form.password,
    });
    let limiter = &state.rate_limiter;
    match login::log_in(
        &state.db,
        &state.mailer,
        &state.live,
        limiter,
        &ip,
        credentials,
    )
    .await?
    {
        Login::Allowed(user) => {
            let remember = form.remember.is_some();
            let arrival = Arrival {
                state: &state,
                headers: &headers,
                ip: &ip,
            };
            finish_sign_in(
                arrival,
                &session,
                &flash,
                layout.wants(),
                &user,
                remember,
                &next,
            )
            .await
        }
        Login::SecondFactor(user) => {
            pending_login::begin(&session, &user, form.remember.is_some(), &next).await?;
            Ok(redirect(layout.wants(), paths::LOGIN_TWO_FACTOR))
        }
        Login::Refused => {
            let page = views::login(&form.email, &next, Some("Invalid email or password."));
            Ok(unprocessable(layout.render("Log in", page).await))
        }
    }
}

/// Where every sign-in ends, whatever proved who the user is (the password, then a code when
/// two-factor authentication is on; a passkey): the half-done sign-in is forgotten, the
/// session becomes signed in as `user` under a new id (`session::log_in`), and the browser
/// goes to `next` (already checked by `safe_next`). What should happen at each new sign-in
/// (recording the device, a notice) belongs here.
pub async fn finish_sign_in(
    arrival: Arrival<'_>,
    session: &Session,
    flash: &Flash,
    wants: &Wants,
    user: &User,
    remember: bool,
    next: &str,
) -> Result<Response, AppError> {
    pending_login::clear(session).await?;
    session::log_in(session, user, remember).await?;
    super::sessions::record_sign_in(arrival.state, session, user, arrival.headers, arrival.ip)
        .await?;
    flash.success(login::SIGNED_IN).await?;
    Ok(redirect(wants, next))
}

/// Where a sign-in comes from, for [`finish_sign_in`] to record (see `ops::sessions`).
pub struct Arrival<'a> {
    pub state: &'a AppState,
    pub headers: &'a HeaderMap,
    /// `ClientIp`'s text.
    pub ip: &'a str,
}

/// The second step's page; without a sign-in waiting for it, back to the login page.
pub async fn show_second_step(
    _: paths::LoginTwoFactorPath,
    layout: PageLayout,
    session: Session,
) -> Result<Response, AppError> {
    if pending_login::current(&session).await?.is_none() {
        return Ok(redirect(layout.wants(), paths::LOGIN));
    }
    let page = views::login_two_factor(None);
    Ok(layout.render(SECOND_STEP_TITLE, page).await.into_response())
}

const SECOND_STEP_TITLE: &str = "Two-factor authentication";
const TOO_LATE: &str = "That took too long: log in again.";

pub async fn second_step(
    _: paths::LoginTwoFactorPath,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    session: Session,
    flash: Flash,
    layout: PageLayout,
    form: ValidatedForm<CodeForm>,
) -> Result<Response, AppError> {
    let (form, _) = form.into_parts();
    let Some(pending) = pending_login::current(&session).await? else {
        flash.error(TOO_LATE).await?;
        return Ok(redirect(layout.wants(), paths::LOGIN));
    };
    let key = SecretsKey::derive(&state.config.secret_key);
    let (db, mailer, live) = (&state.db, &state.mailer, &state.live);
    let who = (pending.user_id, pending.epoch);
    let limiter = &state.rate_limiter;
    match two_factor::second_step(db, mailer, live, limiter, &key, &ip, who, &form.code).await? {
        SecondStep::Allowed(user) => {
            let wants = layout.wants();
            let arrival = Arrival {
                state: &state,
                headers: &headers,
                ip: &ip,
            };
            finish_sign_in(
                arrival,
                &session,
                &flash,
                wants,
                &user,
                pending.remember,
                &pending.next,
            )
            .await
        }
        SecondStep::Refused => {
            let page = views::login_two_factor(Some(two_factor::WRONG_CODE));
            Ok(unprocessable(layout.render(SECOND_STEP_TITLE, page).await))
        }
    }
}

pub async fn logout(
    _: paths::LogoutPath,
    wants: Wants,
    session: Session,
    flash: Flash,
) -> Result<Response, AppError> {
    session::log_out(&session).await?;
    // The message waits in a new, anonymous session: the signed-in one's id must never be
    // stored again (another instance may still hold a copy of it signed in).
    session.cycle_id().await?;
    flash.success("You are logged out.").await?;
    Ok(redirect(&wants, paths::SITE_ROOT))
}
