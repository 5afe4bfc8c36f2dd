//! The rows of the list: a contact, its inline edit form, and the row that loads the next
//! page. Cells are classed by their [`Column`] (`record_list`); those of the edit form carry
//! their column's name in `data-label`, which labels them while the row is edited on a phone.

use maud::{Markup, html};
use uuid::Uuid;

use crate::{
    contacts::{
        db::{Contact, Page},
        fields::{self, ids},
        forms::ContactForm,
        paths::{ContactPath, DeletePath, EditPath, list_url},
    },
    web::{
        components::{ButtonStyle, Column, action_button, field_announcer, more_row, optional},
        form::FieldErrors,
        public_id::PublicId,
    },
};

/// The contact's columns, between the check box and the actions.
const COLUMNS: [&str; 4] = ["Name", "Email", "Phone", "Company"];

/// The list's columns.
pub(super) const LIST_COLUMNS: [Column<'static>; 6] = [
    Column::Select { form: ids::BULK },
    Column::Primary(COLUMNS[0]),
    Column::Detail(COLUMNS[1]),
    Column::Detail(COLUMNS[2]),
    Column::Detail(COLUMNS[3]),
    Column::Actions,
];

/// The rows of a page and, when there is more, the row that loads the next page: as a link
/// without JavaScript, and with it as soon as it scrolls into view (or is clicked).
pub fn rows(query: &str, page: &Page) -> Markup {
    html! {
        @for contact in &page.rows { (row(contact)) }
        @if let Some(next) = &page.next {
            @let url = list_url(query, Some(&next.encode()));
            (more_row(ids::MORE, &url, LIST_COLUMNS.len(), "Load more contacts"))
        }
    }
}

/// A contact's row, headed by the contact's name. Edit swaps in the row's edit form; Delete
/// asks, then removes the row. Both are links to pages, which `assets/app.js` follows in
/// place (`data-in-place`, `data-inline-delete`), so a row carries no htmx attributes and no
/// class: a page of 25 stays small. The Edit link is also where focus goes as the row comes
/// back from its edit form, so that the keyboard never falls back to the page's start. A
/// value cut short shows whole as a tooltip on hover.
pub fn row(contact: &Contact) -> Markup {
    row_marked(contact, false)
}

/// The row just saved in place: highlighted for a moment (the page's live region says so).
pub fn saved_row(contact: &Contact) -> Markup {
    row_marked(contact, true)
}

fn row_marked(contact: &Contact, saved: bool) -> Markup {
    let name = contact.name();
    let id = contact.id;
    html! {
        tr #(ids::row(id)) class=[saved.then_some("__saved")] {
            td.select {
                input type="checkbox" name="selected" value=(PublicId(id)) form=(ids::BULK)
                    aria-label={ "Select " (name) };
            }
            th scope="row" { a href=(ContactPath { id: id.into() }) { (name) } }
            td { (optional(contact.email.as_deref())) }
            td { (optional(contact.phone.as_deref())) }
            td { (optional(contact.company.as_deref())) }
            td.actions {
                a href=(EditPath { id: id.into() }) data-in-place
                    aria-label={ "Edit " (name) } { "Edit" }
                a href=(DeletePath { id: id.into() }) data-inline-delete
                    aria-label={ "Delete " (name) } { "Delete" }
            }
        }
    }
}

/// A row's inline edit form. A table row cannot hold a `<form>`, so the form sits in the last
/// cell and the inputs name it by id. Errors stay in the row, beside their fields; the form
/// is `novalidate` so that the browser's own bubble never covers them. Focus starts in the
/// first field (or the first in error), and Escape cancels (`assets/app.js`).
pub fn edit_row(id: Uuid, input: &ContactForm, errors: &FieldErrors) -> Markup {
    let form = ids::row_form(id);
    let validate_url = fields::validate_url(Some(id));
    let fields = fields::row(&form, input, errors, &validate_url);
    // Each column's fields, found by name: a field the row does not have is left out of its
    // column, never the whole row.
    let cell = |names: &[&str]| -> Markup {
        html! {
            @for field in fields.iter().filter(|field| names.contains(&field.name)) {
                (field.render())
            }
        }
    };
    let contact = ContactPath { id: id.into() };
    html! {
        tr #(ids::row(id)) data-inline-editing {
            td.select {}
            td data-label=(COLUMNS[0]) { (cell(&["first_name", "last_name"])) }
            td data-label=(COLUMNS[1]) { (cell(&["email"])) }
            td data-label=(COLUMNS[2]) { (cell(&["phone"])) }
            td data-label=(COLUMNS[3]) { (cell(&["company"])) }
            td.actions {
                form #(form) method="post" action=(contact) novalidate
                    data-hx-put=(contact)
                    data-hx-target="closest tr"
                    data-hx-swap="outerHTML" {
                    // Not shown in the row, but kept: saving the row must not erase them.
                    input type="hidden" name="notes" value=[input.notes.as_deref()];
                    (field_announcer(&form))
                    (action_button("Save", ButtonStyle::Primary))
                    a href=(contact) data-inline-cancel
                        data-hx-get=(contact)
                        data-hx-target="closest tr"
                        data-hx-swap="outerHTML" { "Cancel" }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use scraper::{Html, Selector};

    use super::*;

    fn table(markup: Markup) -> Html {
        Html::parse_fragment(&format!("<table>{}</table>", markup.into_string()))
    }

    fn count(doc: &Html, selector: &str) -> usize {
        doc.select(&Selector::parse(selector).unwrap()).count()
    }

    #[test]
    fn a_row_ties_its_checkbox_to_the_bulk_form_and_escapes_names() {
        let contact = Contact {
            id: Uuid::new_v4(),
            first_name: "<script>alert(1)</script>".into(),
            last_name: None,
            email: None,
            phone: None,
            company: Some("<b>Acme</b>".into()),
            notes: None,
            sort_name: String::new(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        let doc = table(row(&contact));
        assert_eq!(count(&doc, "script"), 0);
        assert_eq!(count(&doc, "b"), 0);
        assert_eq!(
            count(
                &doc,
                "input[type=checkbox][name=selected][form=contacts-bulk]"
            ),
            1
        );
        assert_eq!(count(&doc, "a[data-inline-delete][href$='/delete']"), 1);
        assert_eq!(count(&doc, "tr > th[scope=row] > a"), 1);
        assert_eq!(count(&doc, "a[data-in-place][href$='/edit']"), 1);
        assert_eq!(
            count(&doc, "tr[class], [data-hx-get], [data-hx-delete], [title]"),
            0
        );
    }

    #[test]
    fn the_edit_row_has_every_field_of_the_row_in_its_column() {
        let id = Uuid::new_v4();
        let doc = table(edit_row(
            id,
            &ContactForm::default(),
            &FieldErrors::default(),
        ));
        let form = ids::row_form(id);
        for (label, names) in [
            ("Name", ["first_name", "last_name"].as_slice()),
            ("Email", &["email"]),
            ("Phone", &["phone"]),
            ("Company", &["company"]),
        ] {
            for name in names {
                let input = format!("td[data-label={label}] input[name={name}][form='{form}']");
                assert_eq!(count(&doc, &input), 1, "{input}");
            }
        }
        assert_eq!(count(&doc, "input[type=hidden][name=notes]"), 1);
    }
}
