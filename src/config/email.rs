//! The email section: the sender of every message, the SMTP server (or the dev mailbox), and
//! how many times a delivery is tried (`email`, `backends::mail`). The waits between attempts
//! are the jobs' one retry policy, since delivery is a background job.

use std::{net::IpAddr, str::FromStr, time::Duration};

use lettre::message::Mailbox;
use secrecy::SecretString;

use super::{ConfigError, env::Env};

#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// The `From` of every message, e.g. `Acme <noreply@acme.example>`.
    pub from: Mailbox,
    /// `None` means the dev mailbox: messages are kept in PostgreSQL, shown at `/dev/mailbox`.
    pub smtp: Option<SmtpConfig>,
    /// Deliveries tried before a message is marked failed: its delivery job's `max_attempts`.
    pub max_attempts: i32,
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub timeout: Duration,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain text: only for a local sink such as MailCrab.
    None,
    /// Upgrade a plain connection with STARTTLS (port 587); required, never skipped.
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl FromStr for SmtpSecurity {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, ()> {
        match value {
            "none" => Ok(Self::None),
            "starttls" => Ok(Self::StartTls),
            "tls" => Ok(Self::Tls),
            _ => Err(()),
        }
    }
}

impl SmtpSecurity {
    fn default_port(self) -> u16 {
        match self {
            Self::None => 25,
            Self::StartTls => 587,
            Self::Tls => 465,
        }
    }
}

impl EmailConfig {
    pub(super) fn read(env: &Env<'_>, production: bool) -> Result<Self, ConfigError> {
        let from = env.parse_or(
            "EMAIL_FROM",
            "a mailbox such as `Acme <noreply@acme.example>`",
            Mailbox::new(
                Some(crate::APP_NAME.clone()),
                lettre::Address::new("noreply", "localhost").map_err(|error| ConfigError {
                    variable: "EMAIL_FROM",
                    problem: error.to_string(),
                })?,
            ),
        )?;
        // All SMTP variables are read even when SMTP_HOST is unset, so that a typo in one is
        // reported rather than silently ignored.
        let host = env.get("SMTP_HOST");
        let is_loopback = host.as_deref().is_some_and(|host| {
            host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        });
        let security = env.parse_or(
            "SMTP_SECURITY",
            "one of none, starttls, tls",
            if is_loopback {
                SmtpSecurity::None
            } else {
                SmtpSecurity::StartTls
            },
        )?;
        let port = env.parse_or(
            "SMTP_PORT",
            "a port number from 1 to 65535",
            security.default_port(),
        )?;
        let username = env.get("SMTP_USERNAME");
        let password = env.get("SMTP_PASSWORD").map(SecretString::from);
        let timeout = env.seconds_or("SMTP_TIMEOUT_SECS", 10)?;
        if username.is_some() != password.is_some() {
            return Err(ConfigError {
                variable: "SMTP_PASSWORD",
                problem: "set SMTP_USERNAME and SMTP_PASSWORD together".into(),
            });
        }
        let smtp = host.map(|host| SmtpConfig {
            host,
            port,
            security,
            username,
            password,
            timeout,
        });
        let max_attempts = env.parse_or("EMAIL_MAX_ATTEMPTS", "a whole number above 0", 12i32)?;
        if max_attempts < 1 {
            let got = max_attempts.to_string();
            return Err(env.invalid("EMAIL_MAX_ATTEMPTS", "a whole number above 0", &got));
        }
        let email = Self {
            from,
            smtp,
            max_attempts,
        };
        // Without SMTP, mail would go to the dev mailbox, which production does not serve:
        // every confirmation and reset would be silently lost.
        if production && email.smtp.is_none() {
            return Err(env.missing(
                "SMTP_HOST",
                "required in production (without it mail only reaches the dev mailbox, which \
                 production does not serve)",
            ));
        }
        Ok(email)
    }
}
