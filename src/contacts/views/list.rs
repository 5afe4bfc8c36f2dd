//! The list page: its heading and actions, the search box, the bulk-delete form, and the
//! results (the count, then the table or what to do when it is empty).

use axum_extra::routing::TypedPath;
use maud::{Markup, html};

use super::rows::{LIST_COLUMNS, rows};
use crate::{
    contacts::{
        db::{Page, SEARCH_MAX_LEN},
        export,
        fields::{events, ids},
        paths::{BulkDeletePath, ListPath, NewPath, count_url, list_url},
    },
    web::{
        components::{ButtonStyle, action_button, action_link, empty_state, record_list},
        css::CssFragment,
        humanize,
    },
};

/// A page of the list as the request asked for it.
pub struct Listing<'a> {
    /// The search box's text.
    pub query: &'a str,
    pub page: &'a Page,
    /// Whether this is a later page reached without JavaScript (it links back to the first).
    pub later_page: bool,
}

pub fn index(listing: &Listing<'_>) -> Markup {
    // An empty address book has nothing to search, export or select: its empty state's call
    // to add a contact is all the page needs. When a contact is added elsewhere, the whole
    // page is fetched again, tools and all.
    let tools = !listing.is_empty_book();
    html! {
        section.contacts-page #(ids::PAGE) {
            div.heading {
                h1 { "Contacts" }
                div.actions {
                    @if tools { (export::start_button(ids::EXPORT, "Export CSV")) }
                    (action_link(NewPath::PATH, "Add contact", ButtonStyle::Primary))
                }
            }
            @if tools { div.toolbar { (search_form(listing.query)) } }
            (live_refresh(tools))
            div #(ids::RESULTS) { (results(listing)) }
            @if tools { (selection_bar()) }
        }
    }
}

impl Listing<'_> {
    /// The first page of the whole book, with nothing in it.
    fn is_empty_book(&self) -> bool {
        self.page.rows.is_empty() && !self.later_page && self.query.trim().is_empty()
    }
}

/// Refetches the results (as the search box would) when the user's contacts change in
/// another tab or window, or after a break in live updates; on a page without tools (an
/// empty book), the whole page. While this page is being worked on (a row open for editing,
/// rows checked, focus in the list), `app.js` holds the refetch back and shows the notice
/// instead, so nothing typed or selected is lost.
/// `tools`: whether the page has the tools, among them the search box whose query the
/// refetch keeps.
fn live_refresh(tools: bool) -> Markup {
    let include = tools.then(|| format!("#{}", ids::SEARCH_QUERY));
    let (target, swap) = if tools {
        (ids::RESULTS, None)
    } else {
        (ids::PAGE, Some("outerHTML"))
    };
    html! {
        p.live-notice hidden data-live-notice {
            "Your contacts changed in another tab or window. "
            a href=(ListPath) data-hx-get=(ListPath)
                data-hx-include=[include.as_deref()]
                data-hx-target={ "#" (target) } data-hx-swap=[swap] { "Show the latest" }
        }
        span hidden data-live-refresh
            data-hx-get=(ListPath)
            data-hx-trigger={ "sse:" (events::CHANGED) ", sse:" (crate::live::RESYNC_NAME) }
            data-hx-include=[include.as_deref()]
            data-hx-target={ "#" (target) } data-hx-swap=[swap] {}
    }
}

/// A GET form, so Enter searches without JavaScript; with it, the input searches as you type,
/// replaces a search still under way, and keeps the URL in step with what is shown.
fn search_form(query: &str) -> Markup {
    html! {
        form #(ids::SEARCH) .contact-search method="get" action=(ListPath) role="search"
            aria-label="Contacts list" {
            label for=(ids::SEARCH_QUERY) { "Search contacts" }
            div.controls {
                input #(ids::SEARCH_QUERY) type="search" name="q" value=(query)
                    maxlength=(SEARCH_MAX_LEN) autocomplete="off"
                    placeholder="Name, email or company"
                    data-hx-get=(ListPath)
                    data-hx-trigger="input changed delay:300ms, search"
                    data-hx-target={ "#" (ids::RESULTS) }
                    data-hx-sync="this:replace"
                    data-hx-replace-url="true"
                    data-hx-indicator={ "#" (ids::SEARCH_INDICATOR) };
                (action_button("Search", ButtonStyle::Secondary))
                span.htmx-indicator #(ids::SEARCH_INDICATOR) role="status" { "Searching…" }
            }
        }
    }
}

