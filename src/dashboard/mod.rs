//! The operations dashboard, `/admin/dashboard`, for administrators: the fleet's traffic
//! over the last hour (requests per second, latency percentiles, error rate) as charts, the
//! slowest routes and those with most server errors, the latest server errors with their
//! request ids, the running instances, the jobs queue and the mail outbox with the failed jobs (each can be
//! retried or discarded; who did and when is recorded), and whether each backing service
//! answers.
//!
//! Its numbers are the metrics' (`monitoring`): the traffic is read from the same recorder
//! `/metrics` renders, a minute at a time, and every instance publishes its minutes with its
//! heartbeat; the queue is the query the gauges use. The page polls its panels every
//! [`REFRESH_SECS`] with htmx; without JavaScript, its Refresh link reloads it.
//!
//! Where things are: `paths.rs`, `fields.rs` (ids), `handlers.rs`, `views.rs` and
//! `chart.rs` (the SVG charts), `services.rs` (the checks), `db.rs` (the record of actions;
//! the jobs' own SQL is `jobs::db`'s).

mod chart;
pub mod db;
pub mod fields;
mod handlers;
pub mod paths;
mod services;
mod views;

use crate::web::routes::RouterExt;
use axum::Router;

use crate::AppState;

/// How often the open page fetches its panels again.
pub const REFRESH_SECS: u32 = 15;

pub fn routes() -> Router<AppState> {
    Router::new()
        .typed_get(handlers::show)
        .typed_post(handlers::retry)
        .typed_post(handlers::discard)
}
