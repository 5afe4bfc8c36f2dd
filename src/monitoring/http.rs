//! The request middleware: the duration of every request by route template, method and
//! status, the requests in flight, and this instance's latest server errors (`errors.rs`).
//!
//! It runs inside the router's layers (see `lib.rs`), where axum has matched the route, so
//! the label is the template the route was declared with (`/contacts/{id}`): one label value
//! per route whatever the ids or query strings, and one ([`UNMATCHED`]) for every path no
//! route matches, so that a scan of made-up paths cannot add a series per path.

use std::{
    cell::RefCell,
    collections::{BTreeSet, HashMap, HashSet},
    sync::{Mutex, OnceLock},
    task::{Context, Poll},
    time::Instant,
};

use axum::{
    extract::{MatchedPath, Request},
    http::Method,
    response::Response,
};
use futures_util::future::BoxFuture;
use metrics::{Gauge, Histogram, SharedString, gauge, histogram};
use tower::{Layer, Service};

use super::{
    HTTP_ACTIVE_REQUESTS, HTTP_REQUEST_DURATION, errors::RecentError, errors::RecentErrors,
};
use crate::error::ErrorCause;

/// The `http_route` of a request no route matched (a 404 from the fallback).
pub const UNMATCHED: &str = "unmatched";

tokio::task_local! {
    /// The route template of the request being handled, for what happens inside it (a slow
    /// query notes its route).
    static ROUTE: &'static str;
}

/// The route template of the request whose handling is running now, if any.
pub fn current_route() -> Option<&'static str> {
    ROUTE.try_with(|route| *route).ok()
}

/// Records every request's duration, to the response's head, counts it in flight meanwhile,
/// and notes a server error in `errors`. A request cut off (the client went away) is not
/// recorded: it has no status.
///
/// A tower layer rather than `axum::middleware::from_fn`, which clones the whole stack below
/// it for every request: this one sits above most of the stack, and the clones cost more
/// than the measuring. What a request costs it is kept small: the recorder's handles are
/// looked up once per route, method and status and kept by each thread (no label is made,
/// no lock taken, per request), and the route's template is kept once for the process.
#[derive(Clone)]
pub struct RecordRequestsLayer {
    errors: RecentErrors,
}

impl RecordRequestsLayer {
    pub fn new(errors: RecentErrors) -> Self {
        // The handles kept below are the installed recorder's only if it is installed first.
        super::recorder();
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
            .map_or(UNMATCHED, |matched| interned(matched.as_str()));
        let method = method_index(request.method());
        let in_flight = InFlight::start(method);
        // A clone of the header shares its bytes: read only if the request fails.
        let request_id = request.headers().get("x-request-id").cloned();
        let errors = self.errors.clone();
        let started = Instant::now();
        let response = ROUTE.scope(route, self.inner.call(request));
        Box::pin(async move {
            let response = response.await?;
            let elapsed = started.elapsed();
            drop(in_flight);
            let status = response.status().as_u16();
            if response.status().is_server_error() {
                errors.push(RecentError {
                    at: time::OffsetDateTime::now_utc().unix_timestamp(),
                    route: route.to_owned(),
                    status,
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
            record_duration(route, method, status, elapsed.as_secs_f64());
            Ok(response)
        })
    }
}

/// The methods as OpenTelemetry labels them; any other is `_OTHER` (the last), so that a
/// client inventing methods cannot add series.
const METHODS: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "_OTHER",
];

/// The index in [`METHODS`] of `method`'s label.
fn method_index(method: &Method) -> usize {
    match *method {
        Method::GET => 0,
        Method::HEAD => 1,
        Method::POST => 2,
        Method::PUT => 3,
        Method::PATCH => 4,
        Method::DELETE => 5,
        Method::OPTIONS => 6,
        Method::CONNECT => 7,
        Method::TRACE => 8,
        _ => 9,
    }
}

#[cfg(test)]
fn method_label(method: &Method) -> &'static str {
    METHODS[method_index(method)]
}

/// `route` kept for the life of the process: one copy per route template, shared by every
/// thread. Each thread remembers the ones it has seen, so that only a route's first request
/// on a thread takes the process's lock. Route templates are a bounded set (the router's),
/// unmatched paths never get here.
fn interned(route: &str) -> &'static str {
    thread_local! {
        static SEEN: RefCell<HashSet<&'static str>> = RefCell::new(HashSet::new());
    }
    static ALL: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    SEEN.with_borrow_mut(|seen| {
        if let Some(known) = seen.get(route) {
            return *known;
        }
        let mut all = ALL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let kept = match all.get(route) {
            Some(known) => *known,
            None => {
                let leaked: &'static str = Box::leak(route.into());
                all.insert(leaked);
                leaked
            }
        };
        seen.insert(kept);
        kept
    })
}

/// Records a request's duration on the histogram of its route, method and status, whose
/// handle each thread keeps once it has looked it up (by the interned route's address:
/// one per template).
fn record_duration(route: &'static str, method: usize, status: u16, seconds: f64) {
    thread_local! {
        static HANDLES: RefCell<HashMap<(usize, usize, u16), Histogram>> =
            RefCell::new(HashMap::new());
    }
    HANDLES.with_borrow_mut(|handles| {
        handles
            .entry((route.as_ptr() as usize, method, status))
            .or_insert_with(|| {
                histogram!(
                    HTTP_REQUEST_DURATION,
                    "http_route" => route,
                    "http_request_method" => METHODS[method],
                    "http_response_status_code" => SharedString::from(status.to_string()),
                )
            })
            .record(seconds);
    });
}

/// The in-flight gauge of each method, registered once.
fn in_flight_gauge(method: usize) -> &'static Gauge {
    static GAUGES: OnceLock<Vec<Gauge>> = OnceLock::new();
    let gauges = GAUGES.get_or_init(|| {
        METHODS
            .iter()
            .map(|method| gauge!(HTTP_ACTIVE_REQUESTS, "http_request_method" => *method))
            .collect()
    });
    &gauges[method]
}

/// One request in flight, counted until it is dropped (also when the request is cancelled).
struct InFlight(usize);

impl InFlight {
    fn start(method: usize) -> Self {
        in_flight_gauge(method).increment(1.0);
        Self(method)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        in_flight_gauge(self.0).decrement(1.0);
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
