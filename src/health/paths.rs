//! The probes' paths, declared once as typed paths: the router mounts each handler on its
//! type, and the `healthcheck` command and the home page display them.

use axum_extra::routing::TypedPath;

/// `/health/live`: the process answers.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/health/live")]
pub struct LivePath;

/// `/health/ready`: every backing service the app cannot work without answers.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/health/ready")]
pub struct ReadyPath;
