//! The dev mailbox at `/dev/mailbox` (development and test only; 404 in production): every
//! message of the outbox, whichever transport delivered it, with its HTML, text and raw MIME;
//! and `/dev/mailbox/previews`, every template rendered with sample data. Its paths are in
//! `paths.rs`, its pages in `views.rs`.
//!
//! A message's HTML is shown in a sandboxed frame whose document has its own restrictive CSP,
//! so its markup can neither run script nor touch the app's page. Its links open in a new
//! tab (the app refuses to be framed, even by itself), and the addresses in its text part
//! are links.

pub mod paths;
mod views;

use std::sync::Arc;

use axum::{
    extract::{FromRef, FromRequestParts, State},
    http::{HeaderValue, header, request::Parts},
    response::{Html, IntoResponse, Redirect, Response},
};
use axum_extra::routing::TypedPath;
use maud::html;
use sqlx::PgPool;

use self::paths::{
    ClearPath, MailboxPath, MessageHtmlPath, MessagePath, PreviewHtmlPath, PreviewsPath,
};
use super::{Mailer, db, templates::EmailPreview};
use crate::{
    config::Config,
    error::AppError,
    web::{
        flash::Flash,
        layout::{Page, PageLayout},
        linkify::linkify,
        public_id::PublicId,
    },
};

/// The policy of a message's HTML document: inline styles and remote images, nothing else,
/// and only the app itself may frame it. Sandboxed like the frame (the stricter of the two
/// applies): no script, no forms, no navigating the app's page; only new tabs, which leave
/// the sandbox so that the page a link opens works normally.
const MESSAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; \
     form-action 'none'; frame-ancestors 'self'; sandbox allow-popups \
     allow-popups-to-escape-sandbox";

/// The frames a message's HTML is shown in: as above.
const FRAME_SANDBOX: &str = "allow-popups allow-popups-to-escape-sandbox";

/// Makes every link in a message's HTML open in a new tab: inside the frame, the app's pages
/// they point at would be refused (`frame-ancestors 'none'`). A `<base target>` right after
/// `<head>` (or the doctype) applies to links without a target of their own.
fn links_open_in_a_new_tab(html: &str) -> String {
    const BASE: &str = r#"<base target="_blank">"#;
    let lower = html.to_ascii_lowercase();
    let after_tag = |tag: &str| {
        let start = lower.find(tag)?;
        Some(start + lower[start..].find('>')? + 1)
    };
    // `<head>` or `<head ...>`, never `<header>`.
    let at = after_tag("<head>")
        .or_else(|| after_tag("<head "))
        .or_else(|| after_tag("<!doctype"))
        .unwrap_or(0);
    format!("{}{BASE}{}", &html[..at], &html[at..])
}

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
    _: MailboxPath,
    _: DevOnly,
    State(db): State<PgPool>,
    layout: PageLayout,
) -> Result<Page, AppError> {
    let messages = db::list(&db, 200).await?;
    Ok(layout.render("Mailbox", views::index(&messages)).await)
}

pub async fn show(
    MessagePath { id: PublicId(id) }: MessagePath,
    _: DevOnly,
    State(db): State<PgPool>,
    layout: PageLayout,
) -> Result<Page, AppError> {
    let message = db::find(&db, id).await?;
    Ok(layout
        .render(
            &message.subject.clone(),
            views::message(&message, FRAME_SANDBOX),
        )
        .await)
}

pub async fn message_html(
    MessageHtmlPath { id: PublicId(id) }: MessageHtmlPath,
    _: DevOnly,
    State(db): State<PgPool>,
) -> Result<Response, AppError> {
    let message = db::find(&db, id).await?;
    Ok(framed_html(&message.html_body))
}

pub async fn clear(
    _: ClearPath,
    _: DevOnly,
    State(db): State<PgPool>,
    flash: Flash,
) -> Result<Redirect, AppError> {
    let deleted = db::delete_all(&db).await?;
    flash
        .success(format!("Mailbox cleared ({deleted} messages)."))
        .await?;
    Ok(Redirect::to(MailboxPath::PATH))
}

pub async fn previews(
    _: PreviewsPath,
    _: DevOnly,
    State(mailer): State<Mailer>,
    layout: PageLayout,
) -> Page {
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
                    iframe.frame sandbox=(FRAME_SANDBOX) title={ (preview.name) " (HTML)" }
                        src=(PreviewHtmlPath { name: preview.name.to_owned() }) {}
                    pre.text { (linkify(&email.text)) }
                }
            }
        }
    };
    layout.render("Email previews", content).await
}

pub async fn preview_html(
    PreviewHtmlPath { name }: PreviewHtmlPath,
    _: DevOnly,
    State(mailer): State<Mailer>,
) -> Result<Response, AppError> {
    let preview = inventory::iter::<EmailPreview>()
        .find(|preview| preview.name == name)
        .ok_or(AppError::NotFound)?;
    Ok(framed_html(&(preview.render)(&mailer).html.into_string()))
}

/// A message's own HTML document, with a policy that lets it render and nothing more.
fn framed_html(body: &str) -> Response {
    let mut response = Html(links_open_in_a_new_tab(body)).into_response();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_in_a_message_open_in_a_new_tab() {
        let html = "<!DOCTYPE html><html><HEAD><title>x</title></head><body></body></html>";
        assert_eq!(
            links_open_in_a_new_tab(html),
            "<!DOCTYPE html><html><HEAD><base target=\"_blank\"><title>x</title></head><body></body></html>"
        );
        // Without a head, right after the doctype (before it would mean quirks mode).
        assert_eq!(
            links_open_in_a_new_tab("<!doctype html><p>x"),
            "<!doctype html><base target=\"_blank\"><p>x"
        );
        assert_eq!(
            links_open_in_a_new_tab("<p>x"),
            "<base target=\"_blank\"><p>x"
        );
    }
}
