//! The account forms and their fields, each defined once. The pages render these, and the
//! on-blur check (`POST /auth/validate`) renders the field that lost focus from the same
//! definition, so the field it swaps in is the one the page showed, label and hint included.
//!
//! Every form has an id unique across the module, and its fields' ids start with it: the
//! account page's two "Current password" fields are `change-password-current_password` and
//! `change-email-current_password`.

use super::{forms::RegisterForm, password, paths};
use crate::web::{
    components::{FormField, InputKind},
    form::{BlurFields, FieldErrors},
};

/// The forms' ids, and the administrators' list's.
pub mod ids {
    /// The row that loads the next page of the users' list, which the next page replaces: an
    /// htmx request targeting it gets the rows alone.
    pub const USERS_MORE: &str = "users-more";
    pub const REGISTER: &str = "register";
    pub const LOGIN: &str = "login";
    pub const CONFIRM_RESEND: &str = "confirm-resend";
    pub const PASSWORD_FORGOT: &str = "password-forgot";
    pub const PASSWORD_RESET: &str = "password-reset";
    pub const CHANGE_PASSWORD: &str = "change-password";
    pub const CHANGE_EMAIL: &str = "change-email";
    /// The button that deletes the account (behind sudo mode: no field of its own).
    pub const DELETE_ACCOUNT: &str = "delete-account";
    /// Adding a passkey, and signing in with one (`assets/passkeys.js` drives both).
    pub const PASSKEY_REGISTER: &str = "passkey-register";
    pub const PASSKEY_SIGN_IN: &str = "passkey-sign-in";
    pub const PASSKEY_CONFIRM: &str = "passkey-confirm";
    pub const PASSKEY_SECOND_FACTOR: &str = "passkey-second-factor";
    /// A passkey's rename form is this, then the passkey's id.
    pub const PASSKEY_RENAME_PREFIX: &str = "passkey-rename-";
    /// Sudo mode's confirmation.
    pub const SUDO: &str = "sudo";
    pub const LOGIN_TWO_FACTOR: &str = "login-two-factor";
    pub const TWO_FACTOR_ENABLE: &str = "two-factor-enable";
    pub const TWO_FACTOR_DISABLE: &str = "two-factor-disable";
    pub const TWO_FACTOR_SETUP: &str = "two-factor-setup";
    pub const RECOVERY_CODES: &str = "recovery-codes";
}

/// The names of sudo mode's fields. They start with `sudo_`, which no other form's field
/// may: the guard takes them out of a form it lets through (see `auth::sudo`).
pub mod sudo {
    pub const PREFIX: &str = "sudo_";
    pub const PASSWORD: &str = "sudo_password";
    /// A passkey's answer, instead of the password.
    pub const PASSKEY: &str = "sudo_passkey";
    pub const CODE: &str = "sudo_code";
}

/// `on_blur`: whether the field is checked when it loses focus.
fn email<'a>(
    form: &'a str,
    value: &'a str,
    errors: &'a FieldErrors,
    on_blur: bool,
) -> FormField<'a> {
    FormField {
        kind: InputKind::Email,
        value,
        error: errors.get("email"),
        autocomplete: Some("email"),
        required: true,
        validate_url: on_blur.then_some(paths::VALIDATE),
        ..FormField::new(form, "email", "Email")
    }
}

fn password<'a>(
    form: &'a str,
    (name, label): (&'a str, &'a str),
    autocomplete: &'a str,
    errors: &'a FieldErrors,
    on_blur: bool,
) -> FormField<'a> {
    FormField {
        kind: InputKind::Password,
        error: errors.get(name),
        autocomplete: Some(autocomplete),
        required: true,
        validate_url: on_blur.then_some(paths::VALIDATE),
        ..FormField::new(form, name, label)
    }
}

/// A new password and its repetition, both checked on blur.
fn new_password<'a>(
    form: &'a str,
    labels: [&'a str; 2],
    errors: &'a FieldErrors,
) -> [FormField<'a>; 2] {
    [
        FormField {
            hint: Some(password::length_rule()),
            ..password(form, ("password", labels[0]), "new-password", errors, true)
        },
        password(
            form,
            ("password_confirmation", labels[1]),
            "new-password",
            errors,
            true,
        ),
    ]
}

fn current_password<'a>(form: &'a str, errors: &'a FieldErrors) -> FormField<'a> {
    let field = ("current_password", "Current password");
    password(form, field, "current-password", errors, false)
}

pub fn register<'a>(email_value: &'a str, errors: &'a FieldErrors) -> Vec<FormField<'a>> {
    let form = ids::REGISTER;
    let [new, repeat] = new_password(form, ["Password", "Repeat the password"], errors);
    vec![email(form, email_value, errors, true), new, repeat]
}

pub fn login<'a>(email_value: &'a str, no_errors: &'a FieldErrors) -> Vec<FormField<'a>> {
    let form = ids::LOGIN;
    vec![
        email(form, email_value, no_errors, false),
        password(
            form,
            ("password", "Password"),
            "current-password",
            no_errors,
            false,
        ),
    ]
}

/// The address of a request for a link (`form` tells the two such forms apart).
pub fn request_link<'a>(
    form: &'a str,
    email_value: &'a str,
    errors: &'a FieldErrors,
) -> Vec<FormField<'a>> {
    vec![email(form, email_value, errors, false)]
}

