//! The building blocks of messages, in Maud (layout, greeting, paragraph, button), the
//! preview registry, and the one message the email module sends itself (`mail-test`).
//! A feature's messages live with the feature (`auth/emails.rs`): each renders the HTML and
//! the text body from the same data, and registers a preview with sample data (shown at
//! `/dev/mailbox/previews`).
//!
//! Email clients ignore `<style>` and external CSS, so the layout is tables with inline
//! styles, 600 px wide, with colours that stay readable when a client darkens them. These
//! pages are never served under the app's CSP: previews are shown in a sandboxed frame with
//! a policy of their own.

use maud::{DOCTYPE, Markup, html};

use super::{Mailer, message::EmailContent};

/// A sample shown at `/dev/mailbox/previews`. Register one beside each template.
pub struct EmailPreview {
    pub name: &'static str,
    pub render: fn(&Mailer) -> EmailContent,
}

inventory::collect!(EmailPreview);

pub const FONT: &str = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";

pub fn layout(title: &str, preheader: &str, body: Markup) -> Markup {
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

pub fn greeting(name: Option<&str>) -> Markup {
    html! {
        p style="margin:0 0 16px;" {
            @if let Some(name) = name { "Hi " (name) "," } @else { "Hello," }
        }
    }
}

pub fn text_greeting(name: Option<&str>) -> String {
    match name {
        Some(name) => format!("Hi {name},"),
        None => "Hello,".to_owned(),
    }
}

pub fn paragraph(text: &str) -> Markup {
    html! { p style="margin:0 0 16px;" { (text) } }
}

pub fn button(label: &str, href: &str) -> Markup {
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
        assert!(!previews.is_empty());
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
}
