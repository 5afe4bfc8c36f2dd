//! Security headers on every response, errors and rejections included (this layer sits
//! outside everything that can fail).
//!
//! The CSP allows nothing inline: scripts and styles come from our own origin only, which is
//! why the project has no inline `<script>`, no `style=` and no `hx-on` attributes. A handler
//! that needs a different policy for one response (a sandboxed preview, say) sets the header
//! itself; the defaults below fill in only what a response has not set.

use axum::{
    extract::{Request, State},
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::Response,
};

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

const DEFAULTS: [(HeaderName, &str); 6] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    (
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    ),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
];

/// HSTS only in production: on `http://localhost` it would be ignored at best and, with a
/// real hostname, would pin browsers to HTTPS before the deployment is ready for it.
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Middleware; its state says whether this is production.
pub async fn set_security_headers(
    State(production): State<bool>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in DEFAULTS {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    if production {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}
