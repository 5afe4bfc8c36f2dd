//! The request middleware: the duration of every request by route template, method and
//! status, the requests in flight, and this instance's latest server errors (`errors.rs`).
//!
//! It runs inside the router's layers (see `lib.rs`), where axum has matched the route, so
//! the label is the template the route was declared with (`/contacts/{id}`): one label value
//! per route whatever the ids or query strings, and one ([`UNMATCHED`]) for every path no
//! route matches, so that a scan of made-up paths cannot add a series per path.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request, State},
    http::Method,
    middleware::Next,
    response::Response,
};
use metrics::{SharedString, gauge, histogram};

use super::{
    HTTP_ACTIVE_REQUESTS, HTTP_REQUEST_DURATION, errors::RecentError, instances::ThisInstance,
};
use crate::error::ErrorCause;

/// The `http_route` of a request no route matched (a 404 from the fallback).
pub const UNMATCHED: &str = "unmatched";

/// Middleware: records the request's duration, to the response's head, and counts it in
/// flight meanwhile. A request cut off (the client went away) is not recorded: it has no
/// status.
pub async fn record_request(
    State(instance): State<ThisInstance>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(SharedString::const_str(UNMATCHED), |matched| {
            SharedString::from(matched.as_str().to_owned())
        });
    let method = method_label(request.method());
    let _in_flight = InFlight::start(method);
    // A clone of the header shares its bytes: read only if the request fails.
    let request_id = request.headers().get("x-request-id").cloned();
    let started = Instant::now();
    let response = next.run(request).await;
    if response.status().is_server_error() {
        instance.errors.push(RecentError {
            at: time::OffsetDateTime::now_utc().unix_timestamp(),
            route: route.to_string(),
            status: response.status().as_u16(),
            request_id: request_id
                .as_ref()
                .and_then(|id| id.to_str().ok())
                .unwrap_or("-")
                .to_owned(),
            cause: response
                .extensions()
                .get::<ErrorCause>()
                .map(|cause| cause.0.clone()),
        });
    }
    let status = SharedString::from(response.status().as_u16().to_string());
    histogram!(
        HTTP_REQUEST_DURATION,
        "http_route" => route,
        "http_request_method" => method,
        "http_response_status_code" => status,
    )
    .record(started.elapsed().as_secs_f64());
    response
}

/// The method as OpenTelemetry labels it: the known ones by name, any other as `_OTHER`, so
/// that a client inventing methods cannot add series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "_OTHER",
    }
}

/// One request in flight, counted until it is dropped (also when the request is cancelled).
struct InFlight(&'static str);

impl InFlight {
    fn start(method: &'static str) -> Self {
        gauge!(HTTP_ACTIVE_REQUESTS, "http_request_method" => method).increment(1.0);
        Self(method)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        gauge!(HTTP_ACTIVE_REQUESTS, "http_request_method" => self.0).decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        let invented = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&invented), "_OTHER");
    }
}
