//! The messages the account flows send. Each renders its HTML and text bodies from the same
//! data with the email module's building blocks, and registers a preview with sample data
//! (shown at `/dev/mailbox/previews`). Durations in the text come from the same constants as
//! the code that enforces them.
//!
//! Long, and kept whole: every message the accounts send, side by side, so their wording
//! stays consistent; each is one function and its preview, nothing shared to split out.

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

/// Data for [`new_sign_in`]: sent when the account signs in from a device (browser and
/// system, from an IPv4 or IPv6 network) it has not used lately.
pub struct NewSignIn<'a> {
    pub name: Option<&'a str>,
    /// "Firefox on Windows" (see `auth::devices`).
    pub device: &'a str,
    /// The network, never the full address: "203.0.113.0/24".
    pub network: Option<&'a str>,
    /// When, as people read it in any time zone: "2026-12-07 12:34 UTC".
    pub at: &'a str,
    pub sessions_link: &'a str,
    pub reset_link: &'a str,
}

pub fn new_sign_in(data: &NewSignIn<'_>) -> EmailContent {
    let subject = "A new sign-in to your account";
    let from = data.network.map_or_else(String::new, |network| {
        format!(" from the network {network}")
    });
    let what = format!(
        "Your account was signed in to on {}{from}, at {}.",
        data.device, data.at
    );
    let if_not = "If it was not you, reset your password right away: that signs out every \
                  session. You can also end that one session from the list of your sessions.";
    EmailContent {
        template: "new-sign-in",
        subject: subject.into(),
        html: layout(
            subject,
            "Signed in from a device not used lately.",
            html! {
                (greeting(data.name))
                (paragraph(&what))
                (paragraph("If it was you, there is nothing to do."))
                (paragraph(if_not))
                (button("Reset my password", data.reset_link))
                p style="margin:0 0 16px;" {
                    a href=(data.sessions_link) style="color:#2f5bd3;" { "See where you are signed in" }
                }
            },
        ),
        text: format!(
            "{}\n\n{what}\n\nIf it was you, there is nothing to do.\n\n{if_not}\n\nReset your \
             password:\n{}\n\nSee where you are signed in:\n{}\n",
            text_greeting(data.name),
            data.reset_link,
            data.sessions_link
        ),
    }
}

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

fn preview_new_sign_in(mailer: &Mailer) -> EmailContent {
    new_sign_in(&NewSignIn {
        name: Some("Ada"),
        device: "Firefox on Windows",
        network: Some("203.0.113.0/24"),
        at: "2026-12-07 12:34 UTC",
        sessions_link: &mailer.url(paths::ACCOUNT_SESSIONS),
        reset_link: &mailer.url(paths::PASSWORD_FORGOT),
    })
}

inventory::submit! { EmailPreview { name: "new-sign-in", render: preview_new_sign_in } }

/// Data for [`account_deleted`]: the last message to the address, sent once everything of
/// the account is gone.
pub struct AccountDeleted<'a> {
    pub name: Option<&'a str>,
    pub register_link: &'a str,
}

pub fn account_deleted(data: &AccountDeleted<'_>) -> EmailContent {
    let subject = "Your account was deleted";
    let done = "Your account was deleted, with everything in it: contacts, files and exports. \
                Every session was signed out, and no more messages will come from us.";
    let if_not = "If you did not delete it, someone had your password and used it: the account \
                  cannot be brought back, but you can contact us, and should change that \
                  password wherever else you use it.";
    EmailContent {
        template: "account-deleted",
        subject: subject.into(),
        html: layout(
            subject,
            "Everything in it is gone.",
            html! {
                (greeting(data.name))
                (paragraph(done))
                (paragraph(if_not))
                p style="margin:0 0 16px;" {
                    "Changed your mind? You can "
                    a href=(data.register_link) style="color:#2f5bd3;" { "create a new account" } "."
                }
            },
        ),
        text: format!(
            "{}\n\n{done}\n\n{if_not}\n\nChanged your mind? You can create a new account:\n{}\n",
            text_greeting(data.name),
            data.register_link
        ),
    }
}

fn preview_account_deleted(mailer: &Mailer) -> EmailContent {
    account_deleted(&AccountDeleted {
        name: Some("Ada"),
        register_link: &mailer.url(paths::REGISTER),
    })
}

inventory::submit! { EmailPreview { name: "account-deleted", render: preview_account_deleted } }

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
