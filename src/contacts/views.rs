//! The contacts pages and the fragments htmx swaps into them. Every user-supplied string goes
//! through Maud, which escapes it.
//!
//! The list page works as plain HTML (a GET search form, links to the next page, a
//! confirmation page before deleting); htmx attributes, all in their `data-hx-*` spelling, add
//! search as you type, infinite scroll, inline editing and deleting in place. Which fragment
//! an htmx request gets is decided by its target's id, the constants in [`targets`].
//!
//! Every view of the module is here with its CSS (the list and its rows in both states, the
//! contact's page, the forms, the confirmations), so that they read together; hence the
//! length.

use axum_extra::routing::TypedPath;
use maud::{Markup, html};
use uuid::Uuid;

use super::{
    db::{Contact, Page},
    fields::{self, ids},
    forms::ContactForm,
    paths::{
        BulkDeletePath, ContactPath, CountPath, DeletePath, EditPath, ListPath, NewPath, with_query,
    },
};
use crate::{
    humanize,
    web::{
        components::{
            ButtonStyle, PostForm, action_button, action_link, empty_state, field_announcer,
            form_actions,
        },
        css::CssFragment,
        form::FieldErrors,
        linkify::linkify,
    },
};

/// The ids of the elements htmx requests target, which the handlers answer by.
pub mod targets {
    /// The search results: the count, the table, the next-page row.
    pub const RESULTS: &str = "contacts-results";
    /// The row that loads the next page, which the next page replaces.
    pub const MORE: &str = "contacts-more";

    /// A contact's row in the list, which its inline edit form replaces and back.
    pub fn row(contact: uuid::Uuid) -> String {
        format!("contact-{contact}")
    }
}

/// The event the list's count listens for: sent (`HX-Trigger`) by changes made in place.
pub const CHANGED_EVENT: &str = "contacts-changed";

const COLUMNS: [&str; 4] = ["Name", "Email", "Phone", "Company"];

/// A page of the list as the request asked for it.
pub struct Listing<'a> {
    /// The search box's text.
    pub query: &'a str,
    pub page: &'a Page,
    /// Whether this is a later page reached without JavaScript (it links back to the first).
    pub later_page: bool,
}

pub fn index(listing: &Listing<'_>) -> Markup {
    html! {
        section.contacts-page {
            div.heading {
                h1 { "Contacts" }
                div.actions {
                    (super::export::start_button("contacts-export", "Export CSV"))
                    (action_link(NewPath::PATH, "Add contact", ButtonStyle::Primary))
                }
            }
            div.toolbar {
                (search_form(listing.query))
                (bulk_delete_form())
            }
            (live_refresh())
            div #(targets::RESULTS) { (results(listing)) }
        }
    }
}

/// Refetches the results (as the search box would) when the user's contacts change in
/// another tab or window, or after a break in live updates. While this page is being worked
/// on (a row open for editing, rows checked, focus in the list), `app.js` holds the refetch
/// back and shows the notice instead, so nothing typed or selected is lost.
fn live_refresh() -> Markup {
    html! {
        p.live-notice hidden data-live-notice {
            "Your contacts changed in another tab or window. "
            a href=(ListPath) data-hx-get=(ListPath)
                data-hx-include={ "#" (ids::SEARCH) "-q" }
                data-hx-target={ "#" (targets::RESULTS) } { "Show the latest" }
        }
        span hidden data-live-refresh
            data-hx-get=(ListPath)
            data-hx-trigger={ "sse:" (CHANGED_EVENT) ", sse:" (crate::live::RESYNC_NAME) }
            data-hx-include={ "#" (ids::SEARCH) "-q" }
            data-hx-target={ "#" (targets::RESULTS) } {}
    }
}

/// A GET form, so Enter searches without JavaScript; with it, the input searches as you type,
/// replaces a search still under way, and keeps the URL in step with what is shown.
fn search_form(query: &str) -> Markup {
    let input = format!("{}-q", ids::SEARCH);
    let indicator = format!("{}-indicator", ids::SEARCH);
    html! {
        form #(ids::SEARCH) .contact-search method="get" action=(ListPath) role="search" {
            label for=(input) { "Search contacts" }
            div.controls {
                input #(input) type="search" name="q" value=(query)
                    maxlength=(super::search::MAX_LEN) autocomplete="off"
                    placeholder="Name, email or company"
                    data-hx-get=(ListPath)
                    data-hx-trigger="input changed delay:300ms, search"
                    data-hx-target={ "#" (targets::RESULTS) }
                    data-hx-sync="this:replace"
                    data-hx-replace-url="true"
                    data-hx-indicator={ "#" (indicator) };
                (action_button("Search", ButtonStyle::Secondary))
                span.htmx-indicator #(indicator) role="status" { "Searching…" }
            }
        }
    }
}

