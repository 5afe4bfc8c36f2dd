//! Metrics: what the app counts and measures, kept by one recorder (the `metrics` facade over
//! `metrics-exporter-prometheus`'s recorder) and read by two: Prometheus, from `GET /metrics`
//! on a listener of its own (`METRICS_ADDR`, never the public port), and the operations
//! dashboard, which keeps the last hour of it (`traffic.rs`). One source for both, so the
//! dashboard and a Grafana panel never disagree.
//!
//! Names follow OpenTelemetry's semantic conventions where one exists
//! (`http.server.request.duration` is `http_server_request_duration_seconds`), and every label
//! has a bounded set of values: a route's template (`/contacts/{id}`), never its path; a
//! method from a fixed list; a job's kind; a form's name. Parts record with the `metrics`
//! macros and the names below, where the thing happens (the session store counts its cache
//! hits); what is cheaper to read than to count (the pool, the queue) is read on a timer by
//! `sampled.rs`.
//!
//! Where things are: `http.rs` the request middleware; `sampled.rs` the gauges read on a
//! timer; `exporter.rs` and `paths.rs` the `/metrics` listener; `exposition.rs` reads the text
//! format back (for the dashboard, and the tests); `traffic.rs` keeps the last hour of
//! requests a minute at a time (and each route's hour), `errors.rs` the latest server
//! errors, `slow_queries.rs` the latest slow statements, and `instances.rs` publishes them
//! with the instance's heartbeat, for the dashboard's fleet; `services.rs` checks the
//! backing services with the heartbeat, and knows since when each is up or down.

pub mod errors;
pub mod exporter;
pub mod exposition;
pub mod http;
pub mod instances;
pub mod paths;
pub mod sampled;
pub mod services;
pub mod slow_queries;
pub mod traffic;

use std::sync::OnceLock;

use metrics::{Counter, Unit, describe_counter, describe_gauge, describe_histogram, gauge};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// The duration of HTTP requests, to the response's head (`http.server.request.duration`).
pub const HTTP_REQUEST_DURATION: &str = "http_server_request_duration_seconds";
/// Requests being handled (`http.server.active_requests`).
pub const HTTP_ACTIVE_REQUESTS: &str = "http_server_active_requests";
/// Connections of the pool by `state`, `idle` or `used` (`db.client.connection.count`).
pub const DB_CONNECTIONS: &str = "db_client_connection_count";
/// The pool's ceiling (`db.client.connection.max`).
pub const DB_CONNECTIONS_MAX: &str = "db_client_connection_max";
/// How long taking a connection from the pool took, probed on a timer.
pub const DB_CONNECTION_WAIT: &str = "db_client_connection_wait_time_seconds";
/// Jobs in the table by `kind` and `status` (queued, running, failed).
pub const JOBS: &str = "jobs";
/// How long the oldest due job of a `kind` has waited.
pub const JOBS_OLDEST_WAIT: &str = "jobs_oldest_queued_age_seconds";
/// Job attempts that ended, by `kind` and `outcome` (done, retried, failed).
pub const JOB_ATTEMPTS: &str = "job_attempts_total";
/// How long a job attempt ran, by `kind`.
pub const JOB_DURATION: &str = "job_duration_seconds";
/// Messages of the email outbox by `status` (waiting, failed).
pub const EMAIL_OUTBOX: &str = "email_outbox_messages";
/// Event streams (`/live`) open on this instance.
pub const LIVE_STREAMS: &str = "live_streams_open";
/// 1 while Valkey answers, 0 while it does not (absent without `VALKEY_URL`).
pub const VALKEY_UP: &str = "valkey_up";
/// Times pub/sub listeners were told messages may have been missed.
pub const PUBSUB_GAPS: &str = "valkey_pubsub_gaps_total";
/// Requests refused by a rate limit, by `limit` (the form or action).
pub const RATE_LIMIT_REFUSALS: &str = "rate_limit_refusals_total";
/// Breached-password checks by `outcome`: `breached`, `clear`, `skipped` (off, or the
/// service did not answer).
pub const BREACH_CHECKS: &str = "breached_password_checks_total";
/// How long a breached-password look-up took (cache or service).
pub const BREACH_CHECK_DURATION: &str = "breached_password_check_duration_seconds";
/// Bytes of the files stored by uploads.
pub const UPLOAD_BYTES: &str = "uploads_stored_bytes_total";
/// Files stored by uploads.
pub const UPLOAD_FILES: &str = "uploads_stored_files_total";
/// Uploads or files refused, by `reason`.
pub const UPLOAD_REFUSALS: &str = "uploads_refused_total";
/// Look-ups of the in-process copies, by `cache` (sessions, users, pages) and `result` (hit,
/// miss).
pub const CACHE_LOOKUPS: &str = "cache_lookups_total";
/// Statements that took `SLOW_QUERY_MS` or longer, by `http_route` (`background` outside
/// any request).
pub const SLOW_QUERIES: &str = "db_client_slow_queries_total";
/// A backing service's state, by `service` and `state` (`up`, `degraded`, `down`): 1 for the
/// current state, 0 for the others (absent for a service not configured).
pub const SERVICE_STATE: &str = "service_state";
/// When a backing service's current state began (as this instance saw it), by `service`.
pub const SERVICE_STATE_SINCE: &str = "service_state_since_timestamp_seconds";
/// Always 1, labelled with the `version` and `commit` built.
pub const BUILD_INFO: &str = "app_build_info";

