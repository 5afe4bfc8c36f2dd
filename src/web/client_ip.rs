//! The client's IP address, for rate limits and logs.
//!
//! Read by axum-client-ip from the source `CLIENT_IP_SOURCE` names (`config::HttpConfig`),
//! which `lib.rs` puts in every request's extensions: the TCP peer (`ConnectInfo`, the
//! default), or a header the reverse proxy in front sets (`RightmostXForwardedFor`,
//! `XRealIp`, `CfConnectingIp`, ...). Behind a proxy the peer is the proxy, so every client
//! would share one rate-limit budget; a header source gives each its own. A header source
//! must only be set when a trusted proxy sets (overwrites) that header: otherwise any client
//! picks its own address, and a fresh budget, by sending it.

use std::{convert::Infallible, net::IpAddr};

use axum::{extract::FromRequestParts, http::request::Parts};

/// The address as text; IPv6 clients by their /64 network, since one host usually has a
/// whole /64 to rotate through.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

/// The key of requests whose address the source cannot give: they share one budget.
const UNKNOWN: &str = "unknown";

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        match axum_client_ip::ClientIp::from_request_parts(parts, state).await {
            Ok(axum_client_ip::ClientIp(ip)) => Ok(Self(key_of(ip))),
            // A header source with a request that lacks the header: a proxy that does not set
            // it, or a request that went round the proxy. Sharing one budget is the safe side.
            Err(rejection) => {
                tracing::warn!(%rejection, "no client address; counted as \"{UNKNOWN}\"");
                Ok(Self(UNKNOWN.to_owned()))
            }
        }
    }
}

fn key_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_keyed_by_their_network() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let other: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(key_of(one), key_of(other));
        assert_eq!(key_of("::ffff:203.0.113.9".parse().unwrap()), "203.0.113.9");
        assert_eq!(key_of("203.0.113.9".parse().unwrap()), "203.0.113.9");
    }
}
