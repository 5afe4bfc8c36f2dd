//! Contacts: each user's address book, the Contact.app of *Hypermedia Systems*. This module
//! is the pattern to copy for a feature of your own.
//!
//! Where things are: `db.rs` the SQL (every query scoped by owner), `forms.rs` the input and
//! its rules, `fields.rs` the form's fields, `search.rs` the search box's matching, `views.rs`
//! the pages and fragments with their CSS, `handlers/` one file per part of the flow (the list,
//! the form, deleting), `export/` the CSV export (a background job), and `seed.rs` the fake
//! contacts of `cargo run -- seed contacts`.
//!
//! Every page works without JavaScript; htmx adds search as you type, infinite scroll, inline
//! editing and deleting in place. A contact that is not the signed-in user's is a 404 on every
//! route, so its existence is not revealed.

pub mod db;
pub mod export;
mod fields;
pub mod forms;
mod handlers;
pub mod search;
pub mod seed;
mod views;

use axum::{
    Router,
    routing::{get, post},
};

use crate::state::AppState;

/// Every path of the module, written once: the routes, links and form actions use these.
pub mod paths {
    use uuid::Uuid;

    pub const INDEX: &str = "/contacts";
    pub const NEW: &str = "/contacts/new";
    pub const COUNT: &str = "/contacts/count";
    pub const VALIDATE: &str = "/contacts/validate";
    pub const BULK_DELETE: &str = "/contacts/delete";
    pub const CONTACT: &str = "/contacts/{id}";
    pub const EDIT: &str = "/contacts/{id}/edit";
    pub const DELETE: &str = "/contacts/{id}/delete";
    pub const EXPORT: &str = "/contacts/export";
    pub const EXPORT_STATUS: &str = "/contacts/exports/{id}";
    pub const EXPORT_DOWNLOAD: &str = "/contacts/exports/{id}/download";

    pub fn contact(id: Uuid) -> String {
        format!("/contacts/{id}")
    }

    pub fn edit(id: Uuid) -> String {
        format!("/contacts/{id}/edit")
    }

    pub fn delete(id: Uuid) -> String {
        format!("/contacts/{id}/delete")
    }

    pub fn export(id: Uuid) -> String {
        format!("/contacts/exports/{id}")
    }

    pub fn export_download(id: Uuid) -> String {
        format!("/contacts/exports/{id}/download")
    }
}

pub fn routes() -> Router<AppState> {
    use self::handlers::{delete, form, list};
    Router::new()
        .route(paths::INDEX, get(list::index).post(form::create))
        .route(paths::NEW, get(form::new))
        .route(paths::COUNT, get(list::count))
        .route(paths::VALIDATE, post(form::validate))
        .route(paths::BULK_DELETE, post(delete::bulk))
        .route(
            paths::CONTACT,
            get(form::show)
                .post(form::update)
                .put(form::update)
                .patch(form::update)
                .delete(delete::one),
        )
        .route(paths::EDIT, get(form::edit))
        .route(paths::DELETE, get(delete::confirm).post(delete::one))
        .route(paths::EXPORT, post(export::handlers::start))
        .route(paths::EXPORT_STATUS, get(export::handlers::show))
        .route(paths::EXPORT_DOWNLOAD, get(export::handlers::download))
}
