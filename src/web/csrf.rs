//! Cross-site request forgery protection by origin checks, for every state-changing request
//! (anything but GET, HEAD, OPTIONS, TRACE), with no token to thread through forms.
//!
//! Browsers say where a request comes from: `Sec-Fetch-Site` (all current browsers) or, failing
//! that, `Origin`. A request from another site is refused with a 403 page. A request with
//! neither header does not come from a browser (curl, a server), so a forged form cannot
//! produce it, and it passes. Session cookies are also `SameSite=Lax`, a second line.

use std::sync::Arc;

use axum::{
    body::Body,
    http::{HeaderMap, Method, Request, header},
    response::{IntoResponse, Response},
};
use tower_http::validate_request::{ValidateRequest, ValidateRequestHeaderLayer};

use crate::error::AppError;

/// The check as a layer, for the app's own origin (`APP_BASE_URL`'s scheme, host and
/// port). tower-http's validator rather than `from_fn`, which would clone and box the routes
/// behind it on every request.
pub fn layer(own_origin: Arc<str>) -> ValidateRequestHeaderLayer<RejectCrossSite> {
    ValidateRequestHeaderLayer::custom(RejectCrossSite { own_origin })
}

/// Refuses a state-changing request from another site with a 403 page (see [`layer`]).
#[derive(Debug, Clone)]
pub struct RejectCrossSite {
    own_origin: Arc<str>,
}

impl<B> ValidateRequest<B> for RejectCrossSite {
    type ResponseBody = Body;

    fn validate(&mut self, request: &mut Request<B>) -> Result<(), Response> {
        if is_safe(request.method()) || is_same_site(request.headers(), &self.own_origin) {
            return Ok(());
        }
        tracing::warn!(
            method = %request.method(),
            origin = ?request.headers().get(header::ORIGIN),
            sec_fetch_site = ?request.headers().get("sec-fetch-site"),
            "cross-site request refused"
        );
        Err(AppError::CrossSiteRequest.into_response())
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn is_same_site(headers: &HeaderMap, own_origin: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        // `none`: typed in the address bar or opened from a bookmark, not sent by a page.
        return site == "same-origin" || site == "none";
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    // The origin the browser used may be the Host it connected to rather than APP_BASE_URL
    // (127.0.0.1 versus localhost in development).
    let host_origins = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .map(|host| [format!("http://{host}"), format!("https://{host}")]);
    origin == own_origin
        || host_origins.is_some_and(|origins| origins.iter().any(|candidate| candidate == origin))
}

/// `https://app.example.com` from `https://app.example.com/some/path`.
pub fn origin_of(base_url: &str) -> Arc<str> {
    let after_scheme = base_url.find("://").map_or(0, |index| index + 3);
    match base_url[after_scheme..].find('/') {
        Some(slash) => base_url[..after_scheme + slash].into(),
        None => base_url.into(),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), HeaderValue::from_static(v)))
            .collect()
    }

    const OWN: &str = "https://app.example.com";

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(is_same_site(
            &headers(&[("sec-fetch-site", "same-origin")]),
            OWN
        ));
        assert!(is_same_site(&headers(&[("sec-fetch-site", "none")]), OWN));
        assert!(!is_same_site(
            &headers(&[("sec-fetch-site", "cross-site")]),
            OWN
        ));
        assert!(!is_same_site(
            &headers(&[("sec-fetch-site", "same-site")]),
            OWN
        ));
        assert!(!is_same_site(
            &headers(&[("sec-fetch-site", "cross-site"), ("origin", OWN)]),
            OWN
        ));
    }

    #[test]
    fn origin_must_be_ours_or_the_host_we_were_reached_at() {
        assert!(is_same_site(&headers(&[("origin", OWN)]), OWN));
        assert!(is_same_site(
            &headers(&[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ]),
            OWN
        ));
        assert!(!is_same_site(
            &headers(&[("origin", "https://evil.example")]),
            OWN
        ));
        assert!(!is_same_site(&headers(&[("origin", "null")]), OWN));
        assert!(!is_same_site(
            &headers(&[("origin", "https://app.example.com.evil.example")]),
            OWN
        ));
        assert!(is_same_site(&headers(&[]), OWN), "not a browser");
    }

    #[test]
    fn the_origin_drops_the_path() {
        assert_eq!(
            &*origin_of("https://app.example.com/base"),
            "https://app.example.com"
        );
        assert_eq!(
            &*origin_of("http://localhost:3000"),
            "http://localhost:3000"
        );
    }
}
