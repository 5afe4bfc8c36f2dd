//! Typed configuration, read once at startup from the environment (and `.env`, which `main`
//! loads before anything else).
//!
//! Every variable has a development default except those a production deployment must choose.
//! A missing or malformed variable stops startup with one line naming it and what it expects.
//! Secrets are wrapped in [`SecretString`] so that `Debug` and logs never show them.
//!
//! The file is long on purpose: it is the one place where every variable is named, parsed,
//! defaulted and checked (a small struct per concern), so that `.env.example` and the README
//! can be checked against it, and its tests sit beside it.

use std::{fmt, net::IpAddr, path::PathBuf, str::FromStr, time::Duration};

use lettre::message::Mailbox;
use secrecy::SecretString;

/// The deployment environment. It picks defaults (log format, HSTS, the dev-only pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Test,
    Production,
}

impl AppEnv {
    pub fn is_production(self) -> bool {
        self == Self::Production
    }
}

impl FromStr for AppEnv {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, ()> {
        match value {
            "development" => Ok(Self::Development),
            "test" => Ok(Self::Test),
            "production" => Ok(Self::Production),
            _ => Err(()),
        }
    }
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

#[derive(Debug, Clone)]
pub struct Config {
    pub app_env: AppEnv,
    pub host: IpAddr,
    pub port: u16,
    /// Absolute URL the app is reached at, without a trailing slash; used for links in email.
    pub base_url: String,
    pub database: DatabaseConfig,
    pub http: HttpConfig,
    pub log: LogConfig,
    pub email: EmailConfig,
    pub sessions: SessionConfig,
    pub http_client: HttpClientConfig,
    pub breached_passwords: BreachedPasswordsConfig,
    pub storage: StorageConfig,
    pub uploads: UploadConfig,
    /// `None`: pub/sub, rate limits and the cache stay in this process (one instance only).
    pub valkey_url: Option<SecretString>,
    pub live: LiveConfig,
    pub jobs: JobsConfig,
}

/// The one client the app calls other services with (`backends::http`).
#[derive(Debug, Clone)]
pub struct HttpClientConfig {
    /// To open a connection.
    pub connect_timeout: Duration,
    /// For a whole request, answer included.
    pub timeout: Duration,
}

/// The check of new passwords against known breaches (`auth::breached`).
#[derive(Debug, Clone)]
pub struct BreachedPasswordsConfig {
    pub enabled: bool,
    /// The Pwned Passwords range API, without a trailing slash.
    pub url: String,
    /// How long a check may take, retries included, before it is skipped.
    pub timeout: Duration,
}

/// Where uploaded files are kept (`backends::storage`).
#[derive(Debug, Clone)]
pub struct StorageConfig {
    /// `None` means the local folder below.
    pub s3: Option<S3Config>,
    /// The folder files are kept in without S3 (relative to the working directory).
    pub local_dir: PathBuf,
}

/// An S3-compatible object store, addressed path-style (`{endpoint}/{bucket}/{key}`), which
/// RustFS, MinIO, AWS S3 and R2 all accept.
#[derive(Debug, Clone)]
pub struct S3Config {
    /// E.g. `http://127.0.0.1:9000` or `https://s3.eu-central-1.amazonaws.com`.
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: SecretString,
    /// How long a download link handed to a browser stays valid.
    pub presigned_url_ttl: Duration,
}

/// What the upload form accepts (`files`).
#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// The largest file, and the largest upload of several files together.
    pub max_bytes: u64,
    /// Content types accepted, as detected from the files' bytes (never the name or the
    /// browser's claim), e.g. `image/png`.
    pub allowed_types: Vec<String>,
}

/// The types accepted unless `UPLOAD_ALLOWED_TYPES` says otherwise: images, PDFs and plain
/// text. Not HTML or SVG, which can carry scripts.
const DEFAULT_ALLOWED_TYPES: &str =
    "image/jpeg,image/png,image/gif,image/webp,application/pdf,text/plain";

/// `on` or `off`.
struct Switch(bool);

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

