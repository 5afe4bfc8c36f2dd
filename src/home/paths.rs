//! The home page's path, declared once as a typed path: the router mounts the page on it, and
//! the site header's brand and navigation link to it.

use axum_extra::routing::TypedPath;

/// `/`: what this starter includes, with a link to each part.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/")]
pub struct HomePath;