/// Every metric's name, for what must name only metrics that exist (the Grafana dashboard and
/// the Prometheus configuration of `ops/observability/`, checked by a test).
pub const NAMES: &[&str] = &[
    HTTP_REQUEST_DURATION,
    HTTP_ACTIVE_REQUESTS,
    DB_CONNECTIONS,
    DB_CONNECTIONS_MAX,
    DB_CONNECTION_WAIT,
    JOBS,
    JOBS_OLDEST_WAIT,
    JOB_ATTEMPTS,
    JOB_DURATION,
    EMAIL_OUTBOX,
    LIVE_STREAMS,
    VALKEY_UP,
    PUBSUB_GAPS,
    RATE_LIMIT_REFUSALS,
    BREACH_CHECKS,
    BREACH_CHECK_DURATION,
    UPLOAD_BYTES,
    UPLOAD_FILES,
    UPLOAD_REFUSALS,
    CACHE_LOOKUPS,
    SLOW_QUERIES,
    SERVICE_STATE,
    SERVICE_STATE_SINCE,
    BUILD_INFO,
];

/// The version and commit of this build (`build.rs` finds the commit; a build script whose
/// output cargo kept from before it named one gives "unknown" rather than no build).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const COMMIT: &str = match option_env!("BUILD_COMMIT") {
    Some(commit) => commit,
    None => "unknown",
};

/// The bounds of every histogram's buckets, in seconds: OpenTelemetry's advice for HTTP
/// durations, with two below 5 ms, where most of this app's pages answer, so that their
/// percentiles are more than one bucket wide.
pub const BUCKETS: [f64; 16] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The process's recorder, installed on first use: every part records through the `metrics`
/// macros, which reach only a recorder installed globally. Tests that build several apps in
/// one process share it.
pub fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        // `set_buckets` refuses only an empty list.
        let builder = PrometheusBuilder::new()
            .set_buckets(&BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder was installed first: /metrics stays empty");
        }
        describe();
        gauge!(BUILD_INFO, "version" => VERSION, "commit" => COMMIT).set(1.0);
        handle
    })
}

