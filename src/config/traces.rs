//! The traces section: whether spans go to an OpenTelemetry collector, where, and under which
//! service name (`telemetry::traces`). The variables are OpenTelemetry's own, so a deployment
//! configured for any other OpenTelemetry service works unchanged; the few the SDK reads by
//! itself (headers, timeout, sampler, batching) are listed in `.env.example`.

use super::{ConfigError, env::Env};

/// `Some` when traces are exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracesConfig {
    /// The full URL spans are posted to (`…/v1/traces`).
    pub endpoint: String,
    /// The resource's `service.name`.
    pub service_name: String,
}

/// The only protocol built in: the gRPC exporter would bring tonic's transport and its
/// TLS stack, for a choice every collector also accepts over HTTP.
const PROTOCOL: &str = "http/protobuf";

impl TracesConfig {
    /// `None` unless an OTLP endpoint is set (and the SDK is not disabled): then nothing is
    /// exported and tracing costs nothing.
    pub(super) fn read(env: &Env<'_>) -> Result<Option<Self>, ConfigError> {
        if env.get("OTEL_SDK_DISABLED").as_deref() == Some("true") {
            return Ok(None);
        }
        match env.get("OTEL_TRACES_EXPORTER").as_deref() {
            None | Some("otlp") => {}
            Some("none") => return Ok(None),
            Some(other) => {
                return Err(env.invalid("OTEL_TRACES_EXPORTER", "otlp or none", other));
            }
        }
        for variable in [
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ] {
            if let Some(protocol) = env.get(variable)
                && protocol != PROTOCOL
            {
                return Err(env.invalid(variable, PROTOCOL, &protocol));
            }
        }
        // The signal's own endpoint is used as it is; the general one gets the signal's path,
        // as the OTLP specification says.
        let endpoint = match (
            env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
            env.get("OTEL_EXPORTER_OTLP_ENDPOINT"),
        ) {
            (Some(endpoint), _) => checked_url("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint)?,
            (None, Some(base)) => {
                let base = checked_url("OTEL_EXPORTER_OTLP_ENDPOINT", base)?;
                format!("{}/v1/traces", base.trim_end_matches('/'))
            }
            (None, None) => return Ok(None),
        };
        let service_name = env
            .get("OTEL_SERVICE_NAME")
            .unwrap_or_else(|| env!("CARGO_PKG_NAME").to_owned());
        Ok(Some(Self {
            endpoint,
            service_name,
        }))
    }
}

fn checked_url(variable: &'static str, url: String) -> Result<String, ConfigError> {
    match url::Url::parse(&url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(url),
        _ => Err(ConfigError {
            variable,
            problem: format!("expected an http:// or https:// URL, got {url:?}"),
        }),
    }
}
