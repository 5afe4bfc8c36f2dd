//! What the app learns from the event SQLx writes when a statement finishes (target
//! `sqlx::query`: the statement's text, rows and time taken), so that no query in the app has
//! to be wrapped: the slow queries (`monitoring::slow_queries`), and while traces are
//! exported a span per statement. SQLx makes no spans of its own.
//!
//! SQLx writes the event at `warn` for a statement that took `SLOW_QUERY_MS` or longer, at
//! `debug` otherwise. The layer's filter lets these events through whatever `RUST_LOG` says
//! (it still governs the log lines): at `warn` only while traces are not exported, so that
//! fast statements write no event at all; at every level while they are.
//!
//! The span is made with the OpenTelemetry tracer directly, under the span the statement ran
//! in, starting when the statement started; statements outside any trace (the jobs worker
//! polling its table) make none.

use std::time::{Duration, SystemTime};

use opentelemetry::{
    KeyValue,
    trace::{Span as _, SpanKind, TraceContextExt, Tracer as _},
};
use opentelemetry_sdk::trace::SdkTracer;
use tracing::{
    Event, Level, Subscriber,
    field::{Field, Visit},
};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{
    filter::{LevelFilter, Targets},
    layer::Context,
    registry::LookupSpan,
};

use crate::monitoring;

/// The layer's filter: SQLx's statement events, nothing else; at every level while traces
/// are exported (`traced`), the slow ones (`warn`) only otherwise. A filter by target is
/// decided once per call site, not per event.
pub fn statements(traced: bool) -> Targets {
    let level = if traced {
        LevelFilter::TRACE
    } else {
        LevelFilter::WARN
    };
    Targets::new().with_target("sqlx::query", level)
}

/// Notes the slow statements, and makes the statements' spans with `tracer` when given.
pub struct Statements {
    tracer: Option<SdkTracer>,
}

impl Statements {
    pub fn new(tracer: Option<SdkTracer>) -> Self {
        Self { tracer }
    }
}

impl<S> tracing_subscriber::Layer<S> for Statements
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut statement = Statement::default();
        event.record(&mut statement);
        let took = Duration::try_from_secs_f64(statement.elapsed_secs).unwrap_or_default();
        // SQLx gives the whole text only when it is longer than its four-word summary.
        let text = if statement.text.trim().is_empty() {
            statement.summary.clone()
        } else {
            statement.text.trim().to_owned()
        };
        if *event.metadata().level() <= Level::WARN {
            monitoring::slow_queries::note(monitoring::http::current_route(), &text, took);
        }
        let Some(tracer) = &self.tracer else {
            return;
        };
        let parent = tracing::Span::current().context();
        if !parent.span().span_context().is_valid() {
            return;
        }
        let end = SystemTime::now();
        let start = end.checked_sub(took).unwrap_or(end);
        let mut span = tracer
            .span_builder(statement.summary)
            .with_kind(SpanKind::Client)
            .with_start_time(start)
            .with_attributes([
                KeyValue::new("db.system.name", "postgresql"),
                KeyValue::new("db.query.text", text),
                KeyValue::new("db.response.returned_rows", statement.rows_returned),
                KeyValue::new("db.rows_affected", statement.rows_affected),
            ])
            .start_with_context(tracer, &parent);
        span.end_with_timestamp(end);
    }
}

/// The fields of SQLx's event.
#[derive(Default)]
struct Statement {
    summary: String,
    text: String,
    rows_returned: i64,
    rows_affected: i64,
    elapsed_secs: f64,
}

impl Visit for Statement {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => value.clone_into(&mut self.summary),
            "db.statement" => value.clone_into(&mut self.text),
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        let value = i64::try_from(value).unwrap_or(i64::MAX);
        match field.name() {
            "rows_returned" => self.rows_returned = value,
            "rows_affected" => self.rows_affected = value,
            _ => {}
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.elapsed_secs = value;
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}
