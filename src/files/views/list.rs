//! The list page: the upload form, then the user's files, newest first, a page at a time.

use maud::{Markup, html};

use super::{size, timestamp, upload::upload_form};
use crate::{
    config::UploadConfig,
    files::{
        db::FileRecord,
        detect,
        fields::LIST_TITLE,
        paths::{DownloadPath, FilePath, ThumbnailPath},
    },
    web::{
        assets::asset_url,
        components::{data_table, empty_state},
        css::CssFragment,
    },
};

/// What the list page shows.
pub struct ListPage<'a> {
    pub files: &'a [FileRecord],
    /// The link to the next, older page, if there is one.
    pub older: Option<String>,
    pub config: &'a UploadConfig,
    /// What was wrong with the last upload, one line each.
    pub problems: &'a [String],
}

pub fn page(page: &ListPage<'_>) -> Markup {
    html! {
        h1 { "Your files" }
        (upload_form(page.config, page.problems))
        section.file-list aria-labelledby=(LIST_TITLE) {
            h2 #(LIST_TITLE) { "Uploaded" }
            @if page.files.is_empty() {
                (empty_state("No files yet", "Files you upload are listed here, newest first.", None))
            } @else {
                (data_table("Your files", &["Preview", "Name", "Type", "Size", "Uploaded", "Download"], rows(page.files)))
            }
            @if let Some(older) = &page.older {
                p.more { a href=(older) { "Older files" } }
            }
        }
        script src=(asset_url("upload.js")) defer {}
    }
}

fn rows(files: &[FileRecord]) -> Markup {
    html! {
        @for file in files {
            tr {
                td { (preview(file)) }
                td.name { a href=(FilePath { id: file.id }) { (file.original_name) } }
                td { (detect::label(&file.content_type)) }
                td { (size(file.size_bytes)) }
                td { (timestamp(file.created_at)) }
                // Named in full for screen readers, which list links out of their rows.
                // Files, not pages: the browser fetches them itself rather than htmx's boost.
                td { a href=(DownloadPath { id: file.id }) data-hx-boost="false" aria-label={ "Download " (file.original_name) } { "Download" } }
            }
        }
    }
}

/// The thumbnail, or a badge naming the type for files that have none.
fn preview(file: &FileRecord) -> Markup {
    html! {
        @if file.thumbnail_key.is_some() {
            img.file-preview src=(ThumbnailPath { id: file.id }) alt="" width="80" height="80" loading="lazy";
        } @else {
            span.file-preview.__badge aria-hidden="true" { (detect::badge(&file.content_type)) }
        }
    }
}

inventory::submit! { CssFragment::new("file-preview", r#"
.file-preview {
    display: block;
    width: 80px;
    height: 80px;
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
    & .name { overflow-wrap: anywhere; min-width: 10rem; }
    & td { vertical-align: middle; }
    & .more { margin-top: var(--space-4); }
}
"#) }

#[cfg(test)]
mod tests {
    use scraper::Html;

    use super::*;
    use crate::files::views::tests::{config, record, select};

    #[test]
    fn the_list_escapes_names_and_shows_thumbnails_or_badges() {
        let files = [
            record("<img src=x onerror=alert(1)>.png", "image/png", true),
            record("report.pdf", "application/pdf", false),
        ];
        let config = config();
        let page = page(&ListPage {
            files: &files,
            older: Some("/files?after=x".into()),
            config: &config,
            problems: &[],
        });
        let doc = Html::parse_fragment(&page.into_string());
        assert!(select(&doc, "td img[onerror]").is_empty());
        let thumbnail = format!("/files/{}/thumbnail", files[0].id);
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
        assert_eq!(select(&doc, "a[href='/files?after=x']").len(), 1);
        assert!(select(&doc, "[data-error-summary]").is_empty());
    }

    #[test]
    fn the_upload_form_works_without_script_and_lists_problems() {
        let problems = ["<b>x.exe</b> was not accepted".to_owned()];
        let config = config();
        let page = page(&ListPage {
            files: &[],
            older: None,
            config: &config,
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