/// Deletes the rows whose boxes are checked (they belong to this form by its id). Without
/// JavaScript it leads to a confirmation page; with it, the browser asks with the count, and
/// `hx-vals` says the question was answered.
fn bulk_delete_form() -> Markup {
    html! {
        form #(ids::BULK) .bulk-delete method="post" action=(BulkDeletePath)
            data-hx-confirm="Delete the selected contacts?"
            data-confirm-count="selected"
            data-confirm-one="Delete 1 contact? This cannot be undone."
            data-confirm-many="Delete {count} contacts? This cannot be undone."
            data-hx-vals=r#"{"confirmed": "yes"}"# {
            (action_button("Delete selected", ButtonStyle::Secondary))
        }
    }
}

/// What the search swaps: the count, then the table or what to do when it is empty.
pub fn results(listing: &Listing<'_>) -> Markup {
    let searching = !listing.query.trim().is_empty();
    html! {
        p.contacts-count {
            (count_loader(listing.query))
            @if listing.later_page {
                " · " a href=(list_url(listing.query, None)) { "Back to the first page" }
            }
        }
        @if listing.page.rows.is_empty() && !listing.later_page {
            @if searching {
                (empty_state(
                    "No contacts match your search",
                    "Try fewer words or another spelling.",
                    Some(html! { a href=(ListPath) { "Show all contacts" } }),
                ))
            } @else {
                (empty_state(
                    "No contacts yet",
                    "Add the people you work with, and find them again in a few keystrokes.",
                    Some(action_link(NewPath::PATH, "Add your first contact", ButtonStyle::Primary)),
                ))
            }
        } @else {
            div.contact-table role="region" aria-label="Contacts" tabindex="0" {
                table {
                    thead {
                        tr {
                            th scope="col" { span._visually-hidden { "Select" } }
                            @for column in COLUMNS { th scope="col" { (column) } }
                            th scope="col" { span._visually-hidden { "Actions" } }
                        }
                    }
                    tbody { (rows(listing.query, listing.page)) }
                }
            }
        }
    }
}

/// The total, loaded after the page (counting is the one part of the list that grows with
/// it), and again whenever a change made in place sends [`CHANGED_EVENT`] (the results, and so
/// this count, are refetched when the change comes from elsewhere).
fn count_loader(query: &str) -> Markup {
    let url = count_url(query);
    html! {
        span.count
            data-hx-get=(url)
            data-hx-trigger={ "load, " (CHANGED_EVENT) " from:body" }
            data-hx-swap="innerHTML" {
            a href=(url) { "Count them" }
        }
    }
}

/// The count's text.
pub fn count(query: &str, count: u64) -> String {
    if query.trim().is_empty() {
        humanize::count(count, "contact", "contacts")
    } else {
        humanize::count(count, "match", "matches")
    }
}

/// The rows of a page and, when there is more, the row that loads the next page: as a link
/// without JavaScript, and with it as soon as it scrolls into view (or is clicked).
pub fn rows(query: &str, page: &Page) -> Markup {
    html! {
        @for contact in &page.rows { (row(contact)) }
        @if let Some(next) = &page.next {
            @let url = list_url(query, Some(&next.encode()));
            tr #(targets::MORE) .more-row {
                td colspan=(COLUMNS.len() + 2) {
                    a href=(url)
                        data-hx-get=(url)
                        data-hx-trigger="click, revealed"
                        data-hx-target="closest tr"
                        data-hx-swap="outerHTML" {
                        "Load more contacts"
                    }
                    span.htmx-indicator aria-hidden="true" { " …" }
                }
            }
        }
    }
}

