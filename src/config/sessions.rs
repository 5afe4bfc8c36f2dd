//! The sessions section: the session cookie, and how long an instance trusts its copy of a
//! session (`backends::sessions`).

use std::time::Duration;

use super::{ConfigError, env::Env};

#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Whether the session cookie carries `Secure` (sent over HTTPS only); it is then named
    /// `__Host-session`, which browsers only accept from HTTPS, for this host and path `/`.
    pub secure_cookies: bool,
    /// How long this instance trusts its in-memory copy of a session and of its user before
    /// reading PostgreSQL again: the bound on how late a logout or password change made on
    /// another instance takes effect here (on this instance it is immediate).
    pub cache_ttl: Duration,
}

impl SessionConfig {
    pub(super) fn read(env: &Env<'_>, production: bool) -> Result<Self, ConfigError> {
        let sessions = Self {
            secure_cookies: env.parse_or("SESSION_COOKIE_SECURE", "true or false", production)?,
            cache_ttl: env.seconds_or("SESSION_CACHE_SECS", 5)?,
        };
        // It bounds how late a logout made elsewhere is honoured here: keep it short.
        if sessions.cache_ttl > Duration::from_secs(60) {
            let got = sessions.cache_ttl.as_secs().to_string();
            return Err(env.invalid("SESSION_CACHE_SECS", "1 to 60 seconds", &got));
        }
        Ok(sessions)
    }
}
