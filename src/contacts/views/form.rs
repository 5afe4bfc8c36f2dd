//! The new-contact and edit pages: the contact form, with its fields from `fields.rs`.

use axum_extra::routing::TypedPath;
use maud::{Markup, html};
use uuid::Uuid;

use crate::{
    contacts::{
        fields::{self, ids},
        forms::ContactForm,
        paths::{ContactPath, ListPath},
    },
    web::{
        components::{PostForm, form_actions},
        form::FieldErrors,
    },
};

/// The new-contact page.
pub fn new(input: &ContactForm, errors: &FieldErrors) -> Markup {
    let validate_url = fields::validate_url(None);
    let form = PostForm::new(ids::NEW, ListPath::PATH);
    html! {
        section.contact-form {
            h1 { "New contact" }
            (form.render(
                &fields::all(ids::NEW, input, errors, &validate_url),
                form_actions("Add contact", ListPath::PATH),
            ))
        }
    }
}

/// The edit page of contact `id` (named `name` as it is saved).
pub fn edit(id: Uuid, name: &str, input: &ContactForm, errors: &FieldErrors) -> Markup {
    let validate_url = fields::validate_url(Some(id));
    let action = ContactPath { id: id.into() }.to_string();
    let form = PostForm::new(ids::EDIT, &action);
    html! {
        section.contact-form {
            h1 { "Edit " (name) }
            (form.render(
                &fields::all(ids::EDIT, input, errors, &validate_url),
                form_actions("Save changes", &action),
            ))
        }
    }
}
