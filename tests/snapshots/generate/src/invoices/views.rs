//! The invoices pages and the fragments htmx swaps into them, each with its CSS. Every value
//! goes through Maud, which escapes it. Which fragment an htmx request gets is decided by its
//! target's id (`fields::ids`).

use axum_extra::routing::TypedPath;
use maud::{Markup, html};
use uuid::Uuid;

use super::{
    db::{Invoice, Page},
    fields::{self, events, ids},
    forms::InvoiceForm,
    paths::{DeletePath, EditPath, InvoicePath, ListPath, NewPath, ValidatePath, with_query},
};
use crate::web::{
    components::{
        ButtonStyle, Column, PostForm, action_button, action_link, empty_state, form_actions,
        more_row, optional, record_list,
    },
    css::CssFragment,
    form::FieldErrors,
    rules,
};

/// The list's columns: the one that names each record first (a phone's item shows it on a
/// line of its own), then the details.
const COLUMNS: [Column<'static>; 5] = [
    Column::Primary("Number"),
    Column::Detail("Amount"),
    Column::Detail("Due on"),
    Column::Detail("Paid"),
    Column::Actions,
];

/// The list page; `later_page` is a page after the first, reached without JavaScript.
pub fn index(page: &Page, later_page: bool) -> Markup {
    html! {
        section.invoices-page {
            div.heading {
                h1 { "Invoices" }
                (action_link(NewPath::PATH, "Add invoice", ButtonStyle::Primary))
            }
            (live_refresh())
            div #(ids::LIST) { (list(page, later_page)) }
        }
    }
}

/// Refetches the list's first page when the user's invoices change in another tab or window,
/// or after a break in live updates (see `live`).
fn live_refresh() -> Markup {
    html! {
        span hidden data-live-refresh
            data-hx-get=(ListPath)
            data-hx-trigger={ "sse:" (events::CHANGED) ", sse:" (crate::live::RESYNC_NAME) }
            data-hx-target={ "#" (ids::LIST) } {}
    }
}

/// The table, or what to do when there is nothing yet.
pub fn list(page: &Page, later_page: bool) -> Markup {
    html! {
        @if page.rows.is_empty() && !later_page {
            (empty_state(
                "No invoices yet",
                "Add the first one: it is only yours to see.",
                Some(action_link(NewPath::PATH, "Add your first invoice", ButtonStyle::Primary)),
            ))
        } @else {
            @if later_page {
                p { a href=(ListPath) { "Back to the newest" } }
            }
            (record_list("Invoices", &COLUMNS, rows(page)))
        }
    }
}

/// The rows of a page and, when there is more, the row that loads the next page: a link
/// without JavaScript, and with it as soon as it scrolls into view (or is clicked).
pub fn rows(page: &Page) -> Markup {
    html! {
        @for record in &page.rows { (row(record)) }
        @if let Some(next) = &page.next {
            @let url = with_query(ListPath, &[("after", &next.encode())]);
            (more_row(ids::MORE, &url, COLUMNS.len(), "Load more"))
        }
    }
}

/// The row of one invoice, headed by its title. Delete asks, then removes the row
/// (fading it out); both links lead to pages, which `assets/app.js` follows in place for
/// Delete (`data-inline-delete`), so a row carries no htmx attributes: a page of 25 stays
/// small. A value cut short shows whole on hover.
pub fn row(record: &Invoice) -> Markup {
    let title = record.title();
    let id = record.id;
    html! {
        // `data-inline-edit`: once a row is deleted in place, focus moves to the next row's
        // Edit link (`assets/app.js`), not back to the page's start.
        tr #(ids::row(id)) {
            th scope="row" { a href=(InvoicePath { id: id.into() }) { (title) } }
            td { (record.amount.clone()) }
            td { (record.due_on.to_string()) }
            td { (String::from(if record.paid { "Yes" } else { "No" })) }
            td.actions {
                a href=(EditPath { id: id.into() }) data-inline-edit
                    aria-label={ "Edit " (title) } { "Edit" }
                a href=(DeletePath { id: id.into() }) data-inline-delete
                    aria-label={ "Delete " (title) } { "Delete" }
            }
        }
    }
}

pub fn show(record: &Invoice) -> Markup {
    html! {
        article.invoice-card {
            p { a href=(ListPath) { "← All invoices" } }
            h1 { (record.title()) }
            dl {
                dt { "Number" }
                dd { (record.number.clone()) }
                dt { "Amount" }
                dd { (record.amount.clone()) }
                dt { "Due on" }
                dd { (record.due_on.to_string()) }
                dt { "Paid" }
                dd { (String::from(if record.paid { "Yes" } else { "No" })) }
                dt { "Notes" }
                dd { (optional(record.notes.clone())) }
                dt { "Quantity" }
                dd { (record.quantity.to_string()) }
                dt { "Issued at" }
                dd { (rules::date_time_text(record.issued_at)) }
                dt { "Customer id" }
                dd { (optional(record.customer_id.map(|value| value.to_string()))) }
                dt { "Added" }
                dd { (rules::date_time_text(record.created_at)) }
                dt { "Last changed" }
                dd { (rules::date_time_text(record.updated_at)) }
            }
            div.actions {
                (action_link(&EditPath { id: record.id.into() }.to_string(), "Edit", ButtonStyle::Primary))
                (action_link(&DeletePath { id: record.id.into() }.to_string(), "Delete", ButtonStyle::Secondary))
            }
        }
    }
}

pub fn new(input: &InvoiceForm, errors: &FieldErrors) -> Markup {
    let form = PostForm::new(ids::NEW, ListPath::PATH);
    html! {
        section.invoice-form {
            h1 { "New invoice" }
            (form.render(
                &fields::all(ids::NEW, input, errors, ValidatePath::PATH),
                form_actions("Add invoice", ListPath::PATH),
            ))
        }
    }
}

/// The edit page of invoice `id`, titled `title` as it is saved.
pub fn edit(id: Uuid, title: &str, input: &InvoiceForm, errors: &FieldErrors) -> Markup {
    let action = InvoicePath { id: id.into() }.to_string();
    let form = PostForm::new(ids::EDIT, &action);
    html! {
        section.invoice-form {
            h1 { "Edit " (title) }
            (form.render(
                &fields::all(ids::EDIT, input, errors, ValidatePath::PATH),
                form_actions("Save changes", &action),
            ))
        }
    }
}

/// Asks before deleting, for browsers without JavaScript (with it, the list asks in place).
pub fn confirm_delete(record: &Invoice) -> Markup {
    html! {
        section.invoice-delete {
            h1 { "Delete " (record.title()) "?" }
            p { "This cannot be undone." }
            form method="post" action=(DeletePath { id: record.id.into() }) {
                div.form-actions {
                    (action_button("Delete", ButtonStyle::Danger))
                    a href=(InvoicePath { id: record.id.into() }) { "Cancel" }
                }
            }
        }
    }
}

inventory::submit! { CssFragment::new("invoices-page", r#"
.invoices-page {
    & .heading {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: var(--space-3);
        margin-bottom: var(--space-4);
    }
    & .heading h1 { margin: 0; }
}
"#) }

inventory::submit! { CssFragment::new("invoice-card", r#"
.invoice-card {
    & dl { display: grid; grid-template-columns: max-content 1fr; gap: var(--space-2) var(--space-4); }
    & dt { color: var(--color-muted); font-weight: 600; }
    & dd { margin: 0; overflow-wrap: anywhere; white-space: pre-wrap; }
    & .actions { display: flex; flex-wrap: wrap; gap: var(--space-3); margin-top: var(--space-5); }
}
"#) }