/// The live event streams (`live`).
#[derive(Debug, Clone)]
pub struct LiveConfig {
    /// Between two keep-alive comments on an idle stream: under every proxy's idle timeout.
    pub keep_alive: Duration,
    /// How often a stream checks that its session is still signed in (it also checks at once
    /// when the session or the user changes).
    pub recheck: Duration,
    /// Open streams per user on one instance; one more is refused with a 429.
    pub max_streams_per_user: usize,
}

/// The background jobs (`jobs`).
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// How long a claim on a job lasts without news from its worker: how soon a job whose
    /// instance died is taken up by another. Running jobs renew their claim.
    pub lease: Duration,
}

#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Whether the session cookie carries `Secure` (sent over HTTPS only); it is then named
    /// `__Host-session`, which browsers only accept from HTTPS, for this host and path `/`.
    pub secure_cookies: bool,
    /// How long this instance trusts its in-memory copy of a session and of its user before
    /// reading PostgreSQL again: the bound on how late a logout or password change made on
    /// another instance takes effect here (on this instance it is immediate).
    pub cache_ttl: Duration,
}

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `None` in development means: start the embedded PostgreSQL cluster under `.data/`.
    pub url: Option<SecretString>,
    pub max_connections: u32,
    pub min_connections: u32,
    pub acquire_timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub request_timeout: Duration,
    pub body_limit_bytes: usize,
    pub shutdown_timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// The `From` of every message, e.g. `Acme <noreply@acme.example>`.
    pub from: Mailbox,
    /// `None` means the dev mailbox: messages are kept in PostgreSQL, shown at `/dev/mailbox`.
    pub smtp: Option<SmtpConfig>,
    /// Deliveries tried before a message is marked failed.
    pub max_attempts: u32,
    /// Wait before the first retry; it doubles with each attempt, up to 15 minutes.
    pub retry_base: Duration,
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub timeout: Duration,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain text: only for a local sink such as MailCrab.
    None,
    /// Upgrade a plain connection with STARTTLS (port 587); required, never skipped.
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl FromStr for SmtpSecurity {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, ()> {
        match value {
            "none" => Ok(Self::None),
            "starttls" => Ok(Self::StartTls),
            "tls" => Ok(Self::Tls),
            _ => Err(()),
        }
    }
}

