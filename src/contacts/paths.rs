//! Every path of the contacts module, declared once as a typed path: the router mounts each
//! handler on its type (`typed_get`), the handler receives the parsed path (an id that is not
//! one is a 404, like a contact that is someone else's), and a link is the same type
//! displayed (`ContactPath { id: contact.id.into() }.to_string()`). Ids are [`PublicId`]s, a
//! UUID in 22 characters. No path of this module is written anywhere else, so renaming a URL
//! is a change to one line.

use axum_extra::routing::TypedPath;
use serde::Deserialize;

use crate::{error::AppError, web::public_id::PublicId};

/// `/contacts`: the list (with `?q=` and `?after=`), where the new-contact form posts.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/contacts")]
pub struct ListPath;

/// The list's path as a constant, for the links other modules keep in constants (the
/// navigation, the home page).
pub const INDEX: &str = ListPath::PATH;

/// The new-contact page.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/contacts/new")]
pub struct NewPath;

/// The number of contacts, or of matches with `?q=`.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/contacts/count")]
pub struct CountPath;

/// The on-blur check of one field of a contact form.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/contacts/validate")]
pub struct ValidatePath;

/// Deleting the contacts checked in the list.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/contacts/delete")]
pub struct BulkDeletePath;

/// One contact: its page, where its edit forms post, and what deletes it in place.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/contacts/{id}", rejection(AppError))]
pub struct ContactPath {
    pub id: PublicId,
}

/// A contact's edit page (or, for htmx, its row's edit form).
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/contacts/{id}/edit", rejection(AppError))]
pub struct EditPath {
    pub id: PublicId,
}

/// The page that asks before deleting a contact, and where it posts.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/contacts/{id}/delete", rejection(AppError))]
pub struct DeletePath {
    pub id: PublicId,
}

/// Starting a CSV export of every contact.
#[derive(Debug, Clone, Copy, TypedPath)]
#[typed_path("/contacts/export")]
pub struct ExportPath;

/// An export's page (and, for htmx's polling, its progress).
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/contacts/exports/{id}", rejection(AppError))]
pub struct ExportStatusPath {
    pub id: PublicId,
}

/// A finished export's file.
#[derive(Debug, Clone, Copy, TypedPath, Deserialize)]
#[typed_path("/contacts/exports/{id}/download", rejection(AppError))]
pub struct ExportDownloadPath {
    pub id: PublicId,
}

/// `path` with `params` as its query string, or alone when there are none (so the list's
/// first page is `/contacts`, not `/contacts?`).
pub fn with_query(path: impl TypedPath, params: &[(&str, &str)]) -> String {
    if params.is_empty() {
        return path.to_string();
    }
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    format!("{path}?{query}")
}

/// The list's URL for `query`, from the page after `after`.
pub fn list_url(query: &str, after: Option<&str>) -> String {
    let query = query.trim();
    let mut params = Vec::new();
    if !query.is_empty() {
        params.push(("q", query));
    }
    if let Some(after) = after {
        params.push(("after", after));
    }
    with_query(ListPath, &params)
}

/// The count's URL for `query`.
pub fn count_url(query: &str) -> String {
    let query = query.trim();
    if query.is_empty() {
        CountPath.to_string()
    } else {
        with_query(CountPath, &[("q", query)])
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn links_are_the_routes_filled_in() {
        let id = PublicId(Uuid::nil());
        assert_eq!(INDEX, "/contacts");
        assert_eq!(
            ContactPath { id }.to_string(),
            "/contacts/AAAAAAAAAAAAAAAAAAAAAA"
        );
        assert_eq!(
            ExportDownloadPath { id }.to_string(),
            "/contacts/exports/AAAAAAAAAAAAAAAAAAAAAA/download"
        );
        assert_eq!(with_query(ListPath, &[]), "/contacts");
        assert_eq!(
            with_query(CountPath, &[("q", "a&b c")]),
            "/contacts/count?q=a%26b+c"
        );
    }

    #[test]
    fn list_urls_carry_the_query_and_the_cursor_encoded() {
        assert_eq!(list_url("  ", None), "/contacts");
        assert_eq!(
            list_url("a&b c", Some("xyz")),
            "/contacts?q=a%26b+c&after=xyz"
        );
        assert_eq!(count_url("zoë"), "/contacts/count?q=zo%C3%AB");
    }
}
