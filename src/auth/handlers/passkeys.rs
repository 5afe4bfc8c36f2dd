//! Passkeys: the account's list and the forms on it (add, rename, remove), the options the
//! browser fetches to begin a ceremony (JSON), and signing in with a passkey, with the
//! answers of `ops::passkeys`.

use std::sync::Arc;

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use axum_extra::routing::TypedPath;
use serde_json::json;
use sqlx::PgPool;
use tower_sessions::Session;

use crate::{
    auth::{
        AuthUser,
        forms::{NewPasskeyForm, PasskeyNameForm, PasskeySignInForm},
        handlers::login::{Arrival, finish_sign_in},
        ops::passkeys,
        passkey_db,
        paths::{
            self, AccountPasskeysPath, PasskeyConfirmOptionsPath, PasskeyDeletePath,
            PasskeyRegistrationOptionsPath, PasskeyRenamePath, PasskeySecondFactorOptionsPath,
            PasskeySecondFactorPath, PasskeySignInOptionsPath, PasskeySignInPath,
        },
        pending_login,
        session::safe_next,
        sudo::{self, NoBody, RequireSudo},
        views,
        views::passkeys::{self as passkey_views, PageState, TITLE},
        webauthn::{Refusal, RelyingParty},
    },
    config::Config,
    error::AppError,
    state::AppState,
    web::{
        client_ip::ClientIp,
        flash::Flash,
        form::{ValidatedForm, unprocessable},
        htmx::{Wants, redirect},
        layout::PageLayout,
        public_id::PublicId,
    },
};

/// This site as a relying party; `None` when its address is not a domain name.
fn relying_party(config: &Config) -> Option<RelyingParty> {
    RelyingParty::from_base_url(&config.base_url)
}

pub async fn show(
    _: AccountPasskeysPath,
    State(db): State<PgPool>,
    State(config): State<Arc<Config>>,
    user: AuthUser,
    layout: PageLayout,
) -> Result<Response, AppError> {
    let passkeys = passkey_db::list(&db, user.id).await?;
    let state = PageState {
        unavailable: relying_party(&config).is_none(),
        ..PageState::default()
    };
    Ok(layout
        .render(TITLE, passkey_views::page(&passkeys, &state))
        .await
        .into_response())
}

