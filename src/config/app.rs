//! The application section: which environment this is, where it listens, and the URL people
//! reach it at.

use std::{fmt, net::IpAddr, str::FromStr};

use super::{
    ConfigError,
    env::{Env, parse_base_url},
};

/// The deployment environment. It picks defaults (log format, HSTS, the dev-only pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Test,
    Production,
}

impl AppEnv {
    pub fn is_production(self) -> bool {
        self == Self::Production
    }
}

impl FromStr for AppEnv {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, ()> {
        match value {
            "development" => Ok(Self::Development),
            "test" => Ok(Self::Test),
            "production" => Ok(Self::Production),
            _ => Err(()),
        }
    }
}

impl fmt::Display for AppEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Development => "development",
            Self::Test => "test",
            Self::Production => "production",
        })
    }
}

/// The section's variables, which sit at the top of [`super::Config`] itself.
pub(super) struct App {
    pub(super) app_env: AppEnv,
    pub(super) host: IpAddr,
    pub(super) port: u16,
    pub(super) base_url: String,
}

impl App {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        let app_env: AppEnv = env.parse_or(
            "APP_ENV",
            "one of development, test, production",
            AppEnv::Development,
        )?;
        let host = env.parse_or(
            "HOST",
            "an IP address such as 127.0.0.1",
            [127, 0, 0, 1].into(),
        )?;
        let port = env.parse_or("PORT", "a port number from 1 to 65535", 3000u16)?;
        if port == 0 {
            return Err(env.invalid("PORT", "a port number from 1 to 65535", "0"));
        }
        let base_url = match env.get("APP_BASE_URL") {
            Some(url) => parse_base_url(&url).map_err(|problem| ConfigError {
                variable: "APP_BASE_URL",
                problem,
            })?,
            None if app_env.is_production() => {
                return Err(env.missing("APP_BASE_URL", "required in production"));
            }
            None => format!("http://localhost:{port}"),
        };
        Ok(Self {
            app_env,
            host,
            port,
            base_url,
        })
    }
}
