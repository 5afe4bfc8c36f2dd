//! The upload form, above the list. A plain multipart form that works without JavaScript.
//! With it, htmx posts it (`data-hx-*`) and swaps the page's content for the answer, the list
//! with the new files; `assets/upload.js` (which every page loads, see `web::layout`) shows a
//! progress bar, takes files dropped on the form and checks their size before sending them.

use maud::{Markup, html};

use crate::{
    config::UploadConfig,
    files::{
        fields::{FILE_FIELD, UPLOAD_ERRORS, UPLOAD_FORM, UPLOAD_HINT, UPLOAD_INPUT, UPLOAD_TITLE},
        paths::ListPath,
        upload,
    },
    web::{
        components::{ButtonStyle, action_button},
        css::CssFragment,
        humanize,
    },
};

pub fn upload_form(config: &UploadConfig, problems: &[String]) -> Markup {
    let max = humanize::bytes(config.max_bytes);
    html! {
        section.file-upload aria-labelledby=(UPLOAD_TITLE) {
            h2 #(UPLOAD_TITLE) { "Upload files" }
            form #(UPLOAD_FORM) method="post" action=(ListPath) enctype="multipart/form-data"
                data-hx-post=(ListPath) data-hx-encoding="multipart/form-data"
                data-hx-target="closest main" data-hx-disabled-elt="find button"
                data-upload-form data-max-bytes=(config.max_bytes) data-max-label=(max) {
                @if !problems.is_empty() {
                    // As the other forms' summaries: focused when it arrives (app.js).
                    div.error-summary #(UPLOAD_ERRORS) tabindex="-1" data-error-summary {
                        div role="alert" {
                            h2.title { "There is a problem" }
                            ul.list {
                                @for problem in problems {
                                    li { a href={ "#" (UPLOAD_INPUT) } { (problem) } }
                                }
                            }
                        }
                    }
                }
                div.zone.__invalid[!problems.is_empty()] data-drop-zone {
                    label for=(UPLOAD_INPUT) { "Choose files, or drop them here" }
                    input #(UPLOAD_INPUT) type="file" name=(FILE_FIELD) multiple required
                        accept=(config.allowed_types.join(","))
                        aria-describedby=(UPLOAD_HINT)
                        aria-invalid=[(!problems.is_empty()).then_some("true")];
                    p.hint #(UPLOAD_HINT) {
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
