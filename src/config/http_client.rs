//! The outgoing HTTP section: the client the app calls other services with, and the one
//! service it calls today, the check of new passwords against known breaches.

use std::time::Duration;

use super::{
    AppEnv, ConfigError,
    env::{Env, Switch, parse_base_url},
};

/// The one client the app calls other services with (`backends::http`).
#[derive(Debug, Clone)]
pub struct HttpClientConfig {
    /// To open a connection.
    pub connect_timeout: Duration,
    /// For a whole request, answer included.
    pub timeout: Duration,
}

impl HttpClientConfig {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            connect_timeout: env.seconds_or("HTTP_CLIENT_CONNECT_TIMEOUT_SECS", 5)?,
            timeout: env.seconds_or("HTTP_CLIENT_TIMEOUT_SECS", 10)?,
        })
    }
}

/// The check of new passwords against known breaches (`auth::breached`).
#[derive(Debug, Clone)]
pub struct BreachedPasswordsConfig {
    pub enabled: bool,
    /// The Pwned Passwords range API, without a trailing slash.
    pub url: String,
    /// How long a check may take, retries included, before it is skipped.
    pub timeout: Duration,
}

impl BreachedPasswordsConfig {
    pub(super) fn read(env: &Env<'_>, app_env: AppEnv) -> Result<Self, ConfigError> {
        // Tests must not call the internet: the check is off there unless a test turns it on.
        let Switch(check_breaches) = env.parse_or(
            "PWNED_PASSWORDS",
            "on or off",
            Switch(app_env != AppEnv::Test),
        )?;
        Ok(Self {
            enabled: check_breaches,
            url: parse_base_url(
                &env.get("PWNED_PASSWORDS_URL")
                    .unwrap_or_else(|| "https://api.pwnedpasswords.com".into()),
            )
            .map_err(|problem| ConfigError {
                variable: "PWNED_PASSWORDS_URL",
                problem,
            })?,
            timeout: Duration::from_millis(env.parse_or(
                "PWNED_PASSWORDS_TIMEOUT_MS",
                "a whole number of milliseconds",
                1500,
            )?),
        })
    }
}
