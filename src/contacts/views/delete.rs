//! The pages that ask before deleting, for browsers without JavaScript (with it, the list
//! asks in place): one contact, or the contacts checked in the list.

use maud::{Markup, html};
use uuid::Uuid;

use super::rows::LIST_COLUMNS;
use crate::{
    contacts::{
        db::Contact,
        fields::ids,
        paths::{BulkDeletePath, ContactPath, DeletePath, ListPath},
    },
    web::{
        components::{ButtonStyle, action_button},
        css::CssFragment,
        humanize,
        public_id::PublicId,
    },
};

pub fn confirm_delete(contact: &Contact) -> Markup {
    let name = contact.name();
    let id = contact.id;
    html! {
        section.confirm-delete {
            h1 { "Delete " (name) "?" }
            p { "This cannot be undone." }
            form method="post" action=(DeletePath { id: id.into() }) {
                div.form-actions {
                    (action_button("Delete", ButtonStyle::Danger))
                    a href=(ContactPath { id: id.into() }) { "Cancel" }
                }
            }
        }
    }
}

/// Names the contacts to delete; `missing` is how many of those checked are not (or no
/// longer) the user's.
pub fn confirm_bulk_delete(contacts: &[(Uuid, String)], missing: usize) -> Markup {
    let title = humanize::count(contacts.len() as u64, "contact", "contacts");
    html! {
        section.confirm-delete {
            h1 { "Delete " (title) "?" }
            p { "This cannot be undone." }
            ul.names { @for (_, name) in contacts { li { (name) } } }
            @if missing > 0 {
                p { (not_found(missing)) " They will be left alone." }
            }
            form method="post" action=(BulkDeletePath) {
                @for (id, _) in contacts { input type="hidden" name="selected" value=(PublicId(*id)); }
                input type="hidden" name="confirmed" value="yes";
                div.form-actions {
                    (action_button("Delete", ButtonStyle::Danger))
                    a href=(ListPath) { "Cancel" }
                }
            }
        }
    }
}

/// The row of contact `id`, deleted elsewhere (another tab, another device) before an action
/// on its row here: it says so in the row's place.
pub fn deleted_row(id: Uuid) -> Markup {
    html! {
        tr #(ids::row(id)) {
            td.deleted-notice colspan=(LIST_COLUMNS.len()) { "This contact was deleted." }
        }
    }
}

inventory::submit! { CssFragment::new("deleted-notice", r#"
.deleted-notice { color: var(--color-muted); font-style: italic; }
"#) }

/// "2 of the selected contacts were not found."
pub fn not_found(missing: usize) -> String {
    match missing {
        1 => "1 of the selected contacts was not found.".to_owned(),
        _ => format!(
            "{} of the selected contacts were not found.",
            humanize::number(missing as u64)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_contacts_are_counted_in_words() {
        assert_eq!(not_found(1), "1 of the selected contacts was not found.");
        assert_eq!(
            not_found(1200),
            "1,200 of the selected contacts were not found."
        );
    }
}
