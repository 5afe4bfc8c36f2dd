//! The invoice form's fields, defined once: the new and edit pages and the on-blur check
//! all render them from here, so the field swapped in after a check is the field the page
//! showed. And every DOM id and event name of the module, written once.

use super::forms::InvoiceForm;
use crate::web::{
    components::{FormField, InputKind},
    form::FieldErrors,
};

/// Every DOM id of the module: the forms (their fields' ids start with them:
/// `{form}-{name}`), and the elements htmx requests target, which the handlers answer by.
pub mod ids {
    use uuid::Uuid;

    use crate::web::public_id::PublicId;

    pub const NEW: &str = "new-invoice";
    pub const EDIT: &str = "edit-invoice";

    /// The list (or its empty state), which the live refetch replaces.
    pub const LIST: &str = "invoices-list";
    /// The row that loads the next page, which the next page replaces.
    pub const MORE: &str = "invoices-more";

    /// A invoice's row in the list, which deleting in place removes.
    pub fn row(id: Uuid) -> String {
        format!("invoice-{}", PublicId(id))
    }
}

/// The events of the module, sent over the live stream to the user's other pages.
pub mod events {
    /// The user's invoices changed: the list refetches itself.
    pub const CHANGED: &str = "invoices-changed";
}

/// Every field of the form with id `form`, filled with `input` and `errors`, each checked
/// at `validate_url` when it loses focus.
pub fn all<'a>(
    form: &'a str,
    input: &'a InvoiceForm,
    errors: &'a FieldErrors,
    validate_url: &'a str,
) -> Vec<FormField<'a>> {
    vec![
        FormField {
            kind: InputKind::Text,
            value: &input.number,
            error: errors.get("number"),
            required: true,
            validate_url: Some(validate_url),
            ..FormField::new(form, "number", "Number")
        },
        FormField {
            kind: InputKind::Decimal,
            value: &input.amount,
            error: errors.get("amount"),
            required: true,
            validate_url: Some(validate_url),
            ..FormField::new(form, "amount", "Amount")
        },
        FormField {
            kind: InputKind::Date,
            value: &input.due_on,
            error: errors.get("due_on"),
            required: true,
            validate_url: Some(validate_url),
            ..FormField::new(form, "due_on", "Due on")
        },
        FormField {
            kind: InputKind::Checkbox,
            value: input.paid.as_deref().unwrap_or_default(),
            error: errors.get("paid"),
            required: false,
            validate_url: Some(validate_url),
            ..FormField::new(form, "paid", "Paid")
        },
        FormField {
            kind: InputKind::TextArea,
            value: input.notes.as_deref().unwrap_or_default(),
            error: errors.get("notes"),
            required: false,
            validate_url: Some(validate_url),
            ..FormField::new(form, "notes", "Notes")
        },
        FormField {
            kind: InputKind::Number,
            value: &input.quantity,
            error: errors.get("quantity"),
            required: true,
            validate_url: Some(validate_url),
            ..FormField::new(form, "quantity", "Quantity")
        },
        FormField {
            kind: InputKind::DateTime,
            value: &input.issued_at,
            error: errors.get("issued_at"),
            required: true,
            validate_url: Some(validate_url),
            ..FormField::new(form, "issued_at", "Issued at")
        },
        FormField {
            kind: InputKind::Text,
            value: input.customer_id.as_deref().unwrap_or_default(),
            error: errors.get("customer_id"),
            required: false,
            validate_url: Some(validate_url),
            ..FormField::new(form, "customer_id", "Customer id")
        },
    ]
}
