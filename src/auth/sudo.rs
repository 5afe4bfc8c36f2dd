//! Sudo mode: a sensitive action needs a recent proof of who the user is, not just a session.
//!
//! The session records when its user last proved who they are (`session::authenticated_at`:
//! at sign-in, and at each confirmation here). A handler that must be guarded takes
//! [`RequireSudo`] as its last argument (it reads the body): within `SUDO_WINDOW_SECS` of that
//! moment the request goes through untouched. Past it:
//!
//! - a form post (plain or boosted) is answered with the confirmation form, in place, posting
//!   back to the same action with the form's own fields as hidden inputs. Sent again with a
//!   right proof (its `sudo_*` fields), the guard records the confirmation, takes its fields
//!   out, and lets the original form through: the action is done with what the user typed, as
//!   GitHub does it. A wrong proof shows the form again (422);
//! - a page (GET), or an htmx request aimed at a part of a page (which must not receive a whole
//!   page), is sent to the confirmation page, `/account/confirm?next=`, which comes back to
//!   the page after confirming (htmx requests by `HX-Redirect`).
//!
//! The proof (the password, or one of the user's passkeys) is checked by `ops::sudo::confirm`,
//! as strictly as a sign-in (rate limits, the account lock). Guarded today: changing the
//! password or the address, managing two-factor authentication and passkeys, and every
//! administrator's action that changes something.

use std::convert::Infallible;

use axum::{
    body::{Body, Bytes},
    extract::{FromRequest, FromRequestParts, Request},
    http::{Method, header, request::Parts},
    response::{IntoResponse, Response},
};
use axum_htmx::{HxCurrentUrl, HxPushUrl};
use tower_sessions::Session;

use super::{
    AuthUser,
    fields::sudo as sudo_fields,
    ops::sudo::{self as ops, Confirmation, Proof},
    paths,
    session::{self, encode_query_value, safe_next},
    two_factor::{self, SecretsKey},
    views::{self, SudoPage},
    webauthn::RelyingParty,
};
use crate::{
    error::AppError,
    state::AppState,
    web::{client_ip::ClientIp, form::unprocessable, htmx::Wants, layout::PageLayout},
};

pub const TITLE: &str = "Confirm it is you";

/// The signed-in user, who proved who they are within the sudo window, and `T` extracted from
/// the rest of the request (a form, say); see the module's comment. Without `T`, the body is
/// not read past the confirmation's own fields.
pub struct RequireSudo<T = NoBody>(pub AuthUser, pub T);

/// Nothing from the body: for a guarded action without a form of its own.
pub struct NoBody;

impl<S: Send + Sync> FromRequest<S> for NoBody {
    type Rejection = Infallible;

    async fn from_request(_: Request, _: &S) -> Result<Self, Infallible> {
        Ok(Self)
    }
}

impl<T> FromRequest<AppState> for RequireSudo<T>
where
    T: FromRequest<AppState>,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let user = AuthUser::from_request_parts(&mut parts, state).await?;
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("sudo mode without a session")))
            .map_err(IntoResponse::into_response)?;
        if is_recent(&session, state)
            .await
            .map_err(IntoResponse::into_response)?
        {
            return Ok(Self(user, inner(parts, body, state).await?));
        }
        let Ok(wants) = Wants::from_request_parts(&mut parts, state).await;
        if parts.method != Method::POST || wants.is_fragment() {
            return Err(to_confirmation_page(&mut parts, &wants).await);
        }
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let (offered, kept) = split_form(&bytes);
        let action = parts
            .uri
            .path_and_query()
            .map_or(paths::SUDO, |path| path.as_str())
            .to_owned();
        let two_factor = two_factor::is_enabled(&state.db, user.id)
            .await
            .map_err(|error| AppError::from(error).into_response())?;
        let party = RelyingParty::from_base_url(&state.config.base_url);
        let Some(proof) = offered.proof(party.as_ref()) else {
            let layout = infallible(PageLayout::from_request_parts(&mut parts, state).await);
            return Err(ask(layout, &action, &kept, (two_factor, &user.email), None).await);
        };
        let ClientIp(ip) = infallible(ClientIp::from_request_parts(&mut parts, state).await);
        let key = SecretsKey::derive(&state.config.secret_key);
        let confirmation = ops::confirm(
            &state.db,
            &state.mailer,
            &state.live,
            &state.rate_limiter,
            &key,
            &ip,
            &user,
            proof,
        )
        .await
        .map_err(IntoResponse::into_response)?;
        match confirmation {
            Confirmation::Confirmed => {
                session::reauthenticated(&session)
                    .await
                    .map_err(IntoResponse::into_response)?;
                let body = form_body(&kept);
                parts.headers.remove(header::CONTENT_LENGTH);
                Ok(Self(user, inner(parts, Body::from(body), state).await?))
            }
            Confirmation::Refused(message) => {
                let layout = infallible(PageLayout::from_request_parts(&mut parts, state).await);
                let page = ask(
                    layout,
                    &action,
                    &kept,
                    (two_factor, &user.email),
                    Some(message),
                )
                .await;
                Err(unprocessable(page))
            }
        }
    }
}

