//! The accounts section: how long a sign-in counts as recent for the actions that ask for it
//! again (sudo mode), and whether administrators must use two-factor authentication.

use std::time::Duration;

use super::{
    ConfigError,
    env::{Env, Switch},
};

#[derive(Debug, Clone)]
pub struct AccountsConfig {
    /// Sudo mode: changing the password or address, managing two-factor authentication and
    /// every administrator's action need a sign-in (or a confirmation) within this long.
    pub sudo_window: Duration,
    /// Administrators must turn two-factor authentication on before any administrator's page.
    pub require_two_factor_for_admins: bool,
}

impl AccountsConfig {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        let Switch(require_two_factor_for_admins) =
            env.parse_or("REQUIRE_TWO_FACTOR_FOR_ADMINS", "on or off", Switch(false))?;
        Ok(Self {
            sudo_window: env.seconds_or("SUDO_WINDOW_SECS", 600)?,
            require_two_factor_for_admins,
        })
    }
}
