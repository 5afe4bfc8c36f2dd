//! The accounts section: how long a sign-in counts as recent for the actions that ask for it
//! again (sudo mode).

use std::time::Duration;

use super::{ConfigError, env::Env};

#[derive(Debug, Clone)]
pub struct AccountsConfig {
    /// Sudo mode: changing the password or address, managing two-factor authentication and
    /// every administrator's action need a sign-in (or a confirmation) within this long.
    pub sudo_window: Duration,
}

impl AccountsConfig {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            sudo_window: env.seconds_or("SUDO_WINDOW_SECS", 600)?,
        })
    }
}