/// The value of an extractor that cannot fail (`PageLayout`, `ClientIp`).
fn infallible<T>(result: Result<T, Infallible>) -> T {
    match result {
        Ok(value) => value,
        Err(never) => match never {},
    }
}

async fn inner<T: FromRequest<AppState>>(
    parts: Parts,
    body: Body,
    state: &AppState,
) -> Result<T, Response> {
    T::from_request(Request::from_parts(parts, body), state)
        .await
        .map_err(IntoResponse::into_response)
}

/// Whether the session's user proved who they are within the window.
pub async fn is_recent(session: &Session, state: &AppState) -> Result<bool, AppError> {
    let Some(at) = session::authenticated_at(session).await? else {
        return Ok(false);
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let window = i64::try_from(state.config.accounts.sudo_window.as_secs()).unwrap_or(i64::MAX);
    Ok(now.saturating_sub(at) < window)
}

/// The confirmation page's address, coming back to `next`.
pub fn confirmation_url(next: &str) -> String {
    format!("{}?next={}", paths::SUDO, encode_query_value(next))
}

/// Sends a page request to the confirmation page, which comes back to it; an htmx request
/// for a part of a page goes there by a full load, and comes back to the page it came from.
async fn to_confirmation_page(parts: &mut Parts, wants: &Wants) -> Response {
    let back = if parts.method == Method::GET && !wants.is_fragment() {
        parts
            .uri
            .path_and_query()
            .map_or(paths::ACCOUNT, |path| path.as_str())
            .to_owned()
    } else {
        let HxCurrentUrl(current) = infallible(HxCurrentUrl::from_request_parts(parts, &()).await);
        let current = current
            .as_ref()
            .and_then(|url| url.path_and_query())
            .map(|path| path.as_str().to_owned());
        safe_next(current.as_deref()).to_owned()
    };
    crate::web::htmx::redirect(wants, &confirmation_url(&back))
}

/// The confirmation form, in the answer to the form it confirms (`account`: the signed-in
/// address, for password managers).
async fn ask(
    layout: PageLayout,
    action: &str,
    kept: &[(String, String)],
    (two_factor, account): (bool, &str),
    error: Option<&str>,
) -> Response {
    let page = SudoPage {
        action,
        kept,
        two_factor,
        error,
        account,
    };
    // A boosted form keeps its own URL in the address bar, as after a 422.
    let page = layout.render(TITLE, views::sudo(&page)).await;
    (HxPushUrl("false".into()), page).into_response()
}

/// The proof fields a confirmation form sent: a password, or a passkey's answer.
#[derive(Debug, Default)]
pub struct Offered {
    pub password: Option<String>,
    pub code: Option<String>,
    pub passkey: Option<String>,
}

impl Offered {
    /// A passkey's answer when the script sent one, else a code when one was typed (the page
    /// offers both fields with two-factor on), else the password.
    pub fn proof<'a>(&'a self, party: Option<&'a RelyingParty>) -> Option<Proof<'a>> {
        if let Some(credential) = self.passkey.as_deref().filter(|answer| !answer.is_empty()) {
            return Some(Proof::Passkey { credential, party });
        }
        match (
            self.code.as_deref().map(str::trim),
            self.password.as_deref(),
        ) {
            (Some(code), _) if !code.is_empty() => Some(Proof::Code(code)),
            (_, Some(password)) => Some(Proof::Password(password)),
            (Some(_), None) | (None, None) => None,
        }
    }
}

/// A urlencoded form's fields: sudo mode's own, and the others in their order.
fn split_form(body: &[u8]) -> (Offered, Vec<(String, String)>) {
    let mut offered = Offered::default();
    let mut kept = Vec::new();
    for (name, value) in form_urlencoded::parse(body) {
        if name == sudo_fields::PASSWORD {
            offered.password = Some(value.into_owned());
        } else if name == sudo_fields::CODE {
            offered.code = Some(value.into_owned());
        } else if name == sudo_fields::PASSKEY {
            offered.passkey = Some(value.into_owned());
        } else if !name.starts_with(sudo_fields::PREFIX) {
            kept.push((name.into_owned(), value.into_owned()));
        }
    }
    (offered, kept)
}

fn form_body(fields: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proof_is_taken_out_and_the_rest_kept_in_order() {
        let (offered, kept) = split_form(b"b=2&sudo_password=se%26cret&a=%3Cx%3E&sudo_other=1&b=3");
        assert_eq!(offered.password.as_deref(), Some("se&cret"));
        let names: Vec<&str> = kept.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["b", "a", "b"]);
        assert_eq!(form_body(&kept), "b=2&a=%3Cx%3E&b=3");
    }
}
