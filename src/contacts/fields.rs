//! The contact form's fields, defined once: the new and edit pages, the inline edit row and
//! the on-blur check all render them from here, so the field swapped in after a check is the
//! field the page showed.

use uuid::Uuid;

use super::{
    forms::ContactForm,
    paths::{ValidatePath, with_query},
};
use crate::web::{
    components::{FormField, InputKind},
    form::FieldErrors,
    public_id::PublicId,
};

/// Every DOM id of the module, written once: the forms (their fields' ids start with them:
/// `{form}-{name}`), and the elements htmx requests target, which the handlers answer by.
pub mod ids {
    use uuid::Uuid;

    use super::PublicId;

    pub const NEW: &str = "new-contact";
    pub const EDIT: &str = "edit-contact";
    pub const SEARCH: &str = "contact-search";
    pub const BULK: &str = "contacts-bulk";
    /// The list's "Export CSV" form, and the one on an expired export's page.
    pub const EXPORT: &str = "contacts-export";
    pub const EXPORT_AGAIN: &str = "contacts-export-again";

    /// The search box: field `q` of [`SEARCH`].
    pub const SEARCH_QUERY: &str = "contact-search-q";
    /// "Searching…", shown while a search is under way.
    pub const SEARCH_INDICATOR: &str = "contact-search-indicator";
    /// The whole list page under the site's header: what a live refresh of an empty address
    /// book replaces, so that its tools come with the first contact.
    pub const PAGE: &str = "contacts-page";
    /// The search results: the count, the table, the next-page row.
    pub const RESULTS: &str = "contacts-results";
    /// The row that loads the next page, which the next page replaces.
    pub const MORE: &str = "contacts-more";

    /// A contact's row in the list, which its inline edit form replaces and back.
    pub fn row(contact: Uuid) -> String {
        format!("contact-{}", PublicId(contact))
    }

    /// The inline edit form of one row of the list.
    pub fn row_form(contact: Uuid) -> String {
        format!("contact-{}-edit", PublicId(contact))
    }

    /// The element of an export's page that its live events swap into, named after them.
    pub fn export_live(export: Uuid) -> String {
        super::events::export(export)
    }

    pub fn export_bar(export: Uuid) -> String {
        format!("export-{export}-bar")
    }

    /// The "Try again" form of a failed export.
    pub fn export_retry(export: Uuid) -> String {
        format!("export-{export}-retry")
    }
}

/// The events of the module: sent as `HX-Trigger` by a change made in place, and over the
/// live stream to the user's other pages.
pub mod events {
    use uuid::Uuid;

    /// The user's contacts changed: the list's count (and elsewhere, the results) reload.
    pub const CHANGED: &str = "contacts-changed";

    /// Export `id`'s progress, carrying its fragment. Event names are lower case
    /// (`live::is_valid_name`), so this one carries the UUID's own text, not its `PublicId`.
    pub fn export(id: Uuid) -> String {
        format!("export-{id}")
    }
}

/// Where a form posts its fields for the on-blur check: the contact it edits (if any) is in
/// the query, so that its own address is not "already in your contacts".
pub fn validate_url(contact: Option<Uuid>) -> String {
    match contact {
        Some(id) => with_query(ValidatePath, &[("contact", &PublicId(id).to_string())]),
        None => ValidatePath.to_string(),
    }
}

/// Every field of the contact form with id `form`, filled with `input` and `errors`.
pub fn all<'a>(
    form: &'a str,
    input: &'a ContactForm,
    errors: &'a FieldErrors,
    validate_url: &'a str,
) -> Vec<FormField<'a>> {
    // Every field but the first name may be left blank.
    let field = |name: &'a str, label: &'a str, value: Option<&'a String>| FormField {
        value: value.map_or("", String::as_str),
        error: errors.get(name),
        validate_url: Some(validate_url),
        optional: true,
        ..FormField::new(form, name, label)
    };
    vec![
        FormField {
            required: true,
            optional: false,
            autocomplete: Some("off"),
            ..field("first_name", "First name", Some(&input.first_name))
        },
        FormField {
            autocomplete: Some("off"),
            ..field("last_name", "Last name", input.last_name.as_ref())
        },
        FormField {
            kind: InputKind::Email,
            autocomplete: Some("off"),
            ..field("email", "Email", input.email.as_ref())
        },
        FormField {
            kind: InputKind::Tel,
            autocomplete: Some("off"),
            hint: Some("Digits, spaces and + ( ) - ."),
            ..field("phone", "Phone", input.phone.as_ref())
        },
        FormField {
            autocomplete: Some("off"),
            ..field("company", "Company", input.company.as_ref())
        },
        FormField {
            kind: InputKind::TextArea,
            ..field("notes", "Notes", input.notes.as_ref())
        },
    ]
}

/// The fields of a row's inline edit form: the columns of the list, in its order, each
/// labelled for screen readers by a hidden label (the column header says it to the eye).
pub fn row<'a>(
    form: &'a str,
    input: &'a ContactForm,
    errors: &'a FieldErrors,
    validate_url: &'a str,
) -> Vec<FormField<'a>> {
    all(form, input, errors, validate_url)
        .into_iter()
        .filter(|field| field.name != "notes")
        .map(|field| FormField {
            label_hidden: true,
            // The row's labels are the column headers' words, read out by screen readers.
            optional: false,
            outside_form: true,
            hint: None,
            ..field
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_checked_on_blur_and_row_fields_name_their_form() {
        let input = ContactForm::default();
        let none = FieldErrors::default();
        let url = validate_url(None);
        let page = all(ids::NEW, &input, &none, &url);
        assert_eq!(page.len(), 6);
        assert!(
            page.iter()
                .all(|field| field.validate_url == Some("/contacts/validate"))
        );

        let id = Uuid::new_v4();
        let form = ids::row_form(id);
        let url = validate_url(Some(id));
        let row = row(&form, &input, &none, &url);
        assert_eq!(row.len(), 5);
        assert!(
            row.iter()
                .all(|field| field.outside_form && field.label_hidden)
        );
        assert_eq!(
            row[0].id(),
            format!("contact-{}-edit-first_name", PublicId(id))
        );
    }
}
