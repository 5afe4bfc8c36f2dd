//! The contacts pages and the fragments htmx swaps into them, one file per page, each with
//! its CSS: `list.rs` the list page (search, bulk delete, the results and their count),
//! `rows.rs` the table's rows (a contact, its inline edit form, the next page's row),
//! `show.rs` a contact's page, `form.rs` the new and edit pages, `delete.rs` the
//! confirmations. Every user-supplied string goes through Maud, which escapes it.
//!
//! Every page works as plain HTML (a GET search form, links to the next page, a confirmation
//! page before deleting); htmx attributes, all in their `data-hx-*` spelling, add search as
//! you type, infinite scroll, inline editing and deleting in place. Which fragment an htmx
//! request gets is decided by its target's id, from `fields::ids`.

mod delete;
mod form;
mod list;
mod rows;
mod show;

pub use self::{
    delete::{confirm_bulk_delete, confirm_delete, deleted_row, not_found},
    form::{edit, new},
    list::{Listing, count, index, results},
    rows::{edit_row, row, rows, saved_row},
    show::show,
};
