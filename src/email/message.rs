//! What a message is: the content a template makes ([`EmailContent`]) and the message the
//! [`Mailer`](super::Mailer) composes from it for the outbox ([`OutgoingEmail`]).

use maud::Markup;

/// What a template produces: both bodies from the same data.
#[derive(Debug, Clone)]
pub struct EmailContent {
    /// The template's name, e.g. `confirm-email` (shown in the mailbox, logged).
    pub template: &'static str,
    pub subject: String,
    pub html: Markup,
    pub text: String,
}

/// A message ready for the outbox.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub template: &'static str,
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub raw: Vec<u8>,
}