impl SmtpSecurity {
    fn default_port(self) -> u16 {
        match self {
            Self::None => 25,
            Self::StartTls => 587,
            Self::Tls => 465,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LogConfig {
    /// An `EnvFilter` directive such as `info,app=debug`.
    pub filter: String,
    pub format: LogFormat,
}

/// A variable that is missing or does not parse. Its `Display` is the one line startup prints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, which returns a variable's value if it is set.
    /// Tests pass a map here instead of touching the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env { lookup: &lookup };
        let app_env: AppEnv = env.parse_or(
            "APP_ENV",
            "one of development, test, production",
            AppEnv::Development,
        )?;
        let production = app_env.is_production();

        let host = env.parse_or(
            "HOST",
            "an IP address such as 127.0.0.1",
            [127, 0, 0, 1].into(),
        )?;
        let port = env.parse_or("PORT", "a port number from 1 to 65535", 3000u16)?;
        if port == 0 {
            return Err(env.invalid("PORT", "a port number from 1 to 65535", "0"));
        }
        let base_url = match env.get("APP_BASE_URL") {
            Some(url) => parse_base_url(&url).map_err(|problem| ConfigError {
                variable: "APP_BASE_URL",
                problem,
            })?,
            None if production => return Err(env.missing("APP_BASE_URL", "required in production")),
            None => format!("http://localhost:{port}"),
        };

        let database_url = env.get("DATABASE_URL");
        if database_url.is_none() && production {
            return Err(env.missing("DATABASE_URL", "required in production"));
        }
        if let Some(url) = &database_url
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            return Err(ConfigError {
                variable: "DATABASE_URL",
                problem: "expected a postgres:// URL".into(),
            });
        }
        let database = DatabaseConfig {
            url: database_url.map(SecretString::from),
            max_connections: env.parse_or("DATABASE_MAX_CONNECTIONS", "a whole number", 10)?,
            min_connections: env.parse_or("DATABASE_MIN_CONNECTIONS", "a whole number", 0)?,
            acquire_timeout: env.seconds_or("DATABASE_ACQUIRE_TIMEOUT_SECS", 3)?,
        };
        // The email and jobs workers keep one connection each for LISTEN, a running export
        // one for its snapshot; requests and the jobs' progress need at least one more.
        if database.max_connections < 4 || database.min_connections > database.max_connections {
            return Err(ConfigError {
                variable: "DATABASE_MAX_CONNECTIONS",
                problem: "expected at least 4 and at least DATABASE_MIN_CONNECTIONS".into(),
            });
        }

        let http = HttpConfig {
            request_timeout: env.seconds_or("REQUEST_TIMEOUT_SECS", 30)?,
            body_limit_bytes: env.parse_or(
                "REQUEST_BODY_LIMIT_BYTES",
                "a size in bytes",
                2 << 20,
            )?,
            shutdown_timeout: env.seconds_or("SHUTDOWN_TIMEOUT_SECS", 30)?,
        };

        let log = LogConfig {
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
        };

        let email = email_config(&env)?;
        // Without SMTP, mail would go to the dev mailbox, which production does not serve:
        // every confirmation and reset would be silently lost.
        if production && email.smtp.is_none() {
            return Err(env.missing(
                "SMTP_HOST",
                "required in production (without it mail only reaches the dev mailbox, which \
                 production does not serve)",
            ));
        }
        let sessions = SessionConfig {
            secure_cookies: env.parse_or("SESSION_COOKIE_SECURE", "true or false", production)?,
            cache_ttl: env.seconds_or("SESSION_CACHE_SECS", 5)?,
        };
        let http_client = HttpClientConfig {
            connect_timeout: env.seconds_or("HTTP_CLIENT_CONNECT_TIMEOUT_SECS", 5)?,
            timeout: env.seconds_or("HTTP_CLIENT_TIMEOUT_SECS", 10)?,
        };
        // Tests must not call the internet: the check is off there unless a test turns it on.
        let Switch(check_breaches) = env.parse_or(
            "PWNED_PASSWORDS",
            "on or off",
            Switch(app_env != AppEnv::Test),
        )?;
        let breached_passwords = BreachedPasswordsConfig {
            enabled: check_breaches,
            url: parse_base_url(
                &env.get("PWNED_PASSWORDS_URL")
                    .unwrap_or_else(|| "https://api.pwnedpasswords.com".into()),
            )
            .map_err(|problem| ConfigError {
                variable: "PWNED_PASSWORDS_URL",
                problem,
            })?,
            timeout: Duration::from_millis(env.parse_or(
                "PWNED_PASSWORDS_TIMEOUT_MS",
                "a whole number of milliseconds",
                1500,
            )?),
        };
        // It bounds how late a logout made elsewhere is honoured here: keep it short.
        if sessions.cache_ttl > Duration::from_secs(60) {
            let got = sessions.cache_ttl.as_secs().to_string();
            return Err(env.invalid("SESSION_CACHE_SECS", "1 to 60 seconds", &got));
        }

        let storage = storage_config(&env)?;
        let uploads = upload_config(&env)?;

        let valkey_url = env.get("VALKEY_URL");
        if let Some(url) = &valkey_url
            && !(url.starts_with("redis://") || url.starts_with("rediss://"))
        {
            return Err(ConfigError {
                variable: "VALKEY_URL",
                problem: "expected a redis:// or rediss:// URL".into(),
            });
        }
        let live = LiveConfig {
            keep_alive: env.seconds_or("LIVE_KEEP_ALIVE_SECS", 15)?,
            recheck: env.seconds_or("LIVE_RECHECK_SECS", 60)?,
            max_streams_per_user: env.parse_or(
                "LIVE_MAX_STREAMS_PER_USER",
                "a whole number",
                10,
            )?,
        };
        let jobs = JobsConfig {
            lease: env.seconds_or("JOBS_LEASE_SECS", 30)?,
        };
        if jobs.lease < Duration::from_secs(2) {
            let got = jobs.lease.as_secs().to_string();
            return Err(env.invalid("JOBS_LEASE_SECS", "at least 2 seconds", &got));
        }

        Ok(Self {
            app_env,
            host,
            port,
            base_url,
            database,
            http,
            log,
            email,
            sessions,
            http_client,
            breached_passwords,
            storage,
            uploads,
            valkey_url: valkey_url.map(SecretString::from),
            live,
            jobs,
        })
    }
}

