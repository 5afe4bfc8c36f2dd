//! The dashboard's paths, declared once as typed paths.

use axum_extra::routing::TypedPath;
use serde::Deserialize;
use uuid::Uuid;

use crate::error::AppError;

/// The operations dashboard.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/admin/dashboard")]
pub struct DashboardPath;

/// Queueing a failed job again.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/admin/dashboard/jobs/{id}/retry", rejection(AppError))]
pub struct RetryJobPath {
    pub id: Uuid,
}

/// Deleting a failed job.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/admin/dashboard/jobs/{id}/discard", rejection(AppError))]
pub struct DiscardJobPath {
    pub id: Uuid,
}
