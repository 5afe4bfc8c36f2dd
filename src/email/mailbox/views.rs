//! The dev mailbox's pages: the list of messages and one message in its parts.

use maud::{Markup, html};

use super::paths::{ClearPath, MailboxPath, MessageHtmlPath, MessagePath, PreviewsPath};
use crate::{
    email::db::{EmailStatus, MailboxEntry, StoredEmail},
    web::{
        components::{Column, empty_state, moment, record_list},
        css::CssFragment,
        linkify::linkify,
    },
};

/// The mailbox's columns: the subject names a message, as in a mail client.
const COLUMNS: [Column<'static>; 5] = [
    Column::Primary("Subject"),
    Column::Detail("To"),
    Column::Detail("Template"),
    Column::Detail("Queued"),
    Column::Short("State"),
];

pub fn index(messages: &[MailboxEntry]) -> Markup {
    html! {
        div.mailbox-header {
            h1 { "Mailbox" }
            a href=(PreviewsPath) { "Template previews" }
            @if !messages.is_empty() {
                form method="post" action=(ClearPath) {
                    button.action-button.__secondary type="submit" { "Clear all" }
                }
            }
        }
        p { "Every message the app has queued, newest first." }
        @if messages.is_empty() {
            (empty_state("No messages yet", "Mail the app sends shows up here.", None))
        } @else {
            (record_list("Messages", &COLUMNS, html! {
                @for message in messages {
                    @let to = message.to_addresses.join(", ");
                    tr {
                        th scope="row" {
                            a href=(MessagePath { id: message.id.into() }) { (message.subject) }
                        }
                        td { (to) }
                        td { (message.template) }
                        td { (moment(message.created_at)) }
                        td { (status_badge(message.status, message.attempts)) }
                    }
                }
            }))
        }
    }
}

/// `sandbox`: the flags of the frame the HTML part is shown in.
pub fn message(message: &StoredEmail, sandbox: &str) -> Markup {
    let raw = String::from_utf8_lossy(&message.raw_message);
    html! {
        p { a href=(MailboxPath) { "← Mailbox" } }
        h1 { (message.subject) }
        dl.message-meta {
            dt { "From" } dd { (message.from_address) }
            dt { "To" } dd { (message.to_addresses.join(", ")) }
            dt { "Template" } dd { (message.template) }
            dt { "Queued" } dd { (moment(message.created_at)) }
            dt { "State" } dd {
                (status_badge(message.status, message.attempts))
                @if let Some(via) = &message.delivered_via { " via " (via) }
                @if let Some(sent_at) = message.sent_at { ", " (moment(sent_at)) }
            }
            @if let Some(error) = &message.last_error {
                dt { "Last error" } dd { (error) }
            }
        }
        section.email-preview {
            h2 { "HTML" }
            iframe.frame sandbox=(sandbox) title="HTML part"
                src=(MessageHtmlPath { id: message.id.into() }) {}
        }
        section.email-preview {
            h2 { "Text" }
            pre.text { (linkify(&message.text_body)) }
        }
        details.email-preview {
            summary { "Raw MIME source" }
            pre.text { (raw) }
        }
    }
}

fn status_badge(status: EmailStatus, attempts: i32) -> Markup {
    let variant = match status {
        EmailStatus::Sent => "__sent",
        EmailStatus::Failed => "__failed",
        EmailStatus::Pending | EmailStatus::Sending => "__waiting",
    };
    html! {
        span class={ "status-badge " (variant) } {
            (status.label())
            @if attempts > 1 || (attempts == 1 && status != EmailStatus::Sent) {
                " (" (attempts) " attempts)"
            }
        }
    }
}

inventory::submit! { CssFragment::new("mailbox-header", r#"
.mailbox-header {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--space-4);

    & h1 { margin-right: auto; }
    & form { margin: 0; }
}
"#) }

inventory::submit! { CssFragment::new("message-meta", r#"
.message-meta {
    display: grid;
    grid-template-columns: max-content minmax(0, 1fr);
    gap: var(--space-1) var(--space-4);

    & dt { color: var(--color-muted); }
    & dd { margin: 0; overflow-wrap: anywhere; }
}
"#) }

inventory::submit! { CssFragment::new("email-preview", r#"
.email-preview {
    margin-top: var(--space-5);

    & .parts {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(min(20rem, 100%), 1fr));
        gap: var(--space-4);
    }
    & .frame {
        width: 100%;
        height: 32rem;
        border: 1px solid var(--color-border);
        border-radius: var(--radius);
        background: #fff;
    }
    & .text {
        margin: 0;
        padding: var(--space-3);
        overflow: auto;
        max-height: 32rem;
        white-space: pre-wrap;
        /* Links in mail are long and unbroken; they wrap rather than widen the page. */
        overflow-wrap: anywhere;
        border: 1px solid var(--color-border);
        border-radius: var(--radius);
        background: var(--color-surface);
        font-size: var(--text-sm);
    }
}
"#) }

inventory::submit! { CssFragment::new("status-badge", r#"
.status-badge {
    padding: 0 var(--space-2);
    border-radius: 999px;
    font-size: var(--text-sm);
    white-space: nowrap;
    background: var(--color-surface);

    &.__sent { color: var(--color-success); }
    &.__failed { color: var(--color-danger); }
    &.__waiting { color: var(--color-warning); }
}
"#) }
