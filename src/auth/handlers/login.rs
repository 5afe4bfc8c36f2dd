//! Logging in and out: the page, and the form's answer from `ops::login`.

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
        forms::LoginForm,
        ops::login::{self, Credentials, Login},
        paths,
        session::{self, safe_next},
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
            session::log_in(&session, &user, form.remember.is_some()).await?;
            super::sessions::record_sign_in(&state, &session, &user, &headers, &ip).await?;
            flash.success(login::SIGNED_IN).await?;
            Ok(redirect(layout.wants(), &next))
        }
        Login::Refused => {
            let page = views::login(&form.email, &next, Some("Invalid email or password."));
            Ok(unprocessable(layout.render("Log in", page).await))
        }
    }
}

pub async fn logout(
    _: paths::LogoutPath,
    wants: Wants,
    session: Session,
) -> Result<Response, AppError> {
    session::log_out(&session).await?;
    Ok(redirect(&wants, paths::SITE_ROOT))
}