fn storage_config(env: &Env<'_>) -> Result<StorageConfig, ConfigError> {
    let local_dir = PathBuf::from(
        env.get("UPLOADS_DIR")
            .unwrap_or_else(|| ".data/uploads".into()),
    );
    // Read even without an endpoint, so that a typo in one is reported, not ignored.
    let region = env.get("S3_REGION").unwrap_or_else(|| "us-east-1".into());
    // Named after the app by default, so that two apps on one S3 server keep apart.
    let bucket = env
        .get("S3_BUCKET")
        .unwrap_or_else(|| format!("{}-uploads", env!("CARGO_PKG_NAME").replace('_', "-")));
    let access_key = env.get("S3_ACCESS_KEY");
    let secret_key = env.get("S3_SECRET_KEY").map(SecretString::from);
    let presigned_url_ttl = env.seconds_or("S3_PRESIGNED_URL_SECS", 60)?;
    // S3's own ceiling for a presigned URL is a week.
    if presigned_url_ttl > Duration::from_secs(7 * 24 * 3600) {
        let got = presigned_url_ttl.as_secs().to_string();
        return Err(env.invalid("S3_PRESIGNED_URL_SECS", "at most 604800 seconds", &got));
    }
    let Some(endpoint) = env.get("S3_ENDPOINT") else {
        return Ok(StorageConfig {
            s3: None,
            local_dir,
        });
    };
    let endpoint = parse_base_url(&endpoint).map_err(|problem| ConfigError {
        variable: "S3_ENDPOINT",
        problem,
    })?;
    if !is_bucket_name(&bucket) {
        return Err(env.invalid(
            "S3_BUCKET",
            "3 to 63 lower-case letters, digits, dots and hyphens",
            &bucket,
        ));
    }
    let (Some(access_key), Some(secret_key)) = (access_key, secret_key) else {
        return Err(env.missing(
            "S3_ACCESS_KEY",
            "S3_ENDPOINT is set: set S3_ACCESS_KEY and S3_SECRET_KEY too",
        ));
    };
    Ok(StorageConfig {
        s3: Some(S3Config {
            endpoint,
            region,
            bucket,
            access_key,
            secret_key,
            presigned_url_ttl,
        }),
        local_dir,
    })
}

/// S3's rules for bucket names, the part that matters for path-style URLs.
fn is_bucket_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || b".-".contains(&byte))
        && !name.starts_with(['.', '-'])
        && !name.ends_with(['.', '-'])
}

fn upload_config(env: &Env<'_>) -> Result<UploadConfig, ConfigError> {
    let max_bytes: u64 = env.parse_or("UPLOAD_MAX_BYTES", "a size in bytes", 25 << 20)?;
    if max_bytes == 0 {
        return Err(env.invalid("UPLOAD_MAX_BYTES", "a size in bytes above 0", "0"));
    }
    let types = env
        .get("UPLOAD_ALLOWED_TYPES")
        .unwrap_or_else(|| DEFAULT_ALLOWED_TYPES.into());
    let allowed_types: Vec<String> = types
        .split(',')
        .map(|kind| kind.trim().to_ascii_lowercase())
        .filter(|kind| !kind.is_empty())
        .collect();
    let malformed = allowed_types.iter().find(|kind| {
        !matches!(kind.split_once('/'), Some((kind, sub)) if !kind.is_empty() && !sub.is_empty())
    });
    if let Some(kind) = malformed {
        return Err(env.invalid(
            "UPLOAD_ALLOWED_TYPES",
            "content types separated by commas, such as image/png,application/pdf",
            kind,
        ));
    }
    if allowed_types.is_empty() {
        return Err(env.invalid("UPLOAD_ALLOWED_TYPES", "at least one content type", &types));
    }
    Ok(UploadConfig {
        max_bytes,
        allowed_types,
    })
}

