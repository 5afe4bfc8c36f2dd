//! The messages the account flows send. Each renders its HTML and text bodies from the same
//! data with the email module's building blocks, and registers a preview with sample data
//! (shown at `/dev/mailbox/previews`). Durations in the text come from the same constants as
//! the code that enforces them.

use maud::html;

use super::{LOCK_FOR, paths, tokens::TokenPurpose};
use crate::{
    email::{
        EmailContent, Mailer,
        templates::{EmailPreview, button, greeting, layout, paragraph, text_greeting},
    },
    web::humanize,
};

/// Data for [`confirm_email`].
pub struct ConfirmEmail<'a> {
    pub name: Option<&'a str>,
    pub link: &'a str,
}

pub fn confirm_email(data: &ConfirmEmail<'_>) -> EmailContent {
    let subject = "Confirm your email address";
    let validity = format!(
        "The link is valid for {}. If you did not create an account, ignore this message.",
        humanize::duration(TokenPurpose::ConfirmEmail.valid_for())
    );
    EmailContent {
        template: "confirm-email",
        subject: subject.into(),
        html: layout(
            subject,
            "One click to confirm your address.",
            html! {
                (greeting(data.name))
                (paragraph("Please confirm your email address to finish setting up your account."))
                (button("Confirm my email", data.link))
                (paragraph(&validity))
            },
        ),
        text: format!(
            "{}\n\nPlease confirm your email address to finish setting up your account:\n\n{}\n\n\
             {validity}\n",
            text_greeting(data.name),
            data.link
        ),
    }
}

fn preview_confirm_email(mailer: &Mailer) -> EmailContent {
    confirm_email(&ConfirmEmail {
        name: Some("Ada"),
        link: &mailer.url(&format!("{}?token=sample-token", paths::CONFIRM)),
    })
}

inventory::submit! { EmailPreview { name: "confirm-email", render: preview_confirm_email } }

/// Data for [`password_reset`].
pub struct PasswordReset<'a> {
    pub name: Option<&'a str>,
    pub link: &'a str,
}

pub fn password_reset(data: &PasswordReset<'_>) -> EmailContent {
    let subject = "Reset your password";
    let validity = format!(
        "The link is valid for {} and works once. If you did not ask for it, ignore this \
         message: your password stays as it is.",
        humanize::duration(TokenPurpose::ResetPassword.valid_for())
    );
    EmailContent {
        template: "password-reset",
        subject: subject.into(),
        html: layout(
            subject,
            "Choose a new password.",
            html! {
                (greeting(data.name))
                (paragraph("Someone asked to reset the password of your account. If it was you, choose a new one:"))
                (button("Choose a new password", data.link))
                (paragraph(&validity))
            },
        ),
        text: format!(
            "{}\n\nSomeone asked to reset the password of your account. If it was you, choose a \
             new one:\n\n{}\n\n{validity}\n",
            text_greeting(data.name),
            data.link
        ),
    }
}

fn preview_password_reset(mailer: &Mailer) -> EmailContent {
    password_reset(&PasswordReset {
        name: Some("Ada"),
        link: &mailer.url(&format!("{}?token=sample-token", paths::PASSWORD_RESET)),
    })
}

inventory::submit! { EmailPreview { name: "password-reset", render: preview_password_reset } }

/// Data for [`registration_attempt`]: sent to an existing account holder when someone tries
/// to register with their address (the form itself reveals nothing).
pub struct RegistrationAttempt<'a> {
    pub name: Option<&'a str>,
    pub login_link: &'a str,
    pub reset_link: &'a str,
}

