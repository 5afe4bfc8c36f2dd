//! The dev mailbox at `/dev/mailbox` (development and test only; 404 in production): every
//! message of the outbox, whichever transport delivered it, with its HTML, text and raw MIME;
//! and `/dev/mailbox/previews`, every template rendered with sample data.
//!
//! A message's HTML is shown in a sandboxed frame whose document has its own restrictive CSP,
//! so its markup can neither run script nor touch the app's page.

use std::sync::Arc;

use axum::{
    extract::{FromRef, FromRequestParts, Path, State},
    http::{HeaderValue, header, request::Parts},
    response::{Html, IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use time::OffsetDateTime;
use uuid::Uuid;

use sqlx::PgPool;

use super::{
    Mailer,
    db::{self, EmailStatus, MailboxEntry, StoredEmail},
    templates::EmailPreview,
};
use crate::{
    config::Config,
    error::AppError,
    web::{
        components::empty_state,
        css::CssFragment,
        flash::Flash,
        layout::{Page, PageLayout},
    },
};

/// The policy of a message's HTML document: inline styles and remote images, nothing else,
/// and only the app itself may frame it.
const MESSAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; \
     form-action 'none'; frame-ancestors 'self'; sandbox";

/// Rejects with 404 in production, where the dev mailbox does not exist.
pub struct DevOnly;

impl<S> FromRequestParts<S> for DevOnly
where
    Arc<Config>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(_: &mut Parts, state: &S) -> Result<Self, AppError> {
        if Arc::<Config>::from_ref(state).app_env.is_production() {
            Err(AppError::NotFound)
        } else {
            Ok(Self)
        }
    }
}

pub async fn index(
    _: DevOnly,
    State(db): State<PgPool>,
    layout: PageLayout,
) -> Result<Page, AppError> {
    let messages = db::list(&db, 200).await?;
    Ok(layout.render("Mailbox", render_index(&messages)).await)
}

pub async fn show(
    _: DevOnly,
    State(db): State<PgPool>,
    Path(id): Path<Uuid>,
    layout: PageLayout,
) -> Result<Page, AppError> {
    let message = db::find(&db, id).await?;
    Ok(layout
        .render(&message.subject.clone(), render_message(&message))
        .await)
}

pub async fn message_html(
    _: DevOnly,
    State(db): State<PgPool>,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let message = db::find(&db, id).await?;
    Ok(framed_html(message.html_body))
}

pub async fn clear(
    _: DevOnly,
    State(db): State<PgPool>,
    flash: Flash,
) -> Result<Redirect, AppError> {
    let deleted = db::delete_all(&db).await?;
    flash
        .success(format!("Mailbox cleared ({deleted} messages)."))
        .await?;
    Ok(Redirect::to("/dev/mailbox"))
}

pub async fn previews(_: DevOnly, State(mailer): State<Mailer>, layout: PageLayout) -> Page {
    let mut previews: Vec<&EmailPreview> = inventory::iter::<EmailPreview>().collect();
    previews.sort_by_key(|preview| preview.name);
    let content = html! {
        h1 { "Email previews" }
        p { "Every template, rendered with sample data. Nothing is sent." }
        @for preview in previews {
            @let email = (preview.render)(&mailer);
            section.email-preview #(preview.name) {
                h2 { (preview.name) ": " (email.subject) }
                div.parts {
                    iframe.frame sandbox="" title={ (preview.name) " (HTML)" }
                        src={ "/dev/mailbox/previews/" (preview.name) "/html" } {}
                    pre.text { (email.text) }
                }
            }
        }
    };
    layout.render("Email previews", content).await
}

pub async fn preview_html(
    _: DevOnly,
    State(mailer): State<Mailer>,
    Path(name): Path<String>,
) -> Result<Response, AppError> {
    let preview = inventory::iter::<EmailPreview>()
        .find(|preview| preview.name == name)
        .ok_or(AppError::NotFound)?;
    Ok(framed_html((preview.render)(&mailer).html.into_string()))
}

/// A message's own HTML document, with a policy that lets it render and nothing more.
fn framed_html(body: String) -> Response {
    let mut response = Html(body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(MESSAGE_CSP),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    response
}

fn render_index(messages: &[MailboxEntry]) -> Markup {
    html! {
        div.mailbox-header {
            h1 { "Mailbox" }
            a href="/dev/mailbox/previews" { "Template previews" }
            @if !messages.is_empty() {
                form method="post" action="/dev/mailbox/clear" {
                    button.action-button.__secondary type="submit" { "Clear all" }
                }
            }
        }
        p { "Every message the app has queued, newest first." }
        @if messages.is_empty() {
            (empty_state("No messages yet", "Mail the app sends shows up here.", None))
        } @else {
            table.data-table {
                thead { tr { th { "To" } th { "Subject" } th { "Template" } th { "Queued" } th { "State" } } }
                tbody {
                    @for message in messages {
                        tr {
                            td { (message.to_addresses.join(", ")) }
                            td { a href={ "/dev/mailbox/" (message.id) } { (message.subject) } }
                            td { (message.template) }
                            td { (timestamp(message.created_at)) }
                            td { (status_badge(message.status, message.attempts)) }
                        }
                    }
                }
            }
        }
    }
}

fn render_message(message: &StoredEmail) -> Markup {
    let raw = String::from_utf8_lossy(&message.raw_message);
    html! {
        p { a href="/dev/mailbox" { "← Mailbox" } }
        h1 { (message.subject) }
        dl.message-meta {
            dt { "From" } dd { (message.from_address) }
            dt { "To" } dd { (message.to_addresses.join(", ")) }
            dt { "Template" } dd { (message.template) }
            dt { "Queued" } dd { (timestamp(message.created_at)) }
            dt { "State" } dd {
                (status_badge(message.status, message.attempts))
                @if let Some(via) = &message.delivered_via { " via " (via) }
                @if let Some(sent_at) = message.sent_at { " at " (timestamp(sent_at)) }
            }
            @if let Some(error) = &message.last_error {
                dt { "Last error" } dd { (error) }
            }
        }
        section.email-preview {
            h2 { "HTML" }
            iframe.frame sandbox="" title="HTML part"
                src={ "/dev/mailbox/" (message.id) "/html" } {}
        }
        section.email-preview {
            h2 { "Text" }
            pre.text { (message.text_body) }
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

fn timestamp(at: OffsetDateTime) -> String {
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        at.date(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

inventory::submit! { CssFragment::new("mailbox-header", r#"
.mailbox-header {
    display: flex;
    align-items: center;
    gap: var(--space-4);

    & h1 { margin-right: auto; }
    & form { margin: 0; }
}
"#) }

inventory::submit! { CssFragment::new("message-meta", r#"
.message-meta {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: var(--space-1) var(--space-4);

    & dt { color: var(--color-muted); }
    & dd { margin: 0; }
}
"#) }

inventory::submit! { CssFragment::new("email-preview", r#"
.email-preview {
    margin-top: var(--space-5);

    & .parts {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr));
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
    background: var(--color-surface);

    &.__sent { color: var(--color-success); }
    &.__failed { color: var(--color-danger); }
    &.__waiting { color: var(--color-warning); }
}
"#) }
