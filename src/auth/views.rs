//! The account pages. Every form keeps what the user typed on error (never a password), with
//! an error per field linked to its input; new emails and passwords are checked on blur.

use maud::{Markup, html};
use time::OffsetDateTime;

use super::{
    AuthUser, REMEMBER_FOR,
    db::{Role, User},
    password, paths,
};
use crate::web::{
    components::{ButtonStyle, FormField, InputKind, action_button},
    css::CssFragment,
    form::FieldErrors,
    humanize,
};

/// `validate`: where the field is checked on blur (the form's own validation route).
fn email_field<'a>(
    value: &'a str,
    errors: &'a FieldErrors,
    validate: Option<&'a str>,
) -> FormField<'a> {
    FormField {
        kind: InputKind::Email,
        value,
        error: errors.get("email"),
        autocomplete: Some("email"),
        required: true,
        validate_url: validate,
        ..FormField::new("email", "Email")
    }
}

fn password_field<'a>(
    name: &'a str,
    label: &'a str,
    autocomplete: &'a str,
    errors: &'a FieldErrors,
    validate: Option<&'a str>,
) -> FormField<'a> {
    FormField {
        kind: InputKind::Password,
        error: errors.get(name),
        autocomplete: Some(autocomplete),
        required: true,
        validate_url: validate,
        ..FormField::new(name, label)
    }
}

fn new_password_fields(errors: &FieldErrors) -> Markup {
    let validate = Some(paths::VALIDATE);
    let hint = password::length_rule();
    html! {
        (FormField {
            hint: Some(&hint),
            ..password_field("password", "New password", "new-password", errors, validate)
        }.render())
        (password_field("password_confirmation", "Repeat the new password", "new-password", errors, validate).render())
    }
}

pub fn register(email: &str, errors: &FieldErrors) -> Markup {
    let validate = Some(paths::VALIDATE);
    let hint = password::length_rule();
    html! {
        section.auth-panel {
            h1 { "Create your account" }
            form method="post" action=(paths::REGISTER) novalidate {
                (email_field(email, errors, validate).render())
                (FormField {
                    hint: Some(&hint),
                    ..password_field("password", "Password", "new-password", errors, validate)
                }.render())
                (password_field("password_confirmation", "Repeat the password", "new-password", errors, validate).render())
                (action_button("Create account", ButtonStyle::Primary))
            }
            p.alternatives { "Already have an account? " a href=(paths::LOGIN) { "Log in" } }
        }
    }
}

pub fn check_your_email(message: &str) -> Markup {
    html! {
        section.auth-panel {
            h1 { "Check your email" }
            p { (message) }
            p.alternatives { "Nothing arrived? Check your spam folder, or " a href=(paths::CONFIRM_RESEND) { "ask for a new link" } "." }
        }
    }
}

pub fn login(email: &str, next: &str, error: Option<&str>) -> Markup {
    let no_errors = FieldErrors::default();
    html! {
        section.auth-panel {
            h1 { "Log in" }
            @if let Some(error) = error {
                p.form-error role="alert" { (error) }
            }
            form method="post" action=(paths::LOGIN) novalidate {
                input type="hidden" name="next" value=(next);
                (email_field(email, &no_errors, None).render())
                (password_field("password", "Password", "current-password", &no_errors, None).render())
                label.remember {
                    input type="checkbox" name="remember" value="on";
                    " Remember me for " (humanize::duration(REMEMBER_FOR))
                }
                (action_button("Log in", ButtonStyle::Primary))
            }
            p.alternatives {
                a href=(paths::PASSWORD_FORGOT) { "Forgot your password?" }
                " · "
                a href=(paths::REGISTER) { "Create an account" }
            }
        }
    }
}

pub fn request_link(
    title: &str,
    action: &str,
    intro: &str,
    email: &str,
    errors: &FieldErrors,
) -> Markup {
    html! {
        section.auth-panel {
            h1 { (title) }
            p { (intro) }
            form method="post" action=(action) novalidate {
                (email_field(email, errors, None).render())
                (action_button("Send the link", ButtonStyle::Primary))
            }
        }
    }
}

pub fn reset_password(token: &str, errors: &FieldErrors) -> Markup {
    html! {
        section.auth-panel {
            h1 { "Choose a new password" }
            form method="post" action={ (paths::PASSWORD_RESET) "?token=" (token) } novalidate {
                (new_password_fields(errors))
                (action_button("Change password", ButtonStyle::Primary))
            }
        }
    }
}

