//! The export's pages: the status page with its progress fragment, the expired page, and the
//! "Export CSV" button of the contacts list.
//!
//! The progress fragment updates itself two ways: the job pushes it over the live stream as
//! soon as a batch is written, and while the export is unfinished the fragment also asks for
//! itself every two seconds (`data-hx-get`), for when the stream is not open or an event was
//! missed. Events are swapped into a wrapper that stays (`data-sse-swap="export-{id}"`,
//! inner HTML): were the element that listens replaced by each event, an event arriving
//! before htmx has processed its replacement would be lost. Polling replaces the fragment
//! itself, so the finished one stops it. Both elements disinherit their `hx-swap`, so that the
//! links and forms inside navigate as every other does. Without JavaScript the page has a
//! "Refresh" link.

use axum_extra::routing::TypedPath;
use maud::{Markup, html};

use super::status::{ExportStatus, Stage, percent};
use crate::{
    contacts::{
        fields::{events, ids},
        paths::{ExportDownloadPath, ExportPath, ExportStatusPath, ListPath},
    },
    web::{
        components::{ButtonStyle, PostForm, action_button},
        css::CssFragment,
        humanize,
    },
};

/// The contacts list's button: a small POST form, which works without JavaScript.
pub fn start_button(form_id: &str, label: &str) -> Markup {
    html! {
        div.export-start {
            (PostForm::new(form_id, ExportPath::PATH).render(&[], action_button(label, ButtonStyle::Secondary)))
        }
    }
}

pub fn page(status: &ExportStatus) -> Markup {
    html! {
        section.export-page {
            h1 { "Export contacts" }
            p { "A CSV file of all your contacts, for a spreadsheet or another address book. \
                 It is kept for a day." }
            div.export-live #(ids::export_live(status.id)) data-sse-swap=(events::export(status.id))
                data-hx-swap="innerHTML" data-hx-disinherit="*" {
                (progress(status))
            }
            p { a href=(ListPath) { "Back to contacts" } }
        }
    }
}

/// The part of the page that changes as the export runs: what the live events carry and
/// what polling answers.
pub fn progress(status: &ExportStatus) -> Markup {
    let id = status.id;
    let url = ExportStatusPath { id: id.into() }.to_string();
    let polling = !status.is_finished();
    let bar = ids::export_bar(id);
    html! {
        div.export-progress data-hx-swap="outerHTML" data-hx-disinherit="*"
            data-hx-get=[polling.then_some(&url)]
            data-hx-trigger=[polling.then_some("every 2s")] {
            @match &status.stage {
                Stage::Waiting | Stage::Retrying | Stage::Running { .. } => {
                    @let (done, total) = match &status.stage {
                        Stage::Running { done, total } => (*done, *total),
                        _ => (0, None),
                    };
                    label.label for=(bar) { "Exporting your contacts" }
                    @if let Some(total) = total {
                        @let percent = percent(done, total);
                        progress #(bar) max=(total.max(1)) value=(done.min(total)) { (percent) "%" }
                        p.status {
                            (percent) "% · " (humanize::number(u64::try_from(done).unwrap_or(0)))
                            " of " (humanize::count(u64::try_from(total).unwrap_or(0), "contact", "contacts"))
                        }
                    } @else {
                        // No value: an indeterminate bar until the contacts are counted.
                        progress #(bar) { "Starting…" }
                        p.status {
                            @if status.stage == Stage::Retrying {
                                "Something went wrong; trying again shortly."
                            } @else {
                                "Waiting to start…"
                            }
                        }
                    }
                    p.refresh { a href=(url) { "Refresh" } " to see how far it has got." }
                }
                Stage::Done { rows } => {
                    label.label for=(bar) { "Export complete" }
                    progress #(bar) max=((*rows).max(1)) value=((*rows).max(1)) { "100%" }
                    p.status {
                        "Exported " (humanize::count(u64::try_from(*rows).unwrap_or(0), "contact", "contacts")) "."
                    }
                    // A file, not a page: the browser fetches it itself rather than htmx's boost.
                    a.action-button.__primary href=(ExportDownloadPath { id: id.into() }) data-hx-boost="false" {
                        "Download CSV"
                    }
                }
                Stage::Failed => {
                    p.status.__failed role="alert" {
                        "The export could not be completed. Nothing was lost: try again, and if \
                         it fails again, try later."
                    }
                    (start_button(&ids::export_retry(id), "Try again"))
                }
            }
        }
    }
}

/// For an export that finished more than a day ago (a 410).
pub fn expired() -> Markup {
    html! {
        section.export-page {
            h1 { "This export has expired" }
            p { "Exports are kept for a day after they finish. Start a new one to get your \
                 contacts as they are now." }
            (start_button(ids::EXPORT_AGAIN, "Export CSV"))
            p { a href=(ListPath) { "Back to contacts" } }
        }
    }
}

inventory::submit! { CssFragment::new("export-start", r#"
.export-start {
    display: inline-block;

    & form { margin: 0; }
}
"#) }

inventory::submit! { CssFragment::new("export-page", r#"
.export-page {
    max-width: 40rem;
}
"#) }

inventory::submit! { CssFragment::new("export-progress", r#"
.export-progress {
    display: grid;
    gap: var(--space-2);
    margin: var(--space-5) 0;

    & .label { font-weight: 600; }
    & progress { width: 100%; height: 1.25rem; }
    & .status { margin: 0; }
    & .status.__failed { color: var(--color-danger); font-weight: 600; }
    & .refresh { margin: 0; color: var(--color-muted); font-size: var(--text-sm); }
    & .action-button { justify-self: start; }
}
"#) }
