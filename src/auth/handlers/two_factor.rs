//! Two-factor authentication on the account side: its page, setting it up (a secret shown
//! with its QR code, confirmed by a code), new recovery codes, and turning it off. Every change
//! needs a recent sign-in (sudo mode); the rules are `ops::two_factor`'s.
//!
//! The setup page and the recovery codes are answers to the POST that made them, not pages of
//! their own: a secret or a code is shown to the request that created it, and never again.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use sqlx::PgPool;

use crate::{
    APP_NAME,
    auth::{
        AuthUser, RequireSudo,
        forms::CodeForm,
        ops::two_factor::{self as ops, Enable},
        paths,
        sudo::NoBody,
        two_factor::{self, SecretsKey},
        views::{self, TwoFactorState},
    },
    error::AppError,
    state::AppState,
    web::{
        client_ip::ClientIp,
        flash::Flash,
        form::{ValidatedForm, unprocessable},
        htmx::redirect,
        layout::PageLayout,
    },
};

const TITLE: &str = "Two-factor authentication";
const SETUP_TITLE: &str = "Set up two-factor authentication";
const CODES_TITLE: &str = "Your recovery codes";

async fn state_of(db: &PgPool, user: &AuthUser) -> Result<TwoFactorState, AppError> {
    let row = two_factor::find(db, user.id).await?;
    Ok(match row.and_then(|row| row.enabled_at) {
        None => TwoFactorState::Off,
        Some(since) => TwoFactorState::On {
            since,
            recovery_codes_left: two_factor::recovery_codes_left(db, user.id).await?,
        },
    })
}

pub async fn show(
    _: paths::TwoFactorPath,
    State(db): State<PgPool>,
    user: AuthUser,
    layout: PageLayout,
) -> Result<Response, AppError> {
    let state = state_of(&db, &user).await?;
    let page = views::two_factor(&state, None);
    Ok(layout.render(TITLE, page).await.into_response())
}

fn key(state: &AppState) -> SecretsKey {
    SecretsKey::derive(&state.config.secret_key)
}

/// The setup page for `secret`, with `error` about the last code tried.
async fn setup_page(
    layout: PageLayout,
    user: &AuthUser,
    secret: &[u8],
    error: Option<&str>,
) -> Result<Response, AppError> {
    let uri = two_factor::otpauth_uri(APP_NAME.as_str(), &user.email, secret);
    let qr = two_factor::qr_svg(&uri, "QR code of your two-factor key")?;
    let groups = two_factor::secret_groups(secret);
    let page = views::two_factor_setup(qr, &uri, &groups, error);
    Ok(layout.render(SETUP_TITLE, page).await.into_response())
}

pub async fn setup(
    _: paths::TwoFactorSetupPath,
    State(state): State<AppState>,
    flash: Flash,
    layout: PageLayout,
    RequireSudo(user, NoBody): RequireSudo,
) -> Result<Response, AppError> {
    let Some(secret) = ops::begin_setup(&state.db, &key(&state), user.id).await? else {
        flash.error(ops::ALREADY_ON).await?;
        return Ok(redirect(layout.wants(), paths::ACCOUNT_TWO_FACTOR));
    };
    setup_page(layout, &user, &secret, None).await
}

pub async fn enable(
    _: paths::TwoFactorEnablePath,
    State(state): State<AppState>,
    flash: Flash,
    layout: PageLayout,
    RequireSudo(user, form): RequireSudo<ValidatedForm<CodeForm>>,
) -> Result<Response, AppError> {
    let (form, _) = form.into_parts();
    let key = key(&state);
    match ops::enable(&state.db, &state.rate_limiter, &key, &user, &form.code).await? {
        Enable::Enabled(codes) => {
            let page = views::recovery_codes(&codes);
            Ok(layout.render(CODES_TITLE, page).await.into_response())
        }
        Enable::WrongCode(secret) => Ok(unprocessable(
            setup_page(layout, &user, &secret, Some(ops::WRONG_CODE)).await?,
        )),
        Enable::NothingPending => {
            flash.error("Nothing is being set up: start again.").await?;
            Ok(redirect(layout.wants(), paths::ACCOUNT_TWO_FACTOR))
        }
    }
}

pub async fn regenerate_recovery_codes(
    _: paths::RecoveryCodesPath,
    State(db): State<PgPool>,
    flash: Flash,
    layout: PageLayout,
    RequireSudo(user, NoBody): RequireSudo,
) -> Result<Response, AppError> {
    let Some(codes) = ops::regenerate_recovery_codes(&db, user.id).await? else {
        flash.error("Two-factor authentication is off.").await?;
        return Ok(redirect(layout.wants(), paths::ACCOUNT_TWO_FACTOR));
    };
    let page = views::recovery_codes(&codes);
    Ok(layout.render(CODES_TITLE, page).await.into_response())
}

pub async fn disable(
    _: paths::TwoFactorDisablePath,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    flash: Flash,
    layout: PageLayout,
    RequireSudo(user, form): RequireSudo<ValidatedForm<CodeForm>>,
) -> Result<Response, AppError> {
    let (form, _) = form.into_parts();
    let (db, mailer, live) = (&state.db, &state.mailer, &state.live);
    let (limiter, key) = (&state.rate_limiter, key(&state));
    match ops::disable(db, mailer, live, limiter, &key, &ip, &user, &form.code).await? {
        Ok(message) => {
            flash.success(message).await?;
            Ok(redirect(layout.wants(), paths::ACCOUNT_TWO_FACTOR))
        }
        Err(message) => {
            let state = state_of(db, &user).await?;
            let page = views::two_factor(&state, Some(message));
            Ok(unprocessable(layout.render(TITLE, page).await))
        }
    }
}
