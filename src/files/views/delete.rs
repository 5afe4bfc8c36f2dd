//! The page that asks before deleting a file, for browsers without JavaScript (with it, the
//! file's page asks in place, through `hx-confirm`).

use maud::{Markup, html};

use crate::{
    files::{
        db::FileRecord,
        paths::{DeletePath, FilePath},
    },
    web::{
        components::{ButtonStyle, action_button},
        css::CssFragment,
    },
};

/// The question the file's page asks before deleting, the same as this page's heading.
pub fn question(file: &FileRecord) -> String {
    format!("Delete {}?", file.original_name)
}

pub fn confirm_delete(file: &FileRecord) -> Markup {
    let id = file.id;
    html! {
        section.confirm-file-delete {
            h1 { (question(file)) }
            p { "The file and its preview are removed. This cannot be undone." }
            form method="post" action=(DeletePath { id: id.into() }) {
                div.form-actions {
                    (action_button("Delete", ButtonStyle::Danger))
                    a href=(FilePath { id: id.into() }) { "Cancel" }
                }
            }
        }
    }
}

inventory::submit! { CssFragment::new("confirm-file-delete", r#"
.confirm-file-delete h1 { overflow-wrap: anywhere; }
"#) }

#[cfg(test)]
mod tests {
    use scraper::Html;

    use super::*;
    use crate::files::views::tests::{record, select};

    #[test]
    fn the_page_names_the_file_escaped_and_posts_to_delete_it() {
        let file = record("<b>x</b>.png", "image/png", true);
        let doc = Html::parse_fragment(&confirm_delete(&file).into_string());
        assert!(select(&doc, "h1 b").is_empty());
        let action = DeletePath { id: file.id.into() }.to_string();
        let form = format!("form[method=post][action='{action}'] button.__danger");
        assert_eq!(select(&doc, &form).len(), 1);
    }
}
