//! Traces: the app's `tracing` spans exported to an OpenTelemetry collector over OTLP/HTTP
//! (protobuf), when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and the W3C `traceparent` read from
//! requests, sent on outgoing calls and kept with queued jobs.
//!
//! Unset, none of this runs: no exporter, no propagation, and the spans made only for traces
//! ([`traced_span!`]) are `Span::none()`; every function here first asks [`exporting`], one
//! relaxed atomic load.
//!
//! The spans: one per request, named by its route (`GET /contacts/{id}`, `telemetry::RequestSpan`),
//! and under it the database's statements (`telemetry::queries`), Valkey commands, outgoing
//! HTTP calls, storage operations and jobs, each made with [`traced_span!`] where it happens.

use std::{
    collections::HashMap,
    sync::atomic::{AtomicBool, Ordering},
};

use axum::http::HeaderMap;
use opentelemetry::{
    propagation::TextMapPropagator,
    trace::{TraceContextExt, TracerProvider as _},
};
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::{
    Resource,
    propagation::TraceContextPropagator,
    trace::{SdkTracer, SdkTracerProvider},
};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::config::{ConfigError, TracesConfig};

static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Whether spans are being exported (set once, at startup).
pub fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// An `info` span that exists only while traces are exported: `Span::none()` otherwise, so
/// that it costs nothing and log lines read as before. Same arguments as `info_span!`.
macro_rules! traced_span {
    ($($argument:tt)*) => {
        if $crate::telemetry::traces::exporting() {
            ::tracing::info_span!($($argument)*)
        } else {
            ::tracing::Span::none()
        }
    };
}
pub(crate) use traced_span;

/// Builds the exporter (a batch of spans is sent every few seconds from a thread of the SDK's,
/// never from a request) and the tracer the `tracing` layers write to.
pub(super) fn start(config: &TracesConfig) -> Result<(SdkTracerProvider, SdkTracer), ConfigError> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(&config.endpoint)
        .build()
        .map_err(|error| ConfigError {
            variable: "OTEL_EXPORTER_OTLP_ENDPOINT",
            problem: format!("cannot export traces there: {error}"),
        })?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(config.service_name.clone())
                .build(),
        )
        .build();
    let tracer = provider.tracer(env!("CARGO_PKG_NAME"));
    EXPORTING.store(true, Ordering::Relaxed);
    Ok((provider, tracer))
}

/// Makes `span` a child of the caller's span when the request carries a valid `traceparent`.
pub fn continue_from_headers(span: &Span, headers: &HeaderMap) {
    if exporting() {
        continue_trace(
            span,
            &TraceContextPropagator::new().extract(&HeaderExtractor(headers)),
        );
    }
}

/// Adds the current span's `traceparent` to an outgoing request's headers.
pub fn inject_into(headers: &mut HeaderMap) {
    if exporting() {
        TraceContextPropagator::new()
            .inject_context(&Span::current().context(), &mut HeaderInjector(headers));
    }
}

/// The current span's `traceparent`, for work done later (a queued job) to continue its trace.
pub fn current_traceparent() -> Option<String> {
    if !exporting() {
        return None;
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&Span::current().context(), &mut carrier);
    carrier.remove(TRACEPARENT)
}

/// Makes `span` a child of the span `traceparent` names (a job's of the request that queued it).
pub fn continue_from_traceparent(span: &Span, traceparent: &str) {
    if exporting() {
        let carrier = HashMap::from([(TRACEPARENT.to_owned(), traceparent.to_owned())]);
        continue_trace(span, &TraceContextPropagator::new().extract(&carrier));
    }
}

const TRACEPARENT: &str = "traceparent";

fn continue_trace(span: &Span, parent: &opentelemetry::Context) {
    if parent.span().span_context().is_valid() {
        // Fails only for a span that is already started or disabled: it stays a root then.
        let _ = span.set_parent(parent.clone());
    }
}
