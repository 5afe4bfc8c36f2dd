//! Health endpoints for load balancers and orchestrators. They sit outside the session and
//! auth layers (see `lib.rs`) and are never cached.
//!
//! - `GET /health/live`: the process answers. No I/O, so a slow database never gets a healthy
//!   instance restarted.
//! - `GET /health/ready`: every backing service the app cannot work without answers; 503
//!   naming the one that does not, so the instance is taken out of rotation until it recovers.
//!   SMTP is reported but does not fail readiness: mail waits in the outbox while it is down,
//!   and taking every instance out of rotation would not bring it back. The details also count
//!   messages waiting and messages that failed for good.

use crate::web::routes::RouterExt;
use axum::{
    Json, Router,
    extract::State,
    http::{StatusCode, header},
    response::IntoResponse,
};
use serde_json::json;

use self::paths::{LivePath, ReadyPath};
use crate::{backends::database, email, state::AppState};

const NO_STORE: (header::HeaderName, &str) = (header::CACHE_CONTROL, "no-store");
const SMTP_CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

pub mod paths;

pub fn routes() -> Router<AppState> {
    Router::new().typed_get(live).typed_get(ready)
}

async fn live(_: LivePath) -> impl IntoResponse {
    ([NO_STORE], Json(json!({ "status": "ok" })))
}

async fn ready(_: ReadyPath, State(state): State<AppState>) -> impl IntoResponse {
    let database = match database::ping(&state.db).await {
        Ok(()) => "ok",
        Err(error) => {
            tracing::warn!(%error, "readiness: database is not answering");
            "unavailable"
        }
    };
    // A probe must answer quickly even when the SMTP host swallows packets.
    let smtp = match tokio::time::timeout(SMTP_CHECK_TIMEOUT, state.mail_transport.check()).await {
        Ok(Some(true)) => "ok",
        Ok(Some(false)) | Err(_) => "unavailable",
        Ok(None) => "not configured",
    };
    let outbox = match email::db::counts(&state.db).await {
        Ok(counts) => json!({ "waiting": counts.waiting, "failed": counts.failed }),
        Err(_) => json!(null),
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
    let mut checks: serde_json::Map<String, serde_json::Value> = checks
        .iter()
        .map(|(name, status)| ((*name).to_owned(), json!(status)))
        .collect();
    checks.insert("smtp".into(), json!(smtp));
    (
        status,
        [NO_STORE],
        Json(json!({
            "status": overall,
            "failing": failing,
            "checks": checks,
            "email_outbox": outbox,
        })),
    )
}
