//! The dashboard's paths, declared once as typed paths.

use axum_extra::routing::TypedPath;
use serde::Deserialize;
use uuid::Uuid;

use crate::{error::AppError, web::public_id::PublicId};

/// The operations dashboard.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/admin/dashboard")]
pub struct DashboardPath;

/// Queueing a failed job again.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/admin/dashboard/jobs/{id}/retry", rejection(AppError))]
pub struct RetryJobPath {
    pub id: PublicId,
}

/// Deleting a failed job.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/admin/dashboard/jobs/{id}/discard", rejection(AppError))]
pub struct DiscardJobPath {
    pub id: PublicId,
}

/// The dashboard's query: `?instance=` shows that instance's traffic instead of the fleet's.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default)]
pub struct DashboardQuery {
    pub instance: Option<Uuid>,
}

/// The dashboard's URL, showing `instance`'s traffic (the fleet's without one).
pub fn dashboard_url(instance: Option<Uuid>) -> String {
    match instance {
        Some(id) => format!("{DashboardPath}?instance={id}"),
        None => DashboardPath.to_string(),
    }
}
