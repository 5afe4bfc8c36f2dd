//! The metrics section: where Prometheus scrapes `GET /metrics` (`monitoring::exporter`), if
//! anywhere.

use std::net::SocketAddr;

use super::{ConfigError, env::Env};

#[derive(Debug, Clone)]
pub struct MetricsConfig {
    /// `METRICS_ADDR`: the listener of `/metrics`. `None`: no listener (the dashboard still
    /// reads the same numbers in process).
    pub addr: Option<SocketAddr>,
}

impl MetricsConfig {
    /// `port` is the public port: the metrics listener may not share it, so that what the
    /// app measures is never served to the public by mistake.
    pub(super) fn read(env: &Env<'_>, port: u16) -> Result<Self, ConfigError> {
        let addr: Option<SocketAddr> = match env.get("METRICS_ADDR") {
            None => None,
            Some(raw) => Some(raw.parse().map_err(|_| {
                env.invalid(
                    "METRICS_ADDR",
                    "an address and port such as 127.0.0.1:9100",
                    &raw,
                )
            })?),
        };
        if let Some(addr) = addr
            && addr.port() == port
        {
            return Err(ConfigError {
                variable: "METRICS_ADDR",
                problem: format!(
                    "port {port} is the app's public port (PORT); metrics need a port of their own"
                ),
            });
        }
        Ok(Self { addr })
    }
}
