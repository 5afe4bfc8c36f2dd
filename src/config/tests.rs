//! The configuration read as a whole: defaults, the one-line errors, production's required
//! variables, secrets kept out of `Debug`, and `.env.example` naming every variable read.

use std::{cell::RefCell, collections::HashMap, path::PathBuf, time::Duration};

use secrecy::ExposeSecret;

use super::*;

fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup(|name| vars.get(name).cloned())
}

#[test]
fn defaults_serve_development_on_localhost() {
    let config = config(&[]).unwrap();
    assert_eq!(config.app_env, AppEnv::Development);
    assert_eq!(config.port, 3000);
    assert_eq!(config.host.to_string(), "127.0.0.1");
    assert_eq!(config.base_url, "http://localhost:3000");
    assert!(config.database.url.is_none());
    assert_eq!(config.log.format, LogFormat::Text);
}

#[test]
fn a_malformed_variable_is_named_with_what_it_expects() {
    let error = config(&[("PORT", "eighty")]).unwrap_err();
    assert_eq!(error.variable, "PORT");
    assert_eq!(
        error.to_string(),
        "PORT: expected a port number from 1 to 65535, got \"eighty\""
    );

    for (name, value) in [
        ("APP_ENV", "staging"),
        ("HOST", "localhost:3000"),
        ("PORT", "0"),
        ("APP_BASE_URL", "example.com"),
        ("DATABASE_URL", "mysql://localhost/app"),
        ("DATABASE_MAX_CONNECTIONS", "-1"),
        ("DATABASE_ACQUIRE_TIMEOUT_SECS", "soon"),
        ("REQUEST_TIMEOUT_SECS", "0"),
        ("CLIENT_IP_SOURCE", "X-Forwarded-For"),
        ("LOG_FORMAT", "xml"),
        ("EMAIL_FROM", "not an address"),
        ("SMTP_SECURITY", "ssl"),
        ("SMTP_PORT", "smtp"),
        ("SMTP_PASSWORD", "only-the-password"),
        ("EMAIL_MAX_ATTEMPTS", "0"),
        ("SESSION_COOKIE_SECURE", "yes"),
        ("S3_PRESIGNED_URL_SECS", "604801"),
        ("UPLOAD_MAX_BYTES", "25MB"),
        ("UPLOAD_ALLOWED_TYPES", "png, image/jpeg"),
        ("METRICS_ADDR", "9100"),
    ] {
        let error = config(&[(name, value)]).unwrap_err();
        assert_eq!(error.variable, name, "{name}={value}");
        assert!(!error.to_string().contains('\n'));
    }
}

#[test]
fn the_client_address_comes_from_the_peer_unless_a_proxy_header_is_named() {
    use axum_client_ip::ClientIpSource;
    let default = config(&[]).unwrap();
    assert_eq!(default.http.client_ip_source, ClientIpSource::ConnectInfo);
    let proxied = config(&[("CLIENT_IP_SOURCE", "RightmostXForwardedFor")]).unwrap();
    assert_eq!(
        proxied.http.client_ip_source,
        ClientIpSource::RightmostXForwardedFor
    );
    // A wrong value names the ones that work, rather than falling back to the peer.
    let error = config(&[("CLIENT_IP_SOURCE", "x-real-ip")]).unwrap_err();
    assert!(error.to_string().contains("XRealIp"), "{error}");
}

#[test]
fn production_requires_its_own_database_base_url_and_smtp() {
    let error = config(&[("APP_ENV", "production")]).unwrap_err();
    assert_eq!(error.variable, "APP_BASE_URL");

    let error = config(&[
        ("APP_ENV", "production"),
        ("APP_BASE_URL", "https://example.com/"),
    ])
    .unwrap_err();
    assert_eq!(error.variable, "SECRET_KEY");

    let error = config(&[
        ("APP_ENV", "production"),
        ("APP_BASE_URL", "https://example.com/"),
        ("SECRET_KEY", SECRET_KEY),
    ])
    .unwrap_err();
    assert_eq!(error.variable, "DATABASE_URL");

    let error = config(&[
        ("APP_ENV", "production"),
        ("APP_BASE_URL", "https://example.com/"),
        ("SECRET_KEY", SECRET_KEY),
        ("DATABASE_URL", "postgres://app:pw@db/app"),
    ])
    .unwrap_err();
    assert_eq!(error.variable, "SMTP_HOST");

    let config = config(&[
        ("APP_ENV", "production"),
        ("APP_BASE_URL", "https://example.com/"),
        ("SECRET_KEY", SECRET_KEY),
        ("DATABASE_URL", "postgres://app:pw@db/app"),
        ("SMTP_HOST", "smtp.example.com"),
    ])
    .unwrap();
    assert_eq!(config.base_url, "https://example.com");
    assert_eq!(config.log.format, LogFormat::Json);
}

