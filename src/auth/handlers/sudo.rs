//! Sudo mode's confirmation page, for pages (GETs) and htmx requests that need a recent
//! sign-in: confirm, then back to `next`. (A form past the window shows the same form in its
//! own answer: see `auth::sudo`.)

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use sqlx::PgPool;
use tower_sessions::Session;

use crate::{
    auth::{
        AuthUser,
        forms::SudoForm,
        ops::sudo::{self, Confirmation, Proof},
        paths,
        session::{self, safe_next},
        sudo::TITLE,
        two_factor::{self, SecretsKey},
        views::{self, SudoPage},
        webauthn::RelyingParty,
    },
    error::AppError,
    state::AppState,
    web::{
        client_ip::ClientIp,
        flash::Flash,
        form::{ValidatedForm, unprocessable},
        htmx::redirect,
        layout::PageLayout,
        query::Query,
    },
};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: Option<String>,
}

fn kept(next: &str) -> [(String, String); 1] {
    [("next".to_owned(), next.to_owned())]
}

pub async fn show(
    _: paths::SudoPath,
    State(db): State<PgPool>,
    user: AuthUser,
    layout: PageLayout,
    Query(query): Query<NextQuery>,
) -> Result<Response, AppError> {
    let next = safe_next(query.next.as_deref());
    let page = SudoPage {
        action: paths::SUDO,
        kept: &kept(next),
        two_factor: two_factor::is_enabled(&db, user.id).await?,
        error: None,
        account: &user.email,
    };
    Ok(layout
        .render(TITLE, views::sudo(&page))
        .await
        .into_response())
}

pub async fn confirm(
    _: paths::SudoPath,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: AuthUser,
    session: Session,
    flash: Flash,
    layout: PageLayout,
    form: ValidatedForm<SudoForm>,
) -> Result<Response, AppError> {
    let (form, _) = form.into_parts();
    let next = safe_next(form.next.as_deref()).to_owned();
    let party = RelyingParty::from_base_url(&state.config.base_url);
    let proof = if !form.sudo_passkey.is_empty() {
        Proof::Passkey {
            credential: &form.sudo_passkey,
            party: party.as_ref(),
        }
    } else if form.sudo_code.is_empty() {
        Proof::Password(&form.sudo_password)
    } else {
        Proof::Code(&form.sudo_code)
    };
    let (db, mailer, live) = (&state.db, &state.mailer, &state.live);
    let (limiter, key) = (
        &state.rate_limiter,
        SecretsKey::derive(&state.config.secret_key),
    );
    match sudo::confirm(db, mailer, live, limiter, &key, &ip, &user, proof).await? {
        Confirmation::Confirmed => {
            session::reauthenticated(&session).await?;
            flash.success(sudo::CONFIRMED).await?;
            Ok(redirect(layout.wants(), &next))
        }
        Confirmation::Refused(message) => {
            let page = SudoPage {
                action: paths::SUDO,
                kept: &kept(&next),
                two_factor: two_factor::is_enabled(db, user.id).await?,
                error: Some(message),
                account: &user.email,
            };
            Ok(unprocessable(
                layout.render(TITLE, views::sudo(&page)).await,
            ))
        }
    }
}