/// A contact's row. Edit swaps in the row's edit form; Delete asks, then removes the row.
/// Without JavaScript both are links to pages.
pub fn row(contact: &Contact) -> Markup {
    let name = contact.name();
    html! {
        tr #(targets::row(contact.id)) .contact-row {
            td.select {
                input type="checkbox" name="selected" value=(contact.id) form=(ids::BULK)
                    aria-label={ "Select " (name) };
            }
            td data-label=(COLUMNS[0]) { a href=(ContactPath { id: contact.id }) { (name) } }
            td data-label=(COLUMNS[1]) { (optional(contact.email.as_deref())) }
            td data-label=(COLUMNS[2]) { (optional(contact.phone.as_deref())) }
            td data-label=(COLUMNS[3]) { (optional(contact.company.as_deref())) }
            td.actions {
                a href=(EditPath { id: contact.id })
                    data-hx-get=(EditPath { id: contact.id })
                    data-hx-target="closest tr"
                    data-hx-swap="outerHTML"
                    aria-label={ "Edit " (name) } { "Edit" }
                a href=(DeletePath { id: contact.id })
                    data-hx-delete=(ContactPath { id: contact.id })
                    data-hx-confirm={ "Delete " (name) "? This cannot be undone." }
                    data-hx-target="closest tr"
                    // Long enough for the row's fade-out (see the CSS).
                    data-hx-swap="outerHTML swap:300ms"
                    aria-label={ "Delete " (name) } { "Delete" }
            }
        }
    }
}

/// A row's inline edit form. A table row cannot hold a `<form>`, so the form sits in the last
/// cell and the inputs name it by id. Errors stay in the row, beside their fields.
pub fn edit_row(id: Uuid, input: &ContactForm, errors: &FieldErrors) -> Markup {
    let form = ids::row(id);
    let validate_url = fields::validate_url(Some(id));
    let fields = fields::row(&form, input, errors, &validate_url);
    let [first, last, email, phone, company] = fields.as_slice() else {
        return html! {};
    };
    html! {
        tr #(targets::row(id)) .contact-row.__editing {
            td.select {}
            td data-label=(COLUMNS[0]) { (first.render()) (last.render()) }
            td data-label=(COLUMNS[1]) { (email.render()) }
            td data-label=(COLUMNS[2]) { (phone.render()) }
            td data-label=(COLUMNS[3]) { (company.render()) }
            td.actions {
                form #(form) method="post" action=(ContactPath { id })
                    data-hx-put=(ContactPath { id })
                    data-hx-target="closest tr"
                    data-hx-swap="outerHTML" {
                    // Not shown in the row, but kept: saving the row must not erase them.
                    input type="hidden" name="notes" value=[input.notes.as_deref()];
                    (field_announcer(&form))
                    (action_button("Save", ButtonStyle::Primary))
                    a href=(ContactPath { id })
                        data-hx-get=(ContactPath { id })
                        data-hx-target="closest tr"
                        data-hx-swap="outerHTML" { "Cancel" }
                }
            }
        }
    }
}

fn optional(value: Option<&str>) -> Markup {
    html! {
        @match value {
            Some(value) => (value),
            // A dash to the eye, a word to a screen reader.
            None => { span.none aria-hidden="true" { "–" } span._visually-hidden { "none" } },
        }
    }
}

pub fn show(contact: &Contact) -> Markup {
    html! {
        article.contact-card {
            p.back { a href=(ListPath) { "← All contacts" } }
            h1 { (contact.name()) }
            @if let Some(company) = &contact.company { p.company { (company) } }
            dl {
                dt { "Email" }
                dd {
                    @match &contact.email {
                        Some(email) => a href={ "mailto:" (email) } { (email) },
                        None => (optional(None)),
                    }
                }
                dt { "Phone" }
                dd {
                    @match &contact.phone {
                        Some(phone) => a href={ "tel:" (phone.replace(' ', "")) } { (phone) },
                        None => (optional(None)),
                    }
                }
                dt { "Notes" }
                dd.notes { @match &contact.notes {
                    Some(notes) => (linkify(notes)),
                    None => (optional(None)),
                } }
                dt { "Added" }
                dd { time datetime=(contact.created_at.date()) { (contact.created_at.date()) } }
            }
            div.actions {
                (action_link(&EditPath { id: contact.id }.to_string(), "Edit", ButtonStyle::Primary))
                (action_link(&DeletePath { id: contact.id }.to_string(), "Delete", ButtonStyle::Secondary))
            }
        }
    }
}

