//! The account flows' pages, one file per flow: each handler extracts, calls the flow's
//! rules in `ops/`, and turns the outcome into a response. Answers never reveal whether an
//! email has an account: registration, password reset and confirmation resends answer the same
//! page either way (the account holder is told by email instead), and every failed sign-in
//! says "Invalid email or password".

pub mod account;
pub mod admin;
pub mod deletion;
pub mod login;
pub mod passkeys;
pub mod password_reset;
pub mod registration;
pub mod sessions;
pub mod sudo;
pub mod two_factor;

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::{forms::RegisterForm, paths::ValidatePath, views};
use crate::web::{
    form::{BlurTrigger, ValidatedForm, validate_field},
    layout::PageLayout,
};

/// The on-blur check of the email and new-password fields of every account form, by the
/// sign-up form's rules; the field's id says which form it is in (see `fields.rs`).
pub async fn validate(
    _: ValidatePath,
    trigger: BlurTrigger,
    form: ValidatedForm<RegisterForm>,
) -> Response {
    validate_field(trigger, form).await
}

/// `?token=` of a link from an email.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenQuery {
    token: Option<String>,
}

const BAD_LINK: &str = "It is invalid, has expired, or was already used.";

async fn link_problem(layout: PageLayout, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        layout
            .render("Link cannot be used", views::link_problem(message))
            .await,
    )
        .into_response()
}