pub fn registration_attempt(data: &RegistrationAttempt<'_>) -> EmailContent {
    let subject = "Someone tried to sign up with your email address";
    EmailContent {
        template: "registration-attempt",
        subject: subject.into(),
        html: layout(
            subject,
            "You already have an account.",
            html! {
                (greeting(data.name))
                (paragraph("Someone tried to create an account with this email address, but you already have one."))
                (paragraph("If it was you, sign in instead:"))
                (button("Sign in", data.login_link))
                p style="margin:0 0 16px;" {
                    "Forgot your password? "
                    a href=(data.reset_link) style="color:#2f5bd3;" { "Reset it here" } "."
                }
                (paragraph("If it was not you, you can ignore this message; nothing has changed."))
            },
        ),
        text: format!(
            "{}\n\nSomeone tried to create an account with this email address, but you already \
             have one.\n\nIf it was you, sign in instead:\n{}\n\nForgot your password? Reset \
             it here:\n{}\n\nIf it was not you, you can ignore this message; nothing has \
             changed.\n",
            text_greeting(data.name),
            data.login_link,
            data.reset_link
        ),
    }
}

fn preview_registration_attempt(mailer: &Mailer) -> EmailContent {
    registration_attempt(&RegistrationAttempt {
        name: Some("Ada"),
        login_link: &mailer.url(paths::LOGIN),
        reset_link: &mailer.url(paths::PASSWORD_FORGOT),
    })
}

inventory::submit! { EmailPreview { name: "registration-attempt", render: preview_registration_attempt } }

/// Data for [`account_locked`].
pub struct AccountLocked<'a> {
    pub name: Option<&'a str>,
    pub reset_link: &'a str,
}

pub fn account_locked(data: &AccountLocked<'_>) -> EmailContent {
    let subject = "Your account was locked after failed sign-ins";
    let locked = format!(
        "After several failed attempts to sign in, your account is locked for {}.",
        humanize::duration(LOCK_FOR)
    );
    EmailContent {
        template: "account-locked",
        subject: subject.into(),
        html: layout(
            subject,
            "Several failed sign-ins; the account is locked for a while.",
            html! {
                (greeting(data.name))
                (paragraph(&locked))
                (paragraph("If it was you, wait and try again. If it was not, someone may be guessing your password: reset it now."))
                (button("Reset my password", data.reset_link))
            },
        ),
        text: format!(
            "{}\n\n{locked}\n\nIf it was you, wait and try again. If it was not, someone may be \
             guessing your password: reset it now:\n\n{}\n",
            text_greeting(data.name),
            data.reset_link
        ),
    }
}

fn preview_account_locked(mailer: &Mailer) -> EmailContent {
    account_locked(&AccountLocked {
        name: Some("Ada"),
        reset_link: &mailer.url(paths::PASSWORD_FORGOT),
    })
}

inventory::submit! { EmailPreview { name: "account-locked", render: preview_account_locked } }

/// Data for [`email_changed`]: sent to the *old* address when the address changes.
pub struct EmailChanged<'a> {
    pub name: Option<&'a str>,
    pub new_email: &'a str,
    pub reset_link: &'a str,
}

pub fn email_changed(data: &EmailChanged<'_>) -> EmailContent {
    let subject = "Your email address was changed";
    EmailContent {
        template: "email-changed",
        subject: subject.into(),
        html: layout(
            subject,
            "Your account now uses another address.",
            html! {
                (greeting(data.name))
                p style="margin:0 0 16px;" {
                    "The email address of your account was changed to "
                    strong { (data.new_email) } ". From now on, messages go there."
                }
                (paragraph("If you did not make this change, reset your password right away and contact us."))
                (button("Reset my password", data.reset_link))
            },
        ),
        text: format!(
            "{}\n\nThe email address of your account was changed to {}. From now on, messages \
             go there.\n\nIf you did not make this change, reset your password right away and \
             contact us:\n\n{}\n",
            text_greeting(data.name),
            data.new_email,
            data.reset_link
        ),
    }
}

fn preview_email_changed(mailer: &Mailer) -> EmailContent {
    email_changed(&EmailChanged {
        name: Some("Ada"),
        new_email: "ada@new.example",
        reset_link: &mailer.url(paths::PASSWORD_FORGOT),
    })
}

inventory::submit! { EmailPreview { name: "email-changed", render: preview_email_changed } }

/// Data for [`two_factor_disabled`].
pub struct TwoFactorDisabled<'a> {
    pub name: Option<&'a str>,
    pub reset_link: &'a str,
    pub settings_link: &'a str,
}

