//! The invoice form and its rules. What was typed is kept as text, trimmed, with a blank
//! optional field as `None`; the rules (`web::rules`) check that each value is of its type.

use sanitizer::prelude::*;
use serde::Deserialize;
use validator::Validate;

use crate::web::form::blank_as_none;
use crate::web::rules;

#[derive(Debug, Default, Clone, Deserialize, Sanitizer, Validate)]
#[serde(default)]
pub struct InvoiceForm {
    #[sanitizer(trim)]
    #[validate(length(min = 1, max = 200, message = "Enter 1 to 200 characters."))]
    pub number: String,
    #[sanitizer(trim)]
    #[validate(
        length(min = 1, message = "This cannot be empty."),
        custom(function = "rules::decimal")
    )]
    pub amount: String,
    #[sanitizer(trim)]
    #[validate(
        length(min = 1, message = "This cannot be empty."),
        custom(function = "rules::date")
    )]
    pub due_on: String,
    pub paid: Option<String>,
    #[serde(deserialize_with = "blank_as_none")]
    #[sanitizer(trim)]
    pub notes: Option<String>,
    #[sanitizer(trim)]
    #[validate(
        length(min = 1, message = "This cannot be empty."),
        custom(function = "rules::whole_number")
    )]
    pub quantity: String,
    #[sanitizer(trim)]
    #[validate(
        length(min = 1, message = "This cannot be empty."),
        custom(function = "rules::date_time")
    )]
    pub issued_at: String,
    #[serde(deserialize_with = "blank_as_none")]
    #[sanitizer(trim)]
    #[validate(custom(function = "rules::uuid"))]
    pub customer_id: Option<String>,
}
