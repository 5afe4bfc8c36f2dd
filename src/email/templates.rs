//! The messages, in Maud. Each function renders the HTML and the text body from the same
//! data, and registers a preview with sample data (shown at `/dev/mailbox/previews`).
//!
//! Email clients ignore `<style>` and external CSS, so the layout is tables with inline
//! styles, 600 px wide, with colours that stay readable when a client darkens them. These
//! pages are never served under the app's CSP: previews are shown in a sandboxed frame with
//! a policy of their own.

use maud::{DOCTYPE, Markup, html};

use super::message::{EmailContent, Mailer};

/// A sample shown at `/dev/mailbox/previews`. Register one beside each template.
pub struct EmailPreview {
    pub name: &'static str,
    pub render: fn(&Mailer) -> EmailContent,
}

inventory::collect!(EmailPreview);

const FONT: &str = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";

fn layout(title: &str, preheader: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                meta name="supported-color-schemes" content="light dark";
                title { (title) }
            }
            body style="margin:0;padding:0;background-color:#f1f3f5;" {
                // Shown by clients as the inbox preview line, hidden in the message.
                div style="display:none;max-height:0;overflow:hidden;opacity:0;" { (preheader) }
                table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"
                    style="background-color:#f1f3f5;" {
                    tr { td align="center" style="padding:24px 12px;" {
                        table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0"
                            style="width:100%;max-width:600px;background-color:#ffffff;border-radius:8px;" {
                            tr { td style={ (FONT) "padding:32px;font-size:16px;line-height:1.5;color:#1c2024;" } {
                                (body)
                            } }
                        }
                        p style={ (FONT) "margin:16px 0 0;font-size:12px;color:#5c6570;" } {
                            "You received this message because of an action on your account."
                        }
                    } }
                }
            }
        }
    }
}

fn greeting(name: Option<&str>) -> Markup {
    html! {
        p style="margin:0 0 16px;" {
            @if let Some(name) = name { "Hi " (name) "," } @else { "Hello," }
        }
    }
}

fn text_greeting(name: Option<&str>) -> String {
    match name {
        Some(name) => format!("Hi {name},"),
        None => "Hello,".to_owned(),
    }
}

fn paragraph(text: &str) -> Markup {
    html! { p style="margin:0 0 16px;" { (text) } }
}

fn button(label: &str, href: &str) -> Markup {
    html! {
        table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 24px;" {
            tr { td style="border-radius:6px;background-color:#2f5bd3;" {
                a href=(href) style={ (FONT) "display:inline-block;padding:12px 22px;font-size:16px;font-weight:600;color:#ffffff;text-decoration:none;border-radius:6px;" } {
                    (label)
                }
            } }
        }
        p style="margin:0 0 16px;font-size:13px;color:#5c6570;word-break:break-all;" {
            "Or paste this link into your browser: " a href=(href) style="color:#2f5bd3;" { (href) }
        }
    }
}

/// Data for [`confirm_email`].
pub struct ConfirmEmail<'a> {
    pub name: Option<&'a str>,
    pub link: &'a str,
}

pub fn confirm_email(data: &ConfirmEmail<'_>) -> EmailContent {
    let subject = "Confirm your email address";
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
                (paragraph("The link is valid for 48 hours. If you did not create an account, ignore this message."))
            },
        ),
        text: format!(
            "{}\n\nPlease confirm your email address to finish setting up your account:\n\n{}\n\n\
             The link is valid for 48 hours. If you did not create an account, ignore this \
             message.\n",
            text_greeting(data.name),
            data.link
        ),
    }
}

fn preview_confirm_email(mailer: &Mailer) -> EmailContent {
    confirm_email(&ConfirmEmail {
        name: Some("Ada"),
        link: &mailer.url("/confirm?token=sample-token"),
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
                (paragraph("The link is valid for 30 minutes and works once. If you did not ask for it, ignore this message: your password stays as it is."))
            },
        ),
        text: format!(
            "{}\n\nSomeone asked to reset the password of your account. If it was you, choose a \
             new one:\n\n{}\n\nThe link is valid for 30 minutes and works once. If you did not \
             ask for it, ignore this message: your password stays as it is.\n",
            text_greeting(data.name),
            data.link
        ),
    }
}

