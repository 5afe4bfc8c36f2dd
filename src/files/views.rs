//! The files pages: the list with the upload form above it, and a file's own page.
//!
//! The upload form is a plain multipart form that works without JavaScript. With it, htmx
//! posts it (`data-hx-*`) and swaps the page's content for the answer, the list with the new
//! files; `assets/upload.js` shows a progress bar, takes files dropped on the form and checks
//! their size before sending them.

use maud::{Markup, html};
use time::OffsetDateTime;

use super::{db::FileRecord, detect, paths, upload};
use crate::{
    config::UploadConfig,
    humanize,
    web::{
        assets::asset_url,
        components::{ButtonStyle, action_button, data_table, empty_state},
        css::CssFragment,
    },
};

/// The upload form's id; its file input's is this plus `-file`.
pub const UPLOAD_FORM_ID: &str = "file-upload";

/// What the list page shows.
pub struct ListPage<'a> {
    pub files: &'a [FileRecord],
    /// The link to the next, older page, if there is one.
    pub older: Option<String>,
    pub config: &'a UploadConfig,
    /// What was wrong with the last upload, one line each.
    pub problems: &'a [String],
}

pub fn list_page(page: &ListPage<'_>) -> Markup {
    html! {
        h1 { "Your files" }
        (upload_form(page.config, page.problems))
        section.file-list aria-labelledby="file-list-title" {
            h2 #file-list-title { "Uploaded" }
            @if page.files.is_empty() {
                (empty_state("No files yet", "Files you upload are listed here, newest first.", None))
            } @else {
                (data_table("Your files", &["Preview", "Name", "Type", "Size", "Uploaded", "Download"], file_rows(page.files)))
            }
            @if let Some(older) = &page.older {
                p.more { a href=(older) { "Older files" } }
            }
        }
        script src=(asset_url("upload.js")) defer {}
    }
}

fn file_rows(files: &[FileRecord]) -> Markup {
    html! {
        @for file in files {
            tr {
                td { (preview(file)) }
                td.name { a href=(paths::file(file.id)) { (file.original_name) } }
                td { (detect::label(&file.content_type)) }
                td { (size(file.size_bytes)) }
                td { (timestamp(file.created_at)) }
                // Named in full for screen readers, which list links out of their rows.
                // Files, not pages: the browser fetches them itself rather than htmx's boost.
                td { a href=(paths::download(file.id)) data-hx-boost="false" aria-label={ "Download " (file.original_name) } { "Download" } }
            }
        }
    }
}

