//! The account forms and their rules. Each derives its three steps (serde, sanitizer,
//! validator) for [`ValidatedForm`](crate::web::form::ValidatedForm); the handlers and the
//! on-blur checks read the same types, so a field is judged the same way in both.
//!
//! Email addresses are kept in one canonical form: trimmed and lower-cased, a plain ASCII
//! `local@domain` with no quoted local part, comment or domain literal. Those exotic forms are
//! valid by the RFC but let one mailbox be written many ways (`"ada"@x.test`, `ada@x.test`),
//! which would defeat the per-address limits, and some of them cannot be sent to at all.

use sanitizer::prelude::*;
use serde::Deserialize;
use validator::{Validate, ValidationError};

use super::password;
use crate::web::rules;

/// The longest address SMTP carries.
pub const EMAIL_MAX_LEN: usize = 254;

/// Why `email` (already trimmed and lower-cased) is not an address we accept.
pub fn email_problem(email: &str) -> Option<&'static str> {
    const LIKE: &str = "Enter an email address like name@example.com.";
    if email.is_empty() {
        return Some("Enter your email address.");
    }
    if email.len() > EMAIL_MAX_LEN {
        return Some("That address is too long.");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Some(LIKE);
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    // ASCII labels only: an internationalised domain has several spellings of one mailbox
    // (`exämple`, `xn--exmple-cua`, full-width letters). Its owner types the `xn--` form.
    let domain_ok = domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        // A top-level domain is never all digits: that is an IP address.
        && domain
            .rsplit('.')
            .next()
            .is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()));
    if !(local_ok && domain_ok) || email.parse::<lettre::Address>().is_err() {
        return Some(LIKE);
    }
    None
}

/// Trims and lower-cases an address as every form does (for code outside the forms).
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn email_address(email: &str) -> Result<(), ValidationError> {
    match email_problem(email) {
        Some(message) => Err(ValidationError::new("email").with_message(message.into())),
        None => Ok(()),
    }
}

fn new_password(password: &str) -> Result<(), ValidationError> {
    match password::problem(password) {
        Some(message) => Err(ValidationError::new("password").with_message(message.into())),
        None => Ok(()),
    }
}

#[derive(Debug, Default, Deserialize, Sanitizer, Validate)]
#[serde(default)]
#[validate(schema(function = "password_is_not_the_email", skip_on_field_errors = false))]
pub struct RegisterForm {
    #[sanitizer(trim, lower_case)]
    #[validate(custom(function = "email_address"))]
    pub email: String,
    #[validate(custom(function = "new_password"))]
    pub password: String,
    #[validate(must_match(other = "password", message = "The two passwords differ."))]
    pub password_confirmation: String,
}

fn password_is_not_the_email(form: &RegisterForm) -> Result<(), ValidationError> {
    match password::same_as_email(&form.password, &form.email) {
        Some(message) => Err(ValidationError::new("password").with_message(message.into())),
        None => Ok(()),
    }
}

#[derive(Debug, Default, Deserialize, Sanitizer, Validate)]
#[serde(default)]
pub struct LoginForm {
    #[sanitizer(trim, lower_case)]
    #[validate(custom(function = "email_address"))]
    pub email: String,
    pub password: String,
    pub remember: Option<String>,
    pub next: Option<String>,
}

/// The address of a confirmation resend or a password reset request.
#[derive(Debug, Default, Deserialize, Sanitizer, Validate)]
#[serde(default)]
pub struct EmailForm {
    #[sanitizer(trim, lower_case)]
    #[validate(custom(function = "email_address"))]
    pub email: String,
}

/// A new password, on the reset page and the account page. That it differs from the
/// account's address is checked by the handler, which knows the account.
#[derive(Debug, Default, Deserialize, Sanitizer, Validate)]
#[serde(default)]
pub struct NewPasswordForm {
    /// Only on the account page; checked against the stored hash by the handler.
    pub current_password: String,
    #[validate(custom(function = "new_password"))]
    pub password: String,
    #[validate(must_match(other = "password", message = "The two passwords differ."))]
    pub password_confirmation: String,
}

#[derive(Debug, Default, Deserialize, Sanitizer, Validate)]
#[serde(default)]
pub struct ChangeEmailForm {
    #[sanitizer(trim, lower_case)]
    #[validate(custom(function = "email_address"))]
    pub email: String,
    /// Checked against the stored hash by the handler.
    pub current_password: String,
}

