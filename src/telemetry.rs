//! Logging: human-readable text in development, JSON lines in production, every line of a
//! request tagged with its request id.

use axum::{body::Body, http::Request};
use tower_http::{
    classify::{ServerErrorsAsFailures, SharedClassifier},
    trace::{DefaultOnResponse, MakeSpan, TraceLayer},
};
use tracing::{Level, Span};
use tracing_subscriber::{EnvFilter, layer::SubscriberExt, util::SubscriberInitExt};

use crate::config::{ConfigError, LogConfig, LogFormat};

/// Installs the global subscriber. An invalid `RUST_LOG` is a configuration error.
pub fn init(config: &LogConfig) -> Result<(), ConfigError> {
    let filter = EnvFilter::try_new(&config.filter).map_err(|error| ConfigError {
        variable: "RUST_LOG",
        problem: format!("expected a log filter such as `info,app=debug`: {error}"),
    })?;
    let registry = tracing_subscriber::registry().with(filter);
    // `try_init` fails only when a subscriber is already set (tests); keep that one.
    let _ = match config.format {
        LogFormat::Text => registry.with(tracing_subscriber::fmt::layer()).try_init(),
        LogFormat::Json => registry
            .with(tracing_subscriber::fmt::layer().json().flatten_event(true))
            .try_init(),
    };
    Ok(())
}

/// Opens a span per request carrying its id (set by the request-id layer outside this one).
#[derive(Clone, Copy)]
pub struct RequestSpan;

impl MakeSpan<Body> for RequestSpan {
    fn make_span(&mut self, request: &Request<Body>) -> Span {
        let request_id = request
            .headers()
            .get("x-request-id")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("-");
        tracing::info_span!(
            "request",
            request_id,
            method = %request.method(),
            path = request.uri().path(),
        )
    }
}

/// One line per response with status and latency. Failures are logged by the error-page
/// middleware, which knows their cause, so the trace layer stays quiet about them.
pub fn trace_layer() -> TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    RequestSpan,
    (),
    DefaultOnResponse,
    (),
    (),
    (),
> {
    TraceLayer::new_for_http()
        .make_span_with(RequestSpan)
        .on_request(())
        .on_response(DefaultOnResponse::new().level(Level::INFO))
        .on_body_chunk(())
        .on_eos(())
        .on_failure(())
}