/// Deletes the rows whose boxes are checked (they belong to this form by its id), from a bar
/// that stays at the bottom of the window under a long list. Without JavaScript it is always
/// there and leads to a confirmation page; with it, it appears with the first box checked
/// and says how many ("3 selected · Delete · Clear", see `selection_bar` in `app.js`), the
/// browser asks with the count, and `hx-vals` says the question was answered.
fn selection_bar() -> Markup {
    html! {
        form #(ids::BULK) .selection-bar method="post" action=(BulkDeletePath)
            data-selection-bar
            data-hx-confirm="Delete the selected contacts?"
            data-confirm-count="selected"
            data-confirm-one="Delete 1 contact? This cannot be undone."
            data-confirm-many="Delete {count} contacts? This cannot be undone."
            data-hx-vals=r#"{"confirmed": "yes"}"# {
            span.count role="status" data-selection-count {}
            (action_button("Delete selected", ButtonStyle::Danger))
            button._link-button type="button" hidden data-selection-clear { "Clear" }
        }
    }
}

/// What the search swaps: the count, then the table or what to do when it is empty.
pub fn results(listing: &Listing<'_>) -> Markup {
    let searching = !listing.query.trim().is_empty();
    html! {
        // "0 contacts" above the empty state would say it twice.
        @if !listing.is_empty_book() {
            p.contacts-count {
                (count_loader(listing.query))
                @if listing.later_page {
                    " · " a href=(list_url(listing.query, None)) { "Back to the first page" }
                }
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
            (record_list("Contacts", &LIST_COLUMNS, rows(listing.query, listing.page)))
        }
    }
}

/// The total, loaded after the page (counting is the one part of the list that grows with
/// it), and again whenever a change made in place sends [`events::CHANGED`] (the results, and
/// so this count, are refetched when the change comes from elsewhere).
fn count_loader(query: &str) -> Markup {
    let url = count_url(query);
    html! {
        span.count
            data-hx-get=(url)
            data-hx-trigger={ "load, " (events::CHANGED) " from:body" }
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

    /* The rows (`rows.rs`): one open for editing sits on the surface colour, its form's
       buttons at the row's end; one just saved starts tinted with the accent and fades back
       (without motion, it stays still). A row being deleted fades out: `record_list` draws
       that for every list. */
    & tbody tr {
        &[data-inline-editing] { background: var(--color-surface); }
        &.__saved { animation: contact-saved 2s ease-out; }

        & .actions form { display: flex; flex-wrap: wrap; align-items: center; justify-content: flex-end; gap: var(--space-3); }
        & .form-field { margin-bottom: var(--space-2); }
    }
}
@keyframes contact-saved {
    from { background: color-mix(in srgb, var(--color-accent) 25%, transparent); }
    to { background: transparent; }
}
@media (prefers-reduced-motion: reduce) {
    .contacts-page tbody tr.__saved { animation: none; }
}
"#) }

inventory::submit! { CssFragment::new("selection-bar", r#"
.selection-bar {
    position: sticky;
    bottom: 0;
    z-index: 10;
    display: flex;
    align-items: center;
    justify-content: flex-end;
    gap: var(--space-4);
    margin-top: var(--space-3);
    padding: var(--space-2) var(--space-3);
    border: 1px solid var(--color-border);
    border-radius: var(--radius);
    background: var(--color-surface);
    box-shadow: 0 -4px 16px rgb(0 0 0 / 0.08);

    & .count { margin-right: auto; font-weight: 600; }
    & .count, & button { white-space: nowrap; }
    & .count:empty { display: none; }
    &[hidden] { display: none; }
}
"#) }

inventory::submit! { CssFragment::new("contact-search", r#"
.contact-search {
    flex: 1 1 20rem;

    & label { display: block; margin-bottom: var(--space-1); font-weight: 600; }
    & .controls { display: flex; flex-wrap: wrap; align-items: center; gap: var(--space-2); }
    & input { flex: 1 1 12rem; }
    & .htmx-indicator { display: none; color: var(--color-muted); font-size: var(--text-sm); }
    & .htmx-indicator.htmx-request { display: inline; }
}
"#) }