pub fn two_factor_disabled(data: &TwoFactorDisabled<'_>) -> EmailContent {
    let subject = "Two-factor authentication was turned off";
    EmailContent {
        template: "two-factor-disabled",
        subject: subject.into(),
        html: layout(
            subject,
            "Your account no longer asks for a code when you sign in.",
            html! {
                (greeting(data.name))
                (paragraph("Two-factor authentication was turned off for your account: signing in now takes only your password."))
                (paragraph("If it was you, nothing else is needed; you can turn it on again at any time:"))
                (button("Two-factor settings", data.settings_link))
                (paragraph("If it was not you, someone else can sign in as you: reset your password right away, then turn two-factor authentication on again."))
                p style="margin:0 0 16px;" {
                    a href=(data.reset_link) style="color:#2f5bd3;" { "Reset my password" }
                }
            },
        ),
        text: format!(
            "{}\n\nTwo-factor authentication was turned off for your account: signing in now \
             takes only your password.\n\nIf it was you, nothing else is needed; you can turn \
             it on again at any time:\n{}\n\nIf it was not you, someone else can sign in as \
             you: reset your password right away, then turn two-factor authentication on \
             again:\n{}\n",
            text_greeting(data.name),
            data.settings_link,
            data.reset_link
        ),
    }
}

fn preview_two_factor_disabled(mailer: &Mailer) -> EmailContent {
    two_factor_disabled(&TwoFactorDisabled {
        name: Some("Ada"),
        reset_link: &mailer.url(paths::PASSWORD_FORGOT),
        settings_link: &mailer.url(paths::ACCOUNT_TWO_FACTOR),
    })
}

inventory::submit! { EmailPreview { name: "two-factor-disabled", render: preview_two_factor_disabled } }

/// Data for [`passkey_added`]: a passkey now signs in to the account.
pub struct PasskeyAdded<'a> {
    pub name: Option<&'a str>,
    /// The name the passkey was given.
    pub passkey: &'a str,
    /// The account's passkeys page, where it can be removed.
    pub manage_link: &'a str,
}

pub fn passkey_added(data: &PasskeyAdded<'_>) -> EmailContent {
    let subject = "A passkey was added to your account";
    EmailContent {
        template: "passkey-added",
        subject: subject.into(),
        html: layout(
            subject,
            "A new passkey can sign in to your account.",
            html! {
                (greeting(data.name))
                p style="margin:0 0 16px;" {
                    "A passkey named " strong { (data.passkey) }
                    " was added to your account. It signs in without your password."
                }
                (paragraph("If you did not add it, remove it right away, change your password, and contact us."))
                (button("Review my passkeys", data.manage_link))
            },
        ),
        text: format!(
            "{}\n\nA passkey named {} was added to your account. It signs in without your \
             password.\n\nIf you did not add it, remove it right away, change your password, \
             and contact us:\n\n{}\n",
            text_greeting(data.name),
            data.passkey,
            data.manage_link
        ),
    }
}

fn preview_passkey_added(mailer: &Mailer) -> EmailContent {
    passkey_added(&PasskeyAdded {
        name: Some("Ada"),
        passkey: "Work laptop",
        manage_link: &mailer.url(paths::ACCOUNT_PASSKEYS),
    })
}

inventory::submit! { EmailPreview { name: "passkey-added", render: preview_passkey_added } }

#[cfg(test)]
mod tests {
    use scraper::{Html, Selector};

    use super::*;

    #[test]
    fn user_supplied_values_are_escaped_in_html_and_kept_in_text() {
        let content = email_changed(&EmailChanged {
            name: Some("<script>alert(1)</script>"),
            new_email: "<img src=x onerror=alert(2)>@example.com",
            reset_link: "https://app.example.com/password/forgot",
        });
        let html = content.html.into_string();
        let doc = Html::parse_document(&html);
        assert!(
            doc.select(&Selector::parse("script, img").unwrap())
                .next()
                .is_none()
        );
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(content.text.contains("Hi <script>alert(1)</script>,"));
    }
}
