//! The list page: the upload form, then the user's files, newest first, a page at a time
//! (`web::keyset`). Without JavaScript the last row links to the next page; with it, the next
//! page's rows replace that row as it scrolls into view, as in the contacts list.

use maud::{Markup, html};

use super::{size, upload::upload_form, usage::storage_usage};
use crate::{
    config::UploadConfig,
    files::{
        db::{FileRecord, Page},
        detect,
        fields::{LIST_TITLE, MORE},
        paths::{DownloadPath, FilePath, ListPath, ThumbnailPath},
        quota::{Quota, Usage},
    },
    web::{
        components::{Column, empty_state, moment, more_row, record_list},
        css::CssFragment,
    },
};

/// The list's columns.
const COLUMNS: [Column<'static>; 6] = [
    Column::Media("Preview"),
    Column::Primary("Name"),
    Column::Short("Type"),
    Column::Short("Size"),
    Column::Detail("Uploaded"),
    Column::Actions,
];

/// What the list page shows.
pub struct ListPage<'a> {
    pub page: &'a Page,
    /// Whether this is a later page reached without JavaScript (it links back to the first).
    pub later_page: bool,
    pub config: &'a UploadConfig,
    /// What the account stores now.
    pub usage: Usage,
    /// What was wrong with the last upload, one line each.
    pub problems: &'a [String],
}

pub fn page(list: &ListPage<'_>) -> Markup {
    html! {
        h1 { "Your files" }
        (storage_usage(list.usage, Quota::of(list.config)))
        (upload_form(list.config, list.problems))
        section.file-list aria-labelledby=(LIST_TITLE) {
            h2 #(LIST_TITLE) { "Uploaded" }
            @if list.later_page {
                p.back { a href=(ListPath) { "Back to the newest files" } }
            }
            @if list.page.rows.is_empty() && !list.later_page {
                (empty_state("No files yet", "Files you upload are listed here, newest first.", None))
            } @else {
                (record_list("Your files", &COLUMNS, rows(list.page)))
            }
        }
    }
}

/// The rows of a page and, when there is more, the row that loads the next page: as a link
/// without JavaScript, and with it as soon as it scrolls into view (or is clicked).
pub fn rows(page: &Page) -> Markup {
    html! {
        @for file in &page.rows { (row(file)) }
        @if let Some(next) = &page.next {
            @let url = format!("{ListPath}?after={}", next.encode());
            (more_row(MORE, &url, COLUMNS.len(), "Older files"))
        }
    }
}

fn row(file: &FileRecord) -> Markup {
    html! {
        tr {
            td.media { (preview(file)) }
            // A long name cut short shows whole on hover (`app.js`).
            th scope="row" { a href=(FilePath { id: file.id.into() }) { (file.original_name) } }
            td { (detect::label(&file.content_type)) }
            td { (size(file.size_bytes)) }
            td { (moment(file.created_at)) }
            // Named in full for screen readers, which list links out of their rows.
            // Files, not pages: the browser fetches them itself rather than htmx's boost.
            td.actions {
                a href=(DownloadPath { id: file.id.into() }) data-hx-boost="false"
                    aria-label={ "Download " (file.original_name) } { "Download" }
            }
        }
    }
}

/// The thumbnail, or a badge naming the type for files that have none.
fn preview(file: &FileRecord) -> Markup {
    html! {
        @if file.thumbnail_key.is_some() {
            img.file-preview src=(ThumbnailPath { id: file.id.into() }) alt="" width="48" height="48" loading="lazy";
        } @else {
            span.file-preview.__badge aria-hidden="true" { (detect::badge(&file.content_type)) }
        }
    }
}

inventory::submit! { CssFragment::new("file-preview", r#"
.file-preview {
    display: block;
    width: 3rem;
    height: 3rem;
    border-radius: var(--radius);
    object-fit: contain;
    background: var(--color-surface);

    &.__badge {
        display: grid;
        place-items: center;
        border: 1px solid var(--color-border);
        color: var(--color-muted);
        font-size: var(--text-sm);
        font-weight: 700;
    }
}
"#) }

inventory::submit! { CssFragment::new("file-list", r#"
.file-list {
    & .back { margin: 0 0 var(--space-3); }
}
"#) }

#[cfg(test)]
mod tests {
    use scraper::Html;

    use super::*;
    use crate::{
        files::{
            db::Cursor,
            views::tests::{config, record, select},
        },
        web::public_id::PublicId,
    };

    #[test]
    fn the_list_escapes_names_and_shows_thumbnails_or_badges() {
        let files = [
            record("<img src=x onerror=alert(1)>.png", "image/png", true),
            record("report.pdf", "application/pdf", false),
        ];
        let config = config();
        let next = Cursor {
            key: files[1].created_at,
            id: files[1].id,
        };
        let rows = Page {
            rows: files.to_vec(),
            next: Some(next.clone()),
        };
        let page = page(&ListPage {
            page: &rows,
            later_page: false,
            config: &config,
            usage: Usage::default(),
            problems: &[],
        });
        let doc = Html::parse_fragment(&page.into_string());
        assert!(select(&doc, "td img[onerror]").is_empty());
        let thumbnail = format!("/files/{}/thumbnail", PublicId(files[0].id));
        assert_eq!(
            select(&doc, "img.file-preview")[0].attr("src"),
            Some(thumbnail.as_str())
        );
        assert_eq!(
            select(&doc, ".file-preview.__badge")[0]
                .text()
                .collect::<String>(),
            "PDF"
        );
        let more = format!("/files?after={}", next.encode());
        let link = &select(&doc, "tr#files-more a")[0];
        assert_eq!(link.attr("href"), Some(more.as_str()));
        assert_eq!(link.attr("data-hx-get"), Some(more.as_str()));
        assert!(select(&doc, "[data-error-summary]").is_empty());
    }

    #[test]
    fn the_upload_form_works_without_script_and_lists_problems() {
        let problems = ["<b>x.exe</b> was not accepted".to_owned()];
        let config = config();
        let empty = Page {
            rows: Vec::new(),
            next: None,
        };
        let page = page(&ListPage {
            page: &empty,
            later_page: false,
            config: &config,
            usage: Usage::default(),
            problems: &problems,
        });
        let doc = Html::parse_fragment(&page.into_string());
        let form = "form#file-upload[method=post][action='/files'][enctype='multipart/form-data']";
        assert_eq!(select(&doc, form).len(), 1);
        let input = &select(
            &doc,
            &format!("{form} input[type=file][name=file][multiple]"),
        )[0];
        assert_eq!(input.attr("accept"), Some("image/png,application/pdf"));
        assert_eq!(input.attr("aria-invalid"), Some("true"));
        assert_eq!(select(&doc, "[data-error-summary] li a").len(), 1);
        assert!(select(&doc, "[data-error-summary] b").is_empty());
        assert_eq!(select(&doc, ".empty-state").len(), 1);
    }
}