const NEW_PASSWORD_LABELS: [&str; 2] = ["New password", "Repeat the new password"];

pub fn reset_password(errors: &FieldErrors) -> Vec<FormField<'_>> {
    new_password(ids::PASSWORD_RESET, NEW_PASSWORD_LABELS, errors).into()
}

pub fn change_password(errors: &FieldErrors) -> Vec<FormField<'_>> {
    let form = ids::CHANGE_PASSWORD;
    let [new, repeat] = new_password(form, NEW_PASSWORD_LABELS, errors);
    vec![current_password(form, errors), new, repeat]
}

pub fn change_email<'a>(email_value: &'a str, errors: &'a FieldErrors) -> Vec<FormField<'a>> {
    let form = ids::CHANGE_EMAIL;
    vec![
        FormField {
            hint: Some("We send a link there; the change happens when you open it."),
            ..email(form, email_value, errors, true)
        },
        current_password(form, errors),
    ]
}

/// The name of a new passkey (optional).
pub fn new_passkey<'a>(name_value: &'a str, errors: &'a FieldErrors) -> Vec<FormField<'a>> {
    vec![FormField {
        value: name_value,
        error: errors.get("name"),
        hint: Some(
            "Optional: to tell your passkeys apart, say \u{201c}Phone\u{201d} or \u{201c}Work laptop\u{201d}.",
        ),
        autocomplete: Some("off"),
        ..FormField::new(ids::PASSKEY_REGISTER, "name", "Name")
    }]
}

/// A passkey's name in its rename form (`form`: that form's id), labelled for screen readers
/// only: the row says which passkey it is.
pub fn passkey_name<'a>(
    form: &'a str,
    label: &'a str,
    name_value: &'a str,
    error: Option<&'a str>,
) -> FormField<'a> {
    FormField {
        value: name_value,
        error,
        required: true,
        autocomplete: Some("off"),
        label_hidden: true,
        ..FormField::new(form, "name", label)
    }
}

/// Sudo mode's confirmation: the password, or with two-factor authentication on, a code
/// instead. `error` is the form's, shown on the first field.
pub fn sudo(two_factor: bool, error: Option<&str>) -> Vec<FormField<'_>> {
    let password = FormField {
        kind: InputKind::Password,
        error,
        autocomplete: Some("current-password"),
        required: !two_factor,
        ..FormField::new(ids::SUDO, sudo::PASSWORD, "Password")
    };
    if !two_factor {
        return vec![password];
    }
    vec![
        password,
        FormField {
            hint: Some(
                "Or, instead of the password: a code from your authenticator app, or a recovery code.",
            ),
            ..code_field(ids::SUDO, sudo::CODE, "Two-factor code", None)
        },
    ]
}

/// A field for a two-factor code (or a recovery code) in form `form`.
fn code_field<'a>(
    form: &'a str,
    name: &'a str,
    label: &'a str,
    error: Option<&'a str>,
) -> FormField<'a> {
    FormField {
        kind: InputKind::Text,
        error,
        autocomplete: Some("one-time-code"),
        ..FormField::new(form, name, label)
    }
}

/// The code asked at the second step of a sign-in, to confirm the setup, or to turn
/// two-factor authentication off (`form` says which).
pub fn two_factor_code<'a>(
    form: &'a str,
    hint: &'a str,
    error: Option<&'a str>,
) -> Vec<FormField<'a>> {
    vec![FormField {
        required: true,
        hint: Some(hint),
        ..code_field(form, "code", "Code", error)
    }]
}

/// Every account form checks its email and new-password fields on blur by the sign-up
/// form's rules (the only ones that do not need the database or the account).
impl BlurFields for RegisterForm {
    fn blur_fields<'a>(&'a self, form: &'a str, errors: &'a FieldErrors) -> Vec<FormField<'a>> {
        match form {
            ids::REGISTER => register(&self.email, errors),
            ids::PASSWORD_RESET => reset_password(errors),
            ids::CHANGE_PASSWORD => change_password(errors),
            ids::CHANGE_EMAIL => change_email(&self.email, errors),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn no_two_fields_of_the_module_share_an_id() {
        let none = FieldErrors::default();
        let forms = [
            register("", &none),
            login("", &none),
            request_link(ids::CONFIRM_RESEND, "", &none),
            request_link(ids::PASSWORD_FORGOT, "", &none),
            reset_password(&none),
            change_password(&none),
            change_email("", &none),
            sudo(true, None),
            two_factor_code(ids::LOGIN_TWO_FACTOR, "", None),
            two_factor_code(ids::TWO_FACTOR_ENABLE, "", None),
            two_factor_code(ids::TWO_FACTOR_DISABLE, "", None),
        ];
        let mut seen = HashSet::new();
        for field in forms.iter().flatten() {
            assert!(seen.insert(field.id()), "{} twice", field.id());
        }
    }

    #[test]
    fn the_blur_check_knows_each_form_that_uses_it() {
        let form = RegisterForm::default();
        let none = FieldErrors::default();
        for id in [
            ids::REGISTER,
            ids::PASSWORD_RESET,
            ids::CHANGE_PASSWORD,
            ids::CHANGE_EMAIL,
        ] {
            assert!(
                form.blur_fields(id, &none)
                    .iter()
                    .any(|field| field.validate_url.is_some()),
                "{id}"
            );
        }
        assert!(form.blur_fields(ids::LOGIN, &none).is_empty());
    }
}
