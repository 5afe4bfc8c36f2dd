//! htmx request detection and response headers.
//!
//! An htmx request (`HX-Request: true`) gets the page's fragment instead of the full document,
//! except a history restore (`HX-History-Restore-Request`), which needs the whole page because
//! htmx swaps it into `<body>`. Responses that differ by this header send `Vary: HX-Request`
//! so that caches keep the two apart.

use std::convert::Infallible;

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, HeaderValue, header, request::Parts},
    response::{IntoResponse, Response},
};

/// Whether the request wants a fragment rather than a full page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HxRequest(pub bool);

impl HxRequest {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let is_set = |name: &str| headers.get(name).is_some_and(|value| value == "true");
        Self(is_set("hx-request") && !is_set("hx-history-restore-request"))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for HxRequest {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(Self::from_headers(&parts.headers))
    }
}

/// Adds `HX-Request` to the response's `Vary` header, keeping any values already there.
pub fn vary_on_hx_request(response: &mut Response) {
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("HX-Request"));
}

/// Sends the browser to `location`: a 303 for plain requests, `HX-Redirect` for htmx ones
/// (htmx follows a 3xx inside its own request and would swap the next page into the target).
pub fn redirect(hx: HxRequest, location: &str) -> Response {
    let Ok(value) = HeaderValue::from_str(location) else {
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if hx.0 {
        ([("hx-redirect", value)], "").into_response()
    } else {
        (
            axum::http::StatusCode::SEE_OTHER,
            [(header::LOCATION, value)],
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn a_history_restore_gets_the_full_page() {
        assert!(HxRequest::from_headers(&headers(&[("hx-request", "true")])).0);
        assert!(!HxRequest::from_headers(&headers(&[])).0);
        assert!(
            !HxRequest::from_headers(&headers(&[
                ("hx-request", "true"),
                ("hx-history-restore-request", "true"),
            ]))
            .0
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
