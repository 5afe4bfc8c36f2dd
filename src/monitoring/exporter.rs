//! The `/metrics` listener: Prometheus' text format on `METRICS_ADDR`, a listener of its own
//! that never serves the app's pages, and the app's public port never serves it. Nothing on
//! it is behind a session: keep the address private (the loopback, or a network only
//! Prometheus reaches).

use std::net::SocketAddr;

use anyhow::Context;
use axum::{Router, http::header, response::IntoResponse};
use axum_extra::routing::RouterExt;
use tokio_util::sync::CancellationToken;

use super::paths::MetricsPath;

/// The content type of Prometheus' text format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The listener's routes.
pub fn routes() -> Router {
    Router::new().typed_get(render)
}

async fn render(_: MetricsPath) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, TEXT_FORMAT)],
        super::recorder().render(),
    )
}

/// Binds `address` (an error names the variable), then serves `/metrics` until `shutdown`.
pub async fn bind(
    address: SocketAddr,
    shutdown: CancellationToken,
) -> anyhow::Result<impl Future<Output = std::io::Result<()>>> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("listening on {address} for /metrics (METRICS_ADDR)"))?;
    tracing::info!("metrics on http://{address}{}", MetricsPath);
    Ok(axum::serve(listener, routes())
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .into_future())
}
