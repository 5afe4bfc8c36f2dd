//! Contacts: each user's address book, the Contact.app of *Hypermedia Systems*. This module
//! is the pattern to copy for a feature of your own.
//!
//! Where things are: `paths.rs` every URL of the module (typed paths: the routes, the links),
//! `db.rs` the SQL (every query scoped by owner, the search box's matching), `forms.rs` the
//! input and its rules, `fields.rs` the form's fields and every DOM id and event name,
//! `handlers/` one file per part of the flow (the list, the form, deleting), `views/` one file
//! per page with its CSS, and `export/` the CSV export (a background job). The fake contacts of
//! `cargo run -- seed contacts` are `dev::seed`. `generate resource` writes a module of the
//! same shape, less the export.
//!
//! Every page works without JavaScript; htmx adds search as you type, infinite scroll, inline
//! editing and deleting in place. A contact that is not the signed-in user's is a 404 on every
//! route, so its existence is not revealed.

pub mod db;
pub mod export;
mod fields;
pub mod forms;
mod handlers;
pub mod paths;
mod views;

use crate::web::routes::RouterExt;
use axum::Router;

use crate::state::AppState;

/// Each handler's first argument is its path (`paths.rs`), which mounts it: the URL of a
/// route is one click from here.
pub fn routes() -> Router<AppState> {
    use self::handlers::{delete, form, list};
    Router::new()
        .typed_get(list::index)
        .typed_post(form::create)
        .typed_get(form::new)
        .typed_get(list::count)
        .typed_post(form::validate)
        .typed_post(delete::bulk)
        .typed_get(form::show)
        .typed_post(form::update)
        .typed_put(form::update)
        .typed_patch(form::update)
        .typed_delete(delete::one)
        .typed_get(form::edit)
        .typed_get(delete::confirm)
        .typed_post(delete::confirmed)
        .typed_post(export::handlers::start)
        .typed_get(export::handlers::show)
        .typed_get(export::handlers::download)
}