/// Adding a passkey: the name it is given (optional) and the browser's signed answer (JSON,
/// filled in by `assets/passkeys.js`; empty without JavaScript).
#[derive(Debug, Default, Deserialize, Sanitizer, Validate)]
#[serde(default)]
pub struct NewPasskeyForm {
    #[serde(deserialize_with = "crate::web::form::blank_as_none")]
    #[sanitizer(trim)]
    #[validate(length(max = 100, message = "Use at most 100 characters."))]
    pub name: Option<String>,
    pub credential: String,
}

/// Renaming a passkey.
#[derive(Debug, Default, Deserialize, Sanitizer, Validate)]
#[serde(default)]
pub struct PasskeyNameForm {
    #[sanitizer(trim)]
    #[validate(custom(function = "passkey_name"))]
    pub name: String,
}

fn passkey_name(name: &str) -> Result<(), ValidationError> {
    rules::required_text(name, "Enter a name for the passkey.", 100)
}

/// Signing in with a passkey: the browser's signed answer, and where to go after.
#[derive(Debug, Default, Deserialize, Sanitizer, Validate)]
#[serde(default)]
pub struct PasskeySignInForm {
    pub credential: String,
    pub next: Option<String>,
}

/// Sudo mode's confirmation, on its own page (`next`: where to go back to): the password, or
/// with two-factor authentication on, a code instead.
#[derive(Debug, Default, Deserialize, Sanitizer, Validate)]
#[serde(default)]
pub struct SudoForm {
    pub sudo_password: String,
    /// A passkey's answer instead (filled in by `assets/passkeys.js`).
    pub sudo_passkey: String,
    #[sanitizer(trim)]
    pub sudo_code: String,
    pub next: Option<String>,
}

/// A two-factor code, or a recovery code.
#[derive(Debug, Default, Deserialize, Sanitizer, Validate)]
#[serde(default)]
pub struct CodeForm {
    #[sanitizer(trim)]
    #[validate(length(max = 64, message = "That is not a code."))]
    pub code: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::form::FieldErrors;

    fn errors(form: &impl Validate) -> FieldErrors {
        form.validate()
            .err()
            .map(|errors| FieldErrors::from(&errors))
            .unwrap_or_default()
    }

    #[test]
    fn registration_checks_every_field() {
        let mut form = RegisterForm {
            email: "  Ada@Example.COM ".into(),
            password: "long enough password".into(),
            password_confirmation: "long enough password".into(),
        };
        form.sanitize();
        assert_eq!(form.email, "ada@example.com");
        assert!(errors(&form).is_empty());

        let bad = RegisterForm {
            email: "not-an-email".into(),
            password: "short".into(),
            password_confirmation: "other".into(),
        };
        let errors = errors(&bad);
        assert!(errors.get("email").is_some());
        assert!(errors.get("password").is_some());
        assert_eq!(
            errors.get("password_confirmation"),
            Some("The two passwords differ.")
        );
    }

    #[test]
    fn the_password_may_not_be_the_address() {
        let form = RegisterForm {
            email: "ada@example.com".into(),
            password: "Ada@Example.com".into(),
            password_confirmation: "Ada@Example.com".into(),
        };
        assert_eq!(
            errors(&form).get("password"),
            Some("Your password cannot be your email address.")
        );
    }

    #[test]
    fn only_plain_addresses_are_accepted() {
        for good in [
            "ada@example.com",
            "a.b+tag@sub.example.co",
            "o'neil@example.org",
        ] {
            assert_eq!(email_problem(good), None, "{good}");
        }
        for bad in [
            "",
            "ada",
            "ada@localhost",
            "\"a b\"@example.com",
            "\"<script>\"@example.com",
            "\"victim\"@x.test",
            "\"\\victim\"@x.test",
            "user@[127.0.0.1]",
            "user@127.0.0.1",
            "victim@exämple.test",
            "victim@\u{ff58}.test",
            "a\u{0}b@x.test",
            "a\nb@x.test",
            "a..b@x.test",
            ".a@x.test",
            "a@-x.test",
            "a(comment)@x.test",
            &format!("{}@x.test", "a".repeat(300)),
        ] {
            assert!(email_problem(bad).is_some(), "{bad:?}");
        }
    }
}
