//! htmx on top of axum-htmx: the one rule the crate leaves to us, and redirects that work for
//! htmx and plain requests alike.
//!
//! An htmx request (`HX-Request`) gets the page's fragment instead of the whole document,
//! except a history restore (`HX-History-Restore-Request`), which htmx swaps into `<body>` and
//! so needs the whole page. Responses that differ by it send `Vary: HX-Request` (see
//! [`Page`](super::layout::Page)).

use std::convert::Infallible;

use axum::{
    extract::FromRequestParts,
    http::{HeaderName, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use axum_htmx::{HxHistoryRestoreRequest, HxRedirect, HxRequest};

/// Whether the request wants a fragment rather than the whole page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WantsFragment(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for WantsFragment {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let HxRequest(htmx) = HxRequest::from_request_parts(parts, state).await?;
        let HxHistoryRestoreRequest(restore) =
            HxHistoryRestoreRequest::from_request_parts(parts, state).await?;
        Ok(Self(htmx && !restore))
    }
}

/// `Vary: HX-Request`, spelled as htmx's documentation does (axum-htmx's `VaryHxRequest`
/// sends it lower-case, which caches treat alike but naive clients compare differently).
pub const VARY_ON_HX_REQUEST: [(HeaderName, &str); 1] = [(header::VARY, "HX-Request")];

/// Sends the browser to `location`: a 303 for plain requests, `HX-Redirect` for htmx ones
/// (htmx follows a 3xx inside its own request and would swap the next page into the target).
pub fn redirect(HxRequest(htmx): HxRequest, location: &str) -> Response {
    if htmx {
        (HxRedirect(location.to_owned()), ()).into_response()
    } else {
        (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    async fn wants_fragment(headers: &[(&str, &str)]) -> bool {
        let mut request = Request::get("/");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let (mut parts, ()) = request.body(()).unwrap().into_parts();
        WantsFragment::from_request_parts(&mut parts, &())
            .await
            .unwrap()
            .0
    }

    #[tokio::test]
    async fn a_history_restore_gets_the_full_page() {
        assert!(wants_fragment(&[("hx-request", "true")]).await);
        assert!(!wants_fragment(&[]).await);
        assert!(
            !wants_fragment(&[
                ("hx-request", "true"),
                ("hx-history-restore-request", "true"),
            ])
            .await
        );
    }

    #[test]
    fn redirects_use_hx_redirect_for_htmx() {
        let plain = redirect(HxRequest(false), "/done");
        assert_eq!(plain.status(), 303);
        assert_eq!(plain.headers()["location"], "/done");

        let htmx = redirect(HxRequest(true), "/done");
        assert_eq!(htmx.status(), 200);
        assert_eq!(htmx.headers()["hx-redirect"], "/done");
    }
}
