//! htmx on top of axum-htmx: what part of a page a request wants, and redirects that work for
//! plain, boosted and htmx requests alike.
//!
//! Every link and form of the site is boosted (`hx-boost` on `<body>`): htmx fetches the next
//! page and swaps what is inside `<body>`, so CSS and scripts are not loaded again. A request
//! can therefore want one of three things ([`Wants`]): the whole document, the inside of
//! `<body>`, or a fragment for the element an htmx attribute targets. Responses that differ by
//! it send `Vary` on the headers that tell them apart (see [`Page`](super::layout::Page)).

use std::convert::Infallible;

use axum::{
    extract::FromRequestParts,
    http::{HeaderName, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use axum_htmx::{HxBoosted, HxHistoryRestoreRequest, HxRedirect, HxRequest};

/// What part of a page a request wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wants {
    /// A plain request, or htmx restoring a page missing from its history cache (which it
    /// swaps into `<body>` from the whole document): the whole document.
    Document,
    /// Boosted navigation (`HX-Boosted`): what goes inside `<body>`, and the `<title>`.
    Body,
    /// Any other htmx request: the fragment its target needs.
    Fragment,
}

impl<S: Send + Sync> FromRequestParts<S> for Wants {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let HxRequest(htmx) = HxRequest::from_request_parts(parts, state).await?;
        let HxBoosted(boosted) = HxBoosted::from_request_parts(parts, state).await?;
        let HxHistoryRestoreRequest(restore) =
            HxHistoryRestoreRequest::from_request_parts(parts, state).await?;
        Ok(match (htmx && !restore, boosted) {
            (false, _) => Self::Document,
            (true, true) => Self::Body,
            (true, false) => Self::Fragment,
        })
    }
}

/// `Vary` for responses that depend on what the request [`Wants`] and on the element it
/// targets, spelled as htmx's documentation does.
pub const VARY_ON_HTMX: [(HeaderName, &str); 1] =
    [(header::VARY, "HX-Request, HX-Boosted, HX-Target")];

/// Sends the browser to `location`.
///
/// A plain or boosted request gets a 303: the browser (or htmx's request, which follows it)
/// fetches the next page, and htmx shows it and puts its URL in the address bar. Any other
/// htmx request gets `HX-Redirect`, a full page load: it targets one element, which must not
/// receive a whole page.
pub fn redirect(wants: Wants, location: &str) -> Response {
    match wants {
        Wants::Document | Wants::Body => {
            (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
        }
        Wants::Fragment => (HxRedirect(location.to_owned()), ()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    async fn wants(headers: &[(&str, &str)]) -> Wants {
        let mut request = Request::get("/");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let (mut parts, ()) = request.body(()).unwrap().into_parts();
        let Ok(wants) = Wants::from_request_parts(&mut parts, &()).await;
        wants
    }

    #[tokio::test]
    async fn each_kind_of_request_wants_its_part() {
        assert_eq!(wants(&[]).await, Wants::Document);
        assert_eq!(wants(&[("hx-request", "true")]).await, Wants::Fragment);
        assert_eq!(
            wants(&[("hx-request", "true"), ("hx-boosted", "true")]).await,
            Wants::Body
        );
        assert_eq!(
            wants(&[
                ("hx-request", "true"),
                ("hx-boosted", "true"),
                ("hx-history-restore-request", "true"),
            ])
            .await,
            Wants::Document
        );
    }

    #[test]
    fn only_targeted_htmx_requests_are_redirected_by_header() {
        for wants in [Wants::Document, Wants::Body] {
            let response = redirect(wants, "/done");
            assert_eq!(response.status(), 303);
            assert_eq!(response.headers()["location"], "/done");
        }
        let htmx = redirect(Wants::Fragment, "/done");
        assert_eq!(htmx.status(), 200);
        assert_eq!(htmx.headers()["hx-redirect"], "/done");
    }
}