/// What a script gets when a ceremony cannot begin: a status and a sentence to show.
fn refused_options(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

const UNAVAILABLE: &str = "Passkeys are not available on this site.";

pub async fn registration_options(
    _: PasskeyRegistrationOptionsPath,
    State(state): State<AppState>,
    user: AuthUser,
    session: Session,
) -> Result<Response, AppError> {
    let Some(party) = relying_party(&state.config) else {
        return Ok(refused_options(StatusCode::CONFLICT, UNAVAILABLE));
    };
    // Adding a passkey is sudo mode's: past its window the script goes to confirm first
    // (the form it would post could not carry the ceremony through the confirmation).
    if !sudo::is_recent(&session, &state).await? {
        let confirm = sudo::confirmation_url(AccountPasskeysPath::PATH);
        let body = json!({ "error": "Confirm it is you first.", "confirm": confirm });
        return Ok((StatusCode::FORBIDDEN, Json(body)).into_response());
    }
    Ok(
        match passkeys::start_registration(&state.db, &party, &user).await? {
            Ok(options) => json_options(options),
            Err(message) => refused_options(StatusCode::CONFLICT, message),
        },
    )
}

/// Options to confirm, with a passkey, that it is the user (sudo mode's other proof).
pub async fn confirm_options(
    _: PasskeyConfirmOptionsPath,
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Response, AppError> {
    let Some(party) = relying_party(&state.config) else {
        return Ok(refused_options(StatusCode::CONFLICT, UNAVAILABLE));
    };
    let limiter = &state.rate_limiter;
    let options = passkeys::start_confirmation(&state.db, limiter, &party, user.id).await?;
    Ok(json_options(options))
}

pub async fn register(
    _: AccountPasskeysPath,
    State(state): State<AppState>,
    flash: Flash,
    layout: PageLayout,
    RequireSudo(user, form): RequireSudo<ValidatedForm<NewPasskeyForm>>,
) -> Result<Response, AppError> {
    let (form, errors) = form.into_parts();
    let party = relying_party(&state.config);
    let outcome = match (&party, errors.is_empty()) {
        (Some(party), true) => {
            let name = form.name.as_deref();
            passkeys::finish_registration(
                &state.db,
                &state.mailer,
                party,
                &user,
                name,
                &form.credential,
            )
            .await?
        }
        _ => Err(Refusal::Malformed),
    };
    match outcome {
        Ok(_) => {
            flash.success(passkeys::ADDED).await?;
            Ok(redirect(layout.wants(), AccountPasskeysPath::PATH))
        }
        Err(refusal) => {
            let passkeys = passkey_db::list(&state.db, user.id).await?;
            let page_state = PageState {
                unavailable: party.is_none(),
                new_name: form.name.as_deref().unwrap_or_default(),
                // A field's own error says it all; otherwise, the ceremony's.
                problem: errors.is_empty().then(|| refusal.message()),
                new_errors: errors,
                rename: None,
            };
            let page = passkey_views::page(&passkeys, &page_state);
            Ok(unprocessable(layout.render(TITLE, page).await))
        }
    }
}

pub async fn rename(
    PasskeyRenamePath { id: PublicId(id) }: PasskeyRenamePath,
    State(db): State<PgPool>,
    flash: Flash,
    layout: PageLayout,
    RequireSudo(user, form): RequireSudo<ValidatedForm<PasskeyNameForm>>,
) -> Result<Response, AppError> {
    let (form, errors) = form.into_parts();
    if let Some(error) = errors.get("name") {
        // Someone else's passkey is a 404 before any word about the name.
        passkey_db::find(&db, user.id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let passkeys = passkey_db::list(&db, user.id).await?;
        let page_state = PageState {
            rename: Some((id, &form.name, error)),
            ..PageState::default()
        };
        let page = passkey_views::page(&passkeys, &page_state);
        return Ok(unprocessable(layout.render(TITLE, page).await));
    }
    passkeys::rename(&db, &user, id, &form.name).await?;
    flash.success(passkeys::RENAMED).await?;
    Ok(redirect(layout.wants(), AccountPasskeysPath::PATH))
}

pub async fn remove(
    PasskeyDeletePath { id: PublicId(id) }: PasskeyDeletePath,
    State(db): State<PgPool>,
    flash: Flash,
    wants: Wants,
    RequireSudo(user, NoBody): RequireSudo,
) -> Result<Response, AppError> {
    passkeys::remove(&db, &user, id).await?;
    flash.success(passkeys::REMOVED).await?;
    Ok(redirect(&wants, AccountPasskeysPath::PATH))
}

pub async fn sign_in_options(
    _: PasskeySignInOptionsPath,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
) -> Result<Response, AppError> {
    let Some(party) = relying_party(&state.config) else {
        return Ok(refused_options(StatusCode::CONFLICT, UNAVAILABLE));
    };
    let options = passkeys::start_sign_in(&state.db, &state.rate_limiter, &party, &ip).await?;
    Ok(json_options(options))
}

pub async fn sign_in(
    _: PasskeySignInPath,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
    flash: Flash,
    layout: PageLayout,
    headers: HeaderMap,
    form: ValidatedForm<PasskeySignInForm>,
) -> Result<Response, AppError> {
    let (form, _) = form.into_parts();
    let next = safe_next(form.next.as_deref()).to_owned();
    let outcome = match relying_party(&state.config) {
        Some(party) => {
            let (db, limiter) = (&state.db, &state.rate_limiter);
            passkeys::finish_sign_in(db, limiter, &party, &ip, &form.credential).await?
        }
        None => Err(Refusal::Rejected),
    };
    match outcome {
        Ok(user) => {
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
                false,
                &next,
            )
            .await
        }
        Err(refusal) => {
            let page = passkey_views::sign_in_failed(&next, refusal.message());
            Ok(unprocessable(
                layout.render("Sign in with a passkey", page).await,
            ))
        }
    }
}

/// The options, already JSON, as the script expects them.
fn json_options(options: String) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "application/json"),
            // A challenge is good once: never from a cache.
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        options,
    )
        .into_response()
}

/// Options for the second step of a sign-in; without one waiting, nothing to sign.
pub async fn second_factor_options(
    _: PasskeySecondFactorOptionsPath,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
) -> Result<Response, AppError> {
    let Some(party) = relying_party(&state.config) else {
        return Ok(refused_options(StatusCode::CONFLICT, UNAVAILABLE));
    };
    let Some(pending) = pending_login::current(&session).await? else {
        return Ok(refused_options(StatusCode::CONFLICT, TOO_LATE));
    };
    let limiter = &state.rate_limiter;
    let options =
        passkeys::start_second_factor(&state.db, limiter, &party, &ip, pending.user_id).await?;
    Ok(json_options(options))
}

const TOO_LATE: &str = "That took too long: log in again.";

/// The second step answered with a passkey: signed in, as with a code.
pub async fn second_factor(
    _: PasskeySecondFactorPath,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
    flash: Flash,
    layout: PageLayout,
    headers: HeaderMap,
    form: ValidatedForm<PasskeySignInForm>,
) -> Result<Response, AppError> {
    let (form, _) = form.into_parts();
    let Some(pending) = pending_login::current(&session).await? else {
        flash.error(TOO_LATE).await?;
        return Ok(redirect(layout.wants(), paths::LOGIN));
    };
    let outcome = match relying_party(&state.config) {
        Some(party) => {
            let (db, limiter) = (&state.db, &state.rate_limiter);
            let who = (pending.user_id, pending.epoch);
            passkeys::finish_second_factor(db, limiter, &party, &ip, who, &form.credential).await?
        }
        None => Err(Refusal::Rejected),
    };
    match outcome {
        Ok(user) => {
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
        Err(refusal) => {
            let page = views::login_two_factor(Some(refusal.message()));
            Ok(unprocessable(
                layout.render("Two-factor authentication", page).await,
            ))
        }
    }
}
