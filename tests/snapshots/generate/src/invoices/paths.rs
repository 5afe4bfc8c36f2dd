//! Every path of the invoices module, declared once as a typed path: the router mounts each
//! handler on its type (`typed_get`), the handler receives the parsed path (an id that is not
//! one is a 404, like another user's invoice), and a link is the same type displayed.
//! Ids are [`PublicId`]s: a UUID in 22 characters.

use axum_extra::routing::TypedPath;
use serde::Deserialize;

use crate::{error::AppError, web::public_id::PublicId};

/// `/invoices`: the list (with `?after=`), where the new form posts.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/invoices")]
pub struct ListPath;

/// The list's path as a constant, for the navigation in `lib.rs`.
pub const INDEX: &str = ListPath::PATH;

#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/invoices/new")]
pub struct NewPath;

/// The on-blur check of one field of the form.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/invoices/validate")]
pub struct ValidatePath;

/// One invoice: its page, where its edit form posts, and what deletes it in place.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/invoices/{id}", rejection(AppError))]
pub struct InvoicePath {
    pub id: PublicId,
}

#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/invoices/{id}/edit", rejection(AppError))]
pub struct EditPath {
    pub id: PublicId,
}

/// The page that asks before deleting, and where it posts.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/invoices/{id}/delete", rejection(AppError))]
pub struct DeletePath {
    pub id: PublicId,
}

/// `path` with `params` as its query string, or alone when there are none.
pub fn with_query(path: impl TypedPath, params: &[(&str, &str)]) -> String {
    if params.is_empty() {
        return path.to_string();
    }
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    format!("{path}?{query}")
}
