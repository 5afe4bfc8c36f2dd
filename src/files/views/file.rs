//! A file's own page: its preview and details, and what can be done with it.

use maud::{Markup, html};

use super::{delete, size};
use crate::{
    files::{
        db::FileRecord,
        detect,
        paths::{DeletePath, DownloadPath, ListPath, ThumbnailPath, ViewPath},
    },
    web::{components::moment, css::CssFragment},
};

pub fn page(file: &FileRecord) -> Markup {
    let viewable = detect::viewing(&file.content_type) != detect::Viewing::DownloadOnly;
    let id = file.id;
    html! {
        p.back { a href=(ListPath) { "All files" } }
        h1.file-title { (file.original_name) }
        @if file.thumbnail_key.is_some() {
            img.file-thumbnail src=(ThumbnailPath { id }) alt={ "Preview of " (file.original_name) };
        }
        dl.file-details {
            dt { "Type" } dd { (detect::label(&file.content_type)) }
            dt { "Size" } dd { (size(file.size_bytes)) " (" (file.size_bytes) " bytes)" }
            dt { "Uploaded" } dd { (moment(file.created_at)) }
            dt { "SHA-256" } dd { code { (hex::encode(&file.sha256)) } }
        }
        div.file-actions {
            // Files, not pages: the browser fetches them itself rather than htmx's boost.
            a.action-button.__primary href=(DownloadPath { id }) data-hx-boost="false" { "Download" }
            @if viewable {
                a.action-button.__secondary href=(ViewPath { id }) data-hx-boost="false" { "Open in the browser" }
            }
            // Asks first: in place with JavaScript, on a page of its own without.
            a.action-button.__danger href=(DeletePath { id })
                data-hx-post=(DeletePath { id })
                data-hx-confirm={ (delete::question(file)) " This cannot be undone." } { "Delete" }
        }
    }
}

inventory::submit! { CssFragment::new("file-title", r#"
.file-title { overflow-wrap: anywhere; }
"#) }

inventory::submit! { CssFragment::new("file-thumbnail", r#"
.file-thumbnail { margin-bottom: var(--space-4); border-radius: var(--radius); }
"#) }

inventory::submit! { CssFragment::new("file-details", r#"
.file-details {
    display: grid;
    grid-template-columns: max-content minmax(0, 1fr);
    gap: var(--space-1) var(--space-4);
    margin-bottom: var(--space-5);

    & dt { color: var(--color-muted); }
    & dd { margin: 0; overflow-wrap: anywhere; }
}
"#) }

inventory::submit! { CssFragment::new("file-actions", r#"
.file-actions {
    display: flex;
    flex-wrap: wrap;
    gap: var(--space-3);
    align-items: center;

    & a { text-decoration: none; }
}
"#) }

#[cfg(test)]
mod tests {
    use scraper::Html;

    use super::*;
    use crate::files::views::tests::{record, select};

    #[test]
    fn only_viewable_files_offer_to_open_in_the_browser() {
        let image = Html::parse_fragment(&page(&record("a.png", "image/png", true)).into_string());
        assert_eq!(select(&image, ".file-actions a").len(), 3);
        assert!(
            select(&image, "code")[0]
                .text()
                .collect::<String>()
                .starts_with("abab")
        );
        let html = Html::parse_fragment(&page(&record("a.html", "text/html", false)).into_string());
        assert_eq!(select(&html, ".file-actions a").len(), 2);
        assert_eq!(select(&html, "img").len(), 0);
    }
}
