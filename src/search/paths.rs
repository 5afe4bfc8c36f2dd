//! The search module's one path, declared once as a typed path: the router mounts the handler
//! on it (`typed_get`), and the page's form, its links and the site header's search box all
//! display it.

use axum_extra::routing::TypedPath;

/// `/search`: the page (`?q=` what to search for, `?page=` which page of the results), or for
/// htmx's search as you type, the results alone.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/search")]
pub struct SearchPath;
