//! The one HTTP client the app calls other services with: reqwest over rustls, built once at
//! startup and shared (its connection pool with it).
//!
//! Every request has a connect and a total timeout, names the app in its `User-Agent`, accepts
//! gzip, and is traced with its host, status and duration: never its query string or headers,
//! which may carry secrets. While traces are exported, each call is a client span that carries
//! the trace on in its `traceparent` header. [`HttpClient::get`] retries what is safe to retry:
//! a GET that could not connect, or that was answered 429 or 5xx, up to twice, waiting a little
//! longer each time.
//!
//! ```text
//! let response = state.http.get(&url, &[("Add-Padding", "true")]).await?;
//! ```

use std::time::{Duration, Instant};

use reqwest::{Response, StatusCode, header::HeaderMap};
use tracing::{Instrument as _, field::Empty};

use crate::{
    config::HttpClientConfig,
    telemetry::traces::{self, traced_span},
};

/// Retries after the first attempt, and the wait before the first retry (it doubles).
const RETRIES: u32 = 2;
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// A `Retry-After` longer than this is not waited for: the caller's own deadline decides.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(2);

/// Cheap to clone: clones share the connection pool.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
}

impl HttpClient {
    pub fn new(config: &HttpClientConfig) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .user_agent(concat!(
                env!("CARGO_PKG_NAME"),
                "/",
                env!("CARGO_PKG_VERSION")
            ))
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .gzip(true)
            .build()?;
        tracing::info!(
            service = "http-client",
            connect_timeout_ms = config.connect_timeout.as_millis(),
            timeout_ms = config.timeout.as_millis(),
            "http client: reqwest over rustls"
        );
        Ok(Self { client })
    }

    /// A GET with `headers`, retried on connection errors, 429 and 5xx. The last answer is
    /// returned whatever its status; an error only when no answer came at all.
    pub async fn get(
        &self,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<Response, reqwest::Error> {
        let span = traced_span!(
            "http_client",
            otel.name = "GET",
            otel.kind = "client",
            http.request.method = "GET",
            server.address = host_of(url),
            http.response.status_code = Empty,
        );
        let result = self
            .get_with_retries(url, headers)
            .instrument(span.clone())
            .await;
        if let Ok(response) = &result {
            span.record("http.response.status_code", response.status().as_u16());
        }
        result
    }

    async fn get_with_retries(
        &self,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<Response, reqwest::Error> {
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 0;
        loop {
            let mut request = self.client.get(url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let mut trace_headers = HeaderMap::new();
            traces::inject_into(&mut trace_headers);
            request = request.headers(trace_headers);
            let started = Instant::now();
            let result = request.send().await;
            trace(url, &result, started.elapsed(), attempt);
            let wait = match &result {
                Ok(response) if should_retry(response.status()) => {
                    retry_after(response).unwrap_or(backoff)
                }
                Err(error) if error.is_connect() => backoff,
                _ => return result,
            };
            if attempt == RETRIES {
                return result;
            }
            attempt += 1;
            tokio::time::sleep(wait).await;
            backoff = backoff.saturating_mul(2);
        }
    }
}

/// The host alone: the rest of a URL may carry secrets.
fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_default()
}

fn should_retry(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// A `Retry-After` in seconds, if short enough to wait for.
fn retry_after(response: &Response) -> Option<Duration> {
    let seconds: u64 = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds)).filter(|wait| *wait <= LONGEST_RETRY_AFTER)
}

/// One line per attempt: the host (never the query string), the status and the time taken.
fn trace(url: &str, result: &Result<Response, reqwest::Error>, took: Duration, attempt: u32) {
    let host = host_of(url);
    let took_ms = took.as_millis();
    match result {
        Ok(response) => {
            let status = response.status().as_u16();
            tracing::debug!(%host, status, took_ms, attempt, "outgoing request");
        }
        Err(error) => {
            // reqwest's error text includes the URL: name the kind only.
            let kind = if error.is_timeout() {
                "timeout"
            } else if error.is_connect() {
                "connect"
            } else {
                "other"
            };
            tracing::warn!(%host, kind, took_ms, attempt, "outgoing request failed");
        }
    }
}
