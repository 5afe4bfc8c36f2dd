//! The logging section: the filter and the format of log lines (`telemetry`).

use std::str::FromStr;

use super::{ConfigError, env::Env};

#[derive(Debug, Clone)]
pub struct LogConfig {
    /// An `EnvFilter` directive such as `info,app=debug`.
    pub filter: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl FromStr for LogFormat {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, ()> {
        match value {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err(()),
        }
    }
}

impl LogConfig {
    pub(super) fn read(env: &Env<'_>, production: bool) -> Result<Self, ConfigError> {
        Ok(Self {
            filter: env
                .get("RUST_LOG")
                .unwrap_or_else(|| "info,app=debug,tower_http=info,sqlx=warn".into()),
            format: env.parse_or(
                "LOG_FORMAT",
                "text or json",
                if production {
                    LogFormat::Json
                } else {
                    LogFormat::Text
                },
            )?,
        })
    }
}
