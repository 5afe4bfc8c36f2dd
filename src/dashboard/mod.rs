//! The operations dashboard, `/admin/dashboard`, for administrators: the traffic over the
//! last hour (requests per second, latency percentiles, error rate) as charts, for the fleet
//! or one instance (`?instance=`), the slowest routes and those with most server errors, the
//! latest server errors with their request ids, the slow queries with their routes, the
//! running instances, the jobs queue and the mail outbox with the failed jobs (each can be
//! retried or discarded; who did and when is recorded), and whether each backing service
//! answers, since when.
//!
//! Its numbers are the metrics' (`monitoring`): the traffic is read from the same recorder
//! `/metrics` renders, a minute at a time, and every instance publishes its minutes, errors
//! and slow queries with its heartbeat; the queue is the query the gauges use; the services
//! are the check that sets their gauges. The open page fetches its panels again when the
//! event stream says so (`live.rs`, every few seconds while an administrator has it open);
//! without JavaScript, its Refresh link reloads it.
//!
//! Where things are: `paths.rs`, `fields.rs` (ids, the live event), `handlers.rs`,
//! `views.rs` and `chart.rs` (the SVG charts), `live.rs` (the ticks), `db.rs` (the record
//! of actions; the jobs' own SQL is `jobs::db`'s).

mod chart;
pub mod db;
pub mod fields;
mod handlers;
pub mod live;
pub mod paths;
mod views;

use crate::web::routes::RouterExt;
use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .typed_get(handlers::show)
        .typed_post(handlers::retry)
        .typed_post(handlers::discard)
}
