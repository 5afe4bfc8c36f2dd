//! The contact form and its rules, and the bulk-delete form.
//!
//! Input is trimmed, the address lower-cased, and an optional field left blank (or only
//! spaces) is `None`, stored as NULL. The limits are the table's checks (see the migration).

use sanitizer::prelude::*;
use serde::Deserialize;
use uuid::Uuid;
use validator::{Validate, ValidationError};

use crate::{
    auth::forms::email_problem,
    web::{form::blank_as_none, public_id::PublicId, rules},
};

/// The longest phone number kept, separators included.
const PHONE_MAX: usize = 40;

#[derive(Debug, Default, Clone, Deserialize, Sanitizer, Validate)]
#[serde(default)]
pub struct ContactForm {
    #[sanitizer(trim)]
    #[validate(custom(function = "first_name"))]
    pub first_name: String,
    #[serde(deserialize_with = "blank_as_none")]
    #[sanitizer(trim)]
    #[validate(length(max = 100, message = "Use at most 100 characters."))]
    pub last_name: Option<String>,
    #[serde(deserialize_with = "blank_as_none")]
    #[sanitizer(trim, lower_case)]
    #[validate(custom(function = "email_address"))]
    pub email: Option<String>,
    #[serde(deserialize_with = "blank_as_none")]
    #[sanitizer(trim)]
    #[validate(custom(function = "phone_number"))]
    pub phone: Option<String>,
    #[serde(deserialize_with = "blank_as_none")]
    #[sanitizer(trim)]
    #[validate(length(max = 100, message = "Use at most 100 characters."))]
    pub company: Option<String>,
    #[serde(deserialize_with = "blank_as_none")]
    #[sanitizer(trim)]
    #[validate(length(max = 5000, message = "Use at most 5,000 characters."))]
    pub notes: Option<String>,
}

fn first_name(name: &str) -> Result<(), ValidationError> {
    rules::required_text(name, "Enter a first name.", 100)
}

fn email_address(email: &str) -> Result<(), ValidationError> {
    match email_problem(email) {
        Some(message) => Err(ValidationError::new("email").with_message(message.into())),
        None => Ok(()),
    }
}

/// Digits with the usual separators: `+44 20 7946 0958`, `(555) 010-4477`, `555.010.4477`.
fn phone_number(phone: &str) -> Result<(), ValidationError> {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '(' | ')' | '-' | '.'));
    let plus_first = phone.rfind('+').is_none_or(|at| at == 0);
    let message = if !allowed || !plus_first {
        "Use digits, spaces and + ( ) - . only, like +1 555 010 4477."
    } else if !(5..=20).contains(&digits) {
        "Enter a phone number of 5 to 20 digits."
    } else if phone.chars().count() > PHONE_MAX {
        "Use at most 40 characters."
    } else {
        return Ok(());
    };
    Err(ValidationError::new("phone").with_message(message.into()))
}

/// The checked boxes of the list (`selected`, repeated), and whether the deletion was
/// confirmed. Ids are read as text so that one that is not an id at all is counted with the
/// ones that are not the user's, instead of failing the whole form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BulkDeleteForm {
    pub selected: Vec<String>,
    /// Sent by the confirmation (the page, or htmx's `hx-vals` after the browser asked).
    pub confirmed: Option<String>,
}

impl BulkDeleteForm {
    /// The distinct ids among `selected`, and how many entries were not ids at all.
    pub fn ids(&self) -> (Vec<Uuid>, usize) {
        let mut ids = Vec::new();
        let mut malformed = 0;
        for text in &self.selected {
            match text.trim().parse() {
                Ok(PublicId(id)) if !ids.contains(&id) => ids.push(id),
                Ok(_) => {}
                Err(_) => malformed += 1,
            }
        }
        (ids, malformed)
    }

    pub fn is_confirmed(&self) -> bool {
        self.confirmed.as_deref() == Some("yes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(form: &ContactForm) -> Vec<String> {
        match form.validate() {
            Ok(()) => Vec::new(),
            Err(errors) => errors
                .field_errors()
                .keys()
                .map(|k| k.to_string())
                .collect(),
        }
    }

    #[test]
    fn phone_numbers_in_the_usual_notations_pass() {
        for phone in [
            "+44 20 7946 0958",
            "(555) 010-4477",
            "555.010.4477",
            "12345",
        ] {
            assert!(phone_number(phone).is_ok(), "{phone}");
        }
        for phone in [
            "call me",
            "12 34",
            "555-010-4477 ext 3",
            "1+555 010 4477",
            "1".repeat(21).as_str(),
        ] {
            assert!(phone_number(phone).is_err(), "{phone}");
        }
    }

    #[test]
    fn a_first_name_is_required_and_lengths_are_capped() {
        let mut form = ContactForm::default();
        assert_eq!(errors(&form), ["first_name"]);
        form.first_name = "Ada".into();
        assert!(errors(&form).is_empty());
        form.last_name = Some("x".repeat(101));
        form.notes = Some("é".repeat(5000));
        assert_eq!(errors(&form), ["last_name"]);
    }

    #[test]
    fn bulk_ids_are_distinct_and_junk_is_counted() {
        let id = Uuid::new_v4();
        let form = BulkDeleteForm {
            selected: vec![id.to_string(), id.to_string(), "1; DROP TABLE".into()],
            confirmed: Some("yes".into()),
        };
        assert_eq!(form.ids(), (vec![id], 1));
        assert!(form.is_confirmed());
    }
}
