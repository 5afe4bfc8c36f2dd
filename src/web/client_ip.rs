//! The client's IP address, for rate limits and logs.
//!
//! It is the address of the TCP peer. Behind a reverse proxy that is the proxy's address, so
//! limits would be shared by everyone: deploy the proxy to pass the peer through (PROXY
//! protocol) or extend this extractor to trust its `X-Forwarded-For`.

use std::{
    convert::Infallible,
    net::{IpAddr, SocketAddr},
};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};

/// The address as text; IPv6 clients by their /64 network, since one host usually has a
/// whole /64 to rotate through.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |info| key_of(info.0.ip())),
        ))
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