fn email_config(env: &Env<'_>) -> Result<EmailConfig, ConfigError> {
    let from = env.parse_or(
        "EMAIL_FROM",
        "a mailbox such as `Acme <noreply@acme.example>`",
        Mailbox::new(
            Some(crate::APP_NAME.clone()),
            lettre::Address::new("noreply", "localhost").map_err(|error| ConfigError {
                variable: "EMAIL_FROM",
                problem: error.to_string(),
            })?,
        ),
    )?;
    // All SMTP variables are read even when SMTP_HOST is unset, so that a typo in one is
    // reported rather than silently ignored.
    let host = env.get("SMTP_HOST");
    let is_loopback = host.as_deref().is_some_and(|host| {
        host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    });
    let security = env.parse_or(
        "SMTP_SECURITY",
        "one of none, starttls, tls",
        if is_loopback {
            SmtpSecurity::None
        } else {
            SmtpSecurity::StartTls
        },
    )?;
    let port = env.parse_or(
        "SMTP_PORT",
        "a port number from 1 to 65535",
        security.default_port(),
    )?;
    let username = env.get("SMTP_USERNAME");
    let password = env.get("SMTP_PASSWORD").map(SecretString::from);
    let timeout = env.seconds_or("SMTP_TIMEOUT_SECS", 10)?;
    if username.is_some() != password.is_some() {
        return Err(ConfigError {
            variable: "SMTP_PASSWORD",
            problem: "set SMTP_USERNAME and SMTP_PASSWORD together".into(),
        });
    }
    let smtp = host.map(|host| SmtpConfig {
        host,
        port,
        security,
        username,
        password,
        timeout,
    });
    let max_attempts = env.parse_or("EMAIL_MAX_ATTEMPTS", "a whole number", 12u32)?;
    if max_attempts == 0 {
        return Err(env.invalid("EMAIL_MAX_ATTEMPTS", "a whole number above 0", "0"));
    }
    Ok(EmailConfig {
        from,
        smtp,
        max_attempts,
        retry_base: env.seconds_or("EMAIL_RETRY_BASE_SECS", 5)?,
    })
}

/// Looks variables up and turns failures into [`ConfigError`]s. Empty values count as unset,
/// so `PORT=` in `.env` means "use the default" rather than "invalid port".
struct Env<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl Env<'_> {
    fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    fn parse_or<T: FromStr>(
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

    fn seconds_or(&self, name: &'static str, default: u64) -> Result<Duration, ConfigError> {
        let seconds: u64 = self.parse_or(name, "a whole number of seconds", default)?;
        if seconds == 0 {
            return Err(self.invalid(name, "a whole number of seconds above 0", "0"));
        }
        Ok(Duration::from_secs(seconds))
    }

    fn invalid(&self, variable: &'static str, expected: &str, got: &str) -> ConfigError {
        ConfigError {
            variable,
            problem: format!("expected {expected}, got {got:?}"),
        }
    }

    fn missing(&self, variable: &'static str, why: &str) -> ConfigError {
        ConfigError {
            variable,
            problem: format!("not set ({why})"),
        }
    }
}

fn parse_base_url(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("expected an http:// or https:// URL, got {url:?}"))?;
    if rest.is_empty() || rest.starts_with('/') || rest.contains(char::is_whitespace) {
        return Err(format!("expected a URL with a host, got {url:?}"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

impl fmt::Display for AppEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Development => "development",
            Self::Test => "test",
            Self::Production => "production",
        })
    }
}

#[cfg(test)]
mod tests {
    use std::{cell::RefCell, collections::HashMap};

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
        ] {
            let error = config(&[(name, value)]).unwrap_err();
            assert_eq!(error.variable, name, "{name}={value}");
            assert!(!error.to_string().contains('\n'));
        }
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
        assert_eq!(error.variable, "DATABASE_URL");

        let error = config(&[
            ("APP_ENV", "production"),
            ("APP_BASE_URL", "https://example.com/"),
            ("DATABASE_URL", "postgres://app:pw@db/app"),
        ])
        .unwrap_err();
        assert_eq!(error.variable, "SMTP_HOST");

        let config = config(&[
            ("APP_ENV", "production"),
            ("APP_BASE_URL", "https://example.com/"),
            ("DATABASE_URL", "postgres://app:pw@db/app"),
            ("SMTP_HOST", "smtp.example.com"),
        ])
        .unwrap();
        assert_eq!(config.base_url, "https://example.com");
        assert_eq!(config.log.format, LogFormat::Json);
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
}