pub fn link_problem(message: &str) -> Markup {
    html! {
        section.auth-panel {
            h1 { "This link cannot be used" }
            p { (message) }
            p.alternatives {
                a href=(paths::CONFIRM_RESEND) { "Get a new confirmation link" }
                " · "
                a href=(paths::PASSWORD_FORGOT) { "Reset your password" }
            }
        }
    }
}

pub fn confirmed(signed_in: bool, what: &str) -> Markup {
    html! {
        section.auth-panel {
            h1 { (what) }
            @if signed_in {
                p { a href=(paths::ACCOUNT) { "Go to your account" } }
            } @else {
                p { a href=(paths::LOGIN) { "Log in" } " to continue." }
            }
        }
    }
}

/// The values and errors of the account page's forms.
#[derive(Default)]
pub struct AccountForms<'a> {
    pub password_errors: FieldErrors,
    pub email_value: &'a str,
    pub email_errors: FieldErrors,
}

pub fn account(user: &AuthUser, forms: &AccountForms<'_>) -> Markup {
    html! {
        h1 { "Your account" }
        dl.account-summary {
            dt { "Email" } dd { (user.email) }
            dt { "Confirmed" } dd {
                @if let Some(at) = user.email_confirmed_at { (date(at)) } @else { "Not yet" }
            }
            dt { "Member since" } dd { (date(user.created_at)) }
        }
        section.auth-panel {
            h2 { "Change password" }
            form method="post" action=(paths::ACCOUNT_PASSWORD) novalidate {
                (password_field("current_password", "Current password", "current-password", &forms.password_errors, None).render())
                (new_password_fields(&forms.password_errors))
                (action_button("Change password", ButtonStyle::Primary))
            }
            p.hint { "Changing your password signs you out everywhere else." }
        }
        section.auth-panel {
            h2 { "Change email" }
            form method="post" action=(paths::ACCOUNT_EMAIL) novalidate {
                (FormField { hint: Some("We send a link there; the change happens when you open it."),
                    ..email_field(forms.email_value, &forms.email_errors, Some(paths::VALIDATE)) }.render())
                (password_field("current_password", "Current password", "current-password", &forms.email_errors, None).render())
                (action_button("Change email", ButtonStyle::Primary))
            }
        }
        section.auth-panel {
            h2 { "Sessions" }
            p { "Signed in on another device you no longer use? End every session but this one." }
            form method="post" action=(paths::ACCOUNT_END_OTHER_SESSIONS) {
                (action_button("Log out other sessions", ButtonStyle::Secondary))
            }
        }
    }
}

pub fn admin_users(users: &[User]) -> Markup {
    html! {
        h1 { "Users" }
        table.data-table {
            thead { tr { th { "Email" } th { "Role" } th { "Confirmed" } th { "State" } th { "Joined" } } }
            tbody {
                @for user in users {
                    tr {
                        td { (user.email) }
                        td { @match user.role { Role::Admin => "admin", Role::User => "user" } }
                        td { @if user.email_confirmed_at.is_some() { "yes" } @else { "no" } }
                        td {
                            @if user.is_locked() { "locked" }
                            @else if user.failed_logins > 0 { (user.failed_logins) " failed sign-ins" }
                            @else { "active" }
                        }
                        td { (date(user.created_at)) }
                    }
                }
            }
        }
    }
}

fn date(at: OffsetDateTime) -> String {
    at.date().to_string()
}

inventory::submit! { CssFragment::new("auth-panel", r#"
.auth-panel {
    max-width: 28rem;
    margin-bottom: var(--space-6);

    & h1 { margin-bottom: var(--space-4); }
    & .alternatives, & .hint { color: var(--color-muted); font-size: var(--text-sm); }
    & .remember { display: flex; gap: var(--space-2); align-items: center; margin-bottom: var(--space-4); }
    & .form-error {
        padding: var(--space-2) var(--space-3);
        border-left: 4px solid var(--color-danger);
        background: var(--color-surface);
    }
}
"#) }

inventory::submit! { CssFragment::new("account-summary", r#"
.account-summary {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: var(--space-1) var(--space-4);
    margin-bottom: var(--space-6);

    & dt { color: var(--color-muted); }
    & dd { margin: 0; }
}
"#) }