/// The `# HELP` and `# TYPE` lines.
fn describe() {
    describe_histogram!(
        HTTP_REQUEST_DURATION,
        Unit::Seconds,
        "Duration of HTTP requests to the response's head, by route template, method and status"
    );
    describe_gauge!(HTTP_ACTIVE_REQUESTS, "HTTP requests being handled");
    describe_gauge!(
        DB_CONNECTIONS,
        "Database pool connections by state (idle, used)"
    );
    describe_gauge!(
        DB_CONNECTIONS_MAX,
        "Most connections the database pool opens"
    );
    describe_gauge!(
        DB_CONNECTION_WAIT,
        Unit::Seconds,
        "Time the last probe waited for a database connection"
    );
    describe_gauge!(JOBS, "Background jobs by kind and status");
    describe_gauge!(
        JOBS_OLDEST_WAIT,
        Unit::Seconds,
        "How long the oldest due job of a kind has waited to start"
    );
    describe_counter!(JOB_ATTEMPTS, "Job attempts ended, by kind and outcome");
    describe_histogram!(
        JOB_DURATION,
        Unit::Seconds,
        "Duration of job attempts, by kind"
    );
    describe_gauge!(
        EMAIL_OUTBOX,
        "Email outbox messages by status (waiting, failed)"
    );
    describe_gauge!(LIVE_STREAMS, "Live event streams open on this instance");
    describe_gauge!(VALKEY_UP, "1 while Valkey answers, 0 while it does not");
    describe_counter!(
        PUBSUB_GAPS,
        "Times pub/sub listeners may have missed messages"
    );
    describe_counter!(
        RATE_LIMIT_REFUSALS,
        "Requests refused by a rate limit, by limit"
    );
    describe_counter!(BREACH_CHECKS, "Breached-password checks by outcome");
    describe_histogram!(
        BREACH_CHECK_DURATION,
        Unit::Seconds,
        "Duration of breached-password look-ups"
    );
    describe_counter!(UPLOAD_BYTES, Unit::Bytes, "Bytes of uploaded files stored");
    describe_counter!(UPLOAD_FILES, "Uploaded files stored");
    describe_counter!(UPLOAD_REFUSALS, "Uploads or files refused, by reason");
    describe_counter!(
        CACHE_LOOKUPS,
        "In-process cache look-ups by cache and result"
    );
    describe_counter!(
        SLOW_QUERIES,
        "Database statements slower than SLOW_QUERY_MS, by route"
    );
    describe_gauge!(
        SERVICE_STATE,
        "Backing services by state (up, degraded, down): 1 for the current one"
    );
    describe_gauge!(
        SERVICE_STATE_SINCE,
        Unit::Seconds,
        "When each backing service's current state began, in seconds since the Unix epoch"
    );
    describe_gauge!(BUILD_INFO, "The version and commit of this build");
}

/// Notes a look-up of an in-process copy (`cache`: `sessions`, `users` or `pages`). Every
/// signed-in page makes two or three, so their counters are registered once rather than
/// looked up (their labels made, the recorder's map searched) each time.
pub fn cache_lookup(cache: &'static str, hit: bool) {
    static COUNTERS: OnceLock<[Counter; 6]> = OnceLock::new();
    let counters = COUNTERS.get_or_init(|| {
        // Registered with the installed recorder, not a no-op taken before it was.
        recorder();
        let counter = |cache: &'static str, result: &'static str| {
            metrics::counter!(CACHE_LOOKUPS, "cache" => cache, "result" => result)
        };
        [
            counter("sessions", "hit"),
            counter("sessions", "miss"),
            counter("users", "hit"),
            counter("users", "miss"),
            counter("pages", "hit"),
            counter("pages", "miss"),
        ]
    });
    let index = match (cache, hit) {
        ("sessions", true) => 0,
        ("sessions", false) => 1,
        ("users", true) => 2,
        ("users", false) => 3,
        ("pages", true) => 4,
        ("pages", false) => 5,
        (other, _) => {
            let result = if hit { "hit" } else { "miss" };
            metrics::counter!(CACHE_LOOKUPS, "cache" => other, "result" => result).increment(1);
            return;
        }
    };
    counters[index].increment(1);
}