/// The new-contact page.
pub fn new(input: &ContactForm, errors: &FieldErrors) -> Markup {
    let validate_url = fields::validate_url(None);
    let form = PostForm::new(ids::NEW, ListPath::PATH);
    html! {
        section.contact-form {
            h1 { "New contact" }
            (form.render(
                &fields::contact(ids::NEW, input, errors, &validate_url),
                form_actions("Add contact", ListPath::PATH),
            ))
        }
    }
}

/// The edit page of contact `id` (named `name` as it is saved).
pub fn edit(id: Uuid, name: &str, input: &ContactForm, errors: &FieldErrors) -> Markup {
    let validate_url = fields::validate_url(Some(id));
    let action = ContactPath { id }.to_string();
    let form = PostForm::new(ids::EDIT, &action);
    html! {
        section.contact-form {
            h1 { "Edit " (name) }
            (form.render(
                &fields::contact(ids::EDIT, input, errors, &validate_url),
                form_actions("Save changes", &action),
            ))
        }
    }
}

/// Asks before deleting one contact, for browsers without JavaScript (with it, the list asks
/// in place).
pub fn confirm_delete(contact: &Contact) -> Markup {
    let name = contact.name();
    html! {
        section.confirm-delete {
            h1 { "Delete " (name) "?" }
            p { "This cannot be undone." }
            form method="post" action=(DeletePath { id: contact.id }) {
                div.form-actions {
                    (action_button("Delete", ButtonStyle::Danger))
                    a href=(ContactPath { id: contact.id }) { "Cancel" }
                }
            }
        }
    }
}

/// Asks before deleting the contacts checked in the list, naming them; `missing` is how many
/// of those checked are not (or no longer) the user's.
pub fn confirm_bulk_delete(contacts: &[(Uuid, String)], missing: usize) -> Markup {
    let title = humanize::count(contacts.len() as u64, "contact", "contacts");
    html! {
        section.confirm-delete {
            h1 { "Delete " (title) "?" }
            p { "This cannot be undone." }
            ul.names { @for (_, name) in contacts { li { (name) } } }
            @if missing > 0 {
                p { (not_found(missing)) " They will be left alone." }
            }
            form method="post" action=(BulkDeletePath) {
                @for (id, _) in contacts { input type="hidden" name="selected" value=(id); }
                input type="hidden" name="confirmed" value="yes";
                div.form-actions {
                    (action_button("Delete", ButtonStyle::Danger))
                    a href=(ListPath) { "Cancel" }
                }
            }
        }
    }
}

/// "2 of the selected contacts were not found."
pub fn not_found(missing: usize) -> String {
    match missing {
        1 => "1 of the selected contacts was not found.".to_owned(),
        _ => format!(
            "{} of the selected contacts were not found.",
            humanize::number(missing as u64)
        ),
    }
}