/// The thumbnail, or a badge naming the type for files that have none.
fn preview(file: &FileRecord) -> Markup {
    html! {
        @if file.thumbnail_key.is_some() {
            img.file-preview src=(paths::thumbnail(file.id)) alt="" width="80" height="80" loading="lazy";
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

fn upload_form(config: &UploadConfig, problems: &[String]) -> Markup {
    let input_id = format!("{UPLOAD_FORM_ID}-file");
    let hint_id = format!("{UPLOAD_FORM_ID}-hint");
    let max = humanize::bytes(config.max_bytes);
    html! {
        section.file-upload aria-labelledby="file-upload-title" {
            h2 #file-upload-title { "Upload files" }
            form #(UPLOAD_FORM_ID) method="post" action=(paths::LIST) enctype="multipart/form-data"
                data-hx-post=(paths::LIST) data-hx-encoding="multipart/form-data"
                data-hx-target="closest main" data-hx-disabled-elt="find button"
                data-upload-form data-max-bytes=(config.max_bytes) data-max-label=(max) {
                @if !problems.is_empty() {
                    // As the other forms' summaries: focused when it arrives (app.js).
                    div.error-summary #{ (UPLOAD_FORM_ID) "-errors" } tabindex="-1" data-error-summary {
                        div role="alert" {
                            h2.title { "There is a problem" }
                            ul.list {
                                @for problem in problems {
                                    li { a href={ "#" (input_id) } { (problem) } }
                                }
                            }
                        }
                    }
                }
                div.zone.__invalid[!problems.is_empty()] data-drop-zone {
                    label for=(input_id) { "Choose files, or drop them here" }
                    input #(input_id) type="file" name=(upload::FILE_FIELD) multiple required
                        accept=(config.allowed_types.join(","))
                        aria-describedby=(hint_id)
                        aria-invalid=[(!problems.is_empty()).then_some("true")];
                    p.hint #(hint_id) {
                        "Up to " (max) " in all. Accepted: " (upload::accepted_labels(&config.allowed_types)) "."
                    }
                }
                progress.progress max="100" value="0" hidden aria-label="Upload progress" {}
                p.status role="status" {}
                (action_button("Upload", ButtonStyle::Primary))
            }
        }
    }
}

inventory::submit! { CssFragment::new("file-upload", r#"
.file-upload {
    margin-bottom: var(--space-6);

    & .zone {
        display: grid;
        gap: var(--space-2);
        margin-bottom: var(--space-3);
        padding: var(--space-5);
        border: 2px dashed var(--color-border);
        border-radius: var(--radius);
        background: var(--color-surface);
    }
    & .zone.__dragging { border-color: var(--color-accent); }
    & .zone.__invalid { border-color: var(--color-danger); }
    & label { font-weight: 600; }
    & input { min-width: 0; max-width: 100%; }
    & .hint { margin: 0; color: var(--color-muted); font-size: var(--text-sm); }
    & .progress { display: block; width: 100%; margin-bottom: var(--space-3); }
    & .progress[hidden] { display: none; }
    & .status { margin: 0 0 var(--space-3); }
    & .status:empty { display: none; }
}
"#) }

pub fn file_page(file: &FileRecord) -> Markup {
    let viewable = detect::viewing(&file.content_type) != detect::Viewing::DownloadOnly;
    html! {
        p.back { a href=(paths::LIST) { "All files" } }
        h1.file-title { (file.original_name) }
        @if file.thumbnail_key.is_some() {
            img.file-thumbnail src=(paths::thumbnail(file.id)) alt={ "Preview of " (file.original_name) };
        }
        dl.file-details {
            dt { "Type" } dd { (detect::label(&file.content_type)) }
            dt { "Size" } dd { (size(file.size_bytes)) " (" (file.size_bytes) " bytes)" }
            dt { "Uploaded" } dd { (timestamp(file.created_at)) }
            dt { "SHA-256" } dd { code { (hex(&file.sha256)) } }
        }
        div.file-actions {
            // Files, not pages: the browser fetches them itself rather than htmx's boost.
            a.action-button.__primary href=(paths::download(file.id)) data-hx-boost="false" { "Download" }
            @if viewable {
                a.action-button.__secondary href=(paths::view(file.id)) data-hx-boost="false" { "Open in the browser" }
            }
            form method="post" action=(paths::delete(file.id)) {
                (action_button("Delete", ButtonStyle::Secondary))
            }
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
    & form { margin: 0; }
}
"#) }

fn size(bytes: i64) -> String {
    humanize::bytes(u64::try_from(bytes).unwrap_or_default())
}

fn timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02} UTC", at.date(), at.hour(), at.minute())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use scraper::{Html, Selector};
    use uuid::Uuid;

    use super::*;

    fn record(name: &str, content_type: &str, thumbnail: bool) -> FileRecord {
        FileRecord {
            id: Uuid::new_v4(),
            original_name: name.into(),
            content_type: content_type.into(),
            size_bytes: 1536,
            sha256: vec![0xab; 32],
            storage_key: "files/x".into(),
            thumbnail_key: thumbnail.then(|| "files/x.thumbnail".into()),
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn config() -> UploadConfig {
        UploadConfig {
            max_bytes: 25 << 20,
            allowed_types: vec!["image/png".into(), "application/pdf".into()],
        }
    }

    fn select<'a>(doc: &'a Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
        doc.select(&Selector::parse(selector).unwrap()).collect()
    }

    #[test]
    fn the_list_escapes_names_and_shows_thumbnails_or_badges() {
        let files = [
            record("<img src=x onerror=alert(1)>.png", "image/png", true),
            record("report.pdf", "application/pdf", false),
        ];
        let config = config();
        let page = list_page(&ListPage {
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
        let page = list_page(&ListPage {
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

    #[test]
    fn only_viewable_files_offer_to_open_in_the_browser() {
        let image =
            Html::parse_fragment(&file_page(&record("a.png", "image/png", true)).into_string());
        assert_eq!(select(&image, ".file-actions a").len(), 2);
        assert!(
            select(&image, "code")[0]
                .text()
                .collect::<String>()
                .starts_with("abab")
        );
        let html =
            Html::parse_fragment(&file_page(&record("a.html", "text/html", false)).into_string());
        assert_eq!(select(&html, ".file-actions a").len(), 1);
        assert_eq!(select(&html, "img").len(), 0);
    }
}
