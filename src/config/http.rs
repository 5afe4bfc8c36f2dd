//! The HTTP section: how long a request may run, how large its body may be, how long
//! shutdown waits for the requests in flight, and where a client's address is read from.

use std::time::Duration;

use axum_client_ip::ClientIpSource;

use super::{ConfigError, env::Env};

#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub request_timeout: Duration,
    pub body_limit_bytes: usize,
    pub shutdown_timeout: Duration,
    /// Where `web::client_ip::ClientIp` reads the client's address: the TCP peer, or a header
    /// set by the reverse proxy in front. A header source trusts whoever sets the header, so
    /// only a proxy that overwrites it may be in front.
    pub client_ip_source: ClientIpSource,
}

/// The values `CLIENT_IP_SOURCE` takes, as axum-client-ip names them.
const CLIENT_IP_SOURCES: &str = "ConnectInfo, RightmostXForwardedFor, XRealIp, CfConnectingIp, \
     TrueClientIp, FlyClientIp, CloudFrontViewerAddress or XEnvoyExternalAddress";

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
            client_ip_source: env.parse_or(
                "CLIENT_IP_SOURCE",
                &format!("one of {CLIENT_IP_SOURCES}"),
                ClientIpSource::ConnectInfo,
            )?,
        })
    }
}
