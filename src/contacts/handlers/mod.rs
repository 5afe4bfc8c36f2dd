//! The contacts handlers, one file per part of the flow: the list and its count, the form
//! (show, new, create, edit, update, the on-blur check), and deleting.

pub mod delete;
pub mod form;
pub mod list;

use axum::http::{HeaderName, HeaderValue};

use super::views::CHANGED_EVENT;

/// `HX-Trigger` for an answer to a change made in place: the list's count reloads itself.
fn changed() -> [(HeaderName, HeaderValue); 1] {
    [(
        HeaderName::from_static("hx-trigger"),
        HeaderValue::from_static(CHANGED_EVENT),
    )]
}
