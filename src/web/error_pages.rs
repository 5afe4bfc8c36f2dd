//! Turns every error response into HTML and logs it once.
//!
//! Errors come from handlers ([`AppError`](crate::error::AppError), which leaves an
//! [`ErrorPage`] in the response), from extractors (axum's plain-text rejections), from the
//! router (404, 405) and from layers (timeout, body limit). This middleware sees them all: a
//! plain or boosted request gets the error page in the layout, any other htmx request a notice
//! swapped into the page's `#alerts` region. Error responses a handler rendered as HTML itself (a 422 form with
//! its errors) and JSON ones (health checks) pass through untouched.
//!
//! Being outside the session layers, this middleware cannot read who is signed in itself. It
//! leaves a [`SignedInSlot`] in the request, which [`note_signed_in_user`] (inside them,
//! after the current user is loaded) fills: an error page then shows the navigation and the
//! account of a signed-in user rather than "Log in", even for a timeout or a panic that ended
//! the handler. Where the session could not be read (the store down) the page is anonymous.

use std::sync::{Arc, OnceLock};

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{Extensions, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use axum_htmx::{HxPushUrl, HxReswap, HxRetarget, SwapOption};
use maud::html;

use super::{
    css::CssFragment,
    current_user::CurrentUser,
    htmx::{VARY_ON_HTMX, Wants},
    layout::{PageFrame, PageLayout},
    theme::Theme,
};
use crate::error::{ErrorCause, ErrorPage, default_message};

/// Headers of an error response that still hold for its HTML page.
const KEPT_HEADERS: [header::HeaderName; 5] = [
    header::ALLOW,
    header::RETRY_AFTER,
    header::SET_COOKIE,
    header::WWW_AUTHENTICATE,
    header::CONTENT_SECURITY_POLICY,
];

pub async fn render_error_pages(
    State(frame): State<PageFrame>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let Ok(wants) = Wants::from_request_parts(&mut parts, &()).await;
    let path = parts.uri.path().to_owned();
    let theme = Theme::of_request(&parts.headers);
    let navigation = parts.method == Method::GET;
    let signed_in = SignedInSlot::default();
    parts.extensions.insert(signed_in.clone());
    let response = next.run(Request::from_parts(parts, body)).await;

    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let page = response.extensions().get::<ErrorPage>().cloned();
    log(status, &path, page.as_ref());
    if page.is_none() && renders_itself(&response) {
        return response;
    }

    let cause = page
        .as_ref()
        .and_then(|page| page.detail.clone())
        .filter(|_| status.is_server_error());
    let message = page
        .map(|page| page.message)
        .unwrap_or_else(|| default_message(status).to_owned());
    let (parts, _) = response.into_parts();
    let home = frame.links.home;
    let body_only = wants == Wants::Body;
    let fragment = wants.is_fragment();
    let layout =
        PageLayout::bare(wants, &path, theme, frame).signed_in_as(signed_in.0.get().cloned());
    let mut response = if fragment {
        (
            HxRetarget(format!("#{}", super::layout::ALERTS_ID)),
            HxReswap(SwapOption::InnerHtml),
            VARY_ON_HTMX,
            error_notice(status, &message),
        )
            .into_response()
    } else {
        let page = layout.render(title(status), error_body(status, &message, home));
        // A boosted form that failed keeps the form's URL in the address bar, not the URL it
        // posted to (htmx would push that, and reloading it would not show the form).
        let push_url = (body_only && !navigation).then_some(HxPushUrl("false".into()));
        (push_url, page.await).into_response()
    };
    // Keep the headers that belong to the error itself; the rest described the old body.
    for name in KEPT_HEADERS {
        for value in parts.headers.get_all(&name) {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    *response.status_mut() = status;
    if let Some(cause) = cause {
        response.extensions_mut().insert(ErrorCause(cause));
    }
    response
}

/// Who the request's session is signed in as, once the session layers have read it.
#[derive(Clone, Default)]
pub struct SignedInSlot(Arc<OnceLock<CurrentUser>>);

impl SignedInSlot {
    /// Tells [`render_error_pages`] who is signed in. The current-user layer calls it as
    /// soon as it knows, before the handler runs, so that a timeout or a panic does not lose
    /// it.
    pub fn note(extensions: &Extensions, user: &CurrentUser) {
        if let Some(slot) = extensions.get::<SignedInSlot>() {
            // Set once per request: only the current-user layer writes it.
            let _ = slot.0.set(user.clone());
        }
    }
}

fn renders_itself(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value.starts_with("text/html")
                || value.starts_with("application/json")
                || value.starts_with("text/event-stream")
        })
}

fn log(status: StatusCode, path: &str, page: Option<&ErrorPage>) {
    let detail = page.and_then(|page| page.detail.as_deref());
    if status.is_server_error() {
        tracing::error!(status = status.as_u16(), path, detail, "request failed");
    } else {
        tracing::warn!(status = status.as_u16(), path, detail, "request rejected");
    }
}

fn title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 => "Page not found",
        403 => "Not allowed",
        401 => "Sign in required",
        429 => "Too many requests",
        503 => "Temporarily unavailable",
        _ if status.is_server_error() => "Something went wrong",
        _ => "Request not accepted",
    }
}

fn error_body(status: StatusCode, message: &str, home: &str) -> maud::Markup {
    html! {
        section.error-page {
            p.code { (status.as_u16()) }
            h1 { (title(status)) }
            p.message { (message) }
            a href=(home) { "Go to the home page" }
        }
    }
}

fn error_notice(status: StatusCode, message: &str) -> maud::Markup {
    html! {
        div.flash-messages role="alert" {
            p.flash-message.__error data-status=(status.as_u16()) { (message) }
        }
    }
}

inventory::submit! { CssFragment::new("error-page", r#"
.error-page {
    padding: var(--space-6) 0;
    text-align: center;

    & .code {
        margin: 0;
        color: var(--color-muted);
        font-size: var(--text-xl);
        font-weight: 700;
    }
    & .message { color: var(--color-muted); }
}
"#) }