/// A production key for the tests: long enough, and not the development one.
const SECRET_KEY: &str = "0123456789abcdef0123456789abcdef";

#[test]
fn the_secret_key_is_long_never_echoed_and_not_the_public_one_in_production() {
    use secrecy::ExposeSecret;
    // Development works without one, on a key every development instance shares.
    let development = config(&[]).unwrap().secret_key;
    assert_eq!(
        development.expose_secret(),
        config(&[]).unwrap().secret_key.expose_secret()
    );

    let error = config(&[("SECRET_KEY", "hunter2-secret")]).unwrap_err();
    assert_eq!(error.variable, "SECRET_KEY");
    assert!(!error.to_string().contains("hunter2"), "{error}");

    let error = config(&[
        ("APP_ENV", "production"),
        ("APP_BASE_URL", "https://example.com/"),
        ("SECRET_KEY", development.expose_secret()),
    ])
    .unwrap_err();
    assert_eq!(error.variable, "SECRET_KEY");
    assert!(error.to_string().contains("public"), "{error}");

    let chosen = config(&[("SECRET_KEY", SECRET_KEY)]).unwrap();
    assert_eq!(chosen.secret_key.expose_secret(), SECRET_KEY);
    assert!(!format!("{chosen:?}").contains(SECRET_KEY));
}

#[test]
fn smtp_defaults_follow_the_host_and_security() {
    assert!(config(&[]).unwrap().email.smtp.is_none());

    let local = config(&[("SMTP_HOST", "127.0.0.1"), ("SMTP_PORT", "1025")]).unwrap();
    let smtp = local.email.smtp.unwrap();
    assert_eq!(smtp.security, SmtpSecurity::None);
    assert_eq!(smtp.port, 1025);

    let remote = config(&[("SMTP_HOST", "smtp.example.com")]).unwrap();
    let smtp = remote.email.smtp.unwrap();
    assert_eq!(smtp.security, SmtpSecurity::StartTls);
    assert_eq!(smtp.port, 587);

    let tls = config(&[("SMTP_HOST", "smtp.example.com"), ("SMTP_SECURITY", "tls")]).unwrap();
    assert_eq!(tls.email.smtp.unwrap().port, 465);

    let from = config(&[("EMAIL_FROM", "Acme <hello@acme.example>")]).unwrap();
    assert_eq!(from.email.from.to_string(), "Acme <hello@acme.example>");
}

#[test]
fn storage_is_the_local_folder_unless_an_s3_endpoint_is_set() {
    let local = config(&[]).unwrap();
    assert!(local.storage.s3.is_none());
    assert_eq!(local.storage.local_dir, PathBuf::from(".data/uploads"));
    assert_eq!(local.uploads.max_bytes, 25 * 1024 * 1024);
    assert!(
        local
            .uploads
            .allowed_types
            .contains(&"image/png".to_owned())
    );
    assert!(
        !local
            .uploads
            .allowed_types
            .contains(&"text/html".to_owned())
    );

    let s3 = config(&[
        ("S3_ENDPOINT", "http://127.0.0.1:9000/"),
        ("S3_BUCKET", "files"),
        ("S3_ACCESS_KEY", "rustfsadmin"),
        ("S3_SECRET_KEY", "rustfs-secret"),
    ])
    .unwrap();
    let s3 = s3.storage.s3.unwrap();
    assert_eq!(s3.endpoint, "http://127.0.0.1:9000");
    assert_eq!(s3.region, "us-east-1");
    assert_eq!(s3.presigned_url_ttl, Duration::from_secs(60));
    assert!(!format!("{s3:?}").contains("rustfs-secret"));

    let no_keys = config(&[("S3_ENDPOINT", "http://127.0.0.1:9000")]).unwrap_err();
    assert_eq!(no_keys.variable, "S3_ACCESS_KEY");
    let bad_bucket = config(&[
        ("S3_ENDPOINT", "http://127.0.0.1:9000"),
        ("S3_BUCKET", "My_Files"),
        ("S3_ACCESS_KEY", "a"),
        ("S3_SECRET_KEY", "b"),
    ])
    .unwrap_err();
    assert_eq!(bad_bucket.variable, "S3_BUCKET");

    let types = config(&[("UPLOAD_ALLOWED_TYPES", " Image/PNG , application/pdf,")]).unwrap();
    assert_eq!(
        types.uploads.allowed_types,
        ["image/png", "application/pdf"]
    );
}

