//! The HTTP section: how long a request may run, how large its body may be, and how long
//! shutdown waits for the requests in flight.

use std::time::Duration;

use super::{ConfigError, env::Env};

#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub request_timeout: Duration,
    pub body_limit_bytes: usize,
    pub shutdown_timeout: Duration,
}

impl HttpConfig {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            request_timeout: env.seconds_or("REQUEST_TIMEOUT_SECS", 30)?,
            body_limit_bytes: env.parse_or(
                "REQUEST_BODY_LIMIT_BYTES",
                "a size in bytes",
                2 << 20,
            )?,
            shutdown_timeout: env.seconds_or("SHUTDOWN_TIMEOUT_SECS", 30)?,
        })
    }
}
