//! The client's IP address, for rate limits and logs.
//!
//! It is the address of the TCP peer. Behind a reverse proxy that is the proxy's address, so
//! limits would be shared by everyone: deploy the proxy to pass the peer through (PROXY
//! protocol) or extend this extractor to trust its `X-Forwarded-For`.

use std::{convert::Infallible, net::SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};

#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |info| info.0.ip().to_string()),
        ))
    }
}
