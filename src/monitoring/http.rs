//! The request middleware: the duration of every request by route template, method and
//! status, the requests in flight, and this instance's latest server errors (`errors.rs`).
//!
//! It runs inside the router's layers (see `lib.rs`), where axum has matched the route, so
//! the label is the template the route was declared with (`/contacts/{id}`): one label value
//! per route whatever the ids or query strings, and one ([`UNMATCHED`]) for every path no
//! route matches, so that a scan of made-up paths cannot add a series per path.

use std::{
    task::{Context, Poll},
    time::Instant,
};

use axum::{
    extract::{MatchedPath, Request},
    http::Method,
    response::Response,
};
use futures_util::future::BoxFuture;
use metrics::{SharedString, gauge, histogram};
use tower::{Layer, Service};

use super::{
    HTTP_ACTIVE_REQUESTS, HTTP_REQUEST_DURATION, errors::RecentError, errors::RecentErrors,
};
use crate::error::ErrorCause;

/// The `http_route` of a request no route matched (a 404 from the fallback).
pub const UNMATCHED: &str = "unmatched";

/// Records every request's duration, to the response's head, counts it in flight meanwhile,
/// and notes a server error in `errors`. A request cut off (the client went away) is not
/// recorded: it has no status.
///
/// A tower layer rather than `axum::middleware::from_fn`, which clones the whole stack below
/// it for every request: this one sits above most of the stack, and the clones cost more
/// than the measuring.
#[derive(Clone)]
pub struct RecordRequestsLayer {
    errors: RecentErrors,
}

impl RecordRequestsLayer {
    pub fn new(errors: RecentErrors) -> Self {
        Self { errors }
    }
}

impl<S> Layer<S> for RecordRequestsLayer {
    type Service = RecordRequests<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RecordRequests {
            inner,
            errors: self.errors.clone(),
        }
    }
}

#[derive(Clone)]
pub struct RecordRequests<S> {
    inner: S,
    errors: RecentErrors,
}

impl<S> Service<Request> for RecordRequests<S>
where
    S: Service<Request, Response = Response>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or(SharedString::const_str(UNMATCHED), |matched| {
                SharedString::from(matched.as_str().to_owned())
            });
        let method = method_label(request.method());
        let in_flight = InFlight::start(method);
        // A clone of the header shares its bytes: read only if the request fails.
        let request_id = request.headers().get("x-request-id").cloned();
        let errors = self.errors.clone();
        let started = Instant::now();
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            let elapsed = started.elapsed();
            drop(in_flight);
            if response.status().is_server_error() {
                errors.push(RecentError {
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
            .record(elapsed.as_secs_f64());
            Ok(response)
        })
    }
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
