//! Refuses a request whose declared `Content-Length` is over the body limit before reading
//! any of it. The extractors enforce the limit too (axum's `DefaultBodyLimit`), but only as
//! the body arrives: a client that declares a large body and sends a few bytes would hold
//! its connection until the request timeout instead of getting its 413 at once.

use axum::{
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Middleware; the state is the limit in bytes.
pub async fn refuse_oversized_bodies(
    State(limit): State<usize>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    next.run(request).await
}
