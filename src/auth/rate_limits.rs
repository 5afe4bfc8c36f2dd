//! Every rate limit of the account flows, and the one place their keys are built.
//!
//! Each form counts on its own: the forms that send mail (sign-up, confirmation resend,
//! password reset request, email change) have separate budgets per client IP, so that one
//! person behind a shared address using up one form does not lock everyone out of another.
//! A reset with a valid link is never limited: the link itself is the proof.

use std::time::Duration;

use crate::{
    backends::rate_limit::{Limit, RateLimiter},
    error::AppError,
    monitoring,
};

/// The form being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Login,
    Register,
    ConfirmResend,
    PasswordForgot,
    /// Only attempts with a link that does not check out.
    PasswordResetBadLink,
    ChangeEmail,
    /// The current password asked on the account page (to change the password or address):
    /// whoever holds a session must not get unlimited guesses, nor unlimited hashing.
    CurrentPassword,
    /// Confirming who one is for a sensitive action (sudo mode): the password or a code.
    Sudo,
    /// A two-factor code: the second step of a sign-in, confirming the setup, turning it off.
    SecondFactor,
}

/// Whom a limit counts.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    /// A client address (IPv6 by its /64), from `ClientIp`.
    Ip(&'a str),
    /// An email address the form would send to or sign in as.
    Address(&'a str),
    /// A signed-in user.
    User(uuid::Uuid),
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// The limit for `form` counted by `who`.
fn limit(form: Form, who: Who<'_>) -> Limit {
    let (max, per) = match (form, who) {
        (Form::Login, Who::Ip(_)) => (30, MINUTE.saturating_mul(5)),
        // The lockout is the tighter guard of an account; this only slows a flood.
        (Form::Login, _) => (30, MINUTE.saturating_mul(15)),
        (
            Form::PasswordResetBadLink | Form::CurrentPassword | Form::Sudo | Form::SecondFactor,
            _,
        ) => (30, MINUTE.saturating_mul(15)),
        // Mail-sending forms: per client, and per address or user mailed.
        (_, Who::Ip(_)) => (10, HOUR),
        (_, Who::Address(_) | Who::User(_)) => (5, HOUR),
    };
    Limit { max, per }
}

/// The form's name, in its keys and in the refusals' metric.
fn name(form: Form) -> &'static str {
    match form {
        Form::Login => "login",
        Form::Register => "register",
        Form::ConfirmResend => "confirm-resend",
        Form::PasswordForgot => "password-forgot",
        Form::PasswordResetBadLink => "password-reset-bad-link",
        Form::ChangeEmail => "change-email",
        Form::CurrentPassword => "current-password",
        Form::Sudo => "sudo",
        Form::SecondFactor => "second-factor",
    }
}

/// The key of `form`'s limit on `who`: a scope in clear, and whom it counts, which
/// `RateLimiter` keeps only as a keyed hash (no email address stands in Valkey).
fn key(form: Form, who: Who<'_>) -> (String, String) {
    let form = name(form);
    match who {
        Who::Ip(ip) => (format!("{form}:ip"), ip.to_owned()),
        Who::Address(address) => (format!("{form}:address"), address.to_owned()),
        Who::User(id) => (format!("{form}:user"), id.to_string()),
    }
}

/// Counts one attempt; a 429 (with `Retry-After`) past the limit.
pub async fn check(limiter: &RateLimiter, form: Form, who: Who<'_>) -> Result<(), AppError> {
    let (scope, subject) = key(form, who);
    limiter
        .hit(&scope, &subject, limit(form, who))
        .await
        .map_err(|retry_after| {
            metrics::counter!(monitoring::RATE_LIMIT_REFUSALS, "limit" => name(form)).increment(1);
            AppError::TooManyRequests { retry_after }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_form_counts_on_its_own() {
        let forms = [
            Form::Login,
            Form::Register,
            Form::ConfirmResend,
            Form::PasswordForgot,
            Form::PasswordResetBadLink,
            Form::ChangeEmail,
            Form::CurrentPassword,
            Form::Sudo,
            Form::SecondFactor,
        ];
        let keys: std::collections::HashSet<(String, String)> = forms
            .iter()
            .map(|form| key(*form, Who::Ip("203.0.113.9")))
            .collect();
        assert_eq!(keys.len(), forms.len());
    }

    #[tokio::test]
    async fn a_budget_spent_on_one_form_leaves_the_others() {
        let secret = secrecy::SecretString::from("a test key of thirty-two characters");
        let limiter = RateLimiter::in_process(&secret).unwrap();
        let ip = Who::Ip("203.0.113.9");
        for _ in 0..10 {
            check(&limiter, Form::ConfirmResend, ip).await.unwrap();
        }
        assert!(check(&limiter, Form::ConfirmResend, ip).await.is_err());
        assert!(check(&limiter, Form::PasswordForgot, ip).await.is_ok());
        assert!(check(&limiter, Form::ChangeEmail, ip).await.is_ok());
    }
}
