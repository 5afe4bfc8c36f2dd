//! The reader every section uses: [`Env`] looks variables up and turns failures into
//! [`ConfigError`]s worded one way, and the value types more than one section parses.

use std::{str::FromStr, time::Duration};

use super::ConfigError;

/// Looks variables up and turns failures into [`ConfigError`]s. Empty values count as unset,
/// so `PORT=` in `.env` means "use the default" rather than "invalid port".
pub(super) struct Env<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Env<'a> {
    pub(super) fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { lookup }
    }

    pub(super) fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    pub(super) fn parse_or<T: FromStr>(
        &self,
        name: &'static str,
        expected: &str,
        default: T,
    ) -> Result<T, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw.parse().map_err(|_| self.invalid(name, expected, &raw)),
        }
    }

    pub(super) fn seconds_or(
        &self,
        name: &'static str,
        default: u64,
    ) -> Result<Duration, ConfigError> {
        let seconds: u64 = self.parse_or(name, "a whole number of seconds", default)?;
        if seconds == 0 {
            return Err(self.invalid(name, "a whole number of seconds above 0", "0"));
        }
        Ok(Duration::from_secs(seconds))
    }

    pub(super) fn invalid(&self, variable: &'static str, expected: &str, got: &str) -> ConfigError {
        ConfigError {
            variable,
            problem: format!("expected {expected}, got {got:?}"),
        }
    }

    pub(super) fn missing(&self, variable: &'static str, why: &str) -> ConfigError {
        ConfigError {
            variable,
            problem: format!("not set ({why})"),
        }
    }
}

/// `on` or `off`.
pub(super) struct Switch(pub(super) bool);

impl FromStr for Switch {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, ()> {
        match value {
            "on" => Ok(Self(true)),
            "off" => Ok(Self(false)),
            _ => Err(()),
        }
    }
}

pub(super) fn parse_base_url(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("expected an http:// or https:// URL, got {url:?}"))?;
    if rest.is_empty() || rest.starts_with('/') || rest.contains(char::is_whitespace) {
        return Err(format!("expected a URL with a host, got {url:?}"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}