fn preview_password_reset(mailer: &Mailer) -> EmailContent {
    password_reset(&PasswordReset {
        name: Some("Ada"),
        link: &mailer.url("/password/reset?token=sample-token"),
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
        login_link: &mailer.url("/login"),
        reset_link: &mailer.url("/password/forgot"),
    })
}

inventory::submit! { EmailPreview { name: "registration-attempt", render: preview_registration_attempt } }

/// Data for [`account_locked`].
pub struct AccountLocked<'a> {
    pub name: Option<&'a str>,
    pub minutes: u32,
    pub reset_link: &'a str,
}

pub fn account_locked(data: &AccountLocked<'_>) -> EmailContent {
    let subject = "Your account was locked after failed sign-ins";
    let locked = format!(
        "After several failed attempts to sign in, your account is locked for {} minutes.",
        data.minutes
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
        minutes: 15,
        reset_link: &mailer.url("/password/forgot"),
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
        reset_link: &mailer.url("/password/forgot"),
    })
}

inventory::submit! { EmailPreview { name: "email-changed", render: preview_email_changed } }

/// Data for [`test_message`], sent by `starter mail-test` to check the configuration.
pub struct TestMessage<'a> {
    pub name: Option<&'a str>,
    pub app_link: &'a str,
}

pub fn test_message(data: &TestMessage<'_>) -> EmailContent {
    let subject = "Test message";
    EmailContent {
        template: "test-message",
        subject: subject.into(),
        html: layout(
            subject,
            "Email delivery works.",
            html! {
                (greeting(data.name))
                (paragraph("This message shows that email delivery from your application works."))
                p style="margin:0 0 16px;" { a href=(data.app_link) style="color:#2f5bd3;" { (data.app_link) } }
            },
        ),
        text: format!(
            "{}\n\nThis message shows that email delivery from your application works.\n\n{}\n",
            text_greeting(data.name),
            data.app_link
        ),
    }
}

fn preview_test_message(mailer: &Mailer) -> EmailContent {
    test_message(&TestMessage {
        name: Some("Ada"),
        app_link: &mailer.url("/"),
    })
}

inventory::submit! { EmailPreview { name: "test-message", render: preview_test_message } }

#[cfg(test)]
mod tests {
    use scraper::{Html, Selector};

    use super::*;
    use crate::config::Config;

    fn mailer() -> Mailer {
        let config = Config::from_lookup(|name| {
            (name == "APP_BASE_URL").then(|| "https://app.example.com".to_owned())
        })
        .unwrap();
        Mailer::new(&config)
    }

    #[test]
    fn every_preview_renders_both_bodies_with_absolute_links() {
        let mailer = mailer();
        let previews: Vec<&EmailPreview> = inventory::iter::<EmailPreview>().collect();
        assert!(previews.len() >= 6);
        for preview in previews {
            let content = (preview.render)(&mailer);
            assert_eq!(content.template, preview.name);
            let html = Html::parse_document(&content.html.into_string());
            let links: Vec<&str> = html
                .select(&Selector::parse("a[href]").unwrap())
                .filter_map(|a| a.value().attr("href"))
                .collect();
            assert!(!links.is_empty(), "{}", preview.name);
            for link in links {
                assert!(
                    link.starts_with("https://app.example.com/"),
                    "{}: {link}",
                    preview.name
                );
                assert!(
                    content.text.contains(link),
                    "{}: text lacks {link}",
                    preview.name
                );
            }
            assert!(
                html.select(&Selector::parse("style, script, link").unwrap())
                    .next()
                    .is_none()
            );
        }
    }

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
