//! Logging and traces: human-readable text in development, JSON lines in production, every
//! line of a request tagged with its request id; and, when an OTLP endpoint is configured, the
//! spans exported to an OpenTelemetry collector (`traces`), a span per database statement
//! and the slow queries (`queries`), and the trace and span ids on every JSON line written inside a trace
//! (`trace_ids`).

mod queries;
mod trace_ids;
pub mod traces;

use std::time::Duration;

use axum::{
    body::Body,
    extract::MatchedPath,
    http::{Request, Response},
};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tower_http::{
    classify::{ServerErrorsAsFailures, SharedClassifier},
    trace::{DefaultOnResponse, MakeSpan, OnResponse, TraceLayer},
};
use tracing::{Level, Span, field::Empty};
use tracing_subscriber::{
    EnvFilter, Layer as _, fmt::format::JsonFields, layer::SubscriberExt, util::SubscriberInitExt,
};

use crate::config::{ConfigError, LogConfig, LogFormat, TracesConfig};

/// What must outlive the program's work: the span exporter, flushed by [`Telemetry::shutdown`].
#[must_use = "call shutdown() at exit, or the last spans are lost"]
pub struct Telemetry {
    traces: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Sends the spans not yet exported. Call it outside the async runtime (it blocks).
    pub fn shutdown(self) {
        if let Some(provider) = self.traces
            && let Err(error) = provider.shutdown()
        {
            eprintln!("warning: the last traces could not be exported: {error}");
        }
    }
}

/// Installs the global subscriber, and the span exporter when `traces` is set. An invalid
/// `RUST_LOG` is a configuration error.
pub fn init(config: &LogConfig, traces: Option<&TracesConfig>) -> Result<Telemetry, ConfigError> {
    let filter = log_filter(&config.filter)?;
    let Some(traces) = traces else {
        // The log filter is the log lines' own, so that a `RUST_LOG` quiet about SQLx still
        // lets the slow queries be noted.
        let registry = tracing_subscriber::registry()
            .with(queries::Statements::new(None).with_filter(queries::statements(false)));
        // `try_init` fails only when a subscriber is already set (tests); keep that one.
        let _ = match config.format {
            LogFormat::Text => registry
                .with(tracing_subscriber::fmt::layer().with_filter(filter))
                .try_init(),
            LogFormat::Json => registry
                .with(
                    tracing_subscriber::fmt::layer()
                        .json()
                        .flatten_event(true)
                        .with_filter(filter),
                )
                .try_init(),
        };
        return Ok(Telemetry { traces: None });
    };
    let (provider, tracer) = traces::start(traces)?;
    // Each layer has a filter of its own here: `RUST_LOG` decides the log lines and which
    // spans are exported, while SQLx's statement events reach the statement spans whatever
    // level it logs them at.
    let registry = tracing_subscriber::registry()
        .with(
            tracing_opentelemetry::layer()
                .with_tracer(tracer.clone())
                .with_filter(log_filter(&config.filter)?),
        )
        .with(queries::Statements::new(Some(tracer)).with_filter(queries::statements(true)));
    let _ = match config.format {
        LogFormat::Text => registry
            .with(tracing_subscriber::fmt::layer().with_filter(filter))
            .try_init(),
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .fmt_fields(JsonFields::new())
                    .event_format(trace_ids::WithTraceIds(
                        tracing_subscriber::fmt::format().json().flatten_event(true),
                    ))
                    .with_filter(filter),
            )
            .try_init(),
    };
    tracing::info!(
        service = "traces",
        endpoint = traces.endpoint,
        service_name = traces.service_name,
        "traces: exported over OTLP/HTTP"
    );
    Ok(Telemetry {
        traces: Some(provider),
    })
}

fn log_filter(directives: &str) -> Result<EnvFilter, ConfigError> {
    EnvFilter::try_new(directives).map_err(|error| ConfigError {
        variable: "RUST_LOG",
        problem: format!("expected a log filter such as `info,app=debug`: {error}"),
    })
}

/// Opens a span per request carrying its id (set by the request-id layer outside this one).
/// While traces are exported it is also the request's server span: named by its route, and
/// the child of the caller's span when the request carries a `traceparent`.
#[derive(Clone, Copy)]
pub struct RequestSpan;

impl MakeSpan<Body> for RequestSpan {
    fn make_span(&mut self, request: &Request<Body>) -> Span {
        let request_id = request
            .headers()
            .get("x-request-id")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("-");
        let method = request.method();
        let path = request.uri().path();
        if !traces::exporting() {
            return tracing::info_span!("request", request_id, %method, path);
        }
        // Layers added with `Router::layer` wrap each route, so the route is known here. An
        // unmatched request is named by its method alone: a raw path would make one name per
        // URL.
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str);
        let name = match route {
            Some(route) => format!("{method} {route}"),
            None => method.to_string(),
        };
        let span = tracing::info_span!(
            "request",
            request_id,
            %method,
            path,
            otel.name = name,
            otel.kind = "server",
            otel.status_code = Empty,
            http.request.method = %method,
            http.route = route,
            http.response.status_code = Empty,
        );
        traces::continue_from_headers(&span, request.headers());
        span
    }
}

/// One line per response with status and latency; while traces are exported, the status is
/// recorded on the request's span too (a 5xx marks it failed).
#[derive(Clone)]
pub struct RequestEnd(DefaultOnResponse);

impl<B> OnResponse<B> for RequestEnd {
    fn on_response(self, response: &Response<B>, latency: Duration, span: &Span) {
        if traces::exporting() {
            let status = response.status();
            span.record("http.response.status_code", status.as_u16());
            if status.is_server_error() {
                span.record("otel.status_code", "error");
            }
        }
        self.0.on_response(response, latency, span);
    }
}

/// Failures are logged by the error-page middleware, which knows their cause, so the trace
/// layer stays quiet about them.
pub fn trace_layer()
-> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, RequestSpan, (), RequestEnd, (), (), ()> {
    TraceLayer::new_for_http()
        .make_span_with(RequestSpan)
        .on_request(())
        .on_response(RequestEnd(DefaultOnResponse::new().level(Level::INFO)))
        .on_body_chunk(())
        .on_eos(())
        .on_failure(())
}
