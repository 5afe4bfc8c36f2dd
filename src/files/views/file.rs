//! A file's own page: its preview and details, and what can be done with it.

use maud::{Markup, html};

use super::{delete, size};
use crate::{
    files::{
        db::FileRecord,
        detect,
        paths::{DeletePath, DownloadPath, ListPath, PreviewPath, ViewPath},
        serving::{TEXT_PREVIEW_LINES, TextPreview},
    },
    web::{components::moment, css::CssFragment},
};

/// `text`: the start of a plain text file, shown under its name.
pub fn page(file: &FileRecord, text: Option<&TextPreview>) -> Markup {
    let viewable = detect::viewing(&file.content_type) != detect::Viewing::DownloadOnly;
    let id = file.id;
    html! {
        p.back { a href=(ListPath) { "All files" } }
        h1.file-title { (file.original_name) }
        // An image the app could make a thumbnail of is one it can show: large, within the
        // page's width and most of the window's height.
        @if file.thumbnail_key.is_some() {
            figure.file-large-preview {
                img src=(PreviewPath { id: id.into() }) alt={ "Preview of " (file.original_name) }
                    decoding="async";
            }
        }
        // Text, escaped by Maud like every string: shown, never run or rendered.
        @if let Some(text) = text {
            figure.file-text-preview aria-label={ "Start of " (file.original_name) } {
                // Focusable, so that a keyboard scrolls it too.
                pre tabindex="0" { (text.text) }
                @if text.cut {
                    figcaption { "The first lines (at most " (TEXT_PREVIEW_LINES) "). Download the file to read it all." }
                }
            }
        }
        dl.file-details {
            dt { "Type" } dd { (detect::label(&file.content_type)) }
            dt { "Size" } dd { (size(file.size_bytes)) " (" (file.size_bytes) " bytes)" }
            dt { "Uploaded" } dd { (moment(file.created_at)) }
            dt { "SHA-256" } dd { code { (hex::encode(&file.sha256)) } }
        }
        div.file-actions {
            // Files, not pages: the browser fetches them itself rather than htmx's boost.
            a.action-button.__primary href=(DownloadPath { id: id.into() }) data-hx-boost="false" { "Download" }
            @if viewable {
                a.action-button.__secondary href=(ViewPath { id: id.into() }) data-hx-boost="false" { "Open in the browser" }
            }
            // Asks first: in place with JavaScript, on a page of its own without.
            a.action-button.__danger href=(DeletePath { id: id.into() })
                data-hx-post=(DeletePath { id: id.into() })
                data-hx-confirm={ (delete::question(file)) " This cannot be undone." } { "Delete" }
        }
    }
}

inventory::submit! { CssFragment::new("file-title", r#"
.file-title { overflow-wrap: anywhere; }
"#) }

inventory::submit! { CssFragment::new("file-large-preview", r#"
.file-large-preview {
    margin: 0 0 var(--space-4);

    & img {
        display: block;
        max-width: 100%;
        max-height: 80vh;
        height: auto;
        border: 1px solid var(--color-border);
        border-radius: var(--radius);
        background: var(--color-surface);
    }
}
"#) }

inventory::submit! { CssFragment::new("file-text-preview", r#"
.file-text-preview {
    margin: 0 0 var(--space-4);

    & pre {
        max-height: 60vh;
        margin: 0;
        padding: var(--space-3);
        overflow: auto;
        border: 1px solid var(--color-border);
        border-radius: var(--radius);
        background: var(--color-surface);
        font-size: var(--text-sm);
        white-space: pre-wrap;
        overflow-wrap: anywhere;
    }
    & figcaption { margin-top: var(--space-1); color: var(--color-muted); font-size: var(--text-sm); }
}
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
        let image =
            Html::parse_fragment(&page(&record("a.png", "image/png", true), None).into_string());
        assert_eq!(select(&image, ".file-actions a").len(), 3);
        assert!(
            select(&image, "code")[0]
                .text()
                .collect::<String>()
                .starts_with("abab")
        );
        let html =
            Html::parse_fragment(&page(&record("a.html", "text/html", false), None).into_string());
        assert_eq!(select(&html, ".file-actions a").len(), 2);
        assert_eq!(select(&html, "img").len(), 0);
    }

    #[test]
    fn an_image_is_shown_large_and_text_as_text() {
        let image =
            Html::parse_fragment(&page(&record("a.png", "image/png", true), None).into_string());
        let large = select(&image, ".file-large-preview img");
        assert_eq!(large.len(), 1);
        assert!(large[0].attr("src").unwrap().ends_with("/preview"));

        let text = TextPreview {
            text: "<script>alert(1)</script>\nsecond line".into(),
            cut: true,
        };
        let markup = page(&record("a.txt", "text/plain", false), Some(&text)).into_string();
        assert!(
            markup.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{markup}"
        );
        let html = Html::parse_fragment(&markup);
        assert!(select(&html, "script").is_empty());
        assert_eq!(select(&html, ".file-text-preview pre").len(), 1);
        assert_eq!(select(&html, ".file-text-preview figcaption").len(), 1);
        assert!(select(&html, "img").is_empty());
    }
}