/// The list's URL for `query`, from the page after `after`.
fn list_url(query: &str, after: Option<&str>) -> String {
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

fn count_url(query: &str) -> String {
    let query = query.trim();
    if query.is_empty() {
        CountPath.to_string()
    } else {
        with_query(CountPath, &[("q", query)])
    }
}

inventory::submit! { CssFragment::new("contacts-page", r#"
.contacts-page {
    & .heading {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: var(--space-3);
    }
    & .heading h1 { margin: 0; }
    & .heading .actions { display: flex; flex-wrap: wrap; align-items: center; gap: var(--space-2); }
    & .toolbar {
        display: flex;
        flex-wrap: wrap;
        align-items: end;
        justify-content: space-between;
        gap: var(--space-3);
        margin: var(--space-5) 0 var(--space-3);
    }
    & .contacts-count { color: var(--color-muted); font-size: var(--text-sm); }
}
"#) }

inventory::submit! { CssFragment::new("contact-search", r#"
.contact-search {
    flex: 1 1 20rem;

    & label { display: block; margin-bottom: var(--space-1); font-weight: 600; }
    & .controls { display: flex; flex-wrap: wrap; align-items: center; gap: var(--space-2); }
    & input {
        flex: 1 1 12rem;
        min-width: 0;
        padding: var(--space-2) var(--space-3);
        border: 1px solid var(--color-border);
        border-radius: var(--radius);
        background: var(--color-bg);
        color: var(--color-text);
        font: inherit;
    }
    & .htmx-indicator { display: none; color: var(--color-muted); font-size: var(--text-sm); }
    & .htmx-indicator.htmx-request { display: inline; }
}
"#) }

// On a narrow container each row becomes a card: one line per column, labelled from the
// cell's `data-label`, so a phone never scrolls sideways.
inventory::submit! { CssFragment::new("contact-table", r#"
.contact-table {
    container-type: inline-size;

    & table { width: 100%; border-collapse: collapse; }
    & th, & td {
        padding: var(--space-2) var(--space-3);
        border-bottom: 1px solid var(--color-border);
        text-align: left;
        vertical-align: top;
        overflow-wrap: anywhere;
    }
    & th { color: var(--color-muted); font-weight: 600; font-size: var(--text-sm); }
    & .actions { display: flex; flex-wrap: wrap; gap: var(--space-3); white-space: nowrap; }
    & .actions form { display: flex; flex-wrap: wrap; align-items: center; gap: var(--space-3); }
    & .none { color: var(--color-muted); }
    & .form-field { margin-bottom: var(--space-2); }
    & .more-row td { text-align: center; }
    & .more-row .htmx-indicator { display: none; }
    & .more-row .htmx-request .htmx-indicator, & .more-row.htmx-request .htmx-indicator { display: inline; }

    @container (width < 40rem) {
        & thead { display: none; }
        & table, & tbody, & tr, & td { display: block; }
        & tr { padding: var(--space-2) 0; border-bottom: 1px solid var(--color-border); }
        & td { border: 0; padding: var(--space-1) var(--space-2); }
        & td[data-label]::before {
            content: attr(data-label);
            display: block;
            color: var(--color-muted);
            font-size: var(--text-sm);
        }
    }
}
"#) }

// A row being deleted fades out for as long as htmx waits before removing it.
inventory::submit! { CssFragment::new("contact-row", r#"
.contact-row {
    &.htmx-swapping { opacity: 0; transition: opacity 300ms ease-out; }
    &.__editing { background: var(--color-surface); }
}
"#) }

inventory::submit! { CssFragment::new("contact-card", r#"
.contact-card {
    & .back { margin: 0 0 var(--space-3); }
    & h1 { margin-bottom: var(--space-1); }
    & .company { margin-top: 0; color: var(--color-muted); }
    & dl { display: grid; grid-template-columns: max-content 1fr; gap: var(--space-2) var(--space-4); }
    & dt { color: var(--color-muted); font-weight: 600; }
    & dd { margin: 0; overflow-wrap: anywhere; }
    & .notes { white-space: pre-wrap; }
    & .actions { display: flex; flex-wrap: wrap; gap: var(--space-3); margin-top: var(--space-5); }
}
"#) }

#[cfg(test)]
mod tests {
    use scraper::{Html, Selector};

    use super::*;

    #[test]
    fn urls_carry_the_query_and_the_cursor_encoded() {
        assert_eq!(list_url("  ", None), "/contacts");
        assert_eq!(
            list_url("a&b c", Some("xyz")),
            "/contacts?q=a%26b+c&after=xyz"
        );
        assert_eq!(count_url("zoë"), "/contacts/count?q=zo%C3%AB");
    }

    #[test]
    fn missing_contacts_are_counted_in_words() {
        assert_eq!(not_found(1), "1 of the selected contacts was not found.");
        assert_eq!(
            not_found(1200),
            "1,200 of the selected contacts were not found."
        );
    }

    #[test]
    fn a_row_ties_its_checkbox_to_the_bulk_form_and_escapes_names() {
        let contact = Contact {
            id: Uuid::new_v4(),
            first_name: "<script>alert(1)</script>".into(),
            last_name: None,
            email: None,
            phone: None,
            company: Some("<b>Acme</b>".into()),
            notes: None,
            sort_name: String::new(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        let html = row(&contact).into_string();
        let doc = Html::parse_fragment(&format!("<table>{html}</table>"));
        let select = |s: &str| doc.select(&Selector::parse(s).unwrap()).count();
        assert_eq!(select("script"), 0);
        assert_eq!(select("b"), 0);
        assert_eq!(
            select("input[type=checkbox][name=selected][form=contacts-bulk]"),
            1
        );
        assert_eq!(select("a[data-hx-delete][data-hx-confirm]"), 1);
    }
}
