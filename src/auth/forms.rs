//! The account forms, their normalisation and their rules. Handlers and the on-blur
//! validation endpoint share these, so a field is judged the same way in both.

use serde::Deserialize;

use super::password;

/// Errors by field name, in form order.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(Vec<(&'static str, &'static str)>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: &'static str) {
        if self.get(field).is_none() {
            self.0.push((field, message));
        }
    }

    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| *message)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Emails are compared and stored trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn email_problem(email: &str) -> Option<&'static str> {
    if email.is_empty() {
        Some("Enter your email address.")
    } else if email.len() > 254 || email.parse::<lettre::Address>().is_err() {
        Some("Enter an email address like name@example.com.")
    } else {
        None
    }
}

fn check_new_password(errors: &mut FieldErrors, password: &str, confirmation: &str, email: &str) {
    if let Some(problem) = password::problem(password, email) {
        errors.add("password", problem);
    }
    if password != confirmation {
        errors.add("password_confirmation", "The two passwords differ.");
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegisterForm {
    pub email: String,
    pub password: String,
    pub password_confirmation: String,
}

impl RegisterForm {
    pub fn validate(&mut self) -> FieldErrors {
        self.email = normalize_email(&self.email);
        let mut errors = FieldErrors::default();
        if let Some(problem) = email_problem(&self.email) {
            errors.add("email", problem);
        }
        check_new_password(
            &mut errors,
            &self.password,
            &self.password_confirmation,
            &self.email,
        );
        errors
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    pub remember: Option<String>,
    pub next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmailForm {
    pub email: String,
}

impl EmailForm {
    pub fn validate(&mut self) -> FieldErrors {
        self.email = normalize_email(&self.email);
        let mut errors = FieldErrors::default();
        if let Some(problem) = email_problem(&self.email) {
            errors.add("email", problem);
        }
        errors
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewPasswordForm {
    pub current_password: String,
    pub password: String,
    pub password_confirmation: String,
}

impl NewPasswordForm {
    pub fn validate(&self, email: &str) -> FieldErrors {
        let mut errors = FieldErrors::default();
        check_new_password(
            &mut errors,
            &self.password,
            &self.password_confirmation,
            email,
        );
        errors
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChangeEmailForm {
    pub email: String,
    pub current_password: String,
}

/// Any of the forms, as htmx posts it for checking one field on blur.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AnyForm {
    pub email: Option<String>,
    pub password: Option<String>,
    pub password_confirmation: Option<String>,
}

impl AnyForm {
    /// The error of `field` given the rest of the form.
    pub fn check(&self, field: &str) -> Option<&'static str> {
        let email = normalize_email(self.email.as_deref().unwrap_or_default());
        let password = self.password.as_deref().unwrap_or_default();
        match field {
            "email" => email_problem(&email),
            "password" => password::problem(password, &email),
            "password_confirmation" => (Some(password) != self.password_confirmation.as_deref())
                .then_some("The two passwords differ."),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_checks_every_field() {
        let mut form = RegisterForm {
            email: "  Ada@Example.COM ".into(),
            password: "long enough password".into(),
            password_confirmation: "long enough password".into(),
        };
        assert!(form.validate().is_empty());
        assert_eq!(form.email, "ada@example.com");

        let mut bad = RegisterForm {
            email: "not-an-email".into(),
            password: "short".into(),
            password_confirmation: "other".into(),
        };
        let errors = bad.validate();
        assert!(errors.get("email").is_some());
        assert!(errors.get("password").is_some());
        assert!(errors.get("password_confirmation").is_some());
    }

    #[test]
    fn a_single_field_is_judged_as_in_the_full_form() {
        let form = AnyForm {
            email: Some("ada@example.com".into()),
            password: Some("ada@example.com".into()),
            password_confirmation: Some("x".into()),
        };
        assert!(form.check("email").is_none());
        assert_eq!(
            form.check("password"),
            Some("Your password cannot be your email address.")
        );
        assert!(form.check("password_confirmation").is_some());
        assert!(form.check("anything-else").is_none());
    }
}
