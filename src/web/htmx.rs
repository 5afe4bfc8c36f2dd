//! htmx on top of axum-htmx: what part of a page a request wants, and redirects that work for
//! plain, boosted and htmx requests alike.
//!
//! Every link and form of the site is boosted (`hx-boost` on `<body>`): htmx fetches the next
//! page and swaps what is inside `<body>`, so CSS and scripts are not loaded again. A request
//! can therefore want one of three things ([`Wants`]): the whole document, the inside of
//! `<body>`, or a fragment for the element an htmx attribute targets. A handler that answers
//! some target with a piece of the page asks [`Wants::fragment_for`] with that element's id
//! (a constant of its module's `fields.rs`). Responses that differ by it send `Vary` on the
//! headers that tell them apart (see [`Page`](super::layout::Page)).

use std::convert::Infallible;

use axum::{
    extract::FromRequestParts,
    http::{HeaderName, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use axum_htmx::{HxBoosted, HxHistoryRestoreRequest, HxRedirect, HxRequest, HxTarget};

/// What part of a page a request wants. Pages take it inside their
/// [`PageLayout`](super::layout::PageLayout) (`layout.wants()`); a handler that renders
/// nothing (it redirects, or answers out of band) takes it alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wants {
    /// A plain request, or htmx restoring a page missing from its history cache (which it
    /// swaps into `<body>` from the whole document): the whole document.
    Document,
    /// Boosted navigation (`HX-Boosted`): what goes inside `<body>`, and the `<title>`.
    Body,
    /// Any other htmx request: the fragment its target needs. `target` is the id of the
    /// element it swaps into (`HX-Target`), when that element has one.
    Fragment { target: Option<String> },
}

impl Wants {
    /// Whether this is an htmx request for the piece that goes in the element with id
    /// `target_id`: the one question a handler asks before answering with less than a page.
    pub fn fragment_for(&self, target_id: &str) -> bool {
        matches!(self, Self::Fragment { target: Some(target) } if target == target_id)
    }

    /// Whether this is an htmx request for a fragment of any element, for a handler whose
    /// one piece goes wherever it is asked for (an element without an id polling itself).
    pub fn is_fragment(&self) -> bool {
        matches!(self, Self::Fragment { .. })
    }
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
            (true, false) => {
                let HxTarget(target) = HxTarget::from_request_parts(parts, state).await?;
                Self::Fragment { target }
            }
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
pub fn redirect(wants: &Wants, location: &str) -> Response {
    match wants {
        Wants::Document | Wants::Body => {
            (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
        }
        Wants::Fragment { .. } => full_load(location),
    }
}

/// `next` when it is a path on this site (a form's "come back here"), never another site's
/// address: `//evil.example`, `/\evil.example` and control characters are refused, as
/// browsers would read them as another host.
pub fn same_site_path(next: Option<&str>) -> Option<&str> {
    next.filter(|path| {
        path.starts_with('/')
            && !path.starts_with("//")
            && !path.starts_with("/\\")
            && !path.chars().any(|c| c.is_control() || c == '\\')
    })
}

/// Sends any htmx request, boosted too, to `location` by a full page load (`HX-Redirect`):
/// for a response that must not be swapped into the page (a download).
pub fn full_load(location: &str) -> Response {
    (HxRedirect(location.to_owned()), ()).into_response()
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
        assert_eq!(
            wants(&[("hx-request", "true")]).await,
            Wants::Fragment { target: None }
        );
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

    #[tokio::test]
    async fn a_fragment_is_for_its_target_only() {
        let targeted = wants(&[("hx-request", "true"), ("hx-target", "contacts-more")]).await;
        assert!(targeted.fragment_for("contacts-more"));
        assert!(!targeted.fragment_for("contacts-results"));
        assert!(targeted.is_fragment());
        // A boosted request names its target too, but wants the page.
        let boosted = wants(&[
            ("hx-request", "true"),
            ("hx-boosted", "true"),
            ("hx-target", "contacts-more"),
        ])
        .await;
        assert!(!boosted.fragment_for("contacts-more"));
        assert!(!boosted.is_fragment());
        assert!(
            !wants(&[("hx-target", "contacts-more")])
                .await
                .fragment_for("contacts-more")
        );
    }

    #[test]
    fn only_targeted_htmx_requests_are_redirected_by_header() {
        for wants in [Wants::Document, Wants::Body] {
            let response = redirect(&wants, "/done");
            assert_eq!(response.status(), 303);
            assert_eq!(response.headers()["location"], "/done");
        }
        let htmx = redirect(&Wants::Fragment { target: None }, "/done");
        assert_eq!(htmx.status(), 200);
        assert_eq!(htmx.headers()["hx-redirect"], "/done");
    }
}