#[test]
fn empty_values_mean_the_default() {
    let config = config(&[("PORT", ""), ("DATABASE_URL", "  ")]).unwrap();
    assert_eq!(config.port, 3000);
    assert!(config.database.url.is_none());
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let config = config(&[
        ("DATABASE_URL", "postgres://app:hunter2-secret@db/app"),
        ("SMTP_HOST", "smtp.example.com"),
        ("SMTP_USERNAME", "mailer"),
        ("SMTP_PASSWORD", "smtp-password-secret"),
    ])
    .unwrap();
    let printed = format!("{config:?}");
    assert!(!printed.contains("hunter2-secret"), "{printed}");
    assert!(!printed.contains("smtp-password-secret"), "{printed}");
    let url = config.database.url.as_ref().unwrap();
    assert!(url.expose_secret().contains("hunter2-secret"));
}

#[test]
fn traces_are_exported_only_with_an_otlp_endpoint() {
    assert_eq!(config(&[]).unwrap().traces, None);
    let traces = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")])
        .unwrap()
        .traces
        .unwrap();
    // The general endpoint gets the signal's path; the service is named after the package.
    assert_eq!(traces.endpoint, "http://collector:4318/v1/traces");
    assert_eq!(traces.service_name, env!("CARGO_PKG_NAME"));
    let traces = config(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "https://traces.example.com/in",
        ),
        ("OTEL_SERVICE_NAME", "shop"),
    ])
    .unwrap()
    .traces
    .unwrap();
    assert_eq!(traces.endpoint, "https://traces.example.com/in");
    assert_eq!(traces.service_name, "shop");
    for off in [
        ("OTEL_SDK_DISABLED", "true"),
        ("OTEL_TRACES_EXPORTER", "none"),
    ] {
        let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");
        assert_eq!(config(&[endpoint, off]).unwrap().traces, None, "{off:?}");
    }
}

#[test]
fn a_traces_setting_the_app_cannot_follow_is_refused() {
    let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317");
    let error = config(&[endpoint, ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]).unwrap_err();
    assert_eq!(error.variable, "OTEL_EXPORTER_OTLP_PROTOCOL");
    assert!(error.problem.contains("http/protobuf"), "{}", error.problem);
    let error = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")]).unwrap_err();
    assert_eq!(error.variable, "OTEL_EXPORTER_OTLP_ENDPOINT");
    let error = config(&[endpoint, ("OTEL_TRACES_EXPORTER", "zipkin")]).unwrap_err();
    assert_eq!(error.variable, "OTEL_TRACES_EXPORTER");
}

/// Every variable the app reads must be documented in `.env.example`. The lookup records
/// each name the config asks for, so a new variable cannot be forgotten there.
#[test]
fn every_variable_read_is_documented_in_env_example() {
    let asked = RefCell::new(Vec::new());
    Config::from_lookup(|name| {
        asked.borrow_mut().push(name.to_owned());
        None
    })
    .unwrap();
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.env.example")).unwrap();
    let documented: Vec<&str> = example
        .lines()
        .map(|line| line.trim_start_matches('#').trim_start())
        .filter_map(|line| line.split_once('=').map(|(name, _)| name))
        .collect();
    let asked = asked.into_inner();
    assert!(asked.len() > 10);
    for name in asked {
        assert!(
            documented.contains(&name.as_str()),
            "{name} is read by the app but not documented in .env.example"
        );
    }
}

#[test]
fn metrics_are_off_by_default_and_never_on_the_public_port() {
    assert!(config(&[]).unwrap().metrics.addr.is_none());
    let on = config(&[("METRICS_ADDR", "127.0.0.1:9100")]).unwrap();
    assert_eq!(on.metrics.addr.unwrap().to_string(), "127.0.0.1:9100");
    let error = config(&[("PORT", "9100"), ("METRICS_ADDR", "0.0.0.0:9100")]).unwrap_err();
    assert_eq!(error.variable, "METRICS_ADDR");
    assert!(error.problem.contains("public port"), "{error}");
}
