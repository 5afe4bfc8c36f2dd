//! Health endpoints for load balancers and orchestrators. They sit outside sessions (and,
//! later, auth) and are never cached.
//!
//! - `GET /health/live`: the process answers. No I/O, so a slow database never gets a healthy
//!   instance restarted.
//! - `GET /health/ready`: every backing service answers; 503 naming the one that does not, so
//!   the instance is taken out of rotation until it recovers.

use axum::{
    Json, Router,
    extract::State,
    http::{StatusCode, header},
    response::IntoResponse,
    routing::get,
};
use serde_json::json;

use crate::{backends::database, state::AppState};

const NO_STORE: (header::HeaderName, &str) = (header::CACHE_CONTROL, "no-store");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
}

async fn live() -> impl IntoResponse {
    ([NO_STORE], Json(json!({ "status": "ok" })))
}

async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let database = match database::ping(&state.db).await {
        Ok(()) => "ok",
        Err(error) => {
            tracing::warn!(%error, "readiness: database is not answering");
            "unavailable"
        }
    };
    let checks = [("database", database)];
    let failing: Vec<&str> = checks
        .iter()
        .filter(|(_, status)| *status != "ok")
        .map(|(name, _)| *name)
        .collect();
    let (status, overall) = if failing.is_empty() {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    };
    let checks: serde_json::Map<String, serde_json::Value> = checks
        .iter()
        .map(|(name, status)| ((*name).to_owned(), json!(status)))
        .collect();
    (
        status,
        [NO_STORE],
        Json(json!({ "status": overall, "failing": failing, "checks": checks })),
    )
}
