//! The metrics listener's one path.

use axum_extra::routing::TypedPath;

/// `/metrics`: every metric in Prometheus' text format, on `METRICS_ADDR` only.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/metrics")]
pub struct MetricsPath;
