//! The signed-in home: what the user has (counts, and their latest contacts and files as
//! links) and the two things they come to do, adding a contact and uploading a file. A new
//! user, who has neither, gets one friendly prompt with the same two actions.

use axum_extra::routing::TypedPath;
use maud::{Markup, html};

use crate::{
    contacts::paths::{ContactPath, NewPath},
    files::{
        fields::UPLOAD_FORM,
        paths::{FilePath, ListPath as FilesPath},
    },
    home::db::{Counts, Latest, Recent},
    web::{
        components::{ButtonStyle, action_link, empty_state, moment},
        css::CssFragment,
        humanize,
    },
};

/// How many contacts and files the home lists.
pub const LATEST: i64 = 5;

/// The ids the page's sections are named by.
pub mod ids {
    pub const CONTACTS_TITLE: &str = "home-contacts-title";
    pub const FILES_TITLE: &str = "home-files-title";
}

pub fn dashboard(counts: Counts, latest: &Latest) -> Markup {
    let new_user = counts.contacts == 0 && counts.files == 0;
    html! {
        div.home-dashboard {
            header.home-header {
                h1 { @if new_user { "Welcome" } @else { "Welcome back" } }
                (actions())
            }
            @if new_user {
                (empty_state(
                    "Your address book and files start here",
                    "Add the people you work with, or upload a document or a photo: your \
                     latest show up on this page.",
                    Some(actions()),
                ))
            } @else {
                ul.home-counts {
                    li {
                        a href=(contacts_path()) {
                            span.value { (humanize::number(unsigned(counts.contacts))) }
                            " "
                            span.label { @if counts.contacts == 1 { "contact" } @else { "contacts" } }
                        }
                    }
                    li {
                        a href=(FilesPath) {
                            span.value { (humanize::number(unsigned(counts.files))) }
                            " "
                            span.label { @if counts.files == 1 { "file" } @else { "files" } }
                        }
                        " "
                        span.detail { (humanize::bytes(unsigned(counts.file_bytes))) " in total" }
                    }
                }
                div.home-latest {
                    section aria-labelledby=(ids::CONTACTS_TITLE) {
                        h2 #(ids::CONTACTS_TITLE) { "Latest contacts" }
                        @if latest.contacts.is_empty() {
                            p.none { "No contacts yet. " a href=(NewPath) { "Add your first contact" } }
                        } @else {
                            ul { @for contact in &latest.contacts { (recent(&ContactPath { id: contact.id.into() }.to_string(), contact)) } }
                            p.more { a href=(contacts_path()) { "All contacts" } }
                        }
                    }
                    section aria-labelledby=(ids::FILES_TITLE) {
                        h2 #(ids::FILES_TITLE) { "Latest files" }
                        @if latest.files.is_empty() {
                            p.none { "No files yet. " a href=(upload_path()) { "Upload your first file" } }
                        } @else {
                            ul { @for file in &latest.files { (recent(&FilePath { id: file.id.into() }.to_string(), file)) } }
                            p.more { a href=(FilesPath) { "All files" } }
                        }
                    }
                }
            }
        }
    }
}

/// The two things people come to do.
fn actions() -> Markup {
    html! {
        div.home-actions {
            (action_link(NewPath::PATH, "Add contact", ButtonStyle::Primary))
            (action_link(&upload_path(), "Upload", ButtonStyle::Secondary))
        }
    }
}

fn recent(href: &str, record: &Recent) -> Markup {
    html! {
        li {
            a href=(href) { (record.name) }
            " "
            span.detail {
                @if let Some(size) = record.size_bytes { (humanize::bytes(unsigned(size))) ", " }
                (moment(record.at))
            }
        }
    }
}

fn contacts_path() -> &'static str {
    crate::contacts::paths::INDEX
}

/// The files page, scrolled to its upload form.
fn upload_path() -> String {
    format!("{FilesPath}#{UPLOAD_FORM}")
}

/// Counts and sizes from PostgreSQL are never negative.
fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or_default()
}

inventory::submit! { CssFragment::new("home-dashboard", r#"
.home-dashboard {
    display: grid;
    gap: var(--space-5);

    & .home-header {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: var(--space-3);

        & h1 { margin: 0; font-size: var(--text-xl); }
    }
    & .home-actions { display: flex; flex-wrap: wrap; justify-content: center; gap: var(--space-2); }
    & .detail { color: var(--color-muted); font-size: var(--text-sm); }
}
"#) }

inventory::submit! { CssFragment::new("home-counts", r#"
.home-counts {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(12rem, 100%), 1fr));
    gap: var(--space-3);
    margin: 0;
    padding: 0;
    list-style: none;

    & li {
        display: grid;
        gap: var(--space-1);
        padding: var(--space-4);
        border: 1px solid var(--color-border);
        border-radius: var(--radius);
        background: var(--color-surface);
    }
    & a { color: var(--color-text); text-decoration: none; }
    & a:hover .label, & a:focus-visible .label { text-decoration: underline; }
    & .value { font-size: var(--text-xl); font-weight: 600; font-variant-numeric: tabular-nums; }
    & .label { color: var(--color-accent); }
}
"#) }

inventory::submit! { CssFragment::new("home-latest", r#"
.home-latest {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(20rem, 100%), 1fr));
    gap: var(--space-5);

    & h2 { margin: 0 0 var(--space-2); font-size: var(--text-md); }
    & ul { margin: 0; padding: 0; list-style: none; }
    & li {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        justify-content: space-between;
        gap: 0 var(--space-3);
        padding: var(--space-2) 0;
        border-bottom: 1px solid var(--color-border);
    }
    /* Names may be one long word, wider than a phone. */
    & li a { min-width: 0; overflow-wrap: anywhere; }
    & .none, & .more { margin: var(--space-2) 0 0; }
    & .none { color: var(--color-muted); }
}
"#) }
